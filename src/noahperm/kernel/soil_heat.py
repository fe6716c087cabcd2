"""Soil heat: thermal conductivity, supercooled water, latent-heat sink, implicit heat solve.

Grid (as in Noah): layer k spans ``zsoil[k-1] .. zsoil[k]`` (``zsoil`` negative,
layer bottoms, m; ``zsoil[-1] = 0`` is the surface). Temperatures ``stc[k]`` sit
at layer mid-points; TBOT is a Dirichlet temperature at ``zbot`` (m, negative,
-40 m in the study). The heat equation

    C(z) dT/dt = d/dz (K(z) dT/dz) - rho_w L_f d(theta_liq)/dt

is discretised in space on that grid (each interface uses the conductivity of the layer above
it) and advanced in time implicitly: HRT builds the explicit tendency R(T_old) and the matrix M
of the diffusion operator with coefficients frozen at the old state, HSTEP solves
``(I + dt M) dT = dt R`` (Thomas algorithm, ROSR12). Noah's comments call this Crank-Nicolson;
it is in fact backward Euler in the diffusion (first order in time, see
tests/test_heat_analytic.py), with the bottom flux to TBOT and the latent-heat sink explicit.
Phase change enters through SNKSRC, which moves liquid water towards the supercooled-water
equilibrium of FRH2O (Koren et al. 1999) as far as the available energy allows.

Reference routines (module_sf_noahlsm.F, module_optimal.F): TDFCND_C05, FRH2O,
SNKSRC, TBND, TMPAVG, HRT, HSTEP, ROSR12, SHFLX. All functions are float64,
SI units, Numba ``njit``; arrays are modified in place where the Fortran does.
"""

import math

import numpy as np

from ._jit import FAST, jit
from .constants import CAIR_V, CH2O_V, CICE_V, DH2O, GS, HLICE, TFREEZ, URBAN_CSOIL, URBAN_DF
from .layout import NSOILP, SP_BB, SP_MAXSMC, SP_QTZ, SP_SATPSI

# rows of the column work array used here (the full list is in branches.py)
W_TC_A = 21  # K_s^(1-n) of each layer (tdfcnd_consts)
W_TC_DRY = 22  # K_dry of each layer
W_TC_W = 23  # 0.57^porosity of each layer
NWORK_HEAT = 24

LN_K_ICE = math.log(2.2)  # the fast build's K_ice^x = exp(x ln 2.2) [K_ice in W m-1 K-1]
LN_K_W = math.log(0.57)  # and K_w^x = exp(x ln 0.57)

GRAVEL = 13  # soil class of gravel in the re-ordered STAS table
BEDROCK = 14  # soil class of bedrock


@jit
def tdfcnd_consts(qz, smcmax, soilclass):
    """The water-independent parts of TDFCND_C05 for one soil: (K_s^(1-n), K_dry, K_w^n).

    K_s = 7.7^qz 2.0^(1-qz) [W m-1 K-1] is the solids' conductivity, n = smcmax the
    porosity; K_dry [W m-1 K-1] the dry conductivity (gravel: 1.70 10^(-1.80 n), bedrock:
    0.039 n^-2.2, others: (0.135 gamma_d + 64.7)/(2700 - 0.947 gamma_d), gamma_d = 2700 (1-n)).
    K_w^n = 0.57^n is the water factor of an unfrozen soil (xu = n exactly). The column
    driver computes them once per column; results are bit-identical to evaluating them inside
    TDFCND_C05 every time.
    """
    thks = (7.7**qz) * (2.0 ** (1.0 - qz))
    a_sat = thks ** (1.0 - smcmax)
    if soilclass == GRAVEL:
        thkdry = 1.70 * 10.0 ** (-1.80 * smcmax)
    elif soilclass == BEDROCK:
        thkdry = 0.039 * smcmax ** (-2.2)
    else:
        gammd = (1.0 - smcmax) * 2700.0
        thkdry = (0.135 * gammd + 64.7) / (2700.0 - 0.947 * gammd)
    return a_sat, thkdry, 0.57**smcmax


@jit
def tdfcnd_pre(smc, sh2o, smcmax, a_sat, thkdry, w_sat, soilclass):
    """TDFCND_C05 [W m-1 K-1] from the constants of ``tdfcnd_consts``."""
    satratio = smc / smcmax
    xu = (sh2o / smc) * smcmax
    # K_sat = K_s^(1-n) K_ice^(n-xu) K_w^xu (a power with exponent 0 is exactly 1)
    ex_ice = smcmax - xu
    if FAST and ex_ice != 0.0:  # one exp instead of two powers
        thksat = a_sat * math.exp(ex_ice * LN_K_ICE + xu * LN_K_W)
    elif ex_ice != 0.0:
        thksat = a_sat * 2.2**ex_ice * 0.57 ** (xu)
    else:  # unfrozen: K_ice^0 = 1 and K_w^xu with xu = smcmax exactly
        thksat = a_sat * 1.0 * w_sat
    if (sh2o + 0.0005) < smc:  # frozen
        if soilclass == GRAVEL:
            k = 1.70
            ake = (k * satratio) / (1.0 + (k - 1.0) * satratio)
        else:
            ake = satratio
    else:
        if soilclass == GRAVEL:
            k = 4.60
            ake = (k * satratio) / (1.0 + (k - 1.0) * satratio)
        elif satratio > 0.1:
            ake = math.log10(satratio) + 1.0
        else:
            ake = 0.0
    return ake * (thksat - thkdry) + thkdry


@jit
def tdfcnd_c05(smc, qz, smcmax, sh2o, soilclass):
    """Soil thermal conductivity [W m-1 K-1] (TDFCND_C05, OPT_TCND=2).

    Johansen (1975) / Peters-Lidard et al. (1998) with the gravel and bedrock
    terms as coded by the authors: ``K = Ke (K_sat - K_dry) + K_dry``.

    smc, sh2o : total and liquid soil water [m3 m-3]; qz : quartz fraction [-];
    smcmax : porosity [m3 m-3]; soilclass : STAS class (13 gravel, 14 bedrock,
    anything else the standard formulation).
    Gravel: K_dry = 1.70 10^(-1.80 n), Ke = k Sr / (1 + (k-1) Sr) with k = 1.70
    frozen, 4.60 unfrozen. Bedrock: K_dry = 0.039 n^-2.2. Frozen means
    SH2O + 0.0005 < SMC.
    """
    a_sat, thkdry, w_sat = tdfcnd_consts(qz, smcmax, soilclass)
    return tdfcnd_pre(smc, sh2o, smcmax, a_sat, thkdry, w_sat, soilclass)


@jit
def frh2o(tkelv, smc, sh2o, smcmax, bexp, psis):
    """Equilibrium liquid water content of frozen soil [m3 m-3] (FRH2O, OPT_FRZ=1).

    Koren et al. (1999, JGR 104, eq. 17): solves
    ``ln(psis g / L_f (1 + Ck x)^2 (smcmax/(smc - x))^b) = ln(-(T - T0)/T)``
    for the ice content x by Newton iteration (tolerance 0.005, at most 10
    iterations, starting from the current ice), Ck = 8, b capped at 5.5.
    Falls back to the explicit Flerchinger-Saxton form if Newton does not
    converge. Above T0 - 1e-3 K all water is liquid.
    The fast build (``FAST``) writes the log of the product as the sum of the logs.
    tkelv [K]; smc, sh2o, smcmax [m3 m-3]; bexp [-]; psis: saturated matric
    potential [m] (positive).
    """
    ck = 8.0
    blim = 5.5
    error = 0.005
    t0 = TFREEZ
    bx = bexp
    if bexp > blim:
        bx = blim
    nlog = 0
    kcount = 0
    if tkelv > (t0 - 1.0e-3):
        return smc
    swl = smc - sh2o
    if swl > (smc - 0.02):
        swl = smc - 0.02
    if swl < 0.0:
        swl = 0.0
    c1 = psis * GS / HLICE  # loop invariants (same values as inside the Fortran loop)
    rhs = math.log(-(tkelv - t0) / tkelv)
    lc1 = math.log(c1) if FAST else 0.0
    while nlog < 10 and kcount == 0:
        nlog += 1
        y = 1.0 + ck * swl
        if FAST:  # two logs instead of a power and a log
            df = lc1 + 2.0 * math.log(y) + bx * math.log(smcmax / (smc - swl)) - rhs
        else:
            df = math.log(c1 * (y * y) * (smcmax / (smc - swl)) ** bx) - rhs
        denom = 2.0 * ck / (1.0 + ck * swl) + bx / (smc - swl)
        swlk = swl - df / denom
        if swlk > (smc - 0.02):
            swlk = smc - 0.02
        if swlk < 0.0:
            swlk = 0.0
        dswl = abs(swlk - swl)
        swl = swlk
        if dswl <= error:
            kcount += 1
    free = smc - swl
    if kcount == 0:
        fk = (((HLICE / (GS * (-psis))) * ((tkelv - t0) / tkelv)) ** (-1.0 / bx)) * smcmax
        if fk < 0.02:
            fk = 0.02
        free = min(fk, smc)
    return free


@jit
def snksrc(tavg, smc, sh2o, zsoil, k, smcmax, psisat, bexp, dt, qtot):
    """Latent-heat sink/source of layer k and its new liquid water (SNKSRC).

    The liquid water moves towards the FRH2O equilibrium at ``tavg`` [K] but
    only as far as the energy ``qtot`` [W m-2] of the layer allows in ``dt``
    [s], never past the equilibrium nor past the current value on the other
    side, within [0, smc]. Returns ``(tsnsr [W m-2], sh2o_new [m3 m-3])``.
    """
    if k == 0:
        dz = -zsoil[0]
    else:
        dz = zsoil[k - 1] - zsoil[k]
    free = frh2o(tavg, smc, sh2o, smcmax, bexp, psisat)
    xh2o = sh2o + qtot * dt / (DH2O * HLICE * dz)
    if xh2o < sh2o and xh2o < free:
        if free > sh2o:
            xh2o = sh2o
        else:
            xh2o = free
    if xh2o > sh2o and xh2o > free:
        if free < sh2o:
            xh2o = sh2o
        else:
            xh2o = free
    if xh2o < 0.0:
        xh2o = 0.0
    if xh2o > smc:
        xh2o = smc
    tsnsr = -DH2O * HLICE * dz * (xh2o - sh2o) / dt
    return tsnsr, xh2o


@jit
def tbnd(tu, tb, zsoil, zbot, k, nsoil):
    """Temperature at the bottom boundary of layer k, linear between nodes [K] (TBND)."""
    if k == 0:
        zup = 0.0
    else:
        zup = zsoil[k - 1]
    if k == nsoil - 1:
        zb = 2.0 * zbot - zsoil[k]
    else:
        zb = zsoil[k + 1]
    return tu + (tb - tu) * (zup - zsoil[k]) / (zup - zb)


@jit
def tmpavg(tup, tm, tdn, zsoil, k):
    """Layer-mean temperature [K] of a piecewise-linear profile that may cross T0 (TMPAVG).

    tup, tm, tdn: temperature at the top, middle and bottom of layer k [K].
    Each half-layer is split where it crosses T0 and averaged accordingly.
    """
    t0 = TFREEZ
    if k == 0:
        dz = -zsoil[0]
    else:
        dz = zsoil[k - 1] - zsoil[k]
    dzh = dz * 0.5
    if tup < t0:
        if tm < t0:
            if tdn < t0:
                tavg = (tup + 2.0 * tm + tdn) / 4.0
            else:
                x0 = (t0 - tm) * dzh / (tdn - tm)
                tavg = 0.5 * (tup * dzh + tm * (dzh + x0) + t0 * (2.0 * dzh - x0)) / dz
        else:
            if tdn < t0:
                xup = (t0 - tup) * dzh / (tm - tup)
                xdn = dzh - (t0 - tm) * dzh / (tdn - tm)
                tavg = 0.5 * (tup * xup + t0 * (2.0 * dz - xup - xdn) + tdn * xdn) / dz
            else:
                xup = (t0 - tup) * dzh / (tm - tup)
                tavg = 0.5 * (tup * xup + t0 * (2.0 * dz - xup)) / dz
    else:
        if tm < t0:
            if tdn < t0:
                xup = dzh - (t0 - tup) * dzh / (tm - tup)
                tavg = 0.5 * (t0 * (dz - xup) + tm * (dzh + xup) + tdn * dzh) / dz
            else:
                xup = dzh - (t0 - tup) * dzh / (tm - tup)
                xdn = (t0 - tm) * dzh / (tdn - tm)
                tavg = 0.5 * (t0 * (2.0 * dz - xup - xdn) + tm * (xup + xdn)) / dz
        else:
            if tdn < t0:
                xdn = dzh - (t0 - tm) * dzh / (tdn - tm)
                tavg = (t0 * (dz - xdn) + 0.5 * (t0 + tdn) * xdn) / dz
            else:
                tavg = (tup + 2.0 * tm + tdn) / 4.0
    return tavg


@jit
def rosr12(p, a, b, c, d, delta, nsoil):
    """Solve the tridiagonal system (ROSR12, Thomas algorithm).

    Row k: ``a[k] x[k-1] + b[k] x[k] + c[k] x[k+1] = d[k]``; the solution is
    written to ``p``; ``delta`` is work space; ``c[nsoil-1]`` is set to 0.
    """
    c[nsoil - 1] = 0.0
    p[0] = -c[0] / b[0]
    delta[0] = d[0] / b[0]
    for k in range(1, nsoil):
        rden = 1.0 / (b[k] + a[k] * p[k - 1])
        p[k] = -c[k] * rden
        delta[k] = (d[k] - a[k] * delta[k - 1]) * rden
    p[nsoil - 1] = delta[nsoil - 1]
    for kk in range(nsoil - 2, -1, -1):
        p[kk] = p[kk] * p[kk + 1] + delta[kk]


@jit
def heat_capacity(sh2o, smc, smcmax, csoil):
    """Volumetric heat capacity of a layer [J m-3 K-1] (as in HRT)."""
    return sh2o * CH2O_V + (1.0 - smcmax) * csoil + (smcmax - smc) * CAIR_V + (smc - sh2o) * CICE_V


@jit
def hrt(stc, smc, sh2o, zsoil, yy, zz1, tbot, zbot, dt, df1, csoil, top_smcmax, top_psisat,
        top_bexp, soilp, stype, is_urban, rhsts, ai, bi, ci, hcap, tc_a, tc_dry, tc_w):
    """Right-hand side and matrix of the soil heat equation (HRT, ITAVG = true).

    stc, smc, sh2o : (nsoil,) state [K, m3 m-3]; sh2o is updated by SNKSRC.
    yy [K], zz1 [-] : the surface boundary condition, T_surface = (yy + (zz1-1) stc[0]) / zz1.
    tbot [K] at zbot [m]; dt [s]; df1 : conductivity of layer 1 [W m-1 K-1]
    (snow/vegetation adjusted by the caller); csoil [J m-3 K-1].
    top_smcmax, top_psisat, top_bexp : the soil parameters of layer 1 used for
    its heat capacity and latent-heat sink (the reference uses SMCMAX of
    stype(1), PSISAT of Soil_type_index and BEXP of stype(NSOIL) here; see
    docs/kernel.md). soilp (nsoil, NSOILP), stype (nsoil,) : per-layer
    parameters and classes for layers 2..N; tc_a, tc_dry, tc_w (nsoil,) : their
    conductivity constants (``tdfcnd_consts``).
    Outputs rhsts [K s-1], ai, bi, ci [s-1], hcap: the heat capacity of each layer used
    [J m-3 K-1]. Returns the heat flux into the column through ZBOT [W m-2, positive upward];
    it is explicit (old temperature of the bottom layer), as in the reference.
    """
    nsoil = stc.shape[0]
    csoil_loc = URBAN_CSOIL if is_urban else csoil
    t0 = TFREEZ
    # --- layer 1
    hcpct = heat_capacity(sh2o[0], smc[0], top_smcmax, csoil_loc)
    hcap[0] = hcpct
    gbot = 0.0
    ddz = 1.0 / (-0.5 * zsoil[1])
    ai[0] = 0.0
    ci[0] = (df1 * ddz) / (zsoil[0] * hcpct)
    bi[0] = -ci[0] + df1 / (0.5 * zsoil[0] * zsoil[0] * hcpct * zz1)
    dtsdz = (stc[0] - stc[1]) / (-0.5 * zsoil[1])
    ssoil = df1 * (stc[0] - yy) / (0.5 * zsoil[0] * zz1)
    denom = zsoil[0] * hcpct
    rhsts[0] = (df1 * dtsdz - ssoil) / denom
    qtot = -1.0 * rhsts[0] * denom
    sice = smc[0] - sh2o[0]
    tsurf = (yy + (zz1 - 1.0) * stc[0]) / zz1
    tbk = tbnd(stc[0], stc[1], zsoil, zbot, 0, nsoil)
    if (sice > 0.0) or (stc[0] < t0) or (tsurf < t0) or (tbk < t0):
        tavg = tmpavg(tsurf, stc[0], tbk, zsoil, 0)
        tsnsr, sh2o[0] = snksrc(tavg, smc[0], sh2o[0], zsoil, 0, top_smcmax, top_psisat,
                                top_bexp, dt, qtot)
        rhsts[0] = rhsts[0] - tsnsr / denom
    # --- layers 2..N
    ddz2 = 0.0
    df1k = df1
    for k in range(1, nsoil):
        smcmax = soilp[k, SP_MAXSMC]
        hcpct = heat_capacity(sh2o[k], smc[k], smcmax, csoil_loc)
        hcap[k] = hcpct
        df1n = tdfcnd_pre(smc[k], sh2o[k], smcmax, tc_a[k], tc_dry[k], tc_w[k], stype[k])
        if is_urban:
            df1n = URBAN_DF
        if k != nsoil - 1:
            denom = 0.5 * (zsoil[k - 1] - zsoil[k + 1])
            dtsdz2 = (stc[k] - stc[k + 1]) / denom
            ddz2 = 2.0 / (zsoil[k - 1] - zsoil[k + 1])
            ci[k] = -df1n * ddz2 / ((zsoil[k - 1] - zsoil[k]) * hcpct)
            tbk1 = tbnd(stc[k], stc[k + 1], zsoil, zbot, k, nsoil)
        else:
            denom = 0.5 * (zsoil[k - 1] + zsoil[k]) - zbot
            dtsdz2 = (stc[k] - tbot) / denom
            gbot = -df1n * dtsdz2
            ci[k] = 0.0
            tbk1 = tbnd(stc[k], tbot, zsoil, zbot, k, nsoil)
        denom = (zsoil[k] - zsoil[k - 1]) * hcpct
        rhsts[k] = (df1n * dtsdz2 - df1k * dtsdz) / denom
        qtot = -1.0 * denom * rhsts[k]
        sice = smc[k] - sh2o[k]
        tavg = tmpavg(tbk, stc[k], tbk1, zsoil, k)
        if (sice > 0.0) or (stc[k] < t0) or (tbk < t0) or (tbk1 < t0):
            tsnsr, sh2o[k] = snksrc(tavg, smc[k], sh2o[k], zsoil, k, smcmax,
                                    soilp[k, SP_SATPSI], soilp[k, SP_BB], dt, qtot)
            rhsts[k] = rhsts[k] - tsnsr / denom
        ai[k] = -df1k * ddz / ((zsoil[k - 1] - zsoil[k]) * hcpct)
        bi[k] = -(ai[k] + ci[k])
        tbk = tbk1
        df1k = df1n
        dtsdz = dtsdz2
        ddz = ddz2
    return gbot


@jit
def hstep(stc, rhsts, dt, ai, bi, ci, work1, work2, work3):
    """Advance soil temperature one implicit step in place (HSTEP).

    The matrix from HRT is scaled by dt; the increment solves
    ``(I + dt M) dT = dt rhs``. work1..3 are (nsoil,) scratch arrays.
    """
    nsoil = stc.shape[0]
    for k in range(nsoil):
        rhsts[k] = rhsts[k] * dt
        ai[k] = ai[k] * dt
        bi[k] = 1.0 + bi[k] * dt
        work1[k] = ci[k] * dt  # CIin
    rosr12(work2, ai, bi, work1, rhsts, work3, nsoil)
    for k in range(nsoil):
        stc[k] = stc[k] + work2[k]


@jit
def shflx(stc, smc, sh2o, zsoil, yy, zz1, tbot, zbot, dt, df1, csoil, top_smcmax, top_psisat,
          top_bexp, soilp, stype, is_urban, wk):
    """Update soil temperature and liquid water (phase change) one step (SHFLX).

    Returns (T1, SSOIL, GBOT, DHSOIL): T1 = (yy + (zz1-1) stc[0]) / zz1 [K] the new skin
    temperature, SSOIL = df1 (stc[0] - T1) / (0.5 zsoil[0]) [W m-2] the ground heat flux
    (positive into the soil at this point of SFLX; it is the surface flux the solve
    applied, at the new temperature), GBOT the flux into the column through ZBOT [W m-2]
    and DHSOIL the change of the column's heat content over the step, sensible plus
    latent, divided by dt [W m-2]. The scheme conserves energy: DHSOIL = SSOIL + GBOT
    to round-off. ``wk`` is the (NWORK, nsoil) work array: scratch rows 0-6 and 18-20, and
    the conductivity constants of each layer in rows W_TC_A, W_TC_DRY (``conductivity_consts``).
    """
    rhsts = wk[0]
    ai = wk[1]
    bi = wk[2]
    ci = wk[3]
    hcap = wk[18]
    told = wk[19]
    wold = wk[20]
    nsoil = stc.shape[0]
    for k in range(nsoil):
        told[k] = stc[k]
        wold[k] = sh2o[k]
    gbot = hrt(stc, smc, sh2o, zsoil, yy, zz1, tbot, zbot, dt, df1, csoil, top_smcmax,
               top_psisat, top_bexp, soilp, stype, is_urban, rhsts, ai, bi, ci, hcap,
               wk[W_TC_A], wk[W_TC_DRY], wk[W_TC_W])
    hstep(stc, rhsts, dt, ai, bi, ci, wk[4], wk[5], wk[6])
    t1 = (yy + (zz1 - 1.0) * stc[0]) / zz1
    ssoil = df1 * (stc[0] - t1) / (0.5 * zsoil[0])
    dh = 0.0
    for k in range(nsoil):
        dz = -zsoil[0] if k == 0 else zsoil[k - 1] - zsoil[k]
        dh += dz * (hcap[k] * (stc[k] - told[k]) + DH2O * HLICE * (sh2o[k] - wold[k]))
    return t1, ssoil, gbot, dh / dt


@jit
def conductivity_consts(soilp, stype, wk):
    """Fill the work rows W_TC_A, W_TC_DRY, W_TC_W with ``tdfcnd_consts`` of every layer."""
    for k in range(soilp.shape[0]):
        wk[W_TC_A, k], wk[W_TC_DRY, k], wk[W_TC_W, k] = tdfcnd_consts(
            soilp[k, SP_QTZ], soilp[k, SP_MAXSMC], stype[k])


@jit
def _heat_column_steps(stc, smc, sh2o, zsoil, tsurf, tbot, zbot, dt, csoil, soilp, stype,
                       stc_out, sh2o_out, g_top, g_bot, dh):
    nsoil = stc.shape[0]
    wk = np.empty((NWORK_HEAT, nsoil))
    conductivity_consts(soilp, stype, wk)
    for n in range(tsurf.shape[0]):
        df1 = tdfcnd_c05(smc[0], soilp[0, SP_QTZ], soilp[0, SP_MAXSMC], sh2o[0], stype[0])
        # Dirichlet surface temperature tsurf at z = 0: zz1 = 1, yy = tsurf.
        _t1, g_top[n], g_bot[n], dh[n] = shflx(stc, smc, sh2o, zsoil, tsurf[n], 1.0, tbot, zbot, dt, df1, csoil,
              soilp[0, SP_MAXSMC], soilp[0, SP_SATPSI], soilp[0, SP_BB], soilp, stype, False, wk)
        for k in range(nsoil):
            stc_out[n, k] = stc[k]
            sh2o_out[n, k] = sh2o[k]


def solve_heat_column(sldpth, stc0, smc, sh2o0, tsurf, dt, tbot, zbot, soilp, stype=None,
                      csoil=2.0e6, return_fluxes=False):
    """Run the soil heat solver alone: prescribed surface temperature, fixed total water.

    This is HRT + HSTEP (with FRH2O/SNKSRC phase change and TDFCND_C05
    conductivity) exactly as the column model uses them, driven by a
    Dirichlet skin temperature instead of the surface energy balance: the
    surface boundary condition of HRT with ``zz1 = 1`` and ``yy = tsurf``.
    No soil water flow, so total water ``smc`` stays fixed and only the
    liquid/ice split changes.

    Parameters
    ----------
    sldpth : (nsoil,) layer thicknesses [m]
    stc0, sh2o0 : (nsoil,) initial temperature [K] and liquid water [m3 m-3]
    smc : (nsoil,) total water [m3 m-3] (constant)
    tsurf : (nstep,) surface temperature of each step [K]
    dt : time step [s]
    tbot : temperature at depth ``zbot`` [K]; zbot : depth (negative) [m]
    soilp : (NSOILP,) or (nsoil, NSOILP) soil parameters (layout SP_*)
    stype : (nsoil,) soil classes (for the gravel/bedrock conductivity); default 0
    csoil : heat capacity of the solids [J m-3 K-1]

    return_fluxes : also return a dict of (nstep,) arrays: ``gsoil`` the surface heat flux
        into the soil [W m-2], ``gbot`` the flux into the column through zbot [W m-2] and
        ``dhsoil`` the change of heat content (sensible + latent) per time [W m-2].

    Returns
    -------
    stc, sh2o : (nstep, nsoil) after each step (and the flux dict if ``return_fluxes``).
    """
    sldpth = np.asarray(sldpth, dtype=np.float64)
    nsoil = sldpth.size
    zsoil = -np.cumsum(sldpth)
    soilp = np.asarray(soilp, dtype=np.float64)
    if soilp.ndim == 1:
        soilp = np.repeat(soilp[None, :], nsoil, axis=0)
    if soilp.shape != (nsoil, NSOILP):
        raise ValueError(f"soilp must have shape ({NSOILP},) or ({nsoil}, {NSOILP})")
    stype = np.zeros(nsoil, dtype=np.int64) if stype is None else np.asarray(stype, np.int64)
    stc = np.array(stc0, dtype=np.float64) * np.ones(nsoil)
    sh2o = np.array(sh2o0, dtype=np.float64) * np.ones(nsoil)
    smc = np.array(smc, dtype=np.float64) * np.ones(nsoil)
    tsurf = np.asarray(tsurf, dtype=np.float64)
    stc_out = np.empty((tsurf.size, nsoil))
    sh2o_out = np.empty((tsurf.size, nsoil))
    fl = {name: np.empty(tsurf.size) for name in ("gsoil", "gbot", "dhsoil")}
    _heat_column_steps(stc, smc, sh2o, zsoil, tsurf, float(tbot), float(zbot), float(dt),
                       float(csoil), soilp, stype, stc_out, sh2o_out, fl["gsoil"], fl["gbot"],
                       fl["dhsoil"])
    if return_fluxes:
        return stc_out, sh2o_out, fl
    return stc_out, sh2o_out

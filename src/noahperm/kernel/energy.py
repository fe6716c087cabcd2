"""Surface energy and evaporation of a step: Penman potential evaporation, canopy resistance
and the evaporation terms (bare soil, canopy water, transpiration).

Potential evaporation (PENMAN; Mahrt and Ek 1984) is the combination equation, the surface
energy balance linearised about the air temperature ``T_a``:

    E_p = R_ch / L * (A r + Delta (R_n / R_ch + theta_2 - T_a)) / (Delta + r)

with ``R_ch = rho c_p C_h`` (``rho = p / (R_d T_2v)``), the saturation deficit
``A = (L / c_p) (q_s(T_a) - q_2)``, ``Delta = (L / c_p) dq_s/dT``, the available energy
``R_n = F_down - eps sigma T_a^4 - G`` (less the latent heat of freezing rain), and
``r = 1 + 4 eps sigma R_d T_a^4 / (p c_p C_h)`` (the constant 6.48e-8 = 4 sigma R_d / c_p),
plus ``c_w P / R_ch`` for rain (``c_ice P / R_ch`` for snow). ``L`` and ``L / c_p`` are
weighted between vaporisation and sublimation by the snow cover ``sigma_s``.

Canopy resistance (CANRES; Jarvis 1976, Noilhan and Planton 1989):

    R_c = R_c,min / (LAI F_1 F_2 F_3 F_4)
    F_1 = (f + R_c,min / R_c,max) / (1 + f),  f = 0.55 * 2 S / (R_gl LAI)   (solar S)
    F_2 = 1 - 0.0016 (T_opt - T_a)^2,  F_3 = 1 / (1 + h_s (q_s - q_2))
    F_4 = sum over root layers of (dz_i / z_root) clip((theta_i - theta_w) / (theta_ref - theta_w), 0, 1)

(``F_1``, ``F_2``, ``F_4`` at least 1e-4, ``F_3`` at least 0.01), and the plant coefficient
``P_c = (r + Delta) / (r (1 + R_c C_h) + Delta)`` with ``r`` as above without precipitation.

Evaporation terms (EVAPO, DEVAP, TRANSP), kinematic, from ``E_p`` [m s-1] when it is positive:

    E_dir = (1 - sigma_f) E_p clip(((theta_1 - theta_dry) / (theta_max - theta_dry))^fxexp, 0, 1)
    E_c   = min(sigma_f (W_c / W_c,max)^n E_p, W_c / dt)
    E_t,i = sigma_f P_c E_p (1 - (W_c / W_c,max)^n) w_i / sum_j w_j,
            w_i = g_i max(rtdis_i + g_i - mean(g), 0),  g_i = clip((theta_i - theta_w) / (theta_ref - theta_w), 0, 1)

(green fraction ``sigma_f``, canopy water ``W_c``, ``n = CFACTR``, root fractions
``rtdis``; the last factor of ``E_t`` is 1 when ``W_c = 0``).

Reference routines (module_sf_noahlsm.F): PENMAN, CANRES, DEVAP, TRANSP, EVAPO. Fluxes in
kinematic units (m s-1 of water, or kg m-2 s-1 where the reference uses them) inside, W m-2
where stated. Float64, Numba ``njit``.

Soil parameters are passed explicitly. Where the reference uses a value that
leaked from another routine (REFERENCE_MODEL.md section 3), the callers pass that value:
``column.column_step`` (CANRES) and the branches ``nopac``/``snopac`` of :mod:`.branches`
(EVAPO), from the effective parameters ``column.prepare_column`` sets; see docs/kernel.md
for the list.
"""

from ._jit import jit
from .constants import CP, CP_PENMAN, CPH2O, CPICE, ELCP, LSUBC, LSUBF, LSUBS, RD, SIGMA


@jit
def penman(sfctmp, sfcprs, ch, t2v, th2, prcp, fdown, ssoil, q2, q2sat, snowng, frzgra,
           dqsdt2, emissi, sncovr):
    """Potential evaporation by the Penman combination equation (PENMAN).

    sfctmp [K], sfcprs [Pa], ch [m s-1], t2v virtual temperature [K], th2
    potential temperature [K], prcp [kg m-2 s-1], fdown = SOLNET + LWDN
    [W m-2], ssoil ground heat flux [W m-2], q2, q2sat [kg kg-1], dqsdt2
    [kg kg-1 K-1], emissi [-], sncovr [-]. Latent heat and ELCP are weighted
    between vaporisation and sublimation by snow cover.
    Returns (etp [kg m-2 s-1], rch [W m-2 K-1], epsca [K], rr [-], flx2
    [W m-2], t24 [K4]).
    """
    elcp1 = (1.0 - sncovr) * ELCP + sncovr * ELCP * LSUBS / LSUBC
    lvs = (1.0 - sncovr) * LSUBC + sncovr * LSUBS
    flx2 = 0.0
    delta = elcp1 * dqsdt2
    t24 = sfctmp * sfctmp * sfctmp * sfctmp
    rr = emissi * t24 * 6.48e-8 / (sfcprs * ch) + 1.0
    rho = sfcprs / (RD * t2v)
    rch = rho * CP_PENMAN * ch
    if not snowng:
        if prcp > 0.0:
            rr = rr + CPH2O * prcp / rch
    else:
        rr = rr + CPICE * prcp / rch
    fnet = fdown - emissi * SIGMA * t24 - ssoil
    if frzgra:
        flx2 = -LSUBF * prcp
        fnet = fnet - flx2
    rad = fnet / rch + th2 - sfctmp
    a = elcp1 * (q2sat - q2)
    epsca = (a * rr + rad * delta) / (delta + rr)
    etp = epsca * rch / lvs
    return etp, rch, epsca, rr, flx2, t24


@jit
def canres(solar, ch, sfctmp, q2, sfcprs, sh2o, zsoil, nroot, smcwlt, smcref, rsmin, rc_par,
           q2sat, dqsdt2, xlai, emissi):
    """Canopy resistance and plant coefficient (CANRES; Jarvis 1976, Noilhan & Planton 1989).

    solar [W m-2]; sh2o liquid water [m3 m-3]; smcwlt/smcref (nsoil,) wilting
    point and field capacity per root layer [m3 m-3]; rc_par = (topt [K],
    rsmax [s m-1], rgl [W m-2], hs [-]); rsmin [s m-1]; xlai [m2 m-2].
    Returns (rc [s m-1], pc [-], rcs, rct, rcq, rcsoil [-]).
    """
    topt = rc_par[0]
    rsmax = rc_par[1]
    rgl = rc_par[2]
    hs = rc_par[3]
    ff = 0.55 * 2.0 * solar / (rgl * xlai)
    rcs = (ff + rsmin / rsmax) / (1.0 + ff)
    rcs = max(rcs, 0.0001)
    rct = 1.0 - 0.0016 * ((topt - sfctmp) ** 2.0)
    rct = max(rct, 0.0001)
    rcq = 1.0 / (1.0 + hs * (q2sat - q2))
    rcq = max(rcq, 0.01)
    rcsoil = 0.0
    for k in range(nroot):
        gx = (sh2o[k] - smcwlt[k]) / (smcref[k] - smcwlt[k])
        if gx > 1.0:
            gx = 1.0
        if gx < 0.0:
            gx = 0.0
        if k == 0:
            part = (zsoil[0] / zsoil[nroot - 1]) * gx
        else:
            part = ((zsoil[k] - zsoil[k - 1]) / zsoil[nroot - 1]) * gx
        rcsoil = rcsoil + part
    rcsoil = max(rcsoil, 0.0001)
    rc = rsmin / (xlai * rcs * rct * rcq * rcsoil)
    rr = (4.0 * emissi * SIGMA * RD / CP) * (sfctmp**4.0) / (sfcprs * ch) + 1.0
    delta = (LSUBC / CP) * dqsdt2
    pc = (rr + delta) / (rr * (1.0 + rc * ch) + delta)
    return rc, pc, rcs, rct, rcq, rcsoil


@jit
def devap(etp1, smc1, shdfac, smcmax, smcdry, fxexp):
    """Direct soil evaporation [m s-1] (DEVAP): ``((smc-dry)/(max-dry))^fxexp (1-shdfac) etp1``."""
    sratio = (smc1 - smcdry) / (smcmax - smcdry)
    if sratio > 0.0:
        fx = sratio**fxexp
        fx = max(min(fx, 1.0), 0.0)
    else:
        fx = 0.0
    return fx * (1.0 - shdfac) * etp1


@jit
def transp(et, etp1, sh2o, cmc, shdfac, smcwlt, smcref, cmcmax, pc, cfactr, nroot, rtdis):
    """Transpiration from each root layer [m s-1] into ``et`` (TRANSP).

    smcwlt/smcref (nsoil,) per root layer [m3 m-3]; rtdis root fractions.
    """
    nsoil = et.shape[0]
    for k in range(nsoil):
        et[k] = 0.0
    if cmc != 0.0:
        etp1a = shdfac * pc * etp1 * (1.0 - (cmc / cmcmax) ** cfactr)
    else:
        etp1a = shdfac * pc * etp1
    sgx = 0.0
    for i in range(nroot):
        g = (sh2o[i] - smcwlt[i]) / (smcref[i] - smcwlt[i])
        g = max(min(g, 1.0), 0.0)
        et[i] = g  # temporary storage of GX
        sgx = sgx + g
    sgx = sgx / nroot
    denom = 0.0
    for i in range(nroot):
        rtx = rtdis[i] + et[i] - sgx
        et[i] = et[i] * max(rtx, 0.0)
        denom = denom + et[i]
    if denom <= 0.0:
        denom = 1.0
    for i in range(nroot):
        et[i] = etp1a * et[i] / denom


@jit
def evapo(et, smc, sh2o, cmc, etp1, dt, shdfac, smcmax_e, smcdry_e, fxexp, smcwlt_l, smcref_l,
          cmcmax, pc, cfactr, nroot, rtdis):
    """Evaporation terms [m s-1] (EVAPO): returns (eta1, edir, ec, ett); et filled per layer."""
    nsoil = et.shape[0]
    edir = 0.0
    ec = 0.0
    ett = 0.0
    for k in range(nsoil):
        et[k] = 0.0
    if etp1 > 0.0:
        if shdfac < 1.0:
            edir = devap(etp1, smc[0], shdfac, smcmax_e, smcdry_e, fxexp)
        if shdfac > 0.0:
            transp(et, etp1, sh2o, cmc, shdfac, smcwlt_l, smcref_l, cmcmax, pc, cfactr, nroot,
                   rtdis)
            for k in range(nsoil):
                ett = ett + et[k]
            if cmc > 0.0:
                ec = shdfac * ((cmc / cmcmax) ** cfactr) * etp1
            else:
                ec = 0.0
            cmc2ms = cmc / dt
            ec = min(cmc2ms, ec)
    return edir + ett + ec, edir, ec, ett

"""The two branches of a step: snow-free (NOPAC) and snow-covered (SNOPAC).

Each branch computes evaporation (EVAPO, :mod:`.energy`), updates soil water (SMFLX,
:mod:`.soil_water`), solves the skin temperature from the linearised surface energy balance
and updates soil temperature (SHFLX, :mod:`.soil_heat`); SNOPAC also sublimates, melts and
compacts the pack (SNOWPACK, :mod:`.snow`). Symbols as in :mod:`.energy` (``R_ch``, ``r``,
``epsca = E_p L / R_ch``); ``K`` is the ground heat flux conductivity and ``T_s1`` the top
soil layer's temperature.

NOPAC. With ``E_p > 0`` the soil, canopy and plants evaporate (EVAPO) and ``beta = E / E_p``;
otherwise ``-E_p`` falls as dew onto the soil water input. The skin temperature follows from

    yy  = T_a + ((F_down - eps sigma T_a^4) / R_ch + theta_2 - T_a - beta epsca) / r
    zz1 = 1 + K / (-0.5 z_1 R_ch r),  K = TDFCND(top layer) exp(SBETA SHDFAC)
    T_1 = (yy + (zz1 - 1) T_s1) / zz1,  G = K (T_1 - T_s1) / (-0.5 z_1)

(the last line inside SHFLX, with the soil heat solve); rain brings
``F_1 = c_w P (T_1 - T_a)``.

SNOPAC. Frost (``E_p <= 0``, reduced under stable stratification, ``Ri_b >= 0.1``, when
``F_down > 150 W m-2``) or sublimation ``sigma_s E_p`` from the pack and EVAPO over the
snow-free part ``1 - sigma_s``, with latent heat ``LE``. The snow surface temperature, heat
flowing through snow and top half-layer (depth ``d = h_s - 0.5 z_1``, conductivity ``K``
from SFLX):

    T_12 = (T_a + ((F_down - F_1 - F_2 - eps sigma T_a^4 - LE) / R_ch + theta_2 - T_a) / r
            + K T_s1 / (d r R_ch)) / (1 + K / (d r R_ch))

is the skin temperature if ``T_12 <= T_f``; otherwise ``T_1 = T_f sigma_s^2 + T_12 (1 -
sigma_s^2)`` and what the balance leaves,
``F_3 = F_down - F_1 - F_2 - eps sigma T_1^4 - G - R_ch (T_1 - theta_2) - LE`` (at least 0),
melts ``F_3 dt / (rho_w L_f)`` of snow water (at most the pack). ``G = K (T_1 - T_s1) / d``;
melt water and rain go to SMFLX, SHFLX uses ``G`` as the top flux (it must not overwrite
``T_1``), and SNOWPACK compacts what is left.

Reference routines: NOPAC and SNOPAC (module_sf_noahlsm.F). Float64, Numba.

``eff`` carries the effective soil parameters of the run (layout E_* below, set by
``column.prepare_column``), so the reference's leaked values and the consistent mode are
both expressed by the caller.
"""

import math

from ._jit import jit
from .constants import CPH2O, CPICE, LSUBC, LSUBF, LSUBS, SIGMA, TFREEZ, URBAN_DF
from .energy import evapo
from .snow import snowpack
from .soil_heat import NWORK_HEAT, shflx, tdfcnd_pre
from .soil_water import smflx

# effective soil parameters of a column (filled once per run by column.prepare_column)
E_SMCMAX = 0  # SMCMAX used by DEVAP (Soil_type_index in reference mode)
E_SMCDRY = 1  # SMCDRY used by DEVAP
E_KDT = 2  # infiltration parameter KDT = REFKDT DKSAT / REFDK [-]
E_TOP_SMCMAX = 3  # HRT layer 1 heat capacity / SNKSRC porosity
E_TOP_PSISAT = 4  # HRT layer 1 SNKSRC saturated potential [m]
E_TOP_BEXP = 5  # HRT layer 1 SNKSRC b exponent
E_SRT2_SMCWLT = 6  # SMCWLT seen by the second SRT pass
E_NOPAC_QTZ = 7  # quartz used by NOPAC's top conductivity
E_NOPAC_SMCMAX = 8  # porosity used by NOPAC's top conductivity
E_NOPAC_CLASS = 9  # soil class used by NOPAC's top conductivity (0 = standard)
E_CONSISTENT = 10  # 1.0 in consistent mode
E_TOP_TC_A = 11  # conductivity constants (tdfcnd_consts) of SFLX's top-layer estimate
E_TOP_TC_DRY = 12
E_NOPAC_TC_A = 13  # ... and of NOPAC's top-layer conductivity
E_NOPAC_TC_DRY = 14
E_TOP_TC_W = 15
E_NOPAC_TC_W = 16
NEFF = 17

# work array rows (each of length nsoil): rows 0..13 scratch of SHFLX / SMFLX,
W_ET = 14  # scratch: transpiration per layer [m s-1]
# constant over a run, set by column.prepare_column:
W_RTDIS = 15  # root fractions
W_WLT = 16  # wilting point per root layer as used by CANRES/TRANSP
W_REF = 17  # field capacity per root layer as used by CANRES/TRANSP
# rows 18..20: scratch of SHFLX (heat capacities, old temperature and liquid water);
# rows 21..23: conductivity constants of each layer (soil_heat.W_TC_A, W_TC_DRY, W_TC_W)
NWORK = NWORK_HEAT


@jit
def nopac(stc, smc, sh2o, zsoil, etp, prcp, cmc, t1, dt, shdfac, q2, sfctmp, t24, th2, fdown,
          emissi, epsca, rch, rr, pc, par_v, soilp, stype, eff, tbot, zbot, csoil, is_urban,
          nroot, wk):
    """Snow-free branch (NOPAC).

    etp [kg m-2 s-1], prcp [kg m-2 s-1], cmc [m], t1 [K]; par_v = (sbeta,
    fxexp, cmcmax, cfactr, slope). Returns (t1, cmc, ssoil [W m-2, positive
    into the soil], eta [kg m-2 s-1], edir, ec, ett [kg m-2 s-1], beta, drip [m],
    dew [m s-1], flx1, flx3 [W m-2], runoff1, runoff2 [m s-1], runoff3 [m], and the soil
    heat budget of SHFLX: gsoil, gbot, dhsoil [W m-2]).
    """
    sbeta = par_v[0]
    fxexp = par_v[1]
    cmcmax = par_v[2]
    cfactr = par_v[3]
    slope = par_v[4]
    et1 = wk[W_ET]
    prcp1 = prcp * 0.001
    etp1 = etp * 0.001
    dew = 0.0
    edir1 = 0.0
    ec1 = 0.0
    ett1 = 0.0
    eta = 0.0
    for k in range(et1.shape[0]):
        et1[k] = 0.0
    if etp > 0.0:
        eta1, edir1, ec1, ett1 = evapo(et1, smc, sh2o, cmc, etp1, dt, shdfac, eff[E_SMCMAX],
                                       eff[E_SMCDRY], fxexp, wk[W_WLT], wk[W_REF], cmcmax, pc,
                                       cfactr, nroot, wk[W_RTDIS])
        cmc, drip, runoff1, runoff2, runoff3 = smflx(
            smc, cmc, dt, prcp1, zsoil, sh2o, slope, eff[E_KDT], soilp, shdfac, cmcmax, edir1,
            ec1, et1, eff[E_SRT2_SMCWLT], eff[E_CONSISTENT] > 0.5, wk)
        eta = eta1 * 1000.0
    else:
        dew = -etp1
        prcp1 = prcp1 + dew
        cmc, drip, runoff1, runoff2, runoff3 = smflx(
            smc, cmc, dt, prcp1, zsoil, sh2o, slope, eff[E_KDT], soilp, shdfac, cmcmax, 0.0,
            0.0, et1, eff[E_SRT2_SMCWLT], eff[E_CONSISTENT] > 0.5, wk)
    if etp <= 0.0:
        beta = 0.0
        eta = etp
        if etp < 0.0:
            beta = 1.0
    else:
        beta = eta / etp
    edir = edir1 * 1000.0
    ec = ec1 * 1000.0
    ett = ett1 * 1000.0
    df1 = tdfcnd_pre(smc[0], sh2o[0], eff[E_NOPAC_SMCMAX], eff[E_NOPAC_TC_A],
                     eff[E_NOPAC_TC_DRY], eff[E_NOPAC_TC_W], int(eff[E_NOPAC_CLASS]))
    if is_urban:
        df1 = URBAN_DF
    df1 = df1 * math.exp(sbeta * shdfac)
    yynum = fdown - emissi * SIGMA * t24
    yy = sfctmp + (yynum / rch + th2 - sfctmp - beta * epsca) / rr
    zz1 = df1 / (-0.5 * zsoil[0] * rch * rr) + 1.0
    t1, ssoil, gbot, dhsoil = shflx(stc, smc, sh2o, zsoil, yy, zz1, tbot, zbot, dt, df1, csoil,
                                    eff[E_TOP_SMCMAX], eff[E_TOP_PSISAT], eff[E_TOP_BEXP], soilp,
                                    stype, is_urban, wk)
    flx1 = CPH2O * prcp * (t1 - sfctmp)
    flx3 = 0.0
    return (t1, cmc, ssoil, eta, edir, ec, ett, beta, drip, dew, flx1, flx3, runoff1, runoff2,
            runoff3, ssoil, gbot, dhsoil)


@jit
def snopac(stc, smc, sh2o, zsoil, etp, prcp, prcpf, snowng, cmc, t1, dt, shdfac, q2, sfctmp,
           t24, th2, fdown, emissi, epsca, rch, rr, pc, ribb, df1, flx2, sncovr, esd, sndens,
           snowh, par_v, soilp, stype, eff, tbot, zbot, csoil, is_urban, nroot, wk):
    """Snow-covered branch (SNOPAC).

    As ``nopac`` plus: prcpf liquid precipitation reaching the ground [kg m-2
    s-1] (0 when it snows), ribb bulk Richardson number, df1 snow/soil
    effective conductivity [W m-1 K-1], flx2 freezing-rain heat [W m-2],
    sncovr, esd (SWE) [m], sndens [g cm-3], snowh [m].
    Returns (t1, cmc, ssoil, etp, edir, ec, ett, esnow, etns, beta, drip, dew, flx1, flx3,
    snomlt, runoff1, runoff2, runoff3, sncovr, esd, snowh, sndens, gsoil, gbot, dhsoil).
    gsoil is the surface heat flux the soil solve applied, which differs from ssoil (the
    snow-soil flux before the solve, what the reference reports). Kinematic evaporation terms in kg m-2 s-1; ssoil [W m-2].
    """
    fxexp = par_v[1]
    cmcmax = par_v[2]
    cfactr = par_v[3]
    slope = par_v[4]
    esdmin = 1.0e-6
    snoexp = 2.0
    et1 = wk[W_ET]
    dew = 0.0
    edir = 0.0
    edir1 = 0.0
    ec1 = 0.0
    ec = 0.0
    for k in range(et1.shape[0]):
        et1[k] = 0.0
    ett = 0.0
    ett1 = 0.0
    etns = 0.0
    etns1 = 0.0
    esnow = 0.0
    esnow2 = 0.0
    prcp1 = prcpf * 0.001
    beta = 1.0
    if etp <= 0.0:
        if (ribb >= 0.1) and (fdown > 150.0):
            etp = (min(etp * (1.0 - ribb), 0.0) * sncovr / 0.980 + etp * (0.980 - sncovr)) / 0.980
        if etp == 0.0:
            beta = 0.0
        etp1 = etp * 0.001
        dew = -etp1
        esnow2 = etp1 * dt
        etanrg = etp * ((1.0 - sncovr) * LSUBC + sncovr * LSUBS)
    else:
        etp1 = etp * 0.001
        if sncovr < 1.0:
            etns1, edir1, ec1, ett1 = evapo(et1, smc, sh2o, cmc, etp1, dt, shdfac, eff[E_SMCMAX],
                                            eff[E_SMCDRY], fxexp, wk[W_WLT], wk[W_REF], cmcmax,
                                            pc, cfactr, nroot, wk[W_RTDIS])
            edir1 = edir1 * (1.0 - sncovr)
            ec1 = ec1 * (1.0 - sncovr)
            for k in range(et1.shape[0]):
                et1[k] = et1[k] * (1.0 - sncovr)
            ett1 = ett1 * (1.0 - sncovr)
            etns1 = etns1 * (1.0 - sncovr)
            edir = edir1 * 1000.0
            ec = ec1 * 1000.0
            ett = ett1 * 1000.0
            etns = etns1 * 1000.0
        esnow = etp * sncovr
        esnow1 = esnow * 0.001
        esnow2 = esnow1 * dt
        etanrg = esnow * LSUBS + etns * LSUBC
    flx1 = 0.0
    if snowng:
        flx1 = CPICE * prcp * (t1 - sfctmp)
    elif prcp > 0.0:
        flx1 = CPH2O * prcp * (t1 - sfctmp)
    dsoil = -(0.5 * zsoil[0])
    dtot = snowh + dsoil
    denom = 1.0 + df1 / (dtot * rr * rch)
    t12a = ((fdown - flx1 - flx2 - emissi * SIGMA * t24) / rch + th2 - sfctmp - etanrg / rch) / rr
    t12b = df1 * stc[0] / (dtot * rr * rch)
    t12 = (sfctmp + t12a + t12b) / denom
    snomlt = 0.0
    if t12 <= TFREEZ:
        t1 = t12
        ssoil = df1 * (t1 - stc[0]) / dtot
        esd = max(0.0, esd - esnow2)
        flx3 = 0.0
        ex = 0.0
        snomlt = 0.0
    else:
        t1 = TFREEZ * sncovr**snoexp + t12 * (1.0 - sncovr**snoexp)
        beta = 1.0
        ssoil = df1 * (t1 - stc[0]) / dtot
        if esd - esnow2 <= esdmin:
            esd = 0.0
            ex = 0.0
            snomlt = 0.0
            flx3 = 0.0
        else:
            esd = esd - esnow2
            seh = rch * (t1 - th2)
            t14 = t1 * t1
            t14 = t14 * t14
            flx3 = fdown - flx1 - flx2 - emissi * SIGMA * t14 - ssoil - seh - etanrg
            if flx3 <= 0.0:
                flx3 = 0.0
            ex = flx3 * 0.001 / LSUBF
            snomlt = ex * dt
            if esd - snomlt >= esdmin:
                esd = esd - snomlt
            else:
                ex = esd / dt
                flx3 = ex * 1000.0 * LSUBF
                snomlt = esd
                esd = 0.0
        prcp1 = prcp1 + ex
    cmc, drip, runoff1, runoff2, runoff3 = smflx(
        smc, cmc, dt, prcp1, zsoil, sh2o, slope, eff[E_KDT], soilp, shdfac, cmcmax, edir1, ec1,
        et1, eff[E_SRT2_SMCWLT], eff[E_CONSISTENT] > 0.5, wk)
    zz1 = 1.0
    yy = stc[0] - 0.5 * ssoil * zsoil[0] * zz1 / df1
    # the soil heat solve must not overwrite the skin temperature nor the ground flux
    _t11, gsoil, gbot, dhsoil = shflx(stc, smc, sh2o, zsoil, yy, zz1, tbot, zbot, dt, df1, csoil,
                                      eff[E_TOP_SMCMAX], eff[E_TOP_PSISAT], eff[E_TOP_BEXP],
                                      soilp, stype, is_urban, wk)
    if esd > 0.0:
        snowh, sndens = snowpack(esd, dt, snowh, sndens, t1, yy)
    else:
        esd = 0.0
        snowh = 0.0
        sndens = 0.0
        sncovr = 0.0
    return (t1, cmc, ssoil, etp, edir, ec, ett, esnow, etns, beta, drip, dew, flx1, flx3,
            snomlt, runoff1, runoff2, runoff3, sncovr, esd, snowh, sndens, gsoil, gbot, dhsoil)

"""One time step of one column: the reference driver's pre-step and SFLX.

``column_step`` advances the complete state of one column by one step:

1. what the reference driver does before calling SFLX (simple_driver.F):
   frozen-precipitation flag (precipitation with ``T_a < 273.15 K`` is snow), CALTMP/CALHUM
   (``theta_2 = T_a + 0.0098 z_T``, virtual temperatures, density, ``q_s(T_a)`` and its
   slope), surface exchange coefficients (option 0 SFCDIF_off, 1 MYJ, 2 Y08; :mod:`.sfcdif`)
   from the previous step's Z0 and T1, net shortwave ``SOLNET = (1 - albedo) SOLDN`` with the
   previous albedo, longwave ``LWDN`` times the previous emissivity;
2. SFLX (module_sf_noahlsm.F):

   * REDPRM's per-step part and the vegetation-dependent surface: with the green fraction
     ``f = clip((SHDFAC - SHDMIN) / (SHDMAX - SHDMIN), 0, 1)``, background emissivity, LAI and
     roughness go linearly from their minimum (``f = 0``) to their maximum (``f = 1``) table
     values, background albedo from its maximum to its minimum;
   * snow: new snow (SNOW_NEW) from snowfall or freezing rain, cover ``sigma_s`` (SNFRAC, at
     most 0.98), albedo and emissivity (ALCALC), conductivity (CSNOW), roughness (SNOWZ0);
   * the ground heat flux estimate ``G = K (T_1 - T_soil,1) / d`` through the top half-layer
     (``d = -z_1 / 2``, ``K`` from TDFCND times ``exp(SBETA SHDFAC)``); with snow through snow
     and half-layer, ``d = h_s - z_1 / 2`` and
     ``K = sigma_s (f K_snow + (1 - f) K) + (1 - sigma_s) K``, ``f = h_s / d`` (``K = K_snow``
     first where ``sigma_s > 0.97``);
   * PENMAN (potential evaporation) and CANRES (canopy resistance, if vegetated)
     (:mod:`.energy`), then the snow-free (NOPAC) or snow-covered (SNOPAC) branch
     (:mod:`.branches`);
   * the diagnostics: ``Q1 = q_2 + E c_p / R_ch`` (``R_ch = rho c_p C_h`` of PENMAN), sensible heat
     ``H = -C_h c_p p / (R T_2v) (theta_2 - T_1)``, latent heats from the kinematic fluxes
     (vaporisation, sublimation), ``BETA = E / E_p``, soil water SOILM and the root-zone
     availability SOILW.

The state is complete (layout ``S_*``): restarting from a saved state
continues bit for bit. Diagnostics go to ``diag`` (layout ``D_*``) in the
units of the reference's state dump (W m-2 for the energy fluxes, m s-1 for
runoff).

Reference routines: simple_driver.F (pre-step: CALTMP, CALHUM, the SFCDIF calls) and
module_sf_noahlsm.F: SFLX, REDPRM (per-step part), SNOW_NEW, SNFRAC, ALCALC, CSNOW, SNOWZ0,
TDFCND, PENMAN, CANRES, NOPAC, SNOPAC.

Soil parameters and modes
-------------------------
``soilp[k]`` holds the parameters of layer k's class and ``soilidx`` those of
the column's ``Soil_type_index``. In ``reference`` mode the step uses them
exactly as the Fortran does, including values that leak between routines
(REFERENCE_MODEL.md section 3); in ``consistent`` mode each layer uses its own
class everywhere and layer 1's class stands in for ``Soil_type_index``. The
effective values (``eff``, layout ``E_*`` of :mod:`.branches`) and the constant rows of the
work array are set once per run of a column by ``prepare_column``.
"""

import math

from ._jit import jit
from .branches import (
    E_CONSISTENT,
    E_KDT,
    E_NOPAC_CLASS,
    E_NOPAC_QTZ,
    E_NOPAC_SMCMAX,
    E_NOPAC_TC_A,
    E_NOPAC_TC_DRY,
    E_NOPAC_TC_W,
    E_SMCDRY,
    E_SMCMAX,
    E_SRT2_SMCWLT,
    E_TOP_BEXP,
    E_TOP_PSISAT,
    E_TOP_SMCMAX,
    E_TOP_TC_A,
    E_TOP_TC_DRY,
    E_TOP_TC_W,
    W_REF,
    W_RTDIS,
    W_WLT,
    nopac,
    snopac,
)
from .constants import CP, LSUBS, LVH2O, R_SFLX, TFREEZ, URBAN_DF
from .energy import canres, penman
from .layout import (
    D_ALB,
    D_BETA,
    D_DEW,
    D_DHSOIL,
    D_DQSDT2,
    D_DRIP,
    D_EC,
    D_EDIR,
    D_EMBRD,
    D_ESNOW,
    D_ETA,
    D_ETAKIN,
    D_ETP,
    D_ETT,
    D_FDOWN,
    D_FFROZP,
    D_FLX1,
    D_FLX2,
    D_FLX3,
    D_GBOT,
    D_GSOIL,
    D_LWDN,
    D_PC,
    D_PRCP,
    D_Q2,
    D_Q2SAT,
    D_RC,
    D_RUNOFF1,
    D_RUNOFF2,
    D_RUNOFF3,
    D_SFCPRS,
    D_SFCSPD,
    D_SFCTMP,
    D_SHDFAC,
    D_SHEAT,
    D_SNCOVR,
    D_SNOMLT,
    D_SOILM,
    D_SOILW,
    D_SOLDN,
    D_SOLNET,
    D_SSOIL,
    D_TH2,
    D_XLAI,
    F_LWDN,
    F_PRCP,
    F_Q2,
    F_SFCPRS,
    F_SFCSPD,
    F_SFCTMP,
    F_SHDFAC,
    F_SOLDN,
    P_ALBEDOMAX,
    P_ALBEDOMIN,
    P_CFACTR,
    P_CMCMAX,
    P_CSOIL,
    P_CZIL,
    P_EMISSMAX,
    P_EMISSMIN,
    P_FXEXP,
    P_HS,
    P_ISBARE,
    P_ISURBAN,
    P_IZ0TLND,
    P_LAIMAX,
    P_LAIMIN,
    P_LVCOEF,
    P_MODE,
    P_NROOT,
    P_REFDK,
    P_REFKDT,
    P_RGL,
    P_RSMAX,
    P_RSMIN,
    P_SALP,
    P_SBETA,
    P_SFCDIF,
    P_SHDMAX,
    P_SHDMIN,
    P_SLOPE,
    P_SNOALB,
    P_SNUP,
    P_TBOT,
    P_TOPT,
    P_Z0MAX,
    P_Z0MIN,
    P_ZBOT,
    P_ZLVL,
    P_ZLVL_WIND,
    S_ALBEDO,
    S_CH,
    S_CM,
    S_CMC,
    S_EMISSI,
    S_Q1,
    S_RIBB,
    S_SNEQV,
    S_SNOTIME1,
    S_SNOWH,
    S_T1,
    S_Z0,
    S_Z0BRD,
    SP_BB,
    SP_DRYSMC,
    SP_MAXSMC,
    SP_QTZ,
    SP_REFSMC,
    SP_SATDK,
    SP_SATPSI,
    SP_WLTSMC,
)
from .sfcdif import calhum, caltmp, sfcdif_myj, sfcdif_off, sfcdif_y08
from .snow import alcalc, csnow, snfrac, snow_new, snowz0
from .soil_heat import conductivity_consts, tdfcnd_consts, tdfcnd_pre

BADVAL = -1.0e36  # the reference driver's "not yet computed" value (Q1, Z0BRD)


@jit
def prepare_column(par, soilp, stype, soilidx, zsoil, eff, wk):
    """Set what stays constant over a run of one column: the effective soil parameters
    ``eff`` (layout E_* of branches.py) and the constant rows of the work array ``wk``
    (root fractions, CANRES/TRANSP wilting point and field capacity per root layer,
    conductivity constants per layer). Call it before the first ``column_step`` and again
    whenever ``par``, ``soilp``, ``stype`` or ``soilidx`` change.

    Reference mode reproduces the Fortran's parameter leaks (REFERENCE_MODEL.md section 3):
    DEVAP, CANRES, TRANSP, KDT and the top conductivity estimate use Soil_type_index;
    HRT's layer 1 uses SMCMAX of stype(1), PSISAT of Soil_type_index and BEXP of
    stype(NSOIL); the second SRT pass sees SMCWLT of stype(NSOIL); NOPAC's top conductivity
    takes the standard (neither gravel nor bedrock) branch. Consistent mode uses each
    layer's own class, and stype(1) where the reference uses Soil_type_index.
    """
    nsoil = soilp.shape[0]
    consistent = par[P_MODE] > 0.5
    nroot = max(int(par[P_NROOT]), 1)
    refkdt = par[P_REFKDT]
    refdk = par[P_REFDK]
    idx = soilp[0] if consistent else soilidx
    eff[E_SMCMAX] = idx[SP_MAXSMC]
    eff[E_SMCDRY] = idx[SP_DRYSMC]
    eff[E_KDT] = refkdt * idx[SP_SATDK] / refdk
    eff[E_TOP_SMCMAX] = soilp[0, SP_MAXSMC]
    eff[E_TOP_PSISAT] = idx[SP_SATPSI]
    eff[E_NOPAC_QTZ] = idx[SP_QTZ]
    eff[E_NOPAC_SMCMAX] = soilp[0, SP_MAXSMC]
    if consistent:
        eff[E_TOP_BEXP] = soilp[0, SP_BB]
        eff[E_SRT2_SMCWLT] = soilp[0, SP_WLTSMC]
        eff[E_NOPAC_CLASS] = stype[0]
        eff[E_CONSISTENT] = 1.0
    else:
        eff[E_TOP_BEXP] = soilp[nsoil - 1, SP_BB]
        eff[E_SRT2_SMCWLT] = soilp[nsoil - 1, SP_WLTSMC]
        eff[E_NOPAC_CLASS] = 0.0  # uninitialised class number: the standard branch
        eff[E_CONSISTENT] = 0.0
    # SFLX's top-layer estimate: quartz and porosity of Soil_type_index, class stype(1)
    eff[E_TOP_TC_A], eff[E_TOP_TC_DRY], eff[E_TOP_TC_W] = tdfcnd_consts(
        idx[SP_QTZ], idx[SP_MAXSMC], stype[0])
    eff[E_NOPAC_TC_A], eff[E_NOPAC_TC_DRY], eff[E_NOPAC_TC_W] = tdfcnd_consts(
        eff[E_NOPAC_QTZ], eff[E_NOPAC_SMCMAX], int(eff[E_NOPAC_CLASS]))
    for k in range(nsoil):
        wk[W_RTDIS, k] = 0.0
        wk[W_WLT, k] = 0.0
        wk[W_REF, k] = 0.0
    for k in range(nroot):
        sl = -zsoil[0] if k == 0 else zsoil[k - 1] - zsoil[k]
        wk[W_RTDIS, k] = -sl / zsoil[nroot - 1]
        wk[W_WLT, k] = soilp[k, SP_WLTSMC] if consistent else soilidx[SP_WLTSMC]
        wk[W_REF, k] = soilp[k, SP_REFSMC] if consistent else soilidx[SP_REFSMC]
    conductivity_consts(soilp, stype, wk)


@jit
def column_step(sstate, stc, smc, sh2o, forc, par, soilp, stype, soilidx, zsoil, dt, diag,
                eff, parv, wk):
    """Advance one column one step in place.

    sstate (NSTATE,), stc/smc/sh2o (nsoil,): the state, updated in place.
    forc (NFORC,): forcing of the step (F_*), par (NPAR,): column parameters
    (P_*), soilp (nsoil, NSOILP) and stype (nsoil,): per-layer soil
    parameters and classes, soilidx (NSOILP,): Soil_type_index parameters,
    zsoil (nsoil,): layer bottoms [m, negative], dt [s].
    diag (NDIAG,) receives the diagnostics; eff (NEFF,) and wk (NWORK, nsoil) must have
    been set by ``prepare_column`` for these parameters; parv (5,) is scratch. Returns 0 on success, 1 if snow density
    SNEQV/SNOWH exceeded 1 on entry (the reference stops there).
    """
    nsoil = stc.shape[0]
    # ------------------------------------------------------------ driver pre-step
    sfcspd = forc[F_SFCSPD]
    sfctmp = forc[F_SFCTMP]
    q2 = forc[F_Q2]
    sfcprs = forc[F_SFCPRS]
    soldn = forc[F_SOLDN]
    prcp = forc[F_PRCP]
    shdfac = forc[F_SHDFAC]
    t1 = sstate[S_T1]
    ffrozp = 1.0 if (prcp > 0.0 and sfctmp < 273.15) else 0.0
    th2, t1v, th2v, rho = caltmp(t1, sfctmp, sfcprs, par[P_ZLVL], q2)
    q2sat, dqsdt2 = calhum(sfctmp, sfcprs)
    if sstate[S_Q1] == BADVAL:
        sstate[S_Q1] = q2
    opt = int(par[P_SFCDIF])
    is_urban = par[P_ISURBAN] > 0.5
    if opt == 0:
        cm, ch = sfcdif_off(par[P_ZLVL], par[P_ZLVL_WIND], sstate[S_Z0], t1v, th2v, sfcspd,
                            par[P_CZIL], sstate[S_CM], sstate[S_CH], is_urban,
                            int(par[P_IZ0TLND]))
        sstate[S_CM] = cm
        sstate[S_CH] = ch
    elif opt == 1:
        ribb, cm, ch = sfcdif_myj(par[P_ZLVL], par[P_ZLVL_WIND], sstate[S_Z0], sstate[S_Z0BRD],
                                  sfcprs, t1, sfctmp, sstate[S_Q1], q2, sfcspd, par[P_CZIL],
                                  sstate[S_RIBB], sstate[S_CM], sstate[S_CH], is_urban,
                                  int(par[P_IZ0TLND]))
        sstate[S_RIBB] = ribb
        sstate[S_CM] = cm
        sstate[S_CH] = ch
    else:
        ch, ribb = sfcdif_y08(sstate[S_Z0], par[P_ZLVL_WIND], par[P_ZLVL], sfcspd, t1, sfctmp,
                              q2, sfcprs)
        sstate[S_CH] = ch
        sstate[S_RIBB] = ribb
    ch = sstate[S_CH]
    ribb = sstate[S_RIBB]
    solnet = soldn * (1.0 - sstate[S_ALBEDO])
    lwdn = forc[F_LWDN] * sstate[S_EMISSI]

    # ------------------------------------------------------------ SFLX
    cmc = sstate[S_CMC]
    snowh = sstate[S_SNOWH]
    sneqv = sstate[S_SNEQV]
    snotime1 = sstate[S_SNOTIME1]
    runoff1 = 0.0
    runoff2 = 0.0
    runoff3 = 0.0
    snomlt = 0.0
    # REDPRM
    csoil = par[P_CSOIL]
    nroot = int(par[P_NROOT])
    if nroot < 1:
        nroot = 1
    if par[P_ISBARE] > 0.5:
        shdfac = 0.0
    rsmin = par[P_RSMIN]
    consistent = par[P_MODE] > 0.5
    smcwlt_diag = soilidx[SP_WLTSMC] if not consistent else soilp[0, SP_WLTSMC]
    if is_urban:
        shdfac = 0.05
        rsmin = 400.0
    # vegetation-dependent surface properties
    shdmin = par[P_SHDMIN]
    shdmax = par[P_SHDMAX]
    if shdfac >= shdmax:
        embrd = par[P_EMISSMAX]
        xlai = par[P_LAIMAX]
        alb = par[P_ALBEDOMIN]
        z0brd = par[P_Z0MAX]
    elif shdfac <= shdmin:
        embrd = par[P_EMISSMIN]
        xlai = par[P_LAIMIN]
        alb = par[P_ALBEDOMAX]
        z0brd = par[P_Z0MIN]
    elif shdmax > shdmin:
        f = (shdfac - shdmin) / (shdmax - shdmin)
        f = min(f, 1.0)
        f = max(f, 0.0)
        embrd = ((1.0 - f) * par[P_EMISSMIN]) + (f * par[P_EMISSMAX])
        xlai = ((1.0 - f) * par[P_LAIMIN]) + (f * par[P_LAIMAX])
        alb = ((1.0 - f) * par[P_ALBEDOMAX]) + (f * par[P_ALBEDOMIN])
        z0brd = ((1.0 - f) * par[P_Z0MIN]) + (f * par[P_Z0MAX])
    else:
        embrd = 0.5 * par[P_EMISSMIN] + 0.5 * par[P_EMISSMAX]
        xlai = 0.5 * par[P_LAIMIN] + 0.5 * par[P_LAIMAX]
        alb = 0.5 * par[P_ALBEDOMIN] + 0.5 * par[P_ALBEDOMAX]
        z0brd = 0.5 * par[P_Z0MIN] + 0.5 * par[P_Z0MAX]
    # snow on the ground
    snowng = False
    frzgra = False
    if sneqv <= 1.0e-7:
        sneqv = 0.0
        sndens = 0.0
        snowh = 0.0
        sncond = 1.0
    else:
        sndens = sneqv / snowh
        if sndens > 1.0:
            return 1
        sncond = csnow(sndens)
    if prcp > 0.0:
        if ffrozp > 0.5:
            snowng = True
        elif t1 <= TFREEZ:
            frzgra = True
    if snowng or frzgra:
        sn_new = prcp * dt * 0.001
        sneqv = sneqv + sn_new
        prcpf = 0.0
        snowh, sndens = snow_new(sfctmp, sn_new, snowh, sndens)
        sncond = csnow(sndens)
    else:
        prcpf = prcp
    if sneqv == 0.0:
        sncovr = 0.0
        albedo = alb
        emissi = embrd
    else:
        sncovr = snfrac(sneqv, par[P_SNUP], par[P_SALP])
        sncovr = min(sncovr, 0.98)
        albedo, emissi, snotime1 = alcalc(alb, par[P_SNOALB], embrd, sncovr, dt, snowng,
                                          snotime1, par[P_LVCOEF])
    # thermal conductivity of the top soil layer and the ground heat flux estimate
    df1 = tdfcnd_pre(smc[0], sh2o[0], eff[E_SMCMAX], eff[E_TOP_TC_A], eff[E_TOP_TC_DRY],
                     eff[E_TOP_TC_W], stype[0])
    if is_urban:
        df1 = URBAN_DF
    df1 = df1 * math.exp(par[P_SBETA] * shdfac)
    if sncovr > 0.97:
        df1 = sncond
    dsoil = -(0.5 * zsoil[0])
    if sneqv == 0.0:
        ssoil = df1 * (t1 - stc[0]) / dsoil
    else:
        dtot = snowh + dsoil
        frcsno = snowh / dtot
        frcsoi = dsoil / dtot
        df1a = frcsno * sncond + frcsoi * df1
        df1 = df1a * sncovr + df1 * (1.0 - sncovr)
        ssoil = df1 * (t1 - stc[0]) / dtot
    if sncovr > 0.0:
        z0 = snowz0(sncovr, z0brd, snowh)
    else:
        z0 = z0brd
    fdown = solnet + lwdn
    t2v = sfctmp * (1.0 + 0.61 * q2)
    etp, rch, epsca, rr, flx2, t24 = penman(sfctmp, sfcprs, ch, t2v, th2, prcp, fdown, ssoil,
                                            q2, q2sat, snowng, frzgra, dqsdt2, emissi, sncovr)
    rcpar = parv  # (topt, rsmax, rgl, hs) for CANRES, then reused below
    if shdfac > 0.0:
        rcpar[0] = par[P_TOPT]
        rcpar[1] = par[P_RSMAX]
        rcpar[2] = par[P_RGL]
        rcpar[3] = par[P_HS]
        rc, pc, rcs, rct, rcq, rcsoil = canres(soldn, ch, sfctmp, q2, sfcprs, sh2o, zsoil, nroot,
                                               wk[W_WLT], wk[W_REF], rsmin, rcpar, q2sat,
                                               dqsdt2, xlai, emissi)
    else:
        rc = 0.0
        pc = 0.0
    parv[0] = par[P_SBETA]
    parv[1] = par[P_FXEXP]
    parv[2] = par[P_CMCMAX]
    parv[3] = par[P_CFACTR]
    parv[4] = par[P_SLOPE]
    esnow = 0.0
    tbot = par[P_TBOT]
    zbot = par[P_ZBOT]
    if sneqv == 0.0:
        (t1, cmc, ssoil, eta, edir, ec, ett, beta, drip, dew, flx1, flx3, runoff1, runoff2,
         runoff3, gsoil, gbot, dhsoil) = nopac(stc, smc, sh2o, zsoil, etp, prcp, cmc, t1, dt, shdfac, q2, sfctmp,
                          t24, th2, fdown, emissi, epsca, rch, rr, pc, parv, soilp, stype, eff,
                          tbot, zbot, csoil, is_urban, nroot, wk)
        eta_kinematic = eta
    else:
        (t1, cmc, ssoil, etp, edir, ec, ett, esnow, etns, beta, drip, dew, flx1, flx3, snomlt,
         runoff1, runoff2, runoff3, sncovr, sneqv, snowh, sndens, gsoil, gbot, dhsoil) = snopac(
            stc, smc, sh2o, zsoil, etp, prcp, prcpf, snowng, cmc, t1, dt, shdfac, q2, sfctmp,
            t24, th2, fdown, emissi, epsca, rch, rr, pc, ribb, df1, flx2, sncovr, sneqv, sndens,
            snowh, parv, soilp, stype, eff, tbot, zbot, csoil, is_urban, nroot, wk)
        eta_kinematic = esnow + etns
    q1 = q2 + eta_kinematic * CP / rch
    sheat = -(ch * CP * sfcprs) / (R_SFLX * t2v) * (th2 - t1)
    edir = edir * LVH2O
    ec = ec * LVH2O
    ett = ett * LVH2O
    esnow = esnow * LSUBS
    etp = etp * ((1.0 - sncovr) * LVH2O + sncovr * LSUBS)
    if etp > 0.0:
        eta = edir + ec + ett + esnow
    else:
        eta = etp
    if etp == 0.0:
        beta = 0.0
    else:
        beta = eta / etp
    ssoil = -1.0 * ssoil
    runoff3 = runoff3 / dt
    runoff2 = runoff2 + runoff3
    # column water and root-zone availability (diagnostics)
    soilm = -1.0 * smc[0] * zsoil[0]
    for k in range(1, nsoil):
        soilm = soilm + smc[k] * (zsoil[k - 1] - zsoil[k])
    if consistent:
        smcmax_l1 = soilp[0, SP_MAXSMC]
        smcwlt_l1 = soilp[0, SP_WLTSMC]
    else:
        smcmax_l1 = soilp[0, SP_MAXSMC]  # leaked: SMCMAX of stype(1) ...
        smcwlt_l1 = soilp[nsoil - 1, SP_WLTSMC]  # ... and SMCWLT of stype(NSOIL)
        if is_urban:
            smcmax_l1 = 0.45
            smcwlt_l1 = smcwlt_diag
    soilwm = -1.0 * (smcmax_l1 - smcwlt_l1) * zsoil[0]
    soilww = -1.0 * (smc[0] - smcwlt_l1) * zsoil[0]
    for k in range(1, nroot):
        dz = zsoil[k - 1] - zsoil[k]
        soilwm = soilwm + (soilp[k, SP_MAXSMC] - soilp[k, SP_WLTSMC]) * dz
        soilww = soilww + (smc[k] - soilp[k, SP_WLTSMC]) * dz
    if soilwm < 1.0e-6:
        soilw = 0.0
        soilm = 0.0
    else:
        soilw = soilww / soilwm

    # ------------------------------------------------------------ state and diagnostics
    sstate[S_T1] = t1
    sstate[S_CMC] = cmc
    sstate[S_SNOWH] = snowh
    sstate[S_SNEQV] = sneqv
    sstate[S_SNOTIME1] = snotime1
    sstate[S_Z0] = z0
    sstate[S_Z0BRD] = z0brd
    sstate[S_ALBEDO] = albedo
    sstate[S_EMISSI] = emissi
    sstate[S_Q1] = q1
    diag[D_SHEAT] = sheat
    diag[D_ETA] = eta
    diag[D_ETAKIN] = eta_kinematic
    diag[D_SSOIL] = ssoil
    diag[D_ETP] = etp
    diag[D_EC] = ec
    diag[D_EDIR] = edir
    diag[D_ETT] = ett
    diag[D_ESNOW] = esnow
    diag[D_RUNOFF1] = runoff1
    diag[D_RUNOFF2] = runoff2
    diag[D_RUNOFF3] = runoff3
    diag[D_SNCOVR] = sncovr
    diag[D_FLX1] = flx1
    diag[D_FLX2] = flx2
    diag[D_FLX3] = flx3
    diag[D_SNOMLT] = snomlt
    diag[D_DEW] = dew
    diag[D_DRIP] = drip
    diag[D_BETA] = beta
    diag[D_RC] = rc
    diag[D_PC] = pc
    diag[D_XLAI] = xlai
    diag[D_SHDFAC] = shdfac
    diag[D_ALB] = alb
    diag[D_EMBRD] = embrd
    diag[D_SOLNET] = solnet
    diag[D_LWDN] = lwdn
    diag[D_SOLDN] = soldn
    diag[D_SFCTMP] = sfctmp
    diag[D_Q2] = q2
    diag[D_SFCPRS] = sfcprs
    diag[D_SFCSPD] = sfcspd
    diag[D_PRCP] = prcp
    diag[D_FFROZP] = ffrozp
    diag[D_TH2] = th2
    diag[D_Q2SAT] = q2sat
    diag[D_DQSDT2] = dqsdt2
    diag[D_SOILM] = soilm
    diag[D_SOILW] = soilw
    diag[D_FDOWN] = fdown
    diag[D_GSOIL] = gsoil
    diag[D_GBOT] = gbot
    diag[D_DHSOIL] = dhsoil
    return 0

"""Soil water: hydraulic functions, infiltration, implicit Richards solve, runoff.

The liquid water of each layer follows the diffusive form of Richards' equation

    d(theta)/dt = d/dz (D(theta) d(theta)/dz + K(theta)) - E_dir - E_t,k

solved implicitly (SRT builds the matrix, SSTEP solves it with ROSR12 and
removes saturation excess). The top boundary receives the infiltrated part of
precipitation + drip; surface runoff is the excess over the infiltration
capacity (Schaake et al. 1996, REFKDT/REFDK); the bottom drains freely,
``RUNOFF2 = SLOPE * K(theta_N)``. Hydraulic conductivity and diffusivity follow
``WDFCND_NY06``: total water (liquid + ice) with an exponential ice impedance.

Reference routines (module_sf_noahlsm.F, module_optimal.F): SMFLX, SRT, SSTEP,
WDFCND_NY06, FAC2MIT. Float64, SI units, Numba ``njit``.
"""

import math

from ._jit import FAST, jit
from .layout import SP_BB, SP_MAXSMC, SP_SATDK, SP_SATDW, SP_WLTSMC
from .soil_heat import rosr12

LN10 = math.log(10.0)  # the fast build's 10^x = exp(x ln 10)


@jit
def wdfcnd_ny06(smcx, smcmax, bexp, dksat, dwsat, sice):
    """Soil water diffusivity [m2 s-1] and conductivity [m s-1] (WDFCND_NY06, OPT_INF=2).

    smcx : total water (liquid + ice) of the layer [m3 m-3]; sice : ice [m3 m-3].
    ``WDF = DWSAT f^(b+2) 10^(-E_w sice)``, ``WCND = DKSAT f^(2b+3) 10^(-E_k sice)``
    with ``f = max(0.01, smcx/smcmax)`` and ``E = 1.25 (X - 3)^2 + 6`` where X
    is DWSAT resp. DKSAT (as coded by the authors; E is about 17.25 in practice).
    The fast build (``FAST``) evaluates the same expressions as
    ``DWSAT exp((b+2) ln f - E_w sice ln 10)`` (and alike for WCND).
    """
    factr = max(0.01, smcx / smcmax)
    if FAST:  # one log and two exp instead of four powers (same values up to round-off)
        lf = math.log(factr)
        aw = (bexp + 2.0) * lf
        ak = (2.0 * bexp + 3.0) * lf
        if sice != 0.0:
            aw -= (1.25 * (dwsat - 3.0) ** 2 + 6.0) * sice * LN10
            ak -= (1.25 * (dksat - 3.0) ** 2 + 6.0) * sice * LN10
        return dwsat * math.exp(aw), dksat * math.exp(ak)
    expon = bexp + 2.0
    wdf = dwsat * factr**expon
    expon = 2.0 * bexp + 3.0
    wcnd = dksat * factr**expon
    if sice != 0.0:  # 10^(-E * 0) is exactly 1
        ei = 1.25 * (dwsat - 3.0) ** 2 + 6.0
        wdf = 10.0 ** (-ei * sice) * wdf
        ei = 1.25 * (dksat - 3.0) ** 2 + 6.0
        wcnd = 10.0 ** (-ei * sice) * wcnd
    return wdf, wcnd


@jit
def fac2mit(smcmax):
    """Saturation threshold for the two-pass soil water solve [-] (FAC2MIT).

    Compares SMCMAX with literals for exact equality, as the reference does.
    """
    flimit = 0.90
    if smcmax == 0.395:
        flimit = 0.59
    elif (smcmax == 0.434) or (smcmax == 0.404):
        flimit = 0.85
    elif (smcmax == 0.465) or (smcmax == 0.406):
        flimit = 0.86
    elif (smcmax == 0.476) or (smcmax == 0.439):
        flimit = 0.74
    elif (smcmax == 0.200) or (smcmax == 0.464):
        flimit = 0.80
    return flimit


@jit
def srt(rhstt, edir, et, sh2o, sh2oa, pcpdrp, zsoil, dt, kdt, slope, sice, soilp,
        entry_smcmax, entry_smcwlt, consistent, ai, bi, ci, dmax):
    """Soil water tendency and matrix; surface and bottom runoff (SRT).

    edir [m s-1], et (nsoil,) [m s-1]: direct evaporation and transpiration;
    sh2o : liquid water [m3 m-3]; sh2oa : liquid water used for the
    hydraulic functions (sh2o, or the mean of two passes); pcpdrp : water
    reaching the surface [m s-1]; kdt : infiltration parameter [s-1 day];
    slope : drainage factor [-]; sice : ice [m3 m-3].
    entry_smcmax / entry_smcwlt : SMCMAX and SMCWLT seen on entry by the
    infiltration capacity (reference: SMCMAX of stype(1), and SMCWLT of
    stype(1) on the first pass but of stype(NSOIL) on the second, because the
    Fortran's parameters leak between routines). In consistent mode
    (``consistent`` true) each layer uses its own SMCMAX - SMCWLT.
    Returns (runoff1, runoff2) [m s-1]; fills rhstt, ai, bi, ci.
    """
    nsoil = sh2o.shape[0]
    pddum = pcpdrp
    runoff1 = 0.0
    if pcpdrp != 0.0:
        dt1 = dt / 86400.0
        smcav = entry_smcmax - entry_smcwlt
        dmax[0] = -zsoil[0] * smcav
        dice = -zsoil[0] * sice[0]
        dmax[0] = dmax[0] * (1.0 - (sh2oa[0] + sice[0] - entry_smcwlt) / smcav)
        dd = dmax[0]
        for ks in range(1, nsoil):
            smcwlt = soilp[ks, SP_WLTSMC]
            if consistent:
                smcav = soilp[ks, SP_MAXSMC] - smcwlt
            dice = dice + (zsoil[ks - 1] - zsoil[ks]) * sice[ks]
            dmax[ks] = (zsoil[ks - 1] - zsoil[ks]) * smcav
            dmax[ks] = dmax[ks] * (1.0 - (sh2oa[ks] + sice[ks] - smcwlt) / smcav)
            dd = dd + dmax[ks]
        val = 1.0 - math.exp(-kdt * dt1)
        ddt = dd * val
        px = pcpdrp * dt
        if px < 0.0:
            px = 0.0
        infmax = (px * (ddt / (px + ddt))) / dt
        # OPT_INF = 2: the frozen-ground factor FCR stays 1 (FRZK has no effect).
        wdf, wcnd = wdfcnd_ny06(sh2oa[0] + sice[0], soilp[0, SP_MAXSMC], soilp[0, SP_BB],
                                soilp[0, SP_SATDK], soilp[0, SP_SATDW], sice[0])
        infmax = max(infmax, wcnd)
        infmax = min(infmax, px / dt)
        if pcpdrp > infmax:
            runoff1 = pcpdrp - infmax
            pddum = infmax
    wdf, wcnd = wdfcnd_ny06(sh2oa[0] + sice[0], soilp[0, SP_MAXSMC], soilp[0, SP_BB],
                            soilp[0, SP_SATDK], soilp[0, SP_SATDW], sice[0])
    ddz = 1.0 / (-0.5 * zsoil[1])
    ai[0] = 0.0
    bi[0] = wdf * ddz / (-zsoil[0])
    ci[0] = -bi[0]
    dsmdz = (sh2o[0] - sh2o[1]) / (-0.5 * zsoil[1])
    rhstt[0] = (wdf * dsmdz + wcnd - pddum + edir + et[0]) / zsoil[0]
    ddz2 = 0.0
    runoff2 = 0.0
    for k in range(1, nsoil):
        denom2 = zsoil[k - 1] - zsoil[k]
        wdf2, wcnd2 = wdfcnd_ny06(sh2oa[k] + sice[k], soilp[k, SP_MAXSMC], soilp[k, SP_BB],
                                  soilp[k, SP_SATDK], soilp[k, SP_SATDW], sice[k])
        if k != nsoil - 1:
            slopx = 1.0
            denom = zsoil[k - 1] - zsoil[k + 1]
            dsmdz2 = (sh2o[k] - sh2o[k + 1]) / (denom * 0.5)
            ddz2 = 2.0 / denom
            ci[k] = -wdf2 * ddz2 / denom2
        else:
            slopx = slope
            dsmdz2 = 0.0
            ci[k] = 0.0
        numer = (wdf2 * dsmdz2) + slopx * wcnd2 - (wdf * dsmdz) - wcnd + et[k]
        rhstt[k] = numer / (-denom2)
        ai[k] = -wdf * ddz / denom2
        bi[k] = -(ai[k] + ci[k])
        if k == nsoil - 1:
            runoff2 = slopx * wcnd2
        else:
            wdf = wdf2
            wcnd = wcnd2
            dsmdz = dsmdz2
            ddz = ddz2
    return runoff1, runoff2


@jit
def sstep(sh2oout, sh2oin, cmc, rhstt, rhsct, dt, soilp, cmcmax, zsoil, smc, sice, ai, bi, ci,
          work1, work2, work3):
    """Advance liquid and total soil water one implicit step; canopy water (SSTEP).

    Solves ``(I + dt M) d(theta) = dt rhs`` (ROSR12), passes any excess over
    saturation down the column, and returns (runoff3 [m], cmc [m]): the
    excess leaving the bottom layer and the updated canopy water
    ``cmc + dt rhsct``. Total water is kept within [0.02, SMCMAX].
    sh2oout may be the same array as sh2oin.
    """
    nsoil = sh2oin.shape[0]
    for k in range(nsoil):
        rhstt[k] = rhstt[k] * dt
        ai[k] = ai[k] * dt
        bi[k] = 1.0 + bi[k] * dt
        work1[k] = ci[k] * dt
    rosr12(work2, ai, bi, work1, rhstt, work3, nsoil)
    wplus = 0.0
    ddz = -zsoil[0]
    for k in range(nsoil):
        smcmax = soilp[k, SP_MAXSMC]
        if k != 0:
            ddz = zsoil[k - 1] - zsoil[k]
        sh2oout[k] = sh2oin[k] + work2[k] + wplus / ddz
        stot = sh2oout[k] + sice[k]
        if stot > smcmax:
            if k == 0:
                ddz = -zsoil[0]
            else:
                ddz = -zsoil[k] + zsoil[k - 1]
            wplus = (stot - smcmax) * ddz
        else:
            wplus = 0.0
        smc[k] = max(min(stot, smcmax), 0.02)
        sh2oout[k] = max((smc[k] - sice[k]), 0.0)
    runoff3 = wplus
    cmc = cmc + dt * rhsct
    if cmc < 1.0e-20:
        cmc = 0.0
    cmc = min(cmc, cmcmax)
    return runoff3, cmc


@jit
def smflx(smc, cmc, dt, prcp1, zsoil, sh2o, slope, kdt, soilp, shdfac, cmcmax, edir, ec, et,
          second_pass_smcwlt, consistent, wk):
    """Canopy water balance and soil water update (SMFLX).

    prcp1 : precipitation (+ dew, + snowmelt) reaching the canopy [m s-1];
    edir, ec [m s-1] and et (nsoil,) [m s-1]: evaporation terms.
    second_pass_smcwlt : the SMCWLT seen on entry by the second SRT pass (see
    ``srt``). Returns (cmc [m], drip [m], runoff1 [m s-1], runoff2 [m s-1],
    runoff3 [m]). ``wk`` is a (>=14, nsoil) scratch array.
    """
    nsoil = smc.shape[0]
    sice = wk[7]
    rhstt = wk[8]
    ai = wk[9]
    bi = wk[10]
    ci = wk[11]
    sh2oa = wk[12]
    sh2ofg = wk[13]
    rhsct = shdfac * prcp1 - ec
    drip = 0.0
    trhsct = dt * rhsct
    excess = cmc + trhsct
    if excess > cmcmax:
        drip = excess - cmcmax
    pcpdrp = (1.0 - shdfac) * prcp1 + drip / dt
    fac2 = 0.0
    for i in range(nsoil):
        sice[i] = smc[i] - sh2o[i]
        fac2 = max(fac2, sh2o[i] / soilp[i, SP_MAXSMC])
    smcmax1 = soilp[0, SP_MAXSMC]
    smcwlt1 = soilp[0, SP_WLTSMC]
    flimit = fac2mit(smcmax1)
    if ((pcpdrp * dt) > (0.0001 * 1000.0 * (-zsoil[0]) * smcmax1)) or (fac2 > flimit):
        srt(rhstt, edir, et, sh2o, sh2o, pcpdrp, zsoil, dt, kdt, slope, sice, soilp,
            smcmax1, smcwlt1, consistent, ai, bi, ci, wk[4])
        dummy = 0.0
        sstep(sh2ofg, sh2o, dummy, rhstt, rhsct, dt, soilp, cmcmax, zsoil, smc, sice, ai, bi, ci,
              wk[4], wk[5], wk[6])
        for k in range(nsoil):
            sh2oa[k] = (sh2o[k] + sh2ofg[k]) * 0.5
        runoff1, runoff2 = srt(rhstt, edir, et, sh2o, sh2oa, pcpdrp, zsoil, dt, kdt, slope, sice,
                               soilp, smcmax1, second_pass_smcwlt, consistent, ai, bi, ci, wk[4])
        runoff3, cmc = sstep(sh2o, sh2o, cmc, rhstt, rhsct, dt, soilp, cmcmax, zsoil, smc, sice,
                             ai, bi, ci, wk[4], wk[5], wk[6])
    else:
        runoff1, runoff2 = srt(rhstt, edir, et, sh2o, sh2o, pcpdrp, zsoil, dt, kdt, slope, sice,
                               soilp, smcmax1, smcwlt1, consistent, ai, bi, ci, wk[4])
        runoff3, cmc = sstep(sh2o, sh2o, cmc, rhstt, rhsct, dt, soilp, cmcmax, zsoil, smc, sice,
                             ai, bi, ci, wk[4], wk[5], wk[6])
    return cmc, drip, runoff1, runoff2, runoff3

"""Snow: cover fraction, albedo and emissivity, new snow, compaction, roughness, conductivity.

Reference routines (module_sf_noahlsm.F): SNFRAC, ALCALC, SNOW_NEW, SNOWPACK,
SNOWZ0, CSNOW. Snow depth and water equivalent in m, density as a fraction of
water density (g cm-3), temperatures in K.
"""

import math

from ._jit import jit
from .constants import EMISSI_S


@jit
def csnow(dsnow):
    """Snow thermal conductivity [W m-1 K-1] from density dsnow [g cm-3] (CSNOW).

    ``K = 2 * 0.11631 * 0.328 * 10^(2.25 rho)`` (Kondrat'yeva, x2 for wind
    pumping as in Noah).
    """
    unit = 0.11631
    c = 0.328 * 10.0 ** (2.25 * dsnow)
    return 2.0 * unit * c


@jit
def snfrac(sneqv, snup, salp):
    """Snow-cover fraction [-] (SNFRAC): ``1 - (exp(-a r) - r exp(-a))``, r = SWE/SNUP."""
    if sneqv < snup:
        rsnow = sneqv / snup
        return 1.0 - (math.exp(-salp * rsnow) - rsnow * math.exp(-salp))
    return 1.0


@jit
def alcalc(alb, snoalb, embrd, sncovr, dt, snowng, snotime1, lvcoef):
    """Surface albedo and emissivity with snow, and snow age (ALCALC).

    alb, embrd : snow-free albedo and emissivity [-]; snoalb : maximum fresh
    snow albedo [-]; sncovr [-]; dt [s]; snowng : snow falling this step;
    snotime1 : time since last snowfall [s]. Fresh-snow albedo
    ``snoalb1 = snoalb + lvcoef (0.85 - snoalb)`` decays as
    ``0.94^((age/1 day)^0.58)`` (Livneh et al. 2010).
    Returns (albedo, emissi, snotime1).
    """
    snacca = 0.94
    snaccb = 0.58
    emissi = embrd + sncovr * (EMISSI_S - embrd)
    snoalb1 = snoalb + lvcoef * (0.85 - snoalb)
    snoalb2 = snoalb1
    if snowng:
        snotime1 = 0.0
    else:
        snotime1 = snotime1 + dt
        snoalb2 = snoalb1 * (snacca ** ((snotime1 / 86400.0) ** snaccb))
    snoalb2 = max(snoalb2, alb)
    albedo = alb + sncovr * (snoalb2 - alb)
    if albedo > snoalb2:
        albedo = snoalb2
    return albedo, emissi, snotime1


@jit
def snow_new(temp, newsn, snowh, sndens):
    """Add new snowfall: depth [m] and density [g cm-3] (SNOW_NEW).

    temp : air temperature [K]; newsn : new snow water equivalent [m].
    New-snow density 0.05 + 0.0017 (T+15 C)^1.5 above -15 C (Hedstrom and
    Pomeroy 1998 form). Returns (snowh, sndens).
    """
    snowhc = snowh * 100.0
    newsnc = newsn * 100.0
    tempc = temp - 273.15
    if tempc <= -15.0:
        dsnew = 0.05
    else:
        dsnew = 0.05 + 0.0017 * (tempc + 15.0) ** 1.5
    hnewc = newsnc / dsnew
    if snowhc + hnewc < 1.0e-3:
        sndens = max(dsnew, sndens)
    else:
        sndens = (snowhc * sndens + hnewc * dsnew) / (snowhc + hnewc)
    snowhc = snowhc + hnewc
    return snowhc * 0.01, sndens


@jit
def snowpack(esd, dtsec, snowh, sndens, tsnow, tsoil):
    """Compaction and wet densification of the snowpack (SNOWPACK).

    esd : water equivalent [m]; tsnow, tsoil : snow and soil surface
    temperature [K]. Compaction after Anderson (1976) / Koren, with the
    (e^x - 1)/x factor evaluated by its 4-term polynomial and x based on
    max(ESD, 0.01 cm) as in the reference; density in [0.05, 0.40];
    wet snow (T >= 0 C) densifies by 0.13 per day towards 1, capped at 0.40.
    Returns (snowh [m], sndens [g cm-3]).
    """
    c1 = 0.01
    c2 = 21.0
    esdc = esd * 100.0
    dthr = dtsec / 3600.0
    tsnowc = tsnow - 273.15
    tsoilc = tsoil - 273.15
    tavgc = 0.5 * (tsnowc + tsoilc)
    if esdc > 1.0e-2:
        esdcx = esdc
    else:
        esdcx = 1.0e-2
    bfac = dthr * c1 * math.exp(0.08 * tavgc - c2 * sndens)
    pexp = 0.0
    for j in range(4, 0, -1):
        pexp = (1.0 + pexp) * bfac * esdcx / (j + 1.0)
    pexp = pexp + 1.0
    dsx = sndens * pexp
    if dsx > 0.40:
        dsx = 0.40
    if dsx < 0.05:
        dsx = 0.05
    sndens = dsx
    if tsnowc >= 0.0:
        dw = 0.13 * dthr / 24.0
        sndens = sndens * (1.0 - dw) + dw
        if sndens >= 0.40:
            sndens = 0.40
    snowhc = esdc / sndens
    return snowhc * 0.01, sndens


@jit
def snowz0(sncovr, z0brd, snowh):
    """Roughness length with snow [m] (SNOWZ0): vegetation buried by snow, snow z0 = 1 mm."""
    z0s = 0.001
    burial = 7.0 * z0brd - snowh
    if burial <= 0.0007:
        z0eff = z0s
    else:
        z0eff = burial / 7.0
    return (1.0 - sncovr) * z0brd + sncovr * z0eff

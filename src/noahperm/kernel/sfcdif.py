"""Surface-layer exchange coefficients (SFCDIF) and the driver's thermodynamic helpers.

Port of the reference model's surface-exchange options (authors' modified Noah LSM v3.4.1,
``nanzt/noahtibet-ef``), float64, operation for operation, so that results agree with the
gfortran ``-fdefault-real-8`` build to round-off (in practice bit for bit):

============  ==========================  ============================================
option        Fortran routine             here
============  ==========================  ============================================
``2`` (QTP)   ``SFCDIF_MYJ_Y08`` +        :func:`sfcdif_y08`
              ``z0mz0h``, ``MOlength``,
              ``flxpar``, ``CuCpt``
              (module_sfcdif_wrf.F,
              constants ``most.inc``)
``0``         ``SFCDIF_off``              :func:`sfcdif_off`
              (module_sf_noahlsm.F,
              ``_SIMPLE_DRIVER_`` variant)
``1``         ``SFCDIF_MYJ`` +            :func:`sfcdif_myj`
              ``MYJSFCINIT``
              (module_sfcdif_wrf.F,
              ``_KWM_VERSION_`` variant,
              the one compiled)
driver        ``CALTMP``, ``CALHUM``      :func:`caltmp`, :func:`calhum`
              (module_Noahlsm_utility.F)
============  ==========================  ============================================

All functions are ``@njit`` scalar functions (plain floats in, a tuple out, no I/O), meant to be
called from the column kernel. Units are SI: heights and roughness lengths in m, temperatures in K,
specific humidity in kg kg-1, pressure in Pa, wind speed in m s-1. The exchange coefficients
CH (``akhs``, ``chh``) and CM (``akms``) are *already multiplied by the wind speed* (m s-1), as in
Noah.

Y08: Yang et al. thermal roughness for sparse vegetation (``sfcdif_option = 2``)
---------------------------------------------------------------------------------
Bulk transfer with Monin-Obukhov similarity, Hogstrom (1996) profiles (kappa = 0.4,
Pr = 1.0 stable / 0.95 unstable, gamma_m = 19, gamma_h = 11.6, beta_m = 5.3, beta_h = 8.0) and
the analytical stability solution of Yang et al. (2001). Starting from neutral
``c_u = kappa/ln(zm/z0m)``, ``c_pt = kappa/ln(zh/z0m)``, three fixed iterations of

* thermal roughness (Yang et al. 2002, 2008)::

      z0h = 70 nu/u* exp(-7.2 u*^0.5 |theta*|^0.25),  clipped to [1e-10, zh/10]
      nu  = 1.328e-5 (p0/psfc) (theta_a/273.15)^1.754

* bulk Richardson number ``Rib = g/theta_a (theta_a - T_s)(zm - z0m)/U^2`` clipped to
  [-10, min(0.2, Pr beta_h (1 - z0h/zh)/(beta_m^2 (1 - z0m/zm)) - 0.05)], the Obukhov length from
  Yang (2001) (unstable: fitted approximation, stable: exact root of a quadratic), then
  ``c_u = kappa/[ln(zm/z0m) - psi_m]``, ``c_pt = kappa/(Pr [ln(zh/z0h) - psi_h])`` with the
  Hogstrom integrated profiles and the Fortran's bounds on them;

then ``CH = u* c_pt = c_u c_pt U`` bounded below by ``0.001/zm``. CM is not computed by this scheme.
Constants are the local ones of ``most.inc``: g = 9.8, Rd = 287, cp = 1004 (Rd/cp for the Exner
function), p0 = 1e5 Pa, **but** the hydrostatic reduction of the air pressure to the temperature
level uses a literal 9.81 (``ptair``). The skin temperature is used as is (no Exner factor).
In the driver, z0m is the Z0 of the previous step, zm the wind level, zh the temperature level,
tsfc the skin temperature T1 of the previous step.

``stop 'stop in similarity'``: ``MOlength`` stops the program when ``|1 - coef p| < 1e-6`` in the
unstable branch. With zm > z0m and zh > z0h (always true here: z0h <= zh/10) the bulk Richardson
number is negative there, so ``coef < 0``, ``p >= 0`` and ``1 - coef p >= 1``: the stop cannot be
reached. Numba-safe equivalent: if it is reached anyway (nonsense input such as zm <= z0m),
:func:`sfcdif_y08` returns ``(nan, nan)`` instead of aborting; callers may test ``chh != chh``.

SFCDIF_off: Chen et al. (1997) (``sfcdif_option = 0``)
------------------------------------------------------
Paulson (1970) unstable / linear (5 zeta) stable profile functions, Zilitinkevich (1995)
thermal roughness ``z0t = z0 exp(-k C_zil sqrt(u* z0 / nu))`` with ``k/nu`` folded into
``SQVISC = 258.2``, Beljaars (1995) free-convection velocity, 5 under-relaxed iterations on 1/L.
Inputs are the *virtual* potential temperatures of the driver (``CALTMP``: ``thz0 = T1V``,
``thlm = TH2V``) and the previous step's CM/CH as first guess. ``iz0tlnd = 1`` (and not urban)
replaces CZIL by ``10**(-0.4 z0/0.07)`` (Chen and Zhang 2009). In the Fortran this overwrites the
caller's CZIL variable; since it is recomputed from Z0 at every call, that has no further effect.

SFCDIF_MYJ: Janjic (1994, 1996) MYJ surface layer (``sfcdif_option = 1``)
-------------------------------------------------------------------------
As used in WRF's Noah (``_KWM_VERSION_``): Paulson unstable and Holtslag and de Bruin (1988) stable
integrated functions tabulated by ``MYJSFCINIT`` (10001 points, zeta in [-5, 1]) and linearly
interpolated; Zilitinkevich z0t on the *background* roughness Z0BRD with a stability-dependent
CZIL factor ``1 + 10 (Rib/0.505)^2`` (stable); bulk Richardson number RIB from virtual potential
temperatures (g = 9.81, Rd/cp = 287/1004.5, P608 = Rv/Rd - 1). Inputs: skin temperature T1 and
Q1 of the previous step, the previous CM/CH as first guess. The tables are computed once at
import by :func:`myjsfcinit` (same sequential accumulation of zeta as the Fortran) and held as
module-level numpy arrays, which Numba freezes as compile-time constants.

References
----------
Chen, F., Janjic, Z. and Mitchell, K. (1997): Impact of atmospheric surface-layer
parameterizations in the new land-surface scheme of the NCEP mesoscale Eta model.
Boundary-Layer Meteorol. 85, 391-421.
Chen, F. and Zhang, Y. (2009): On the coupling strength between the land surface and the
atmosphere: From viewpoint of surface exchange coefficients. Geophys. Res. Lett. 36, L10404.
Hogstrom, U. (1996): Review of some basic characteristics of the atmospheric surface layer.
Boundary-Layer Meteorol. 78, 215-246.
Janjic, Z. I. (1994): The step-mountain eta coordinate model. Mon. Wea. Rev. 122, 927-945;
Janjic, Z. I. (1996): The surface layer in the NCEP Eta Model. 11th Conf. on NWP, AMS, 354-355.
Yang, K., Tamai, N. and Koike, T. (2001): Analytical solution of surface layer similarity
equations. J. Appl. Meteorol. 40, 1647-1653.
Yang, K., Koike, T., Fujii, H., Tamagawa, K. and Hirose, N. (2002): Improvement of surface flux
parametrizations with a turbulence-related length. Q. J. R. Meteorol. Soc. 128, 2073-2087.
Yang, K., Koike, T., Ishikawa, H., Kim, J., Li, X., Liu, H., Liu, S., Ma, Y. and Wang, J. (2008):
Turbulent flux transfer over bare-soil surfaces: characteristics and parameterization.
J. Appl. Meteorol. Climatol. 47, 276-290.

Numerics
--------
``error_model="numpy"``: a float division by zero gives +-inf/nan as in the Fortran build (no
trapping) instead of raising. This is reached in Y08 when the air potential temperature equals
the skin temperature exactly (1/L = 1/(+-0) = +-inf; the sign of that zero selects the stable or
unstable Prandtl number, as in the Fortran). Integer powers are written as products and the
Fortran's left-to-right evaluation order is kept; no fastmath (no FMA contraction).
"""

import math

import numpy as np
from numba import njit

from ._jit import JIT_OPTIONS

_JIT = JIT_OPTIONS

# --- most.inc (Y08) ---------------------------------------------------------
_KV = 0.4  # von Karman constant [-]
_PRANTL01 = 1.0  # turbulent Prandtl number, stable [-]
_PRANTL02 = 0.95  # turbulent Prandtl number, unstable [-]
_GAMMAM = 19.0
_GAMMAH = 11.6
_BETAM = 5.3
_BETAH = 8.0
_RD_Y08 = 287.0  # gas constant of dry air [J kg-1 K-1]
_CP_Y08 = 1004.0  # specific heat of dry air [J kg-1 K-1]
_RDDCP_Y08 = _RD_Y08 / _CP_Y08
_G_Y08 = 9.8  # gravity [m s-2]
_P0 = 1.0e5  # reference pressure [Pa]
_GAMMAM2 = _GAMMAM * _GAMMAM  # gammam**2, folded at compile time in the Fortran
_BETAM2 = _BETAM * _BETAM  # betam**2
_EXCM_Y08 = 0.001  # lower bound of CH is excm/zm [m s-1 per m]

# --- module_model_constants (used by SFCDIF_MYJ) --------------------------------
_G = 9.81
_R_D = 287.0
_CP = 7.0 * _R_D / 2.0  # 1004.5
_R_V = 461.6
_RCP = _R_D / _CP
_P608 = _R_V / _R_D - 1.0
_P1000MB = 100000.0

# --- module_sfcdif_wrf private parameters --------------------------------------
_ITRMX_MYJ = 5
_EXCML = 0.0001
_VKARMAN = 0.4
_ZTFC = 1.0
_ELOCP = 2.72e6 / _CP
_EPSU2_MYJ = 1.0e-6
_EPSUST_MYJ = 1.0e-9
_SQVISC = 258.2
_RIC_MYJ = 0.505
_EPSZT = 1.0e-28
_KZTM = 10001
_KZTM2 = _KZTM - 2
_WWST = 1.2
_WWST2 = _WWST * _WWST
_ZTMIN2 = -5.0

# --- SFCDIF_off parameters ---------------------------------------------------------
_G_OFF = 9.8
_VKRM = 0.40
_EXCM_OFF = 0.001
_BETA_OFF = 1.0 / 270.0
_BTG = _BETA_OFF * _G_OFF
_ELFC_OFF = _VKRM * _BTG
_WOLD = 0.15
_WNEW = 1.0 - _WOLD
_ITRMX_OFF = 5
_PIHF_OFF = 3.14159265 / 2.0
_EPSU2_OFF = 1.0e-4
_EPSUST_OFF = 0.07
_ZTMIN_OFF = -5.0
_ZTMAX_OFF = 1.0
_HPBL = 1000.0
_BTGH_OFF = _BTG * _HPBL  # BTG*HPBL of two parameters

# --- module_Noahlsm_utility (CALTMP / CALHUM) ---------------------------------------
_RD_UTIL = 287.04
_A2 = 17.67
_A3 = 273.15
_A4 = 29.65
_ELWV = 2.501e6
_A23M4 = _A2 * (_A3 - _A4)
_E0 = 611.0
_RV_UTIL = 461.0
_EPSILON = 0.622
_ELWV_RV = _ELWV / _RV_UTIL  # ELWV/RV of two parameters (folded)
_RA3 = 1.0 / _A3  # 1./A3 (folded)
_ONE_M_EPS = 1.0 - _EPSILON  # (1-EPSILON) (folded)

_TWO_THIRDS = 2.0 / 3.0


# =====================================================================================
# Driver helpers
# =====================================================================================
@njit(**_JIT)
def caltmp(t1, sfctmp, sfcprs, zlvl, q2):
    """Driver thermodynamics ``CALTMP`` (module_Noahlsm_utility.F).

    Parameters
    ----------
    t1 : float      skin temperature [K]
    sfctmp : float  air temperature at ``zlvl`` [K]
    sfcprs : float  surface pressure [Pa]
    zlvl : float    height of the air temperature [m]
    q2 : float      specific humidity at ``zlvl`` [kg kg-1]

    Returns
    -------
    th2 : float   "potential" temperature ``sfctmp + 0.0098 zlvl`` [K]
    t1v : float   virtual skin temperature ``t1 (1 + 0.61 q2)`` [K]
    th2v : float  virtual potential temperature at ``zlvl`` [K]
    rho : float   air density ``sfcprs/(287.04 sfctmp (1 + 0.61 q2))`` [kg m-3]
    """
    th2 = sfctmp + (0.0098 * zlvl)
    t1v = t1 * (1.0 + 0.61 * q2)
    th2v = th2 * (1.0 + 0.61 * q2)
    t2v = sfctmp * (1.0 + 0.61 * q2)
    rho = sfcprs / (_RD_UTIL * t2v)
    return th2, t1v, th2v, rho


@njit(**_JIT)
def calhum(sfctmp, sfcprs):
    """Saturation humidity and its slope, ``CALHUM`` (module_Noahlsm_utility.F).

    ``es = 611 exp(L/Rv (1/273.15 - 1/T))`` with L = 2.501e6 J kg-1, Rv = 461 J kg-1 K-1;
    ``q2sat = 0.622 es/(p - 0.378 es)``; ``dqsdt2 = q2sat 17.67 (273.15 - 29.65)/(T - 29.65)^2``.

    Parameters
    ----------
    sfctmp : float  air temperature [K]
    sfcprs : float  surface pressure [Pa]

    Returns
    -------
    q2sat : float   saturation specific humidity [kg kg-1]
    dqsdt2 : float  d q2sat / dT [kg kg-1 K-1]
    """
    es = _E0 * math.exp(_ELWV_RV * (_RA3 - 1.0 / sfctmp))
    q2sat = _EPSILON * es / (sfcprs - _ONE_M_EPS * es)
    d = sfctmp - _A4
    dqsdt2 = q2sat * _A23M4 / (d * d)
    return q2sat, dqsdt2


# =====================================================================================
# Y08 (sfcdif_option = 2)
# =====================================================================================
@njit(**_JIT)
def _z0mz0h(zh, nu, ustr, tstr):
    """Thermal roughness of Yang et al. (2002), ``z0mz0h`` [m]."""
    z0h = 70.0 * nu / ustr * math.exp(-7.2 * math.sqrt(ustr) * math.sqrt(math.sqrt(abs(-tstr))))
    return min(zh / 10.0, max(z0h, 1.0e-10))


@njit(**_JIT)
def _molength(zm, zh, z0m, z0h, wspd, ptsfc, pt1, lzm, lzh):
    """``MOlength``: returns (1/L from Yang 2001 [m-1], clipped bulk Richardson number, stop flag).

    As in the Fortran, the returned ``lmo`` is the reciprocal of the solved quantity.
    ``lzm`` = ln(zm/z0m) and ``lzh`` = ln(zh/z0h), computed once by the caller (the same
    values the Fortran recomputes here).
    """
    bulkri = (_G_Y08 / pt1) * (pt1 - ptsfc) * (zm - z0m) / (wspd * wspd)
    stop = False
    if bulkri < 0.0:
        # unstable: approximate analytical solution (Yang 2001)
        bulkri = max(bulkri, -10.0)
        d = bulkri / _PRANTL02
        numerator = d * (lzm * lzm / lzh) * (1.0 / (zm - z0m))
        a = math.log(-d)
        b = math.log(lzm)
        c = math.log(lzh)
        p = (0.03728 - 0.093143 * a - 0.24069 * b + 0.30616 * c
             + 0.017131 * a * a + 0.037666 * a * b - 0.084598 * b * b - 0.016498 * a * c
             + 0.1828 * b * c - 0.12587 * c * c)
        p = max(0.0, p)
        coef = d * _GAMMAM2 / 8.0 / _GAMMAH * (zm - z0m) / (zh - z0h)
        if abs(1.0 - coef * p) < 1.0e-6:
            stop = True  # Fortran: stop 'stop in similarity'
        lmo = numerator / (1.0 - coef * p)
    else:
        # stable: exact analytical solution (Yang 2001)
        bulkri = min(bulkri, 0.2,
                     _PRANTL01 * _BETAH * (1.0 - z0h / zh) / _BETAM2 / (1.0 - z0m / zm) - 0.05)
        d = bulkri / _PRANTL01
        a = d * _BETAM2 * (zm - z0m) - _BETAH * (zh - z0h)
        b = 2.0 * d * _BETAM * lzm - lzh
        c = d * (lzm * lzm) / (zm - z0m)
        lmo = (-b - math.sqrt(abs(b * b - 4.0 * a * c))) / (2.0 * a)
    if lmo > 0.0 and lmo < 1.0e-6:
        lmo = 1.0e-6
    if lmo < 0.0 and lmo > -1.0e-6:
        lmo = -1.0e-6
    if lmo == 0.0:
        # exact neutrality (bulkri = 0 gives lmo = -0.0): IEEE 1/(+-0) = +-inf as in the Fortran,
        # written out so that the pure-Python (NUMBA_DISABLE_JIT) path does not raise
        lmo = math.copysign(math.inf, lmo)
    else:
        lmo = 1.0 / lmo
    return lmo, bulkri, stop


@njit(**_JIT)
def _cucpt(lmo, zm1, zh1, zm2, zh2, lm, lh):
    """``CuCpt``: c_u = u*/U and c_pt = theta*/(delta theta) between (zm1, zh1) and (zm2, zh2);
    ``lm`` = ln(zm2/zm1), ``lh`` = ln(zh2/zh1) (computed once by the caller)."""
    if lmo < 0.0:
        # unstable (Hogstrom 1996)
        xx2 = math.sqrt(math.sqrt(1.0 - _GAMMAM * zm2 / lmo))
        xx1 = math.sqrt(math.sqrt(1.0 - _GAMMAM * zm1 / lmo))
        psim = (2.0 * math.log((1.0 + xx2) / (1.0 + xx1))
                + math.log((1.0 + xx2 * xx2) / (1.0 + xx1 * xx1))
                - 2.0 * math.atan(xx2) + 2.0 * math.atan(xx1))
        yy2 = math.sqrt(1.0 - _GAMMAH * zh2 / lmo)
        yy1 = math.sqrt(1.0 - _GAMMAH * zh1 / lmo)
        psih = 2.0 * math.log((1.0 + yy2) / (1.0 + yy1))
        uprf = max(lm - psim, 0.50 * lm)
        ptprf = max(lh - psih, 0.33 * lm)
        c_u = _KV / uprf
        c_pt = _KV / (ptprf * _PRANTL02)
    else:
        # stable
        psim = -_BETAM * (zm2 - zm1) / lmo
        psih = -_BETAH * (zh2 - zh1) / lmo
        psim = max(-_BETAM, psim)
        psih = max(-_BETAH, psih)
        uprf = min(lm - psim, 2.0 * lm)
        ptprf = min(lh - psih, 2.0 * lm)
        c_u = _KV / uprf
        c_pt = _KV / (ptprf * _PRANTL01)
    return c_u, c_pt


@njit(**_JIT)
def sfcdif_y08(z0m, zm, zh, wspd, tsfc, tair, qair, psfc):
    """Exchange coefficient for heat of Yang et al. (Y08), ``SFCDIF_MYJ_Y08``.

    Parameters
    ----------
    z0m : float   momentum roughness length (Z0 of the previous step) [m]
    zm : float    height of the wind speed [m]
    zh : float    height of air temperature and humidity [m]
    wspd : float  wind speed at ``zm`` [m s-1] (bounded below by 0.01)
    tsfc : float  skin temperature (T1 of the previous step) [K]
    tair : float  air temperature at ``zh`` [K]
    qair : float  specific humidity at ``zh`` [kg kg-1]
    psfc : float  surface pressure [Pa]

    Returns
    -------
    chh : float   CH, exchange coefficient for heat and moisture times wind speed [m s-1];
                  nan where the Fortran would ``stop 'stop in similarity'`` (unreachable for
                  zm > z0m, see the module docstring)
    ribb : float  bulk Richardson number of the last iteration, after clipping [-]
    """
    wspd = max(wspd, 0.01)
    rhoair = psfc / (_RD_Y08 * tair * (1.0 + 0.61 * qair))
    ptair = tair * (psfc / (psfc - rhoair * 9.81 * zh)) ** _RDDCP_Y08
    ptsfc = tsfc
    pt1 = ptair

    lzm = math.log(zm / z0m)
    c_u = _KV / lzm
    c_pt = _KV / math.log(zh / z0m)
    tstr = c_pt * (pt1 - ptsfc)
    ustr = c_u * wspd
    # (the Fortran's first-guess Obukhov length here is overwritten by MOlength: not computed)
    nu = 1.328e-5 * (_P0 / psfc) * (pt1 / 273.15) ** 1.754

    ribb = 0.0
    stopped = False
    for _ in range(3):
        z0h = _z0mz0h(zh, nu, ustr, tstr)
        lzh = math.log(zh / z0h)
        lmo, ribb, stop = _molength(zm, zh, z0m, z0h, wspd, ptsfc, pt1, lzm, lzh)
        stopped = stopped or stop
        c_u, c_pt = _cucpt(lmo, z0m, z0h, zm, zh, lzm, lzh)
        ustr = c_u * wspd
        tstr = c_pt * (pt1 - ptsfc)

    if not abs(ptair - ptsfc) < 0.001:
        c_pt = tstr / (ptair - ptsfc)
    ra = 1.0 / (ustr * c_pt)
    chh = 1.0 / ra
    chh = max(chh, _EXCM_Y08 * (1.0 / zm))
    if stopped:
        return math.nan, math.nan
    return chh, ribb


# =====================================================================================
# SFCDIF_off (sfcdif_option = 0)
# =====================================================================================
@njit(**_JIT)
def _pspmu(xx):
    # Paulson unstable momentum function (statement function PSPMU)
    return -2.0 * math.log((xx + 1.0) * 0.5) - math.log((xx * xx + 1.0) * 0.5) \
        + 2.0 * math.atan(xx) - _PIHF_OFF


@njit(**_JIT)
def _psphu(xx):
    # Paulson unstable heat function (statement function PSPHU)
    return -2.0 * math.log((xx * xx + 1.0) * 0.5)


@njit(**_JIT)
def sfcdif_off(zlm, zlm_wind, z0, thz0, thlm, sfcspd, czil, akms, akhs, is_urban, iz0tlnd):
    """Surface exchange of Chen et al. (1997), ``SFCDIF_off`` (``_SIMPLE_DRIVER_`` variant).

    Parameters
    ----------
    zlm : float       height of air temperature [m]
    zlm_wind : float  height of wind speed [m]
    z0 : float        roughness length (Z0 of the previous step) [m]
    thz0 : float      virtual skin temperature (``t1v`` from :func:`caltmp`) [K]
    thlm : float      virtual potential air temperature (``th2v`` from :func:`caltmp`) [K]
    sfcspd : float    wind speed [m s-1]
    czil : float      Zilitinkevich constant (CZIL_DATA, GENPARM.TBL) [-]
    akms : float      CM of the previous step (first guess) [m s-1]
    akhs : float      CH of the previous step (first guess) [m s-1]
    is_urban : bool   vegetation type == urban category
    iz0tlnd : int     1: CZIL from z0 (Chen and Zhang 2009) unless urban; 0: ``czil`` as given

    Returns
    -------
    akms : float  CM, exchange coefficient for momentum times wind speed [m s-1]
    akhs : float  CH, exchange coefficient for heat and moisture times wind speed [m s-1]
    """
    if iz0tlnd == 0 or is_urban:
        zilfc = -czil * _VKRM * _SQVISC
    else:
        czil = 10.0 ** (-0.40 * (z0 / 0.07))
        zilfc = -czil * _VKRM * _SQVISC
    zu = z0
    rdz = 1.0 / zlm_wind
    cxch = _EXCM_OFF * rdz
    dthv = thlm - thz0

    du2 = max(sfcspd * sfcspd, _EPSU2_OFF)
    btgh = _BTGH_OFF
    if btgh * akhs * dthv != 0.0:
        wstar2 = _WWST2 * abs(btgh * akhs * dthv) ** _TWO_THIRDS
    else:
        wstar2 = 0.0
    ustar = max(math.sqrt(akms * math.sqrt(du2 + wstar2)), _EPSUST_OFF)

    zt = math.exp(zilfc * math.sqrt(ustar * z0)) * z0
    zslu = zlm_wind + zu
    zslt = zlm + zt
    rlogu = math.log(zslu / zu)
    rlogt = math.log(zslt / zt)
    rlmo = _ELFC_OFF * akhs * dthv / (ustar * ustar * ustar)

    for _ in range(_ITRMX_OFF):
        zetalt = max(zslt * rlmo, _ZTMIN_OFF)
        rlmo = zetalt / zslt
        zetalu = zslu * rlmo
        zetau = zu * rlmo
        zetat = zt * rlmo
        # ILECH = 0: Paulson functions
        if rlmo < 0.0:
            xlu4 = 1.0 - 16.0 * zetalu
            xlt4 = 1.0 - 16.0 * zetalt
            xu4 = 1.0 - 16.0 * zetau
            xt4 = 1.0 - 16.0 * zetat
            xlu = math.sqrt(math.sqrt(xlu4))
            xlt = math.sqrt(math.sqrt(xlt4))
            xu = math.sqrt(math.sqrt(xu4))
            xt = math.sqrt(math.sqrt(xt4))
            psmz = _pspmu(xu)
            simm = _pspmu(xlu) - psmz + rlogu
            pshz = _psphu(xt)
            simh = _psphu(xlt) - pshz + rlogt
        else:
            zetalu = min(zetalu, _ZTMAX_OFF)
            zetalt = min(zetalt, _ZTMAX_OFF)
            psmz = 5.0 * zetau
            simm = 5.0 * zetalu - psmz + rlogu
            pshz = 5.0 * zetat
            simh = 5.0 * zetalt - pshz + rlogt
        # Beljaars correction of u*, Zilitinkevich fix for zt
        ustar = max(math.sqrt(akms * math.sqrt(du2 + wstar2)), _EPSUST_OFF)
        zt = math.exp(zilfc * math.sqrt(ustar * z0)) * z0
        zslt = zlm + zt
        rlogt = math.log(zslt / zt)
        ustark = ustar * _VKRM
        akms = max(ustark / simm, cxch)
        akhs = max(ustark / simh, cxch)
        if btgh * akhs * dthv != 0.0:
            wstar2 = _WWST2 * abs(btgh * akhs * dthv) ** _TWO_THIRDS
        else:
            wstar2 = 0.0
        rlmn = _ELFC_OFF * akhs * dthv / (ustar * ustar * ustar)
        rlma = rlmo * _WOLD + rlmn * _WNEW
        rlmo = rlma
    return akms, akhs


# =====================================================================================
# SFCDIF_MYJ (sfcdif_option = 1)
# =====================================================================================
@njit(**_JIT)
def myjsfcinit():
    """Integrated stability functions of ``MYJSFCINIT``.

    Returns ``(psim2, psih2, dzeta2, ztmax2)``: tables over zeta in [-5, 1] (10001 points;
    Paulson 1970 for zeta < 0, Holtslag and de Bruin 1988 for zeta >= 0), the spacing, and the
    upper clipping bound (the accumulated last zeta minus 1e-6). Zeta is accumulated by repeated
    addition as in the Fortran, so the abscissae carry the same round-off.
    """
    pihf = 3.1415926 / 2.0
    eps = 1.0e-6
    ztmax2 = 1.0
    zrng2 = ztmax2 - _ZTMIN2
    dzeta2 = zrng2 / (_KZTM - 1)
    zeta2 = _ZTMIN2
    psim2 = np.empty(_KZTM)
    psih2 = np.empty(_KZTM)
    for k in range(_KZTM):
        if zeta2 < 0.0:
            x = math.sqrt(math.sqrt(1.0 - 16.0 * zeta2))
            psim2[k] = (-2.0 * math.log((x + 1.0) / 2.0) - math.log((x * x + 1.0) / 2.0)
                        + 2.0 * math.atan(x) - pihf)
            psih2[k] = -2.0 * math.log((x * x + 1.0) / 2.0)
        else:
            v = 0.7 * zeta2 + 0.75 * zeta2 * (6.0 - 0.35 * zeta2) * math.exp(-0.35 * zeta2)
            psim2[k] = v
            psih2[k] = v
        if k == _KZTM - 1:
            ztmax2 = zeta2
        zeta2 = zeta2 + dzeta2
    ztmax2 = ztmax2 - eps
    return psim2, psih2, dzeta2, ztmax2


_PSIM2, _PSIH2, _DZETA2, _ZTMAX2 = myjsfcinit()


@njit(**_JIT)
def _lookup(tab, zeta):
    # linear interpolation in a MYJSFCINIT table (1-based K+1, K+2 -> 0-based k, k+1)
    rz = (zeta - _ZTMIN2) / _DZETA2
    k = int(rz)
    rdzt = rz - float(k)
    k = min(k, _KZTM2)
    k = max(k, 0)
    return (tab[k + 1] - tab[k]) * rdzt + tab[k]


@njit(**_JIT)
def sfcdif_myj(zsl, zsl_wind, z0, z0base, sfcprs, tz0, tlow, qz0, qlow, sfcspd, czil, rib,
               akms, akhs, is_urban, iz0tlnd):
    """MYJ surface layer as used by Noah in WRF, ``SFCDIF_MYJ`` (``_KWM_VERSION_``).

    Parameters
    ----------
    zsl : float       height of air temperature and humidity [m]
    zsl_wind : float  height of wind speed [m]
    z0 : float        roughness length (Z0 of the previous step) [m]
    z0base : float    background roughness length (Z0BRD of the previous step) [m]
    sfcprs : float    surface pressure [Pa]
    tz0 : float       skin temperature (T1 of the previous step) [K]
    tlow : float      air temperature at ``zsl`` [K]
    qz0 : float       surface specific humidity (Q1 of the previous step; Q2 at step 1) [kg kg-1]
    qlow : float      air specific humidity at ``zsl`` [kg kg-1]
    sfcspd : float    wind speed [m s-1]
    czil : float      Zilitinkevich constant (CZIL_DATA) [-]
    rib : float       unused input (the Fortran argument is INTENT(OUT)); pass anything
    akms : float      CM of the previous step (first guess) [m s-1]
    akhs : float      CH of the previous step (first guess) [m s-1]
    is_urban : bool   vegetation type == urban category
    iz0tlnd : int     1: CZIL from z0 (Chen and Zhang 2009) unless urban; 0: ``czil`` as given

    Returns
    -------
    rib : float   bulk Richardson number (RIBB) [-]
    akms : float  CM times wind speed [m s-1]
    akhs : float  CH times wind speed [m s-1]
    """
    thlow = tlow * (_P1000MB / sfcprs) ** _RCP
    thz0 = tz0 * (_P1000MB / sfcprs) ** _RCP
    thelow = thlow

    cxchl = _EXCML / zsl
    btgx = _G / thlow
    elfc = _VKARMAN * btgx
    btgh = btgx * 1000.0

    thm = (thelow + thz0) * 0.5
    tem = (tlow + tz0) * 0.5
    a = thm * _P608
    b = (_ELOCP / tem - 1.0 - _P608) * thm
    cwmlow = 0.0
    dthv = ((thelow - thz0) * ((qlow + qz0 + cwmlow) * (0.5 * _P608) + 1.0)
            + (qlow - qz0 + cwmlow) * a + cwmlow * b)
    du2 = max(sfcspd * sfcspd, _EPSU2_MYJ)
    rib = btgx * dthv * zsl_wind * zsl_wind / du2 / zsl

    zu = z0
    zslu = zsl_wind + zu
    rzsu = zslu / zu
    rlogu = math.log(rzsu)
    zslt = zsl + zu

    if iz0tlnd == 0 or is_urban:
        zilfc = -czil * _VKARMAN * _SQVISC
    else:
        czil_local = 10.0 ** (-0.40 * (z0 / 0.07))
        zilfc = -czil_local * _VKARMAN * _SQVISC

    czetmax = 10.0
    if dthv > 0.0:
        if rib < _RIC_MYJ:
            zzil = zilfc * (1.0 + (rib / _RIC_MYJ) * (rib / _RIC_MYJ) * czetmax)
        else:
            zzil = zilfc * (1.0 + czetmax)
    else:
        zzil = zilfc

    if btgh * akhs * dthv != 0.0:
        wstar2 = _WWST2 * abs(btgh * akhs * dthv) ** _TWO_THIRDS
    else:
        wstar2 = 0.0
    ustar = max(math.sqrt(akms * math.sqrt(du2 + wstar2)), _EPSUST_MYJ)

    for _ in range(_ITRMX_MYJ):
        zt = max(math.exp(zzil * math.sqrt(ustar * z0base)) * z0base, _EPSZT)
        rzst = zslt / zt
        rlogt = math.log(rzst)

        rlmo = elfc * akhs * dthv / (ustar * ustar * ustar)
        zetalu = zslu * rlmo
        zetalt = zslt * rlmo
        zetau = zu * rlmo
        zetat = zt * rlmo

        zetalu = min(max(zetalu, _ZTMIN2), _ZTMAX2)
        zetalt = min(max(zetalt, _ZTMIN2), _ZTMAX2)
        zetau = min(max(zetau, _ZTMIN2 / rzsu), _ZTMAX2 / rzsu)
        zetat = min(max(zetat, _ZTMIN2 / rzst), _ZTMAX2 / rzst)

        psmz = _lookup(_PSIM2, zetau)
        psmzl = _lookup(_PSIM2, zetalu)
        simm = psmzl - psmz + rlogu
        pshz = _lookup(_PSIH2, zetat)
        pshzl = _lookup(_PSIH2, zetalt)
        simh = pshzl - pshz + rlogt

        ustark = ustar * _VKARMAN
        akms = max(ustark / simm, cxchl)
        akhs = max(ustark / simh, cxchl)
        if dthv <= 0.0:
            wstar2 = _WWST2 * abs(btgh * akhs * dthv) ** _TWO_THIRDS
        else:
            wstar2 = 0.0
        ustar = max(math.sqrt(akms * math.sqrt(du2 + wstar2)), _EPSUST_MYJ)
    return rib, akms, akhs

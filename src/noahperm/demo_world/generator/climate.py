"""3-hourly climate of the synthetic mini-QTP on the forcing grid, month by month.

:class:`ClimateGenerator` gives, for one month, the 7 CMFD variables as ``(time, lat, lon)``
arrays in CMFD units (``temp`` K, ``shum`` kg kg-1, ``pres`` Pa, ``wind`` m s-1, ``srad`` and
``lrad`` W m-2, ``prec`` mm h-1), in the CMFD time conventions (``docs/inputs.md``): ``temp``,
``shum``, ``pres``, ``wind`` instantaneous at the time stamp ``t``; ``srad`` the mean over
``[t - 1.5 h, t + 1.5 h]`` and ``lrad`` its value at ``t`` (standing for that centred mean: it
follows the smooth temperature and cloud); ``prec`` the amount of the 3 hours ``[t - 3 h, t]``
(the generated amount of a step is labelled with the step's end).
:func:`point_series` gives the same climate at one place as series (the point demo,
``noahperm.demo_world.point_site``).

Model (``s`` is the north-west index of :mod:`.world`, ``z`` the cell's mean elevation, ``c``
the cloud fraction, ``h`` local solar hour, ``yf`` the fraction of the year):

* air temperature ``T = t_ref + Gamma (z - z_ref) + W (t - t_ref_year) + w_NW(s) A(t)``
  ``- A_s cos(2 pi (yf - 0.055)) + A_d (1 - 0.45 c) cos(2 pi (h - 14.5) / 24) + sigma_T zeta_T``:
  lapse rate ``Gamma``, linear warming ``W``, the north-west's late-1990s anomaly ``A(t)`` (raised
  cosine), seasonal (coldest about 20 January) and diurnal (warmest 14:30) cycles larger in the
  arid NW, synoptic noise ``zeta_T``;
* every noise ``zeta`` is ``r0 x0(t) + r1 sum_k a_k(t) phi_k(x) + r2 e(x, t)`` with unit variance:
  a domain-wide AR(1) series ``x0``, ``K = 4`` smooth spatial modes ``phi_k`` (length scale
  ``noise_length_deg``) with AR(1) amplitudes ``a_k`` and white local noise ``e`` (small-scale
  decorrelation). The series cover the whole configured period, so any month is the same
  whether generated alone or in sequence; the temperature series are detrended (annual means
  with zero slope) so the warming is exactly the prescribed one;
* cloud: ``c = expit(logit(c_clim) + 1.3 zeta_C)``, cloudier in the SE and in the monsoon
  (bell around 19 July), with an afternoon convective maximum;
* precipitation: wet where ``0.75 zeta_C + 0.66 zeta_P`` exceeds the quantile of the wet-step
  probability (so rain falls under cloud), gamma amounts (shape 0.7); local expectation =
  climatology ``P(s)`` (``precip_se_mm`` to ``precip_nw_mm``) x monsoon shares x a trend factor
  ``1 + r (t - t_ref_year)`` with ``r`` giving ``precip_trend_mm_per_decade`` on the domain
  mean; each month's field is then scaled so its domain mean equals the target times a random
  factor whose annual totals have zero mean and zero trend (inter-annual sd ``precip_iav``);
* humidity from a dew point ``T_d = T_day - D + 1.5 cos(2 pi (h - 15) / 24)`` below the
  temperature without its diurnal term ``T_day``: the depression ``D`` is large in the arid NW
  and in winter (``(6 + 8 s)(1 - 0.6 m (1 - 0.4 s))`` K, ``m`` the monsoon bell), smaller under
  cloud, noisy, at most 1 K while it rains; ``e = e_s(min(T_d, T))`` (Magnus, so RH <= 100 %),
  ``q = 0.622 e / (p - 0.378 e)``;
* pressure: hypsometric, ``p = p_sl exp(-g z / (R_d (T + 0.00325 z)))`` with a winter-high sea
  level pressure, synoptic noise and a diurnal plus semidiurnal tide;
* wind: ``wind_m_s`` at ``z_ref`` plus ``wind_per_km_m_s`` per km, windiest in late winter and
  in the afternoon, lognormal synoptic noise (sd 0.3 in log, softly bounded at 2.5 sd);
* shortwave: the mean over ``solar_substeps`` sub-steps of top-of-atmosphere irradiance
  (Spencer's declination, equation of time, eccentricity; hour angle from longitude) times a
  clear-sky transmissivity ``0.78^(m p / p0)`` (Kasten-Young air mass ``m``), times
  ``1 - 0.72 c^1.4``;
* longwave: Brutsaert's clear-sky emissivity ``1.24 (e/T)^(1/7)`` (``e`` in hPa) with the
  cloud correction ``c + (1 - c) eps_clear`` (Crawford and Duchon), times ``sigma T^4``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.ndimage import gaussian_filter
from scipy.signal import lfilter
from scipy.special import expit, logit, ndtri

from noahperm.kernel.constants import (
    EPSILON,
    G_STANDARD,
    RD_GENERATOR,
    SIGMA_CODATA,
    SOLAR_CONSTANT,
    TFREEZ,
)
from noahperm.model.solar import spencer

if TYPE_CHECKING:
    from noahperm.demo_world.generator.world import World

VARIABLES = ("temp", "shum", "pres", "wind", "srad", "lrad", "prec")
DT_H = 3
NMODES = 4

# Noise streams: (stream id, shared tau [h], mode tau [h], weights shared/modes/local).
_STREAMS = {
    "T": (1, 72.0, 36.0, (0.85, 0.50, 0.17)),
    "C": (2, 30.0, 18.0, (0.70, 0.60, 0.39)),
    "P": (3, 12.0, 9.0, (0.50, 0.60, 0.62)),
    "H": (4, 24.0, 12.0, (0.60, 0.60, 0.53)),
    "S": (5, 96.0, 48.0, (0.90, 0.40, 0.17)),
    "W": (6, 24.0, 12.0, (0.60, 0.60, 0.53)),
}
_S_MAP, _S_PRECIP_IAV = 301, 302


# --- climatology (also used by the world for vegetation and soil) ------------------------------

def smoothstep(x, lo: float, hi: float):
    """0 below ``lo``, 1 above ``hi``, cubic Hermite between."""
    u = np.clip((np.asarray(x, dtype=np.float64) - lo) / (hi - lo), 0.0, 1.0)
    return u * u * (3.0 - 2.0 * u)


def annual_mean_temperature_C(z, c: dict):
    """Climatological annual mean air temperature [degC] at elevation ``z`` [m]."""
    return c["t_ref_C"] + c["lapse_rate_K_per_km"] * (np.asarray(z) - c["elev_ref_m"]) / 1000.0


def annual_precipitation_mm(s, c: dict):
    """Climatological annual precipitation [mm] at north-west index ``s`` (trend excluded)."""
    return c["precip_nw_mm"] + (c["precip_se_mm"] - c["precip_nw_mm"]) * (
        1.0 - smoothstep(s, 0.2, 0.8))


def nw_weight(s):
    """Weight of the north-west cooling anomaly: 0 for s <= 0.5, 1 for s >= 0.8."""
    return smoothstep(s, 0.5, 0.8)


def nw_anomaly_K(yf, c: dict):
    """The late-1990s anomaly [K] at full weight, at fractional year ``yf``."""
    u = (np.asarray(yf, dtype=np.float64) - c["nw_cooling_year"]) / c["nw_cooling_halfwidth_yr"]
    return np.where(np.abs(u) < 1.0, c["nw_cooling_K"] * 0.5 * (1.0 + np.cos(np.pi * u)), 0.0)


def warming_K(yf, c: dict):
    """Prescribed warming [K] relative to ``trend_ref_year``."""
    return c["warming_K_per_decade"] / 10.0 * (np.asarray(yf, dtype=np.float64)
                                                 - c["trend_ref_year"])


def monsoon(doy):
    """0..1 bell of the summer monsoon around day 200, sd 45 days."""
    return np.exp(-0.5 * ((np.asarray(doy, dtype=np.float64) - 200.0) / 45.0) ** 2)


def _monsoon_amp(s):
    return 8.0 * (1.0 - s) + 2.5 * s  # precipitation share contrast, SE to NW


def sat_vapour_pressure_hPa(t_k):
    """Saturation vapour pressure over water [hPa] (Magnus; Alduchov and Eskridge 1996)."""
    tc = np.asarray(t_k) - TFREEZ
    return 6.1094 * np.exp(17.625 * tc / (tc + 243.04))


# --- time and sun -----------------------------------------------------------------------------

def month_times(year: int, month: int) -> np.ndarray:
    """3-hourly UTC time stamps (datetime64[h]) from 00:00 of day 1 to 21:00 of the last day."""
    t0 = np.datetime64(f"{year:04d}-{month:02d}", "M")
    return np.arange(t0.astype("M8[h]"), (t0 + 1).astype("M8[h]"), np.timedelta64(DT_H, "h"))


def year_fraction(times) -> np.ndarray:
    """Fractional year (e.g. 1998.5) of datetime64 time stamps."""
    t = np.asarray(times).astype("M8[m]")
    y = t.astype("M8[Y]")
    start, end = y.astype("M8[m]"), (y + 1).astype("M8[m]")
    return (y.astype(np.int64) + 1970) + (t - start).astype(np.float64) / (end - start).astype(
        np.float64)


def _sun(minutes: np.ndarray):
    """Declination [rad], equation of time [min], eccentricity factor (Spencer 1971)."""
    t = minutes.astype("M8[m]")
    ys = t.astype("M8[Y]").astype("M8[m]")
    ndays = ((t.astype("M8[Y]") + 1).astype("M8[m]") - ys).astype(np.float64) / 1440.0
    g = 2.0 * np.pi / ndays * ((t - ys).astype(np.float64) / 1440.0 - 0.5)
    decl, eot, e0 = spencer(g)
    return decl, eot, e0


def cos_zenith(times, lat, lon) -> np.ndarray:
    """cos(solar zenith angle), ``(time, lat, lon)``, at instants ``times`` (datetime64, UTC)."""
    m = np.asarray(times).astype("M8[m]")
    decl, eot, _ = _sun(m)
    minutes = (m - m.astype("M8[D]")).astype(np.float64)
    h = np.deg2rad(((minutes + eot)[:, None] + 4.0 * np.asarray(lon)[None, :]) / 4.0 - 180.0)
    phi = np.deg2rad(np.asarray(lat))
    return (np.sin(phi)[None, :, None] * np.sin(decl)[:, None, None]
            + np.cos(phi)[None, :, None] * np.cos(decl)[:, None, None] * np.cos(h)[:, None, :])


def solar_means(times, lat, lon, pres=None, nsub: int = 12):
    """Top-of-atmosphere and clear-sky irradiance [W m-2] averaged over ``[t - 1.5 h, t + 1.5 h]``
    (the CMFD's centred 3-hour mean).

    ``nsub`` sub-steps at their mid-points; clear sky: transmissivity ``0.78`` per
    pressure-corrected Kasten-Young air mass (``pres`` [Pa], ``(time, lat, lon)``; sea level if
    None). Returns ``(toa, clear)``, each ``(time, lat, lon)``.
    """
    t0 = np.asarray(times).astype("M8[s]")
    toa = np.zeros((t0.size, np.size(lat), np.size(lon)))
    clear = np.zeros_like(toa)
    prel = 1.0 if pres is None else np.asarray(pres) / 101325.0
    step = DT_H * 3600.0 / nsub
    for k in range(nsub):
        tk = t0 + np.timedelta64(int(round((k + 0.5) * step - DT_H * 1800.0)), "s")
        cz = cos_zenith(tk, lat, lon)
        e0 = _sun(tk.astype("M8[m]"))[2][:, None, None]
        up = cz > 0.0
        czp = np.where(up, cz, 1.0)
        zdeg = np.degrees(np.arccos(np.clip(czp, -1.0, 1.0)))
        airmass = 1.0 / (czp + 0.50572 * (96.07995 - zdeg) ** -1.6364)
        irr = np.where(up, SOLAR_CONSTANT * e0 * cz, 0.0)
        toa += irr
        clear += irr * 0.78 ** (airmass * prel)
    return toa / nsub, clear / nsub


# --- noise ------------------------------------------------------------------------------------

def ar1(rng: np.random.Generator, n: int, tau_h: float) -> np.ndarray:
    """Stationary AR(1) series of unit variance, 3-hourly, e-folding time ``tau_h`` hours."""
    phi = math.exp(-DT_H / tau_h)
    e = rng.standard_normal(n + 1)
    y, _ = lfilter([math.sqrt(1.0 - phi * phi)], [1.0, -phi], e[1:], zi=[phi * e[0]])
    return y


def _detrend_annual(x: np.ndarray, year_idx: np.ndarray, yf: np.ndarray) -> np.ndarray:
    """Subtract a line in time so that the annual means have zero mean and zero slope."""
    ny = int(year_idx[-1]) + 1
    if ny < 2:
        return x - x.mean()
    cnt = np.bincount(year_idx, minlength=ny)
    xm = np.bincount(year_idx, weights=x, minlength=ny) / cnt
    tm = np.bincount(year_idx, weights=yf, minlength=ny) / cnt
    b, a = np.polyfit(tm, xm, 1)
    return x - (a + b * yf)


class ClimateGenerator:
    """Month-by-month 3-hourly fields of the configured period on the world's forcing grid.

    Construction draws every domain-wide random series of the period (a few 1-D arrays, memory
    independent of the grid size); :meth:`month` draws that month's local noise from a stream
    seeded by (seed, stream, year, month). Same settings -> identical output.
    """

    def __init__(self, world: World):
        self.world = world
        st = world.settings
        self.c = c = st["climate"]
        self.seed = st["seed"]
        self.y0, self.y1 = st["years"]
        start = np.datetime64(f"{self.y0:04d}-01-01T00", "h")
        end = np.datetime64(f"{self.y1 + 1:04d}-01-01T00", "h")
        times = np.arange(start, end, np.timedelta64(DT_H, "h"))
        self.start, self.n = start, times.size
        yf = year_fraction(times)
        year_idx = (times.astype("M8[Y]").astype(np.int64) + 1970 - self.y0).astype(np.intp)
        nlat, nlon = world.lat.size, world.lon.size
        sig = c["noise_length_deg"] / world.res
        self.series, self.modes = {}, {}
        for name, (sid, tau0, taum, _) in _STREAMS.items():
            rng = np.random.default_rng(np.random.SeedSequence([self.seed, sid]))
            ser = np.stack([ar1(rng, self.n, tau0)] + [ar1(rng, self.n, taum)
                                                      for _ in range(NMODES)])
            if name == "T":  # the warming is exactly the prescribed one
                ser = np.stack([_detrend_annual(x, year_idx, yf) for x in ser])
            self.series[name] = ser
            phi = np.stack([gaussian_filter(rng.standard_normal((nlat, nlon)), sig,
                                            mode="reflect") for _ in range(NMODES)])
            self.modes[name] = phi / np.maximum(np.sqrt((phi ** 2).sum(axis=0)), 1e-12)

        s, z = world.cell_nw_index, world.cell_elevation
        self.s, self.z = s, z
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, _S_MAP]))
        dmap = gaussian_filter(rng.standard_normal((nlat, nlon)), sig, mode="reflect")
        dmap = (dmap - dmap.mean()) / (dmap.std() if dmap.size > 1 and dmap.std() > 0 else 1.0)
        self.t_base = TFREEZ + annual_mean_temperature_C(z, c) + 0.2 * dmap  # [K]
        self.w_nw = nw_weight(s)
        self.a_seas = c["seasonal_amplitude_K"] + 3.0 * s
        self.a_diur = c["diurnal_amplitude_K"] + 2.0 * s
        self.p_clim = annual_precipitation_mm(s, c)
        pbar = float(self.p_clim.mean())
        self.p_rate = c["precip_trend_mm_per_decade"] / 10.0 / pbar  # [a-1]
        self.wet_base = c["wet_fraction_nw"] + (c["wet_fraction_se"] - c["wet_fraction_nw"]) * (
            1.0 - smoothstep(s, 0.2, 0.8))
        self.wind_base = c["wind_m_s"] + c["wind_per_km_m_s"] * (z - c["elev_ref_m"]) / 1000.0
        self._precip_domain_targets(pbar)

    # -- precipitation targets ---------------------------------------------------------------
    def _month_share(self, year: int, month: int) -> np.ndarray:
        """Share of the year's precipitation falling in ``month`` per cell (sums to 1)."""
        def bell_sum(a, b):  # sum of the daily monsoon bell over days [a, b) of the year
            return monsoon(np.arange(a, b) + 1.0).sum()
        j0 = (np.datetime64(f"{year:04d}-{month:02d}", "M").astype("M8[D]")
              - np.datetime64(f"{year:04d}-01-01", "D")).astype(int)
        nd = ((np.datetime64(f"{year:04d}-{month:02d}", "M") + 1).astype("M8[D]")
              - np.datetime64(f"{year:04d}-{month:02d}-01", "D")).astype(int)
        ny = 366 if (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)) else 365
        a = _monsoon_amp(self.s)
        return (nd + a * bell_sum(j0, j0 + nd)) / (ny + a * bell_sum(0, ny))

    def _trend_factor(self, year: int, month: int) -> float:
        mid = year_fraction(month_times(year, month)).mean() + DT_H / 2 / 24 / 365.25
        return max(1.0 + self.p_rate * (mid - self.c["trend_ref_year"]), 0.05)

    def _precip_domain_targets(self, pbar: float) -> None:
        years = np.arange(self.y0, self.y1 + 1)
        dom = np.array([[float((self.p_clim * self._month_share(y, m)).mean())
                         * self._trend_factor(y, m) for m in range(1, 13)] for y in years])
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, _S_PRECIP_IAV]))
        eps = rng.normal(0.0, self.c["precip_iav"], years.size)
        g = np.exp(0.3 * rng.standard_normal(dom.shape))  # month-to-month variability
        if years.size >= 3:  # zero mean and zero slope: the trend is exactly the prescribed one
            eps -= np.polyval(np.polyfit(years, eps, 1), years)
        else:
            eps[:] = 0.0
        annual = dom.sum(axis=1)
        g /= ((dom / annual[:, None]) * g).sum(axis=1)[:, None]
        f = 1.0 + eps * pbar / annual
        self.precip_domain_target = dom * g * np.maximum(f, 0.05)[:, None]  # [mm month-1]

    # -- one month ---------------------------------------------------------------------------
    def month_steps(self, year: int, month: int) -> int:
        """Number of 3 h steps of a month."""
        return int(month_times(year, month).size)

    def _noise(self, name: str, i0: int, nt: int, year: int, month: int) -> np.ndarray:
        sid, _, _, (r0, r1, r2) = _STREAMS[name]
        ser, phi = self.series[name][:, i0:i0 + nt], self.modes[name]
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, 200 + sid, year, month]))
        local = rng.standard_normal((nt,) + phi.shape[1:])
        norm = math.sqrt(r0 * r0 + r1 * r1 + r2 * r2)
        field = (r0 * ser[0][:, None, None] + r1 * np.tensordot(ser[1:].T, phi, axes=1)
                 + r2 * local)
        return field / norm

    def month(self, year: int, month: int, diagnostics: bool = False,
              dtype=np.float32) -> dict[str, np.ndarray]:
        """The month's fields: ``times`` (datetime64[h]) and each of :data:`VARIABLES`
        (``dtype``, float32 as in CMFD by default, ``(time, lat, lon)``, CMFD units); with
        ``diagnostics`` also ``cloud`` [-], ``toa`` [W m-2] (mean over the step) and ``rh`` [%]
        (float64)."""
        if not (self.y0 <= year <= self.y1 and 1 <= month <= 12):
            raise ValueError(f"{year}-{month:02d} outside the configured period "
                             f"{self.y0}-{self.y1}")
        c, w = self.c, self.world
        times = month_times(year, month)
        nt = times.size
        i0 = int((times[0] - self.start) // np.timedelta64(DT_H, "h"))
        yf = year_fraction(times)[:, None, None]
        doy = (times.astype("M8[D]") - times.astype("M8[Y]").astype("M8[D]")).astype(
            np.float64)[:, None, None] + 1.0
        hour = (times - times.astype("M8[D]")).astype(np.float64)[:, None, None]
        hloc = (hour + w.lon[None, None, :] / 15.0) % 24.0  # local mean solar time at t
        mons = monsoon(doy)
        season = np.cos(2.0 * np.pi * (yf - 0.055))  # +1 about 20 January
        diurnal = np.cos(2.0 * np.pi * (hloc - 14.5) / 24.0)
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, 250, year, month]))

        # cloud and precipitation
        zc = self._noise("C", i0, nt, year, month)
        cbar = 0.30 + 0.08 * (1.0 - self.s) + mons * (0.30 - 0.12 * self.s)
        conv = np.cos(2.0 * np.pi * (hloc + 1.5 - 17.0) / 24.0)  # afternoon-evening maximum
        cloud = expit(logit(cbar) + 1.3 * zc + 0.4 * mons * conv)
        zp = 0.75 * zc + 0.66 * self._noise("P", i0, nt, year, month)
        a = _monsoon_amp(self.s)
        bell_mean = 45.0 * math.sqrt(2.0 * math.pi) / 365.25  # annual mean of the monsoon bell
        shape = (1.0 + a * mons) / (1.0 + a * bell_mean)  # daily shape / its annual mean
        p_wet = np.clip(self.wet_base * shape ** 0.7 * (1.0 + 0.6 * mons * conv), 0.002, 0.9)
        wet = zp > ndtri(1.0 - p_wet)
        target = self.p_clim * self._month_share(year, month) * self._trend_factor(year, month)
        mu = target / p_wet.sum(axis=0)  # mm per wet step, expected
        mm = np.where(wet, rng.gamma(0.7, 1.0 / 0.7, wet.shape) * mu, 0.0)
        total = mm.sum(axis=0).mean()
        if total > 0.0:
            mm *= self.precip_domain_target[year - self.y0, month - 1] / total

        # temperature; t_day without the diurnal cycle
        t_day = (self.t_base + warming_K(yf, c) + self.w_nw * nw_anomaly_K(yf, c)
                 - self.a_seas * season + c["synoptic_sd_K"] * self._noise("T", i0, nt, year, month))
        temp = t_day + self.a_diur * (1.0 - 0.45 * cloud) * diurnal

        # pressure: hypsometric column at the daily-mean temperature, tides, synoptic noise
        t_col = t_day + 0.00325 * self.z
        p_sl = 101325.0 + 1300.0 * season
        pres = (p_sl * np.exp(-G_STANDARD * self.z / (RD_GENERATOR * t_col))
                + 200.0 * self._noise("S", i0, nt, year, month)
                + 100.0 * np.cos(4.0 * np.pi * (hloc - 10.0) / 24.0)
                + 80.0 * np.cos(2.0 * np.pi * (hloc - 8.0) / 24.0))

        # humidity: dew point below the temperature without its diurnal cycle
        dep = ((6.0 + 8.0 * self.s) * (1.0 - 0.6 * mons * (1.0 - 0.4 * self.s))
               * np.exp(-1.5 * (cloud - cbar)) + 1.2 * self._noise("H", i0, nt, year, month))
        dep = np.where(mm > 0.0, np.minimum(dep, rng.random(dep.shape)), np.maximum(dep, 0.3))
        t_dew = t_day - dep + 1.5 * np.cos(2.0 * np.pi * (hloc - 15.0) / 24.0)
        e_pa = 100.0 * sat_vapour_pressure_hPa(np.minimum(t_dew, temp))
        rh = 100.0 * e_pa / (100.0 * sat_vapour_pressure_hPa(temp))
        shum = EPSILON * e_pa / (pres - (1.0 - EPSILON) * e_pa)

        # wind
        wind = np.maximum(self.wind_base * (1.0 + 0.25 * np.cos(2.0 * np.pi * (yf - 0.17)))
                          * (1.0 + 0.3 * np.cos(2.0 * np.pi * (hloc - 15.0) / 24.0))
                          * np.exp(0.3 * 2.5 * np.tanh(self._noise("W", i0, nt, year, month)
                                                        / 2.5) - 0.045), 0.2)

        # radiation
        toa, clear = solar_means(times, w.lat, w.lon, pres, c["solar_substeps"])
        srad = clear * (1.0 - 0.72 * cloud ** 1.4)
        eps_clear = 1.24 * (e_pa / 100.0 / temp) ** (1.0 / 7.0)
        lrad = (cloud + (1.0 - cloud) * eps_clear) * SIGMA_CODATA * temp ** 4

        out = {"times": times}
        for name, val in (("temp", temp), ("shum", shum), ("pres", pres), ("wind", wind),
                          ("srad", srad), ("lrad", lrad), ("prec", mm / DT_H)):
            out[name] = np.ascontiguousarray(val, dtype=dtype)
        if diagnostics:
            out.update(cloud=cloud, toa=toa, rh=rh)
        return out


# --- one place ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _OneCell:
    """What :class:`ClimateGenerator` reads of a :class:`World`, for a world of one cell."""

    settings: dict
    lat: np.ndarray  # (1,)
    lon: np.ndarray  # (1,)
    res: float
    cell_nw_index: np.ndarray  # (1, 1)
    cell_elevation: np.ndarray  # (1, 1)


def point_series(settings: dict, latitude: float, longitude: float, elevation_m: float,
                 nw_index: float) -> dict[str, np.ndarray]:
    """The generator's 3-hourly climate at one place, every month of ``settings["years"]``.

    :class:`ClimateGenerator` on a world of one cell centred at (``latitude``, ``longitude``)
    [deg] with mean elevation ``elevation_m`` [m] and north-west index ``nw_index`` (0: the
    south-east corner's climate, 1: the north-west's; see :mod:`.world`): the same formulas and
    seeded random streams as the grid's forcing (a single cell has no spatial noise modes to
    speak of, and its precipitation is scaled to the domain target of that one cell).
    ``settings`` are complete demo settings
    (:func:`~noahperm.demo_world.generator.settings.demo_settings`: ``seed``, ``years``,
    ``climate``; ``grid.res`` sets the noise length in cells).

    Returns ``times`` (datetime64[h], UTC, 3-hourly from 1 January of the first year to
    31 December 21:00 of the last) and float64 series ``(time,)`` of the 7 :data:`VARIABLES` in
    CMFD units and time conventions (module docstring: ``srad`` centred on ``t``, ``prec`` over the
    preceding 3 hours, the rest at ``t``), plus ``cloud`` [-], ``toa`` [W m-2] and ``rh`` [%].
    """
    one = _OneCell(settings, np.array([float(latitude)]), np.array([float(longitude)]),
                   float(settings["grid"]["res"]), np.full((1, 1), float(nw_index)),
                   np.full((1, 1), float(elevation_m)))
    gen = ClimateGenerator(one)  # duck-typed: the attributes of a World it reads
    months = [gen.month(y, m, diagnostics=True, dtype=np.float64)
              for y in range(gen.y0, gen.y1 + 1) for m in range(1, 13)]
    out = {"times": np.concatenate([f["times"] for f in months])}
    for name in (*VARIABLES, "cloud", "toa", "rh"):
        out[name] = np.concatenate([np.asarray(f[name], dtype=np.float64).reshape(-1)
                                    for f in months])
    return out

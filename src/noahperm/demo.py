"""The embedded demo: a point run on a bundled, synthetic cold-permafrost site.

``noahperm demo --out DIR [--years N]`` writes, under ``DIR``:

* ``example_point.in``: forcing and namelist of a Tanggula-like alpine grassland on the
  Qinghai-Tibet Plateau (33.07 N, 91.94 E, about 4650 m a.s.l.), in the reference driver's input
  format, made by the seeded weather generator of this module (:func:`write_example_input`);
  an existing identical file is reused;
* ``point.nc``: the run of the column kernel on it (``noahperm point``, reference mode, bundled
  tables);
* ``soil_temperature.png``: soil temperature as a depth-time section (0-15 m and 0-3 m), with the
  0 degC isotherm, above a panel of air and skin temperature and snow water equivalent;
* ``logs/demo.log``: the messages also shown on standard output.

The weather generator
---------------------
3-hourly UTC records, built from seasonal and diurnal cycles plus random weather, all from one
``numpy.random.Generator`` (PCG64) seeded with ``seed``: the same arguments give a byte-identical
file (for a given numpy version; numpy does not promise identical streams across versions).

* cloudiness: a logistic transform of an AR(1) process (time scale 30 h) around a climatology
  of 0.30 in winter and 0.58 at the peak of the summer monsoon (mid-July);
* air temperature: annual mean ``annual_mean_temp`` (each calendar year re-centred on it plus an
  inter-annual anomaly of 0.35 K standard deviation, the anomalies summing to zero), a seasonal cosine of amplitude
  ``seasonal_amplitude`` (coldest about 20 January), a diurnal cosine of 7 K amplitude under a
  clear sky and 4.2 K when overcast (warmest at 14:30 local solar time), and AR(1) synoptic noise
  (time scale 3 days, 2.8 K standard deviation);
* relative humidity: 40 % in winter to 68 % in the monsoon, moister under cloud, drier in the
  afternoon, at least 80 % while it precipitates; pressure: 584.5 hPa with a 3 hPa seasonal cycle
  (high in summer) and AR(1) synoptic noise; wind: 4.2 m s-1 on average, windiest in late winter,
  lognormal AR(1) gusts, stronger in the afternoon; wind direction westerly (unused by the model);
* downward shortwave, the mean over [t, t + 3 h): solar geometry (Spencer's declination,
  equation of time and eccentricity; hour angle from the longitude) averaged over 15-minute
  sub-steps, a clear-sky transmissivity of 0.80 per pressure-corrected air mass (Kasten and
  Young), reduced by ``1 - 0.75 c^1.3`` for cloud fraction ``c``;
* downward longwave, instantaneous at t: Brutsaert's clear-sky emissivity ``1.24 (e/T)^(1/7)``
  (e in hPa) with the cloud correction of Crawford and Duchon, ``c + (1 - c) eps_clear``;
* precipitation: 3-hourly events with a probability following a monsoon climatology (June to
  September), the cloudiness and, in summer, an afternoon-evening convective maximum; amounts
  gamma distributed (shape 0.75); each calendar year rescaled to ``annual_precip`` mm times an
  inter-annual factor (lognormal, 12 %, factors averaging 1). Written as a rate [kg m-2 s-1], the mean over the
  record's 3 hours. Below 0 degC the model makes it snow.

The initial state (1 January) is a plausible permafrost column, not a spun-up one: the
ground-surface temperature wave of a site with -1 degC permafrost below, damped with depth (2.2 m)
and capped at -0.3 degC (below the freezing range, so the former active layer starts frozen);
ice-rich sand at the permafrost table, drier gravel below, loam on top; the liquid water of each
frozen layer is the model's own equilibrium supercooled water (``FRH2O``) at that temperature.
The soil column, classes and vegetation follow the ``tgl`` reference case (18 layers to 15.2 m;
loam, sand, gravel; USGS grassland; ``sfcdif_option = 2``).
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np

from noahperm.kernel.constants import TFREEZ
from noahperm.solar import spencer

log = logging.getLogger(__name__)

__all__ = [
    "SITE",
    "SLDPTH",
    "SOIL_HTYPE",
    "example_input_text",
    "write_example_input",
    "initial_profile",
    "active_layer_thickness",
    "plot_soil_temperature",
    "main",
]

#: The site the generator imitates (only the solar radiation uses the coordinates).
SITE = {
    "name": "synthetic Tanggula-like alpine grassland",
    "latitude": 33.07,
    "longitude": 91.94,
    "elevation_m": 4650.0,
}

#: The study's 18 soil layers [m] (REFERENCE_MODEL.md section 1), 15.2 m in all.
SLDPTH = (0.045, 0.046, 0.075, 0.123, 0.204, 0.336, 0.554, 0.913, 0.904,
          1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0)
#: Soil class per layer (re-ordered STAS table): loam 0-0.83 m, sand 0.83-5.2 m, gravel below.
SOIL_HTYPE = (7, 7, 7, 7, 7, 7, 12, 12, 12, 12, 12, 13, 13, 13, 13, 13, 13, 13)
#: Initial total water as a fraction of porosity per layer: dry frozen topsoil, ice-rich sand at
#: the permafrost table (layers 8-11), drier gravel below.
_SATURATION = (0.32, 0.50, 0.50, 0.48, 0.50, 0.42, 0.50, 0.97, 0.98, 0.98, 0.98,
               0.38, 0.38, 0.38, 0.38, 0.38, 0.38, 0.38)
_SHDFAC_MONTHLY = (0.02, 0.02, 0.03, 0.05, 0.10, 0.20, 0.30, 0.32, 0.20, 0.08, 0.03, 0.02)

DEFAULT_SEED = 20240601
DEFAULT_OUT = Path("results/demo")
INPUT_NAME = "example_point.in"
NC_NAME = "point.nc"
PNG_NAME = "soil_temperature.png"
DT = 10800  # s, model step and forcing interval

# --------------------------------------------------------------------------------------------
# Weather generator
# --------------------------------------------------------------------------------------------


def _ar1(rng: np.random.Generator, n: int, tau_h: float, sd: float) -> np.ndarray:
    """Stationary AR(1) series of ``n`` 3-hourly values, e-folding time ``tau_h`` hours."""
    phi = math.exp(-3.0 / tau_h)
    e = rng.standard_normal(n)
    innov = sd * math.sqrt(1.0 - phi * phi)
    out = np.empty(n)
    x = sd * float(e[0])
    out[0] = x
    for i in range(1, n):
        x = phi * x + innov * float(e[i])
        out[i] = x
    return out


def _expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def _monsoon(doy):
    """0..1 bell around mid-July (day 200), width 40 days: the summer monsoon."""
    return np.exp(-0.5 * ((doy - 200.0) / 40.0) ** 2)


def _solar(minutes_utc, lat, lon):
    """cos(solar zenith) and eccentricity factor at the given minutes since 1970 (UTC)."""
    t = minutes_utc.astype("datetime64[m]")
    year_start = t.astype("datetime64[Y]")
    ndays = ((year_start + np.timedelta64(1, "Y")).astype("datetime64[D]")
             - year_start.astype("datetime64[D]")).astype(np.float64)
    day0 = (t.astype("datetime64[D]") - year_start.astype("datetime64[D]")).astype(np.float64)
    mins = (t - t.astype("datetime64[D]")).astype(np.float64)
    g = 2.0 * np.pi / ndays * (day0 + (mins / 60.0 - 12.0) / 24.0)  # Spencer's fractional year
    decl, eot, e0 = spencer(g)
    true_solar_min = mins + 4.0 * lon + eot
    h = np.deg2rad(true_solar_min / 4.0 - 180.0)
    phi = math.radians(lat)
    cosz = math.sin(phi) * np.sin(decl) + math.cos(phi) * np.cos(decl) * np.cos(h)
    return cosz, e0


def _clear_sky_sw(minutes_start, p_hpa, lat, lon, nsub=12):
    """Clear-sky downward shortwave [W m-2], mean over [t, t + 3 h) from ``nsub`` sub-steps."""
    acc = np.zeros(minutes_start.shape)
    sub = 180.0 / nsub
    for k in range(nsub):
        m = minutes_start + (k + 0.5) * sub
        cosz, e0 = _solar(np.round(m).astype(np.int64), lat, lon)
        up = cosz > 0.0
        zdeg = np.degrees(np.arccos(np.clip(cosz, -1.0, 1.0)))
        airmass = np.where(
            up, 1.0 / (np.maximum(cosz, 1e-6)
                       + 0.50572 * np.maximum(96.07995 - zdeg, 1e-3) ** -1.6364), 0.0)
        trans = 0.80 ** (airmass * p_hpa / 1013.25)
        acc += np.where(up, 1361.0 * e0 * cosz * trans, 0.0)
    return acc / nsub


def _es_hpa(t_k):
    """Saturation vapour pressure over water [hPa] (Magnus, Alduchov and Eskridge)."""
    tc = t_k - TFREEZ
    return 6.1094 * np.exp(17.625 * tc / (tc + 243.04))


def generate_forcing(years: int = 2, start_year: int = 2001, seed: int = DEFAULT_SEED, *,
                     annual_mean_temp: float = -4.5, seasonal_amplitude: float = 10.0,
                     annual_precip: float = 350.0, latitude: float = SITE["latitude"],
                     longitude: float = SITE["longitude"]) -> dict[str, np.ndarray]:
    """The synthetic 3-hourly weather: ``times`` (datetime64[m], UTC) and the 8 forcing fields.

    Keys: ``wind`` [m s-1], ``wind_dir`` [deg], ``tair`` [K], ``rh`` [%], ``pres`` [hPa],
    ``sw`` [W m-2], ``lw`` [W m-2], ``prcp`` [kg m-2 s-1], plus ``cloud`` [0-1] (not written).
    Records run from ``start_year``-01-01 00:00 to the last 21:00 of year
    ``start_year + years - 1``. See the module docstring for the model.
    """
    if years < 1:
        raise ValueError("years must be at least 1")
    rng = np.random.default_rng(seed)
    t0 = np.datetime64(f"{start_year:04d}-01-01T00:00", "m")
    t1 = np.datetime64(f"{start_year + years:04d}-01-01T00:00", "m")
    n = int((t1 - t0) // np.timedelta64(180, "m"))
    times = t0 + np.arange(n) * np.timedelta64(180, "m")
    tmin = times.astype(np.int64).astype(np.float64)
    yidx = times.astype("datetime64[Y]").astype(np.int64) + 1970 - start_year
    doy = (times.astype("datetime64[D]") - times.astype("datetime64[Y]").astype("datetime64[D]")
           ).astype(np.float64) + 1.0
    hour_utc = (times - times.astype("datetime64[D]")).astype(np.float64) / 60.0
    hloc = (hour_utc + longitude / 15.0) % 24.0  # local mean solar time
    season = np.cos(2.0 * np.pi * (doy - 20.0) / 365.25)  # +1 about 20 January
    mons = _monsoon(doy)
    diurnal = np.cos(2.0 * np.pi * (hloc - 14.5) / 24.0)  # +1 mid-afternoon

    # random streams, always drawn in this order (the file depends on it)
    z_cloud = _ar1(rng, n, 30.0, 1.0)
    z_temp = _ar1(rng, n, 72.0, 2.8)
    z_pres = _ar1(rng, n, 96.0, 1.5)
    z_wind = _ar1(rng, n, 24.0, 0.40)
    z_dir = _ar1(rng, n, 24.0, 40.0)
    z_rh = _ar1(rng, n, 12.0, 6.0)
    u_wet = rng.random(n)
    amount = rng.gamma(0.75, 1.0, n)
    u_rh_wet = rng.random(n)
    t_anom = rng.normal(0.0, 0.35, years)
    p_fact = np.exp(rng.normal(0.0, 0.12, years))
    t_anom -= t_anom.mean()  # the period keeps the target climate exactly
    p_fact /= p_fact.mean()

    # cloudiness
    cbar = 0.30 + 0.28 * mons
    cloud = _expit(np.log(cbar / (1.0 - cbar)) + 1.3 * z_cloud)

    # precipitation: occurrence, amount, yearly rescaling
    conv = 1.0 + 0.6 * mons * np.cos(2.0 * np.pi * (hloc - 18.0) / 24.0)
    p_wet = np.clip((0.012 + 0.20 * mons) * (cloud / cbar) ** 2 * conv, 0.0, 0.9)
    mm = np.where(u_wet < p_wet, amount, 0.0)  # mm per 3 h, before scaling
    for y in range(years):
        sel = yidx == y
        total = mm[sel].sum()
        if total > 0.0:
            mm[sel] *= annual_precip * p_fact[y] / total
    wet = mm > 0.0
    prcp = mm / DT  # kg m-2 s-1, mean over the 3 h

    # air temperature, re-centred per calendar year
    amp_d = 7.0 * (1.0 - 0.4 * cloud)
    tc = -seasonal_amplitude * season + amp_d * diurnal + z_temp
    for y in range(years):
        sel = yidx == y
        tc[sel] += annual_mean_temp + t_anom[y] - tc[sel].mean()
    tair = TFREEZ + tc

    # humidity, pressure, wind
    rh = 40.0 + 28.0 * mons + 22.0 * (cloud - cbar) - 9.0 * diurnal + z_rh
    rh = np.where(wet, np.maximum(rh, 80.0 + 15.0 * u_rh_wet), rh)
    rh = np.clip(rh, 8.0, 100.0)
    pres = 584.5 - 3.0 * season + z_pres
    wbar = 4.2 + 1.0 * np.cos(2.0 * np.pi * (doy - 60.0) / 365.25)
    wind = np.maximum(wbar * (1.0 + 0.25 * diurnal) * np.exp(z_wind - 0.08), 0.3)
    wind_dir = np.mod(265.0 + z_dir, 360.0)

    # radiation
    sw = _clear_sky_sw(tmin, pres, latitude, longitude) * (1.0 - 0.75 * cloud ** 1.3)
    e_hpa = rh / 100.0 * _es_hpa(tair)
    eps_clear = 1.24 * (e_hpa / tair) ** (1.0 / 7.0)
    eps = cloud + (1.0 - cloud) * eps_clear
    lw = eps * 5.670374419e-8 * tair ** 4

    return {
        "times": times, "wind": wind, "wind_dir": wind_dir, "tair": tair, "rh": rh,
        "pres": pres, "sw": np.maximum(sw, 0.0), "lw": lw, "prcp": prcp, "cloud": cloud,
    }


# --------------------------------------------------------------------------------------------
# Initial state and the input file
# --------------------------------------------------------------------------------------------


def initial_profile(sldpth=SLDPTH, htype=SOIL_HTYPE, *, deep_temp: float = -1.0,
                    surface_amplitude: float = 13.0, damping_depth: float = 2.2,
                    day_of_year: float = 1.0, tables=None):
    """A plausible permafrost column on ``day_of_year``: (stc [K], smc, sh2o [m3 m-3]).

    Temperature: ``deep_temp - A exp(-z/d) cos(w (doy - 20) - z/d)`` at the layer mid-points,
    capped at -0.3 degC; total water from a saturation profile (ice-rich sand at the permafrost
    table); liquid water: the model's equilibrium supercooled water (``FRH2O``).
    """
    from noahperm.kernel.soil_heat import frh2o
    from noahperm.tables import load_tables

    soil = (tables if tables is not None else load_tables()).soil
    dz = np.asarray(sldpth, dtype=np.float64)
    z = np.cumsum(dz) - 0.5 * dz
    phase = 2.0 * np.pi * (day_of_year - 20.0) / 365.25
    tc = deep_temp - surface_amplitude * np.exp(-z / damping_depth) * np.cos(phase - z / damping_depth)
    stc = TFREEZ + np.minimum(tc, -0.3)
    idx = np.asarray(htype, dtype=np.int64) - 1
    porosity = soil.maxsmc[idx]
    smc = np.asarray(_SATURATION[: dz.size]) * porosity
    sh2o = np.array([frh2o(float(stc[k]), float(smc[k]), float(smc[k]), float(porosity[k]),
                           float(soil.bb[idx[k]]), float(soil.satpsi[idx[k]]))
                     for k in range(dz.size)])
    return stc, smc, np.minimum(sh2o, smc)


def _fmt(values, fmt: str) -> str:
    return "  ".join(format(float(v), fmt) for v in values)


def example_input_text(years: int = 2, start_year: int = 2001, seed: int = DEFAULT_SEED,
                       **climate) -> str:
    """The example input file's text (see :func:`write_example_input`)."""
    f = generate_forcing(years, start_year, seed, **climate)
    stc, smc, sh2o = initial_profile()
    smc = np.round(smc, 6)
    sh2o = np.minimum(np.round(sh2o, 6), smc)
    t_first = float(f["tair"][0])
    end = f["times"][-1].astype(datetime)
    lat, lon = SITE["latitude"], SITE["longitude"]
    nl = [
        "&METADATA_NAMELIST",
        f' startdate             = "{start_year:04d}01010000"',
        f' enddate               = "{end:%Y%m%d%H%M}"',
        " loop_for_a_while      = 0",
        ' output_dir            = "."',
        f" Latitude              = {lat:.2f}",
        f" Longitude             = {lon:.2f}",
        f" Forcing_Timestep      = {DT}",
        f" Noahlsm_Timestep      = {DT}",
        " Sea_ice_point         = .FALSE.",
        " Soil_layer_thickness  = " + _fmt(SLDPTH, ".3f"),
        " Soil_Temperature      = " + _fmt(stc, ".4f"),
        " Soil_Moisture         = " + _fmt(smc, ".6f"),
        " Soil_Liquid           = " + _fmt(sh2o, ".6f"),
        " Soil_htype            = " + "  ".join(str(k) for k in SOIL_HTYPE),
        f" Skin_Temperature      = {t_first:.4f}",
        " Canopy_water          = 0.000000",
        " Snow_depth            = 0.015000",
        " Snow_equivalent       = 0.003000",
        " Deep_Soil_Temperature = 272.15",
        ' Landuse_dataset       = "USGS"',
        " Soil_type_index       = 7",
        " Vegetation_type_index = 7",
        " Urban_veg_category    = 1",
        " glacial_veg_category  = 24",
        " Slope_type_index      = 3",
        " Max_snow_albedo       = 0.75",
        " Air_temperature_level = 2.0",
        " Wind_level            = 10.0",
        " Green_Vegetation_Min  = 0.02",
        " Green_Vegetation_Max  = 0.32",
        " Usemonalb             = .FALSE.",
        " Rdlai2d               = .FALSE.",
        " sfcdif_option         = 2",
        " iz0tlnd               = 0",
        " Albedo_monthly        = " + _fmt([0.21] * 12, ".2f"),
        " Shdfac_monthly        = " + _fmt(_SHDFAC_MONTHLY, ".2f"),
        " lai_monthly           = " + _fmt([1.0] * 12, ".1f"),
        " Z0brd_monthly         = " + _fmt([0.1] * 12, ".2f"),
        "/",
    ]
    rule = "-" * 152
    head = [
        rule,
        f" noahperm demo: {SITE['name']} ({lat:.2f} N, {lon:.2f} E, about "
        f"{SITE['elevation_m']:.0f} m). Synthetic weather (noahperm.demo, seed {seed}), "
        "not observations. UTC.",
        " Initial state: a plausible permafrost column, not spun up.",
        rule,
        " UTC date/time        windspeed       wind dir         temperature      humidity"
        "        pressure           shortwave      longwave          precipitation",
        "yyyy mm dd hh mi       m s{-1}        degrees               K               %"
        "             hPa               W m{-2}        W m{-2}          kg m{-2} s{-1}",
        rule,
        "<Forcing>  This tag (\"<Forcing>\", not case sensitive) begins the section of forcing "
        "data.",
    ]
    # Records: Fortran (I4.4,4(1x,I2.2),8(F17.10)). "+ 0.0" turns a -0.0 into 0.0.
    t = f["times"]
    ymd = t.astype("datetime64[D]").astype(datetime)
    hh = ((t - t.astype("datetime64[D]")).astype(np.int64) // 60).tolist()
    cols = np.column_stack([f["wind"], f["wind_dir"], f["tair"], f["rh"], f["pres"], f["sw"],
                            f["lw"], f["prcp"]]) + 0.0
    recs = []
    for d, h, row in zip(ymd, hh, cols.tolist(), strict=True):
        recs.append(f"{d.year:04d} {d.month:02d} {d.day:02d} {h:02d} 00"
                    + "".join(f"{v:17.10f}" for v in row))
    return "\n".join(nl + head + recs) + "\n"


def write_example_input(path, years: int = 2, start_year: int = 2001, seed: int = DEFAULT_SEED,
                        **climate) -> Path:
    """Write the demo's point input (namelist, initial state, forcing) to ``path``.

    Synthetic 3-hourly weather of a Tanggula-like cold alpine grassland (33.07 N, 91.94 E,
    about 4650 m) for ``years`` calendar years from ``start_year``, drawn from
    ``numpy.random.default_rng(seed)``: the same arguments give a byte-identical file.
    ``climate`` may set ``annual_mean_temp`` [degC, -4.5], ``seasonal_amplitude`` [K, 10],
    ``annual_precip`` [mm, 350], ``latitude`` and ``longitude``. Returns ``path``.
    """
    path = Path(path)
    path.write_text(example_input_text(years, start_year, seed, **climate), encoding="ascii")
    return path


# --------------------------------------------------------------------------------------------
# Analysis and figure
# --------------------------------------------------------------------------------------------


def active_layer_thickness(stc_k: np.ndarray, depth: np.ndarray) -> float:
    """Active-layer thickness [m] of one year's soil temperatures ``stc_k`` (nstep, nlayer), K.

    The 0 degC crossing of the maximum-temperature profile, linear between layer mid-points
    ``depth`` (as in the reference case description). 0 if the top layer never thaws, NaN if
    every layer does (no permafrost within the column).
    """
    tmax = np.asarray(stc_k).max(axis=0) - TFREEZ
    if tmax[0] <= 0.0:
        return 0.0
    frozen = np.nonzero(tmax <= 0.0)[0]
    if frozen.size == 0:
        return float("nan")
    k = int(frozen[0])
    return float(depth[k - 1] + tmax[k - 1] / (tmax[k - 1] - tmax[k]) * (depth[k] - depth[k - 1]))


def _interp_matrix(zc: np.ndarray, zf: np.ndarray) -> np.ndarray:
    """(len(zf), len(zc)) weights: linear in depth between mid-points, constant beyond."""
    w = np.zeros((zf.size, zc.size))
    for i, z in enumerate(zf):
        if z <= zc[0]:
            w[i, 0] = 1.0
        elif z >= zc[-1]:
            w[i, -1] = 1.0
        else:
            k = int(np.searchsorted(zc, z)) - 1
            a = (z - zc[k]) / (zc[k + 1] - zc[k])
            w[i, k], w[i, k + 1] = 1.0 - a, a
    return w


def plot_soil_temperature(nc_path, png_path, air_temp_k=None, air_times=None) -> Path:
    """Figure of a point run (``point.nc``): soil temperature over depth and time, and weather.

    Panels: daily air (``air_temp_k``, optional) and skin temperature with SWE; daily-mean soil
    temperature interpolated between layer mid-points over 0-15 m and 0-3 m, with the 0 degC
    isotherm and each year's active-layer thickness. Uses the Agg canvas, no pyplot state.
    """
    import matplotlib.dates as mdates
    import xarray as xr
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import TwoSlopeNorm
    from matplotlib.figure import Figure

    with xr.open_dataset(nc_path) as ds:
        ds = ds[["STC", "T1", "SNEQV"]].load()
    depth = ds["depth"].values
    bottom = -ds["zsoil"].values
    times = ds["time"].values
    daily = ds.resample(time="1D").mean()
    days = daily["time"].values.astype("datetime64[D]")
    day_edges = np.append(days, days[-1] + np.timedelta64(1, "D")).astype("datetime64[s]")
    stc_d = daily["STC"].values - TFREEZ
    zf = np.unique(np.concatenate([np.arange(0.0, 3.0, 0.01),
                                   np.arange(3.0, bottom[-1] + 1e-9, 0.05), [bottom[-1]]]))
    field = stc_d @ _interp_matrix(depth, zf).T  # (nday, nz)
    zedges = np.concatenate([[0.0], 0.5 * (zf[1:] + zf[:-1]), [zf[-1]]])

    years = times.astype("datetime64[Y]")
    alt = {}
    for y in np.unique(years):
        alt[int(str(y))] = active_layer_thickness(ds["STC"].values[years == y], depth)

    fig = Figure(figsize=(11.0, 10.0), layout="constrained")
    FigureCanvasAgg(fig)
    gs = fig.add_gridspec(3, 2, height_ratios=[1.0, 2.1, 1.7], width_ratios=[1.0, 0.022])
    ax0 = fig.add_subplot(gs[0, 0])
    ax1 = fig.add_subplot(gs[1, 0], sharex=ax0)
    ax2 = fig.add_subplot(gs[2, 0], sharex=ax0)
    cax = fig.add_subplot(gs[1:, 1])

    # weather panel: daily means
    dnum = days.astype("datetime64[s]") + np.timedelta64(12, "h")
    if air_temp_k is not None:
        at = xr.DataArray(np.asarray(air_temp_k) - TFREEZ, dims="time",
                          coords={"time": np.asarray(air_times).astype("datetime64[ns]")})
        at_d = at.resample(time="1D").mean()
        ax0.plot(at_d["time"].values + np.timedelta64(12, "h"), at_d.values, color="0.35",
                 lw=0.9, label="air temperature (2 m)")
    ax0.plot(dnum, daily["T1"].values - TFREEZ, color="tab:red", lw=0.9,
             label="skin temperature")
    ax0.axhline(0.0, color="k", lw=0.6, ls=":")
    ax0.set_ylabel("Temperature (°C)")
    ax0.set_title("Weather and snow (daily means)", fontsize=10, loc="left")
    axs = ax0.twinx()
    axs.fill_between(dnum, daily["SNEQV"].values * 1000.0, color="tab:blue", alpha=0.35, lw=0,
                     label="snow water equivalent")
    axs.set_ylabel("SWE (mm)", color="tab:blue")
    axs.tick_params(axis="y", colors="tab:blue")
    axs.set_ylim(bottom=0.0)
    h0, l0 = ax0.get_legend_handles_labels()
    h1, l1 = axs.get_legend_handles_labels()
    ax0.legend(h0 + h1, l0 + l1, loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=8,
               ncol=3, frameon=False, borderaxespad=0.1)

    vmin = min(float(np.floor(field.min())), -1.0)
    vmax = max(float(np.ceil(field.max())), 1.0)
    norm = TwoSlopeNorm(vcenter=0.0, vmin=vmin, vmax=vmax)
    cx = days.astype("datetime64[s]") + np.timedelta64(12, "h")
    for ax, zmax, title in ((ax1, bottom[-1], f"Soil temperature, 0-{bottom[-1]:.1f} m"),
                            (ax2, 3.0, "Soil temperature, 0-3 m (active layer)")):
        mesh = ax.pcolormesh(day_edges, zedges, field.T, cmap="RdBu_r", norm=norm,
                             shading="flat", rasterized=True)
        if ax is ax1:  # permafrost temperatures are pale on this scale: thin isotherms
            cold = [v for v in (-1.0, -0.5) if field.min() < v < field.max()]
            if cold:
                cs = ax.contour(cx, zf, field.T, levels=cold, colors="0.45", linewidths=0.6,
                                linestyles="solid")
                ax.clabel(cs, fmt="%g °C", fontsize=7)
        if field.min() < 0.0 < field.max():
            cs = ax.contour(cx, zf, field.T, levels=[0.0], colors="k", linewidths=1.1)
            ax.clabel(cs, fmt="0 °C", fontsize=8)
        ax.set_ylim(zmax, 0.0)
        ax.set_ylabel("Depth (m)")
        ax.set_title(title, fontsize=10, loc="left")
    ax1.set_title("daily means; black: 0 °C isotherm, grey: -0.5 and -1 °C", fontsize=8,
                  loc="right")
    ax2.set_title("dashed: active-layer thickness (ALT) of each year", fontsize=8, loc="right")
    for y, a in alt.items():
        if np.isfinite(a) and a > 0.0:
            x0 = np.datetime64(f"{y}-01-01", "s")
            x1 = np.datetime64(f"{y + 1}-01-01", "s")
            ax2.hlines(a, x0, x1, colors="k", linestyles="--", linewidth=0.8)
            ax2.text(x0 + np.timedelta64(10, "D"), a - 0.05, f"ALT {y}: {a:.2f} m",
                     fontsize=8, va="bottom",
                     bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8})
    cb = fig.colorbar(mesh, cax=cax)
    cb.set_label("Soil temperature (°C)")
    loc = mdates.AutoDateLocator()
    ax2.xaxis.set_major_locator(loc)
    ax2.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
    for ax in (ax0, ax1):
        ax.tick_params(labelbottom=False)
    ax2.set_xlabel("Time (UTC)")
    t_a = np.datetime_as_string(times[0], unit="D")
    t_b = np.datetime_as_string(times[-1], unit="D")
    fig.suptitle(f"noahperm demo: {SITE['name']} ({SITE['latitude']:.2f}° N, "
                 f"{SITE['longitude']:.2f}° E, {SITE['elevation_m']:.0f} m), {t_a} to {t_b}",
                 fontsize=11)
    png_path = Path(png_path)
    fig.savefig(png_path, dpi=110)
    return png_path


# --------------------------------------------------------------------------------------------
# Command
# --------------------------------------------------------------------------------------------


def _start_logging(out: Path) -> tuple[logging.Logger, list[logging.Handler], int]:
    logger = logging.getLogger("noahperm")
    (out / "logs").mkdir(parents=True, exist_ok=True)
    fh = logging.FileHandler(out / "logs" / "demo.log", mode="w", encoding="utf-8")
    fh.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s",
                                      "%Y-%m-%d %H:%M:%S"))
    sh = logging.StreamHandler(sys.stdout)
    sh.setFormatter(logging.Formatter("noahperm demo: %(message)s"))
    handlers = [fh, sh]
    for h in handlers:
        h.setLevel(logging.INFO)
        logger.addHandler(h)
    old = logger.level
    logger.setLevel(logging.INFO)
    return logger, handlers, old


def main(args: argparse.Namespace | None = None) -> int:
    """``noahperm demo``: write the example input, run it, write NetCDF and the figure.

    ``args`` attributes (all optional): ``out`` (directory, default ``results/demo``),
    ``years`` (default 2), ``seed`` (default :data:`DEFAULT_SEED`), ``start_year`` (2001).
    """
    from noahperm import point
    from noahperm.kernel import layout as L
    from noahperm.pointio import read_point_input

    out = Path(getattr(args, "out", None) or DEFAULT_OUT)
    years = int(getattr(args, "years", None) or 2)
    seed = int(getattr(args, "seed", None) or DEFAULT_SEED)
    start_year = int(getattr(args, "start_year", None) or 2001)
    if years < 1:
        print("noahperm demo: --years must be at least 1", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    logger, handlers, old_level = _start_logging(out)
    try:
        t_all = time.perf_counter()
        inp_path, nc_path, png_path = out / INPUT_NAME, out / NC_NAME, out / PNG_NAME
        log.info("site: %s (%.2f N, %.2f E, %.0f m); %d year(s) from %d, seed %d",
                 SITE["name"], SITE["latitude"], SITE["longitude"], SITE["elevation_m"],
                 years, start_year, seed)

        t0 = time.perf_counter()
        text = example_input_text(years, start_year, seed)
        if inp_path.is_file() and inp_path.read_text(encoding="ascii", errors="replace") == text:
            log.info("reusing the identical example input %s", inp_path)
        else:
            inp_path.write_text(text, encoding="ascii")
            log.info("wrote the example input %s (%.1f s)", inp_path, time.perf_counter() - t0)

        inp = read_point_input(inp_path)
        f = inp.forcing
        log.info("forcing: %d steps of %d s, %s to %s; air temperature %.2f degC, "
                 "precipitation %.0f mm/yr, SW %.0f W m-2, LW %.0f W m-2 (means)",
                 inp.nsteps, int(inp.dt), inp.times[0], inp.times[-1],
                 f[:, L.F_SFCTMP].mean() - TFREEZ, f[:, L.F_PRCP].sum() * inp.dt / years,
                 f[:, L.F_SOLDN].mean(), f[:, L.F_LWDN].mean())

        log.info("running the column model (the first run compiles the kernel) ...")
        t0 = time.perf_counter()
        run_args = argparse.Namespace(input=inp_path, out=nc_path, tables=None,
                                      mode="reference", quiet=True)
        code = point.main(run_args)
        if code:
            return code
        log.info("wrote %s (%d steps x %d layers, %.1f s)", nc_path, inp.nsteps, inp.nsoil,
                 time.perf_counter() - t0)

        t0 = time.perf_counter()
        _summarise(nc_path)
        plot_soil_temperature(nc_path, png_path, f[:, L.F_SFCTMP], inp.times)
        log.info("wrote %s (%.1f s)", png_path, time.perf_counter() - t0)
        log.info("done in %.1f s; outputs in %s:", time.perf_counter() - t_all, out.resolve())
        for p in (inp_path, nc_path, png_path, out / "logs" / "demo.log"):
            log.info("  %s", p.resolve())
        return 0
    finally:
        for h in handlers:
            logger.removeHandler(h)
            h.close()
        logger.setLevel(old_level)


def _summarise(nc_path: Path) -> None:
    """Log permafrost, active layer, snow and surface-temperature summaries of a run."""
    import xarray as xr

    with xr.open_dataset(nc_path) as ds:
        stc = ds["STC"].values
        depth = ds["depth"].values
        times = ds["time"].values
        sneqv = ds["SNEQV"].values
    years = times.astype("datetime64[Y]")
    for y in np.unique(years):
        sel = years == y
        alt = active_layer_thickness(stc[sel], depth)
        log.info("%s: active layer %.2f m, max SWE %.1f mm, top layer %.1f to %.1f degC",
                 y, alt, sneqv[sel].max() * 1000.0, stc[sel, 0].min() - TFREEZ,
                 stc[sel, 0].max() - TFREEZ)
    deep = depth > 3.0
    tmax_deep = stc[:, deep].max() - TFREEZ
    log.info("below 3 m: warmest %.2f degC -> %s", tmax_deep,
             "permafrost persists" if tmax_deep < 0.0 else "NO permafrost")

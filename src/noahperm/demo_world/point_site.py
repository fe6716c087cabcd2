"""The embedded demo: a point run on a bundled, synthetic cold-permafrost site.

``noahperm demo --out DIR [--years N]`` writes, under ``DIR``:

* ``example_point.in``: forcing and namelist of a Tanggula-like alpine grassland on the
  Qinghai-Tibet Plateau (33.07 N, 91.94 E, about 4650 m a.s.l.), in the reference driver's input
  format, with the weather of the demo world's generator at that place (:func:`site_forcing`);
  an existing identical file is reused;
* ``point.nc``: the run of the column kernel on it (``noahperm point``, reference mode, bundled
  tables);
* ``soil_temperature.png``: soil temperature as a depth-time section (0-15 m and 0-3 m), with the
  0 degC isotherm, above a panel of air and skin temperature and snow water equivalent;
* ``logs/demo.log``: the messages also shown on standard output.

The weather
-----------
One weather generator serves the whole project: the demo world's
(:func:`noahperm.demo_world.generator.climate.point_series`, described in
``docs/demo_world.md``), run at the site with the default ``demo.climate`` settings (any of
which :func:`write_example_input` can change), the seed ``seed`` and the calendar years asked
for: cloud, precipitation, temperature with its seasonal and diurnal cycles, dew point,
pressure, wind, shortwave from the solar geometry of :mod:`noahperm.model.solar` and
longwave. The site is placed in the generator's climate by its elevation (4650 m: a mean air
temperature near -4 degC) and its north-west index 0.5 (between the monsoon south-east and the
arid north-west: about 350 mm of precipitation a year, most of it from June to September).
The same arguments give a byte-identical file (for a given numpy version).

The generator's CMFD variables become the input format's columns: wind speed, air temperature,
shortwave and longwave as they are; pressure in hPa; relative humidity [%] from its dew point;
precipitation as a rate [kg m-2 s-1], the mean over the record's 3 hours (below 0 degC the model
makes it snow). The generator has no wind direction; the file gives 270 degrees (westerly; the
model does not use it).

The initial state (1 January) is a plausible permafrost column, not a spun-up one: the
ground-surface temperature wave of a site with -1 degC permafrost below, damped with depth (2.2 m)
and capped at -0.3 degC (below the freezing range, so the former active layer starts frozen);
ice-rich sand at the permafrost table, drier gravel below, loam on top; the liquid water of each
frozen layer is the model's own equilibrium supercooled water (``FRH2O``) at that temperature.
The soil column, classes and vegetation follow the ``tgl`` reference case (18 layers to 15.2 m;
loam, sand, gravel; USGS grassland; ``sfcdif_option = 2``).

The active-layer thickness reported and drawn is that of the permafrost diagnostics
(:func:`noahperm.diagnostics.permafrost.active_layer_thickness`) on each calendar year's
maximum soil temperature.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np

from noahperm.core.fileio import atomic_file
from noahperm.demo_world.generator.settings import DEFAULTS, demo_settings
from noahperm.diagnostics import permafrost as pf
from noahperm.kernel.constants import TFREEZ

log = logging.getLogger(__name__)

__all__ = [
    "SITE",
    "SLDPTH",
    "SOIL_HTYPE",
    "site_forcing",
    "example_input_text",
    "write_example_input",
    "initial_profile",
    "yearly_active_layer",
    "plot_soil_temperature",
    "main",
]

#: The site: coordinates (solar geometry), elevation and north-west index (its place in the
#: demo world's climate, :func:`noahperm.demo_world.generator.climate.point_series`).
SITE = {
    "name": "synthetic Tanggula-like alpine grassland",
    "latitude": 33.07,
    "longitude": 91.94,
    "elevation_m": 4650.0,
    "nw_index": 0.5,
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

DEFAULT_SEED = DEFAULTS["seed"]  # the demo world's seed
DEFAULT_OUT = Path("results/demo")
INPUT_NAME = "example_point.in"
NC_NAME = "point.nc"
PNG_NAME = "soil_temperature.png"
DT = 10800  # s, model step and forcing interval
WIND_DIRECTION = 270.0  # deg, written to the file; the model does not use it

# --------------------------------------------------------------------------------------------
# Weather: the demo world's generator at the site
# --------------------------------------------------------------------------------------------


def site_forcing(years: int = 2, start_year: int = 2001, seed: int = DEFAULT_SEED,
                 **climate) -> dict[str, np.ndarray]:
    """The site's 3-hourly weather in the input format's units, from the demo world's generator.

    Keys: ``times`` (datetime64[m], UTC), ``wind`` [m s-1], ``wind_dir`` [deg], ``tair`` [K],
    ``rh`` [%], ``pres`` [hPa], ``sw`` [W m-2], ``lw`` [W m-2], ``prcp`` [kg m-2 s-1], plus
    ``cloud`` [0-1] (not written). Records run from ``start_year``-01-01 00:00 to the last
    21:00 of year ``start_year + years - 1``. ``climate`` overrides keys of the ``demo.climate``
    settings (``t_ref_C``, ``precip_se_mm``, ...; see ``docs/demo_world.md``).
    """
    from noahperm.demo_world.generator.climate import point_series

    if years < 1:
        raise ValueError("years must be at least 1")
    settings = demo_settings({"seed": int(seed), "years": [start_year, start_year + years - 1],
                              "climate": dict(climate)})
    f = point_series(settings, SITE["latitude"], SITE["longitude"], SITE["elevation_m"],
                     SITE["nw_index"])
    return {
        "times": f["times"].astype("datetime64[m]"), "wind": f["wind"],
        "wind_dir": np.full(f["wind"].shape, WIND_DIRECTION), "tair": f["temp"],
        "rh": f["rh"], "pres": f["pres"] / 100.0, "sw": f["srad"], "lw": f["lrad"],
        "prcp": f["prec"] / 3600.0, "cloud": f["cloud"],
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
    from noahperm.model.tables import load_tables

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
    f = site_forcing(years, start_year, seed, **climate)
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
        f"{SITE['elevation_m']:.0f} m). Synthetic weather (the demo world's generator, seed {seed}), "
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
    about 4650 m) for ``years`` calendar years from ``start_year``: the demo world's generator
    at the site (:func:`site_forcing`) with seed ``seed``; the same arguments give a
    byte-identical file. ``climate`` overrides ``demo.climate`` settings of the generator
    (``t_ref_C``, ``seasonal_amplitude_K``, ``precip_se_mm``, ...). Written atomically.
    Returns ``path``.
    """
    path = Path(path)
    text = example_input_text(years, start_year, seed, **climate)
    with atomic_file(path, fsync=False) as tmp:
        tmp.write_text(text, encoding="ascii")
    return path


# --------------------------------------------------------------------------------------------
# Analysis and figure
# --------------------------------------------------------------------------------------------


def yearly_active_layer(stc_k: np.ndarray, depth: np.ndarray, times) -> dict[int, float]:
    """Active-layer thickness [m] of each calendar year of a run: the permafrost diagnostics'
    ALT (:func:`noahperm.diagnostics.permafrost.active_layer_thickness`: the first 0 degC
    crossing of the year's maximum-temperature profile, linear between the layer mid-points
    ``depth``; 0 if the top layer never thaws, NaN if no layer stays frozen) of the soil
    temperatures ``stc_k`` (nstep, nlayer) [K] at ``times`` (datetime64)."""
    stc_k = np.asarray(stc_k)
    years = np.asarray(times).astype("datetime64[Y]")
    tmax = np.stack([stc_k[years == y].max(axis=0) for y in np.unique(years)])
    alt = pf.active_layer_thickness(tmax, np.asarray(depth, dtype=float))
    return {int(str(y)): float(a) for y, a in zip(np.unique(years), alt, strict=True)}


def _interp_matrix(zc: np.ndarray, zf: np.ndarray) -> np.ndarray:
    """(len(zf), len(zc)) weights of :func:`noahperm.diagnostics.permafrost.interpolate_profile`
    (linear in depth between mid-points ``zc``, constant beyond) at the depths ``zf``."""
    n = zc.size
    basis = np.broadcast_to(np.eye(n)[:, None, :], (n, zf.size, n))  # one unit profile per row
    return pf.interpolate_profile(basis, zc, np.broadcast_to(zf, (n, zf.size))).T


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

    alt = yearly_active_layer(ds["STC"].values, depth, times)

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
    with atomic_file(png_path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    return png_path


# --------------------------------------------------------------------------------------------
# Command
# --------------------------------------------------------------------------------------------


def _start_logging(out: Path) -> tuple[logging.Logger, list[logging.Handler], tuple]:
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
    old = logger.level, logger.propagate
    logger.setLevel(logging.INFO)
    logger.propagate = False  # the handlers above show each message once
    return logger, handlers, old


def main(args: argparse.Namespace | None = None) -> int:
    """``noahperm demo``: write the example input, run it, write NetCDF and the figure.

    ``args`` attributes (all optional): ``out`` (directory, default ``results/demo``),
    ``years`` (default 2), ``seed`` (default :data:`DEFAULT_SEED`), ``start_year`` (2001).
    """
    from noahperm.kernel import layout as L
    from noahperm.point import run as point
    from noahperm.point.input_file import read_point_input

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
            with atomic_file(inp_path, fsync=False) as tmp:
                tmp.write_text(text, encoding="ascii")
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
        logger.setLevel(old_level[0])
        logger.propagate = old_level[1]


def _summarise(nc_path: Path) -> None:
    """Log permafrost, active layer, snow and surface-temperature summaries of a run."""
    import xarray as xr

    with xr.open_dataset(nc_path) as ds:
        stc = ds["STC"].values
        depth = ds["depth"].values
        times = ds["time"].values
        sneqv = ds["SNEQV"].values
    years = times.astype("datetime64[Y]")
    for y, alt in yearly_active_layer(stc, depth, times).items():
        sel = years == np.datetime64(str(y), "Y")
        log.info("%d: active layer %.2f m, max SWE %.1f mm, top layer %.1f to %.1f degC",
                 y, alt, sneqv[sel].max() * 1000.0, stc[sel, 0].min() - TFREEZ,
                 stc[sel, 0].max() - TFREEZ)
    deep = depth > 3.0
    tmax_deep = stc[:, deep].max() - TFREEZ
    log.info("below 3 m: warmest %.2f degC -> %s", tmax_deep,
             "permafrost persists" if tmax_deep < 0.0 else "NO permafrost")

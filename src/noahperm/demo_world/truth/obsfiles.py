"""The truth's observations: model values at the sites plus sensor noise and gaps, written in
the real formats (workbook, site_locations.csv, boreholes.csv).

Values. Active layer: the truth run's daily mean soil temperature at the probe depth, linear
between layer nodes (``noahperm.diagnostics.permafrost.interpolate_profile``), in degC, plus AR(1) noise
``e_t = phi e_(t-1) + sqrt(1 - phi^2) sigma xi_t`` (``truth.noise.sd_K`` = sigma, 0.15 K, the
sensors' +-0.1..0.2 K; ``ar1`` = phi, 0.8 per day), one independent series per site and depth,
started from its stationary distribution; rounded to ``decimals`` (2). Boreholes: the calendar
year's mean temperature at the depth plus independent N(0, ``borehole_sd_K``) noise.

Gaps (``truth.gaps``), all seeded:

- outages: a Poisson number (``outages_per_year`` x years; ``calibration_outages_per_year`` at
  TGL and TSHAL) of whole-day outages of ``outage_days`` (uniform) at random starts: the rows
  are absent, as in the real workbook;
- ``long_gaps`` long outages of ``long_gap_days`` per site (not at TGL and TSHAL);
- one site (not a calibration site) starts ``late_start_years`` (uniform, in days) late;
- one other site loses its shallowest sensor part-way (empty cells from a random day on);
- boreholes: a record of random length within ``network.borehole_years``, some without the
  deepest (or the 1 m) sensor, and each year missing with probability
  ``borehole_missing_year``.

Stream ``SeedSequence([seed, 4])``.
"""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from noahperm.core.fileio import atomic_file
from noahperm.demo_world.truth.io import normalise_xlsx
from noahperm.demo_world.truth.network import CALIBRATION_SITES, Site, day_range
from noahperm.diagnostics.permafrost import interpolate_profile
from noahperm.kernel.constants import TFREEZ

log = logging.getLogger(__name__)

STREAM_NOISE = 4


def ar1(rng, n: int, sd: float, phi: float) -> np.ndarray:
    """Stationary AR(1) series of length n, standard deviation sd, lag-1 correlation phi."""
    e = np.empty(n)
    if n == 0:
        return e
    xi = rng.standard_normal(n)
    e[0] = sd * xi[0]
    c = np.sqrt(1.0 - phi * phi) * sd
    for t in range(1, n):
        e[t] = phi * e[t - 1] + c * xi[t]
    return e


def _outages(rng, n: int, count: int, lo: int, hi: int) -> np.ndarray:
    """Boolean (n,) mask of ``count`` outages of lo..hi days at random starts."""
    out = np.zeros(n, bool)
    for _ in range(count):
        length = int(rng.integers(lo, hi + 1))
        start = int(rng.integers(0, max(1, n)))
        out[start:start + length] = True
    return out


def active_layer_table(sites: list[Site], daily_times, daily_stc, depth_nodes, settings):
    """Tidy table site, depth_m, time, value_degC of the active-layer observations (model
    value + noise; a gap is an absent row). Site periods and notes are updated in place."""
    noise, gaps = settings["noise"], settings["gaps"]
    rng = np.random.default_rng(np.random.SeedSequence([int(settings["seed"]), STREAM_NOISE]))
    al = [s for s in sites if s.kind == "active_layer"]
    others = [i for i, s in enumerate(al) if s.name not in CALIBRATION_SITES]
    late = int(rng.choice(others)) if others else -1
    failing = [i for i in others if i != late]
    fail = int(rng.choice(failing)) if failing else -1
    days_all = np.asarray(daily_times).astype("datetime64[D]")
    observed = []
    for i, s in enumerate(al):
        if i == late:
            lo, hi = (int(365.25 * float(y)) for y in gaps["late_start_years"])
            shift = np.timedelta64(int(rng.integers(lo, hi + 1)), "D")
            if s.first + shift < s.last:
                s.first = s.first + shift
                s.notes.append(f"starts {shift} late")
        # the model's daily means cover complete days of the observations' time base only
        # (the first local day of a run in UTC+8 is incomplete and left out)
        s.first, s.last = max(s.first, days_all[0]), min(s.last, days_all[-1])
        days = day_range(s.first, s.last)
        sel = np.searchsorted(days_all, days)
        if not np.array_equal(days_all[np.minimum(sel, days_all.size - 1)], days):
            raise ValueError(f"site {s.name}: days {s.first}..{s.last} are not all in the "
                             "model's daily means")
        cal = s.name in CALIBRATION_SITES
        rate = float(gaps["calibration_outages_per_year" if cal else "outages_per_year"])
        count = int(rng.poisson(rate * days.size / 365.25))
        gap = _outages(rng, days.size, count, *(int(v) for v in gaps["outage_days"]))
        if not cal:
            gap |= _outages(rng, days.size, int(gaps["long_gaps"]),
                            *(int(v) for v in gaps["long_gap_days"]))
        stop = days.size
        if i == fail:
            stop = int(rng.integers(days.size // 3, max(days.size // 3 + 1, 2 * days.size // 3)))
            s.notes.append(f"{s.depths_m[0]} m sensor fails on {days[min(stop, days.size - 1)]}")
        for k, d in enumerate(s.depths_m):
            prof = daily_stc[s.column_daily, sel]  # (nday, nlayer) [K]
            model = interpolate_profile(prof, depth_nodes, np.full(days.size, d)) - TFREEZ
            obs = np.round(model + ar1(rng, days.size, float(noise["sd_K"]),
                                       float(noise["ar1"])), int(noise["decimals"]))
            keep = ~gap
            if k == 0:
                keep &= np.arange(days.size) < stop
            observed.append(pd.DataFrame({"site": s.name, "depth_m": d, "time": days[keep],
                                          "value_degC": obs[keep]}))
    if not observed:
        return pd.DataFrame(columns=["site", "depth_m", "time", "value_degC"])
    out = pd.concat(observed, ignore_index=True)
    out["time"] = out["time"].astype("datetime64[ns]")
    return out


def borehole_table(sites: list[Site], tmean, depth_nodes, years, settings) -> pd.DataFrame:
    """Borehole rows (noahperm's borehole format) from annual mean temperatures tmean
    (ncol, nyear, nlayer) [K] of the run ``years``."""
    noise, gaps, net = settings["noise"], settings["gaps"], settings["network"]
    rng = np.random.default_rng(np.random.SeedSequence([int(settings["seed"]), STREAM_NOISE,
                                                        1]))
    y0, y1 = (int(v) for v in net["borehole_years"])
    y0, y1 = max(y0, years[0]), min(y1, years[1])
    if y0 > y1:
        y0, y1 = max(years[0], years[1] - 14), years[1]
    span = y1 - y0
    rows = []
    for s in (s for s in sites if s.kind == "borehole"):
        a = y0 + int(rng.integers(0, span // 2 + 1))
        b = y1 - int(rng.integers(0, span // 2 + 1))
        depths = list(s.depths_m)
        if len(depths) > 2 and rng.random() < 0.3:
            depths = depths[:-1]  # a shallower borehole
        if len(depths) > 2 and rng.random() < 0.3:
            depths = depths[1:]  # no 1 m sensor
        s.depths_m = tuple(depths)
        s.first, s.last = np.datetime64(f"{a}-01-01"), np.datetime64(f"{b}-12-31")
        for y in range(a, b + 1):
            if rng.random() < float(gaps["borehole_missing_year"]) and y not in (a, b):
                continue
            prof = np.broadcast_to(tmean[s.column, y - years[0]], (len(depths), depth_nodes.size))
            model = interpolate_profile(prof, depth_nodes, np.asarray(depths)) - TFREEZ
            val = np.round(model + rng.normal(0.0, float(noise["borehole_sd_K"]), len(depths)),
                           int(noise["decimals"]))
            for d, v in zip(depths, val, strict=True):
                rows.append((s.name, s.latitude, s.longitude, round(s.elevation_m), y, d,
                             float(v), "QTH", ""))
    return pd.DataFrame(rows, columns=["site", "latitude", "longitude", "elevation_m", "year",
                                       "depth_m", "temperature_degC", "region", "note"])


def _header(depth_m: float) -> str:
    return f"{depth_m * 100:g}cmGT"


def write_workbook(observed: pd.DataFrame, sites: list[Site], path) -> Path:
    """The Zhao 2021 layout: one sheet per site, Year, Month, Day, one column per depth."""
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    for s in (s for s in sites if s.kind == "active_layer"):
        ws = wb.create_sheet(title=s.name)
        ws.append(["Year", "Month", "Day", *(_header(d) for d in s.depths_m)])
        t = observed[observed["site"] == s.name]
        wide = t.pivot(index="time", columns="depth_m", values="value_degC")
        wide = wide.reindex(columns=list(s.depths_m)).sort_index()
        for day, vals in zip(wide.index, wide.to_numpy(), strict=True):
            ws.append([day.year, day.month, day.day,
                       *(None if np.isnan(v) else float(v) for v in vals)])
    with atomic_file(path, parents=True) as tmp:
        wb.save(tmp)
        normalise_xlsx(tmp)
    return Path(path)


def write_locations(sites: list[Site], info, path, vegetation_names) -> Path:
    """site_locations.csv in the layout of the Zhao 2021 file."""
    with atomic_file(path, parents=True) as tmp:
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["Site Name", "Latitude (°N)", "Longitude (°E)", "Vegetation",
                        "Soil Type"])
            for s in (s for s in sites if s.kind == "active_layer"):
                veg = vegetation_names.get(int(info.veg_source[s.column]), "Alpine meadow")
                soil = ("Gelisols" if info.permafrost[s.column] else
                        "Aridisols" if info.sparse[s.column] else "Inceptisols")
                w.writerow([s.location_name or s.name, f"{s.latitude:.4f}",
                            f"{s.longitude:.4f}", veg, soil])
    return Path(path)


def write_borehole_file(table: pd.DataFrame, path) -> Path:
    from noahperm.inputs.observations import write_boreholes

    with atomic_file(path, parents=True) as tmp:
        write_boreholes(table, tmp)
    return Path(path)

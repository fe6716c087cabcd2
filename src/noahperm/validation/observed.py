"""Observed permafrost variables from the observation store (paper sections 2.6, 2.7).

Section 2.7's definitions, applied to the observed depths (the sensors, positive down [m]):

- ALT: the first 0 degC crossing, from the top, of the profile of annual maxima of the daily
  means, linear between sensors (``noahperm.diagnostics.permafrost.active_layer_thickness``,
  the model's own function);
- TTOP: the annual mean temperature at the ALT, linear between sensors;
- GT10m: the annual mean temperature at 10 m (``gt_depth_m``), linear between the two sensors
  around it; from the boreholes' calendar-year means, and from any active-layer site whose
  complete depths reach below 10 m.

Rules the paper leaves open (docs/results.md):

- *Incomplete years.* A depth's year counts only if it has daily values on at least
  ``min_coverage`` of the year's days and no run of missing days (the year's start and end
  included) longer than ``max_gap_days``: the annual maximum of a thawing layer is reached in
  a few late-summer weeks, which a longer gap can miss. Site-years are derived from the
  depths whose year counts; a site-year with fewer than two such depths gives nothing.
- *Depths that do not reach the permafrost table.* When every counted depth thaws in the year
  (annual maximum > 0 degC), the ALT lies below the deepest sensor: ALT and TTOP are undefined
  (status ``below_deepest``), never extrapolated nor set to the sensor depth. When the top
  counted sensor does not thaw, the thaw depth lies above it: undefined too (``above_top``).
- *GT10m* needs sensors at or above and at or below 10 m (no extrapolation).
- A year is the calendar year of the store's days (its time base, Beijing Time for the
  workbook); the boreholes' values are calendar-year means already.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from noahperm.diagnostics.permafrost import active_layer_thickness, interpolate_profile

T0 = 273.15  # 0 degC [K]

#: Columns of the observed table (one row per site and year).
OBSERVED_COLUMNS = ["site", "year", "ALT_m", "TTOP_degC", "GT10m_degC", "alt_status",
                    "n_depths"]


def _longest_gap(days: np.ndarray, year: int) -> int:
    """Longest run of missing days of ``year`` given the days present (datetime64[D])."""
    start = np.datetime64(f"{year}-01-01", "D")
    end = np.datetime64(f"{year + 1}-01-01", "D")
    d = np.sort(days.astype("datetime64[D]"))
    edges = np.concatenate([[start - 1], d, [end]]).astype("int64")
    return int((np.diff(edges) - 1).max())


def annual_stats(daily: pd.DataFrame, min_coverage: float = 0.9,
                 max_gap_days: int = 15) -> pd.DataFrame:
    """Per site, depth and year of daily means (columns ``site, depth_m, time, value_degC``):
    ``n_days``, ``longest_gap``, ``tmin``, ``tmax``, ``tmean`` [degC] and ``complete`` (the
    incomplete-year rule of the module)."""
    if daily.empty:
        return pd.DataFrame(columns=["site", "depth_m", "year", "n_days", "longest_gap", "tmin",
                                     "tmax", "tmean", "complete"])
    d = daily.copy()
    d["day"] = pd.to_datetime(d["time"]).dt.floor("D")
    d["year"] = d["day"].dt.year
    rows = []
    for (site, depth, year), g in d.groupby(["site", "depth_m", "year"], sort=True):
        ndays = 366 if pd.Timestamp(year=int(year), month=12, day=31).dayofyear == 366 else 365
        days = g["day"].to_numpy().astype("datetime64[D]")
        gap = _longest_gap(np.unique(days), int(year))
        v = g["value_degC"].to_numpy(float)
        n = int(np.unique(days).size)
        rows.append((site, float(depth), int(year), n, gap, v.min(), v.max(), v.mean(),
                     n >= min_coverage * ndays and gap <= max_gap_days))
    return pd.DataFrame(rows, columns=["site", "depth_m", "year", "n_days", "longest_gap",
                                       "tmin", "tmax", "tmean", "complete"])


def alt_ttop(depth, tmax_degc, tmean_degc) -> tuple[float, float, str]:
    """(ALT [m], TTOP [degC], status) of one site-year from its sensors' annual maximum and
    mean [degC], sorted by depth. Status ``ok``, ``below_deepest`` (every sensor thaws: the
    permafrost table lies below the deepest), ``above_top`` (the top sensor stays frozen),
    ``too_few_depths``."""
    depth = np.asarray(depth, float)
    tmax = np.asarray(tmax_degc, float)
    tmean = np.asarray(tmean_degc, float)
    if depth.size < 2:
        return np.nan, np.nan, "too_few_depths"
    frozen = tmax <= 0.0
    if not frozen.any():
        return np.nan, np.nan, "below_deepest"
    if frozen[0]:
        return np.nan, np.nan, "above_top"
    alt = float(active_layer_thickness(tmax + T0, depth))
    ttop = float(interpolate_profile(tmean, depth, np.asarray(alt)))
    return alt, ttop, "ok"


def temperature_at(depth, tmean_degc, z: float) -> float:
    """Linear interpolation of the annual mean at depth z between the sensors around it; NaN
    when the sensors do not reach z from both sides."""
    depth = np.asarray(depth, float)
    t = np.asarray(tmean_degc, float)
    ok = np.isfinite(t)
    depth, t = depth[ok], t[ok]
    if depth.size == 0 or z < depth.min() or z > depth.max():
        return np.nan
    if depth.size == 1:
        return float(t[0])
    return float(np.interp(z, depth, t))


def derive_observed(obs: pd.DataFrame, min_coverage: float = 0.9, max_gap_days: int = 15,
                    gt_depth_m: float = 10.0) -> pd.DataFrame:
    """Observed ALT, TTOP, GT10m per site and year from the store's flat table
    (``noahperm.inputs.observations.read_store``: ``site, kind, depth_m, time, value_degC``)."""
    daily = obs[obs["kind"] == "active_layer"]
    stats = annual_stats(daily, min_coverage, max_gap_days)
    rows = []
    complete = stats[stats["complete"].astype(bool)] if len(stats) else stats
    for (site, year), g in complete.groupby(["site", "year"], sort=True):
        g = g.sort_values("depth_m")
        alt, ttop, status = alt_ttop(g["depth_m"], g["tmax"], g["tmean"])
        gt = temperature_at(g["depth_m"], g["tmean"], gt_depth_m)
        rows.append((site, int(year), alt, ttop, gt, status, len(g)))
    bh = obs[obs["kind"] == "borehole"].copy()
    if not bh.empty:
        bh["year"] = pd.to_datetime(bh["time"]).dt.year
        for (site, year), g in bh.groupby(["site", "year"], sort=True):
            g = g.sort_values("depth_m")
            gt = temperature_at(g["depth_m"], g["value_degC"], gt_depth_m)
            rows.append((site, int(year), np.nan, np.nan, gt, "borehole", len(g)))
    out = pd.DataFrame(rows, columns=OBSERVED_COLUMNS)
    return out.sort_values(["site", "year"], kind="stable").reset_index(drop=True)

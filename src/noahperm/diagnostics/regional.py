"""Per-year regional tables of a run (``area.csv``, ``regional_means.csv``) as sums over blocks
of cells.

Every entry of the two tables is a ratio of sums over cells (an area-weighted mean is
sum(w v) / sum(w) over the cells where v is defined, an area a sum of cell areas, a fraction a
ratio of counts), so each block of cells contributes partial sums per year
(:func:`block_sums`) and the tables are made from their totals (:func:`tables`). The partial
sums of consecutive blocks are added in block order, so the result does not depend on the
threads that computed them; with one block it is bitwise what a computation over all cells at
once gives, with several blocks it differs from it by round-off (the order of the additions).

The fixed set of cells of the ``_fixed`` means (docs/diagnostics.md) needs to know which years
are classified at all (the first year is not); that is a sum over blocks too
(:func:`classified_years`), computed first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from noahperm.diagnostics.permafrost import PERMAFROST, SFG, T0, UNDEFINED, UNFROZEN

#: Permafrost variables of the regional means and the units in their column name.
MEAN_VARIABLES = {"ALT": "m", "TTOP": "degC", "DZAA": "m", "MAGT": "degC", "GT10m": "degC"}
#: Classes of area.csv: column -> class.
AREA_CLASSES = {"permafrost_area_km2": PERMAFROST, "sfg_area_km2": SFG,
                "unfrozen_area_km2": UNFROZEN}


def classified_years(cls: np.ndarray) -> np.ndarray:
    """(nyear,) bool: some cell of ``cls`` (ncell, nyear) has a class that year."""
    return (np.asarray(cls) != UNDEFINED).any(axis=0)


def _weighted(values: np.ndarray, area: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sum of area x value, sum of area) per year over the cells where the value is defined:
    the numerator and denominator of :func:`noahperm.diagnostics.permafrost.regional_mean`."""
    values = np.asarray(values, dtype=float)
    w = np.where(np.isfinite(values), np.asarray(area, dtype=float)[:, None], 0.0)
    return np.nansum(values * w, axis=0), w.sum(axis=0)


def block_sums(out: dict[str, np.ndarray], area: np.ndarray,
               classified: np.ndarray) -> dict[str, np.ndarray]:
    """Partial sums per year [per-year arrays] of one block of cells: ``out`` the block's
    per-(cell, year) variables (``class``, ``DZAA_below``, the :data:`MEAN_VARIABLES` [K or
    m], optionally ``MAAT`` [K]), ``area`` its cells' areas [km2], ``classified`` the run's
    classified years (:func:`classified_years` over all cells)."""
    cls = np.asarray(out["class"])
    area = np.asarray(area, dtype=float)
    pf = cls == PERMAFROST
    s = {"defined": (cls != UNDEFINED).sum(axis=0), "n_permafrost": pf.sum(axis=0),
         "n_below": (pf & np.asarray(out["DZAA_below"], bool)).sum(axis=0)}
    for col, which in AREA_CLASSES.items():
        s[col] = ((cls == which) * area[:, None]).sum(axis=0)
    for k in MEAN_VARIABLES:
        v = np.asarray(out[k], dtype=float)
        if k in ("TTOP", "MAGT", "GT10m"):
            v = v - T0
        in_set = pf & np.isfinite(v)
        s[k + ":num"], s[k + ":den"] = _weighted(np.where(in_set, v, np.nan), area)
        fixed = in_set[:, classified].all(axis=1) if classified.any() else \
            np.zeros(cls.shape[0], bool)
        s[k + ":fixed_num"], s[k + ":fixed_den"] = _weighted(
            np.where(fixed[:, None], v, np.nan), area)
        s[k + ":n_fixed"] = np.full(cls.shape[1], int(fixed.sum()))
    if "MAAT" in out:
        s["MAAT:num"], s["MAAT:den"] = _weighted(np.asarray(out["MAAT"], float) - T0, area)
    return s


def add_sums(total: dict | None, part: dict) -> dict:
    """``total`` + ``part``, key by key (``total`` None: ``part``)."""
    if total is None:
        return dict(part)
    return {k: total[k] + part[k] for k in total}


def tables(s: dict[str, np.ndarray], years, classified: np.ndarray
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(area table, regional-means table) from the totals of :func:`block_sums`.

    Area table: per year the permafrost, SFG and unfrozen area [km2] (NaN in a year without a
    class). Regional means, labelled by column: ``<var>`` the area-weighted mean over the
    cells that are permafrost in that year (and where the variable is defined), ``<var>_fixed``
    over one fixed set of cells for all years (permafrost, with the variable defined, in every
    classified year; ``n_fixed_<var>`` of them), ``n_permafrost``, ``DZAA_below_fraction``
    and ``MAAT_degC`` (all cells)."""
    years = np.asarray(years)
    defined = s["defined"] > 0
    area = pd.DataFrame({"year": years, **{col: np.where(defined, s[col], np.nan)
                                           for col in AREA_CLASSES}})
    means = {"year": years, "n_permafrost": s["n_permafrost"]}
    with np.errstate(invalid="ignore", divide="ignore"):
        means["DZAA_below_fraction"] = np.where(s["n_permafrost"] > 0,
                                                s["n_below"] / s["n_permafrost"], np.nan)
        for k, units in MEAN_VARIABLES.items():
            name = f"{k}_{units}"
            means[name] = s[k + ":num"] / s[k + ":den"]
            means[name + "_fixed"] = np.where(classified,
                                              s[k + ":fixed_num"] / s[k + ":fixed_den"], np.nan)
            means["n_fixed_" + k] = s[k + ":n_fixed"]
        if "MAAT:num" in s:
            means["MAAT_degC"] = s["MAAT:num"] / s["MAAT:den"]
    return area, pd.DataFrame(means)


def regional_means(out: dict[str, np.ndarray], area: np.ndarray, years) -> pd.DataFrame:
    """The regional-means table (one row per year) of per-(cell, year) variables held in
    memory (all cells as one block; :func:`tables`)."""
    classified = classified_years(out["class"])
    return tables(block_sums(out, area, classified), years, classified)[1]

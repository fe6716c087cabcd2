"""Figure 9: trends of the permafrost thermal variables of one experiment (paper Figure 9).

Top row, one map per variable (ALT, TTOP, DZAA, MAGT): Sen's slope per decade of the
per-cell ensemble mean over one change period (the paper's CR, 1980-2018; config
``trends.periods``), from ``trend_maps.zarr`` (rule ``trends``); a diverging colour scale
centred on 0 (symmetric about 0, red = increase), cells with a Mann-Kendall p < 0.05 stippled
(black dots), simulated cells without a trend (not permafrost through enough of the period,
``trends.min_valid_fraction``) in light grey.

Bottom row, below each map: the regional mean of the same variable over the year's permafrost
cells (``series.csv``: ensemble mean and its 95 % confidence interval as a band; no band for a
one-member experiment), with Sen's line of each change period (CR1, CR2, CR: slope from
``trends.csv``, intercept the median of x_i - b t_i over the period's years, Conover's
estimator) and its slope and significance mark (``***`` p < 0.001, ``**`` p < 0.01, ``*``
p < 0.05, NS) in the legend.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from noahperm.core.errors import InputError
from noahperm.trends.stats import in_period

log = logging.getLogger(__name__)

#: Figure 9's variables: map variable -> (series of series.csv, units, long name).
VARIABLES = {
    "ALT": ("ALT_m", "m", "active layer thickness"),
    "TTOP": ("TTOP_degC", "degC", "temperature at the top of permafrost"),
    "DZAA": ("DZAA_m", "m", "depth of zero annual amplitude"),
    "MAGT": ("MAGT_degC", "degC", "mean annual ground temperature"),
}
#: Line colours of the change periods (others: matplotlib's cycle).
PERIOD_COLOURS = {"CR1": "#1f77b4", "CR2": "#ff7f0e", "CR": "#000000"}
#: Significance level of the stippling.
ALPHA = 0.05


def stipple_mask(p, alpha: float = ALPHA) -> np.ndarray:
    """Cells to stipple: a finite Mann-Kendall p-value below ``alpha`` (NaN p: never)."""
    p = np.asarray(p, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.isfinite(p) & (p < alpha)


def period_index(ds, name: str) -> int:
    """Index along ``period`` of the period called ``name`` (the coordinate's
    ``period_names`` attribute, as the trends stage writes it)."""
    names = str(ds["period"].attrs.get("period_names", "")).split()
    if name not in names:
        raise InputError(f"no period {name!r} (the store's periods: {', '.join(names) or 'none'})",
                         field="period")
    return names.index(name)


def regular_grid(lon, lat, values):
    """Cell values on the regular lon x lat grid their centres span: (lon edges, lat edges,
    2-D array (nlat, nlon), NaN where no cell). Edges halfway between the centres (half a
    step beyond the outer ones); one row or column gets a width of 1 degree / 10."""
    lon, lat, values = (np.asarray(a, dtype=float) for a in (lon, lat, values))
    ulon, ulat = np.unique(lon), np.unique(lat)

    def edges(c):
        if c.size == 1:
            return np.array([c[0] - 0.05, c[0] + 0.05])
        mid = 0.5 * (c[1:] + c[:-1])
        return np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])

    grid = np.full((ulat.size, ulon.size), np.nan)
    grid[np.searchsorted(ulat, lat), np.searchsorted(ulon, lon)] = values
    return edges(ulon), edges(ulat), grid


def sen_line(years, values, slope_per_decade: float, first: int, last: int):
    """Sen's line of a series over the period [first, last] (inclusive): (years, fitted
    values) with slope b = ``slope_per_decade`` / 10 and intercept median(x_i - b t_i) over
    the period's finite values; None when the slope is NaN or no value is in the period."""
    t = np.asarray(years, dtype=float)
    x = np.asarray(values, dtype=float)
    sel = in_period(t, (first, last)) & np.isfinite(x)
    if not np.isfinite(slope_per_decade) or not sel.any():
        return None
    b = slope_per_decade / 10.0
    a = float(np.median(x[sel] - b * t[sel]))
    tt = t[sel]
    return tt, a + b * tt


def _read(path, required, what) -> pd.DataFrame:
    try:
        df = pd.read_csv(path)
    except FileNotFoundError:
        raise InputError(f"no such file (run rule trends): {what}", path=path) from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError("missing column(s)", path=path, field=", ".join(missing))
    return df


def _slope_text(slope: float, units: str) -> str:
    from noahperm.figures.style import unit_text

    return "no trend" if not np.isfinite(slope) else f"{slope:+.3g} {unit_text(units)}/decade"


def make_figure(series_csv, trends_csv, maps_zarr, experiment: str, period: str,
                outputs) -> None:
    """Figure 9 of ``experiment`` from its trends products, written to each of ``outputs``
    (PNG, SVG or PDF)."""
    from matplotlib.colors import ListedColormap, TwoSlopeNorm

    from noahperm.core.zarrio import open_complete
    from noahperm.figures.style import pyplot, save, unit_text

    series = _read(series_csv, ["variable", "year", "mean", "ci"], "series.csv")
    trends = _read(trends_csv, ["variable", "period", "first", "last", "slope_per_decade",
                                "mark"], "trends.csv")
    try:
        maps = open_complete(maps_zarr, product="trend_maps")
    except FileNotFoundError:
        raise InputError("no complete trend maps (run rule trends)", path=maps_zarr) from None
    try:
        k = period_index(maps, period)
    except InputError as err:
        raise InputError(err.problem, path=maps_zarr, field="period") from None
    first, last = int(maps["first_year"].values[k]), int(maps["last_year"].values[k])
    lon, lat = maps["lon"].values, maps["lat"].values

    plt = pyplot()
    fig, axes = plt.subplots(2, len(VARIABLES), figsize=(4.2 * len(VARIABLES), 7.0),
                             gridspec_kw={"height_ratios": [1.15, 1.0]})
    grey = ListedColormap(["#dddddd"])
    for col, (var, (name, units, long_name)) in enumerate(VARIABLES.items()):
        letter = "abcdefgh"[col]
        ax = axes[0, col]
        for v in (f"{var}_slope", f"{var}_p"):
            if v not in maps:
                raise InputError("missing variable", path=maps_zarr, field=v)
        slope = maps[f"{var}_slope"].values[k].astype(float)
        pval = maps[f"{var}_p"].values[k].astype(float)
        rate_units = unit_text(maps[f"{var}_slope"].attrs.get("units", f"{units} (10 a)-1"))
        xe, ye, domain = regular_grid(lon, lat, np.zeros_like(slope))
        ax.pcolormesh(xe, ye, np.ma.masked_invalid(domain), cmap=grey, shading="flat")
        _, _, grid = regular_grid(lon, lat, slope)
        finite = np.isfinite(slope)
        if finite.any():
            vmax = float(np.nanmax(np.abs(slope))) or 1e-9
            mesh = ax.pcolormesh(xe, ye, np.ma.masked_invalid(grid), cmap="RdBu_r",
                                 norm=TwoSlopeNorm(0.0, -vmax, vmax), shading="flat")
            cb = fig.colorbar(mesh, ax=ax, orientation="vertical", pad=0.02, fraction=0.05)
            cb.set_label(f"{var} trend [{rate_units}]")
            dots = stipple_mask(pval)
            ax.scatter(lon[dots], lat[dots], s=5, c="k", marker="o", linewidths=0,
                       label=f"p < {ALPHA}")
        else:
            ax.text(0.5, 0.5, f"no cell with a trend\nin {period} ({first}-{last})",
                    ha="center", va="center", transform=ax.transAxes, fontsize=8)
        ax.set_aspect("equal")
        ax.set_xlabel("longitude [°E]")
        ax.set_ylabel("latitude [°N]")
        ax.grid(False)
        ax.set_title(f"({letter}) {var} trend, {period} {first}-{last}")

        ax = axes[1, col]
        s = series[series["variable"] == name].sort_values("year")
        if s.empty:
            ax.text(0.5, 0.5, f"no series {name}", ha="center", transform=ax.transAxes)
        else:
            years = s["year"].to_numpy(float)
            mean = s["mean"].to_numpy(float)
            ci = s["ci"].to_numpy(float)
            ax.plot(years, mean, color="0.25", lw=1.2, label="ensemble mean")
            if np.isfinite(ci).any():
                ax.fill_between(years, mean - ci, mean + ci, color="0.6", alpha=0.35,
                                lw=0, label="95 % CI")
            for j, (_, t) in enumerate(trends[trends["variable"] == name].iterrows()):
                line = sen_line(years, mean, float(t["slope_per_decade"]), int(t["first"]),
                                int(t["last"]))
                mark = t["mark"] if isinstance(t["mark"], str) else "NS"
                label = (f"{t['period']} {int(t['first'])}-{int(t['last'])}: "
                         f"{_slope_text(float(t['slope_per_decade']), units)} {mark}")
                colour = PERIOD_COLOURS.get(t["period"], f"C{j + 2}")
                if line is None:
                    ax.plot([], [], color=colour, lw=1.5, ls="--", label=label)
                else:
                    ax.plot(*line, color=colour, lw=1.5, ls="--", label=label)
        ax.set_xlabel("year")
        ax.set_ylabel(f"{var} [{unit_text(units)}]")
        ax.set_title(f"({'abcdefgh'[col + len(VARIABLES)]}) regional mean {var}: {long_name}",
                     fontsize=8)
        ax.legend(loc="best", fontsize=7)
    fig.suptitle(f"Figure 9 analogue, {experiment}: trends of the permafrost thermal "
                 f"variables (maps: Sen's slope {period}, dots p < {ALPHA})")
    fig.tight_layout()
    save(fig, *outputs)
    log.info("%s: Figure 9 -> %s", experiment, ", ".join(str(Path(p)) for p in outputs))

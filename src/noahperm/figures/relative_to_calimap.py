"""Figure 10: discrepancies of the experiments relative to CaliMAP (paper Figure 10).

For the permafrost area and the regional means ALT, TTOP, DZAA and MAGT (one panel each), the
relative discrepancy of every other experiment (CaliFree, CaliTGL, CaliTSH, ...) from the
benchmark CaliMAP, in percent::

    D = 100 (X_exp - X_CaliMAP) / |X_CaliMAP|

for X the ensemble-mean value in the map year (config ``truth.map_year``, or CaliMAP's
``calibration.experiments.CaliMAP.map_year``; 2010 in the paper), from each experiment's
``series.csv``, and for X the Sen's slope per decade of each change period (CR1, CR2, CR), from
its ``trends.csv`` ("their change rates" of the paper's caption).

The paper writes (CaliXXX - CaliMAP) / CaliMAP. Divided by CaliMAP's signed value the sign of
D flips where CaliMAP's value is negative (TTOP and MAGT are below 0 degC, DZAA slopes are
negative); dividing by its magnitude gives the same size and the sign of the difference
(D > 0: larger, warmer, deeper than CaliMAP). D is undefined (NaN, no bar) where CaliMAP's
value is 0 or missing.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from noahperm.core.errors import InputError
from noahperm.core.fileio import read_csv

log = logging.getLogger(__name__)

#: The benchmark experiment.
REFERENCE = "CaliMAP"
#: Figure 10's variables: series of series.csv -> (label, units of the value).
VARIABLES = {
    "permafrost_area_km2": ("permafrost area", "km2"),
    "ALT_m": ("ALT", "m"),
    "TTOP_degC": ("TTOP", "degC"),
    "DZAA_m": ("DZAA", "m"),
    "MAGT_degC": ("MAGT", "degC"),
}


def relative_difference(value, reference) -> np.ndarray:
    """100 (value - reference) / |reference| [%]; NaN where the reference is 0 or not finite
    (or the value not finite)."""
    v = np.asarray(value, dtype=float)
    r = np.asarray(reference, dtype=float)
    ok = np.isfinite(v) & np.isfinite(r) & (r != 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ok, 100.0 * (v - r) / np.abs(np.where(ok, r, 1.0)), np.nan)


def read_products(series_csvs, trends_csvs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every experiment's ``series.csv`` and ``trends.csv`` (rule trends), concatenated."""

    def read(path, required):
        return read_csv(path, required, "run rule trends")

    series = pd.concat([read(p, ["experiment", "variable", "year", "mean"])
                        for p in series_csvs], ignore_index=True)
    trends = pd.concat([read(p, ["experiment", "variable", "period", "slope_per_decade"])
                        for p in trends_csvs], ignore_index=True)
    return series, trends


def discrepancies(series: pd.DataFrame, trends: pd.DataFrame, year: int,
                  reference: str = REFERENCE, variables=tuple(VARIABLES)) -> pd.DataFrame:
    """Long table ``experiment, variable, metric, units, value, reference_value,
    relative_pct``: per experiment other than ``reference`` and per variable, the value in
    ``year`` (metric ``str(year)``) and the slope of each period of trends.csv (metric the
    period's name, units per decade), against the reference's."""
    exps = list(dict.fromkeys(series["experiment"]))
    if reference not in exps:
        raise InputError(f"no experiment {reference} among the series "
                         f"({', '.join(exps) or 'none'})", field="experiment")
    ref_year = series[(series["experiment"] == reference) & (series["year"] == year)]
    if ref_year.empty:
        raise InputError(f"{reference} has no value in {year} (its years: "
                         f"{series.loc[series['experiment'] == reference, 'year'].min()}-"
                         f"{series.loc[series['experiment'] == reference, 'year'].max()})",
                         field="year")
    periods = list(dict.fromkeys(trends["period"]))
    rows = []
    for var in variables:
        units = VARIABLES.get(var, (var, ""))[1]

        def value(e, v=var):
            s = series[(series["experiment"] == e) & (series["variable"] == v)
                       & (series["year"] == year)]["mean"]
            return float(s.iloc[0]) if len(s) else np.nan

        def slope(e, per, v=var):
            s = trends[(trends["experiment"] == e) & (trends["variable"] == v)
                       & (trends["period"] == per)]["slope_per_decade"]
            return float(s.iloc[0]) if len(s) else np.nan

        for e in exps:
            if e == reference:
                continue
            metrics = [(str(year), units, value(e), value(reference))]
            metrics += [(per, f"{units} (10 a)-1", slope(e, per), slope(reference, per))
                        for per in periods]
            for metric, u, v, r in metrics:
                rows.append({"experiment": e, "variable": var, "metric": metric, "units": u,
                             "value": v, "reference_value": r,
                             "relative_pct": float(relative_difference(v, r))})
    return pd.DataFrame(rows, columns=["experiment", "variable", "metric", "units", "value",
                                       "reference_value", "relative_pct"])


def make_figure(series_csvs, trends_csvs, year: int, outputs, csv=None,
                reference: str = REFERENCE) -> pd.DataFrame:
    """Figure 10 to each of ``outputs`` (PNG, SVG or PDF) and the plotted numbers to ``csv``."""
    from noahperm.core.fileio import write_csv
    from noahperm.figures.style import experiment_colour, pyplot, save, unit_text

    series, trends = read_products(series_csvs, trends_csvs)
    tab = discrepancies(series, trends, year, reference)
    if csv is not None:
        write_csv(tab, csv)
    others = list(dict.fromkeys(tab["experiment"]))
    metrics = list(dict.fromkeys(tab["metric"]))
    plt = pyplot()
    fig, axes = plt.subplots(1, len(VARIABLES), figsize=(3.4 * len(VARIABLES), 4.2),
                             sharey=False)
    width = 0.8 / max(len(others), 1)
    x = np.arange(len(metrics))
    for col, (var, (label, units)) in enumerate(VARIABLES.items()):
        ax = axes[col]
        g = tab[tab["variable"] == var]
        for k, e in enumerate(others):
            d = g[g["experiment"] == e].set_index("metric")["relative_pct"].reindex(metrics)
            ax.bar(x + (k - (len(others) - 1) / 2) * width, d.to_numpy(float), width,
                   color=experiment_colour(e, k), label=e)
        ax.axhline(0.0, color="k", lw=0.8)
        for j, m in enumerate(metrics):  # no experiment has a discrepancy: say so
            if not np.isfinite(g[g["metric"] == m]["relative_pct"].to_numpy(float)).any():
                ax.text(x[j], 0.0, "n/a", ha="center", va="bottom", fontsize=7, color="0.4")
        ax.set_xticks(x)
        ax.set_xticklabels([m if m == str(year) else f"{m}\nrate" for m in metrics])
        ref = g[g["metric"] == str(year)]["reference_value"]
        ref_text = (f"{float(ref.iloc[0]):.3g} {unit_text(units)}"
                    if len(ref) and np.isfinite(float(ref.iloc[0])) else "n/a")
        ax.set_title(f"({'abcde'[col]}) {label}\n{reference} {year}: {ref_text}", fontsize=9)
        ax.set_ylabel(f"({label} - {reference}) / |{reference}| [%]")
        if col == 0:
            ax.legend(loc="best")
    fig.suptitle(f"Figure 10 analogue: discrepancies relative to {reference} in {year} and in "
                 "the change rates (Sen's slope per decade) of CR1, CR2, CR")
    fig.tight_layout()
    save(fig, *outputs)
    log.info("Figure 10 -> %s", ", ".join(str(Path(p)) for p in outputs))
    return tab

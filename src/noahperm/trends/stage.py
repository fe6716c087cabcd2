"""The trends stage: per experiment, the ensemble mean (95 % CI) series of the areas and the
regional means, their Mann-Kendall / Sen's slope trends over CR1, CR2 and CR, per-cell trend
maps; Table 3 over the experiments (rules ``trends`` and ``table3``; docs/results.md).

Inputs are the members' products of the diagnose stage (docs/diagnostics.md):
``area.csv`` (areas [km2] per year), ``regional_means.csv`` (area-weighted means per year;
MAAT from the forcing, the same for every member) and ``permafrost.zarr`` (per cell and year).
An experiment with one member (CaliFree) has its run as the mean and no interval.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from noahperm.core.chunked import CELL_CHUNK, dask_threads, open_by_cell
from noahperm.core.errors import InputError
from noahperm.core.fileio import read_csv
from noahperm.trends.stats import DEFAULT_PERIODS, mean_ci, mk_batch, period_trends

log = logging.getLogger(__name__)

#: The series of the trends stage: column of area.csv / regional_means.csv -> units.
AREA_SERIES = {"permafrost_area_km2": "km2", "sfg_area_km2": "km2"}
MEAN_SERIES = {
    "MAAT_degC": "degC",
    "ALT_m": "m", "TTOP_degC": "degC", "DZAA_m": "m", "MAGT_degC": "degC", "GT10m_degC": "degC",
    "ALT_m_fixed": "m", "TTOP_degC_fixed": "degC", "DZAA_m_fixed": "m",
    "MAGT_degC_fixed": "degC", "GT10m_degC_fixed": "degC",
}
#: Per-cell variables of the trend maps (permafrost.zarr) and their units of a change.
MAP_VARIABLES = {"MAAT": "K", "ALT": "m", "TTOP": "K", "DZAA": "m", "MAGT": "K", "GT10m": "K"}


def _read_csv(path: Path, required) -> pd.DataFrame:
    return read_csv(path, required, "run the diagnose stage")


def member_series(area_csv, means_csv) -> pd.DataFrame:
    """One member's series (one row per year): the areas and the regional means."""
    area = _read_csv(Path(area_csv), ["year", *AREA_SERIES])
    means = _read_csv(Path(means_csv), ["year"])
    cols = ["year"] + [c for c in MEAN_SERIES if c in means.columns]
    return area[["year", *AREA_SERIES]].merge(means[cols], on="year", how="outer")


def ensemble_series(members: list[pd.DataFrame], level: float = 0.95) -> pd.DataFrame:
    """Long table ``variable, year, mean, ci, n``: per series and year the ensemble mean and the
    CI half-width t s / sqrt(n) (NaN for one member)."""
    if not members:
        raise ValueError("an experiment needs at least one member")
    years = sorted(set().union(*(set(m["year"]) for m in members)))
    rows = []
    for var in [*AREA_SERIES, *MEAN_SERIES]:
        if not all(var in m.columns for m in members):
            continue
        stack = np.stack([m.set_index("year")[var].reindex(years).to_numpy(float)
                          for m in members])
        mean, half, n = mean_ci(stack, axis=0, level=level)
        rows.append(pd.DataFrame({"variable": var, "year": years, "mean": mean, "ci": half,
                                  "n": n}))
    return pd.concat(rows, ignore_index=True)


def series_trends(series: pd.DataFrame, periods=None, min_years: int = 4) -> pd.DataFrame:
    """Trends of the ensemble-mean series: ``variable, period, first, last,
    slope_per_decade, p, mark, n_years``."""
    periods = DEFAULT_PERIODS if periods is None else periods
    rows = []
    for var, g in series.groupby("variable", sort=False):
        res = period_trends(g["year"].to_numpy(), g["mean"].to_numpy(float), periods, min_years)
        for name, r in res.items():
            rows.append({"variable": var, "period": name, "first": periods[name][0],
                         "last": periods[name][1], "slope_per_decade": r["slope_per_decade"],
                         "p": r["p"], "mark": r["mark"], "n_years": r["n"]})
    return pd.DataFrame(rows)


def cell_trends(stack: np.ndarray, years, periods=None, min_fraction: float = 0.8):
    """Per-cell trends of an ensemble-mean field ``stack`` (ncell, nyear): (slope per decade,
    p), each (nperiod, ncell); NaN where fewer than ``min_fraction`` of a period's years are
    defined (a cell that is permafrost only part of the period). Vectorised
    (:func:`noahperm.trends.stats.mk_batch`, equal to pymannkendall)."""
    periods = DEFAULT_PERIODS if periods is None else periods
    years = np.asarray(years)
    slope = np.full((len(periods), stack.shape[0]), np.nan)
    p = np.full_like(slope, np.nan)
    for k, per in enumerate(periods.values()):
        sel = (years >= per[0]) & (years <= per[1])
        if not sel.any():
            continue
        need = max(3, int(np.ceil(min_fraction * (per[1] - per[0] + 1))))
        enough = np.isfinite(stack[:, sel]).sum(axis=1) >= need
        if enough.any():
            sl, pv = mk_batch(years[sel], stack[enough][:, sel])
            slope[k, enough], p[k, enough] = sl, pv
    return slope, p


def ensemble_fields(permafrost_stores, variables=tuple(MAP_VARIABLES),
                    chunk_cells: int = CELL_CHUNK):
    """Per-cell ensemble means (nanmean over members) of ``variables`` of the members'
    permafrost.zarr, lazy: (dict var -> dask array (ncell, nyear) in blocks of ``chunk_cells``
    cells, coords dataset of the first member). Members are added one after the other, as
    float64, so a cell's mean is bitwise the same for any block size; computing a block reads
    that block of every member only."""
    import dask.array as da

    sums, counts, first = {}, {}, None
    for path in permafrost_stores:
        ds = open_by_cell(path, product="permafrost", chunk_cells=chunk_cells,
                          variables=variables)
        if first is None:
            first = ds
        elif not (np.array_equal(ds["cell"].values, first["cell"].values)
                  and np.array_equal(ds["year"].values, first["year"].values)):
            raise InputError("the members cover other cells or years", path=path,
                             field="cell/year")
        for v in variables:
            if v not in ds:
                continue
            a = ds[v].data.astype(float)
            ok = da.isfinite(a)
            sums[v] = sums.get(v, 0.0) + da.where(ok, a, 0.0)
            counts[v] = counts.get(v, 0) + ok
    means = {v: da.map_blocks(_mean_of_sums, sums[v], counts[v], dtype=np.float64)
             for v in sums}
    return means, first


def _mean_of_sums(total, count):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _cell_trends_block(field, years, periods, min_fraction):
    return np.stack(cell_trends(field, years, periods, min_fraction))


def trend_maps_dataset(means, coords_ds, periods, min_fraction):
    """The trend maps (period x cell) of the per-cell ensemble means (:func:`ensemble_fields`,
    numpy or dask arrays (ncell, nyear)), lazy: one task of :func:`cell_trends` per block of
    cells (a cell's trend depends on that cell alone: bitwise the same for any block size)."""
    import dask.array as da
    import xarray as xr

    from noahperm.core.zarrio import cf_attrs

    years = coords_ds["year"].values
    data = {}
    for v, field in means.items():
        field = da.asarray(field)
        if field.numblocks[1] != 1:
            field = field.rechunk({1: -1})
        both = da.map_blocks(_cell_trends_block, field, years=years, periods=periods,
                             min_fraction=min_fraction, dtype=np.float64, drop_axis=1,
                             new_axis=[0, 1],
                             chunks=((2,), (len(periods),), field.chunks[0]))
        data[f"{v}_slope"] = (("period", "cell"), both[0],
                              cf_attrs(f"{MAP_VARIABLES[v]} (10 a)-1",
                                       f"Sen's slope of the ensemble-mean {v} per decade"))
        data[f"{v}_p"] = (("period", "cell"), both[1],
                          cf_attrs("1", f"Mann-Kendall two-sided p-value of the ensemble-mean {v}"))
    # Zarr v3 has no stable string type: periods are numbered, their names an attribute
    coords = {"period": ("period", np.arange(len(periods)),
                         {"long_name": "change period: " + ", ".join(
                             f"{k} = {name} ({a}-{b})" for k, (name, (a, b))
                             in enumerate(periods.items())),
                          "period_names": " ".join(periods)}),
              "first_year": ("period", np.array([p[0] for p in periods.values()], int)),
              "last_year": ("period", np.array([p[1] for p in periods.values()], int)),
              "cell": coords_ds["cell"].values}
    for c in ("lat", "lon", "area"):
        if c in coords_ds.coords:
            coords[c] = ("cell", coords_ds[c].values, dict(coords_ds[c].attrs))
    return xr.Dataset(data, coords=coords,
                      attrs={"title": "per-cell trends of the ensemble mean (Mann-Kendall, Sen)"})


def map_encoding(ds) -> dict:
    """Zarr encoding of a trend-map dataset: one chunk per period with every cell (a map is
    read whole, a period at a time; docs/scale.md)."""
    return {name: {"chunks": (1, var.shape[1])} for name, var in ds.data_vars.items()
            if var.dims == ("period", "cell")}


def run_trends(experiment: str, areas, means, stores, out_dir, periods=None,
               level: float = 0.95, min_fraction: float = 0.8, min_years: int = 4,
               chunk_cells: int = CELL_CHUNK, threads: int = 1) -> None:
    """The ``trends`` rule: ``series.csv``, ``trends.csv``, ``trend_maps.zarr`` in out_dir
    (the maps computed by blocks of ``chunk_cells`` cells on ``threads`` dask threads)."""
    from noahperm.core.fileio import write_csv
    from noahperm.core.zarrio import atomic_zarr

    periods = {k: tuple(v) for k, v in (periods or DEFAULT_PERIODS).items()}
    if not (len(areas) == len(means) == len(stores)) or not areas:
        raise ValueError("one area.csv, regional_means.csv and permafrost.zarr per member")
    out_dir = Path(out_dir)
    members = [member_series(a, m) for a, m in zip(areas, means, strict=True)]
    series = ensemble_series(members, level)
    series.insert(0, "experiment", experiment)
    write_csv(series, out_dir / "series.csv")
    trends = series_trends(series, periods, min_years)
    trends.insert(0, "experiment", experiment)
    trends.insert(len(trends.columns), "n_members", len(members))
    write_csv(trends, out_dir / "trends.csv")
    with dask_threads(threads):
        fields, coords_ds = ensemble_fields(stores, chunk_cells=chunk_cells)
        ds = trend_maps_dataset(fields, coords_ds, periods, min_fraction)
        # a map is one chunk per period: the blocks of cells are joined per period (a few
        # bytes per cell) as they are written
        ds = ds.chunk({"period": 1, "cell": -1})
        with atomic_zarr(out_dir / "trend_maps.zarr", product="trend_maps") as tmp:
            ds.to_zarr(tmp, mode="w", consolidated=False, encoding=map_encoding(ds))
    log.info("%s: %d members, %d series", experiment, len(members), series["variable"].nunique())


#: Table 3's rows: series -> (label, scale of the printed slope and values, printed units).
TABLE3_ROWS = {
    "permafrost_area_km2": ("permafrost area", 1e-3, "1e3 km2"),
    "sfg_area_km2": ("SFG area", 1e-3, "1e3 km2"),
    "MAAT_degC": ("MAAT", 1.0, "degC"),
    "ALT_m": ("ALT", 1.0, "m"),
    "TTOP_degC": ("TTOP", 1.0, "degC"),
    "DZAA_m": ("DZAA", 1.0, "m"),
    "MAGT_degC": ("MAGT", 1.0, "degC"),
    "GT10m_degC": ("GT10m", 1.0, "degC"),
}


def table3(series: pd.DataFrame, trends: pd.DataFrame, years=(1980, 2018)) -> pd.DataFrame:
    """Table 3 analogue, one row per variable, experiment and period: slope per decade, p,
    mark and the ensemble mean +- CI half-width in the first and last year (``years``), in the
    native units of each series (areas in km2)."""
    rows = []
    for _, t in trends.iterrows():
        if t["variable"] not in TABLE3_ROWS:
            continue
        s = series[(series["experiment"] == t["experiment"])
                   & (series["variable"] == t["variable"])].set_index("year")
        row = {"variable": t["variable"], "experiment": t["experiment"], "period": t["period"],
               "slope_per_decade": t["slope_per_decade"], "p": t["p"], "mark": t["mark"],
               "n_members": int(s["n"].max()) if len(s) else 0}
        for y in years:
            row[f"value_{y}"] = s["mean"].get(y, np.nan)
            row[f"ci_{y}"] = s["ci"].get(y, np.nan)
        rows.append(row)
    return pd.DataFrame(rows)


def table3_markdown(tab: pd.DataFrame, years=(1980, 2018)) -> str:
    """Table 3 as Markdown: areas in 1e3 km2, slopes per decade with their marks."""
    def fmt(v, ci, scale):
        if not np.isfinite(v):
            return "-"
        s = f"{v * scale:.3g}"
        return s + (f" ± {ci * scale:.2g}" if np.isfinite(ci) else "")

    head = ["variable", "experiment", "period", "slope (10 a)-1", "p", "mark",
            *[f"{y} (± 95 % CI)" for y in years]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for _, r in tab.iterrows():
        label, scale, unit = TABLE3_ROWS[r["variable"]]
        slope = r["slope_per_decade"]
        lines.append("| " + " | ".join([
            f"{label} [{unit}]", r["experiment"], r["period"],
            f"{slope * scale:.3g}" if np.isfinite(slope) else "-",
            f"{r['p']:.3g}" if np.isfinite(r["p"]) else "-", r["mark"],
            *[fmt(r[f"value_{y}"], r[f"ci_{y}"], scale) for y in years]]) + " |")
    return "\n".join(lines) + "\n"


def run_table3(series_csvs, trends_csvs, out_csv, out_md, years=(1980, 2018)) -> None:
    """The ``table3`` rule: Table 3 over the experiments (CSV in native units, Markdown)."""
    from noahperm.core.fileio import atomic_file, write_csv

    series = pd.concat([_read_csv(Path(p), ["experiment", "variable", "year", "mean", "ci", "n"])
                        for p in series_csvs], ignore_index=True)
    trends = pd.concat([_read_csv(Path(p), ["experiment", "variable", "period",
                                            "slope_per_decade", "p", "mark"])
                        for p in trends_csvs], ignore_index=True)
    trends["mark"] = trends["mark"].fillna("NS")
    tab = table3(series, trends, years)
    write_csv(tab, out_csv)
    Path(out_md).parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(out_md) as tmp:
        Path(tmp).write_text(
            "# Table 3 analogue: trends (Mann-Kendall, Sen's slope per decade) and the ensemble "
            f"mean ± 95 % CI in {years[0]} and {years[1]}\n\n"
            "Marks: *** p < 0.001, ** p < 0.01, * p < 0.05, NS not significant. "
            "One-member experiments have no CI.\n\n" + table3_markdown(tab, years))

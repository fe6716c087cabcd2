"""The validation stage (paper section 2.6; rules ``observed_variables`` and ``validate``).

``observed_variables``: the observation store -> ``results/validation/observed.csv``, one row
per site and year with ALT [m], TTOP and GT10m [degC] (:mod:`noahperm.validation.observed`)
and the site's cell and survey region.

``validate``: per experiment, the model values at the sites' cells are the experiment's
ensemble mean (the mean over its members of ``permafrost.zarr``; CaliFree: its one run) of
ALT, TTOP and GT10m in the same year. Then, per variable:

1. the experiment's excluded sites (its calibration site, ``validation.exclude_sites``) are
   dropped; sites outside the simulated cells (cell_status other than ``ok``) too;
2. observed values in the same model cell and year are averaged (paper: "observed values
   within the same modeling cell were averaged"); the cell's sites, joined by ``+``, name it;
3. annual values: RMSE = sqrt(mean((m - o)^2)), MBE = mean(m - o) per site (cell) and over
   the network (every cell-year pair);
4. change rates: Sen's slope per decade of the observed series of a cell with at least
   ``min_rate_years`` paired years, and of the model over the same years; RMSE and MBE over
   the network's series (per site: the one difference);
5. ranking: the experiments ranked by site RMSE of the annual values (1 = smallest); GT10m
   by the mean of its sites' RMSEs within each survey region (the ``region`` of
   boreholes.csv; a site without one is its own region).

Products: ``metrics.csv`` (experiment, variable, scale, site, n, rmse, mbe; variable ``ALT``
for annual values, ``ALT_rate`` for change rates per decade; scale ``site``, ``region`` or
``network`` with site ``all``), ``ranking.csv`` (variable, scale, site, experiment, rmse,
rank), ``pairs.csv`` (the paired values behind Figure 7).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from noahperm.core.chunked import CELL_CHUNK, dask_threads
from noahperm.core.errors import InputError
from noahperm.trends.stats import sens_slope
from noahperm.validation.observed import derive_observed

log = logging.getLogger(__name__)

T0 = 273.15
#: Validated variables: observed column, model variable of permafrost.zarr, offset to units.
VARIABLES = {"ALT": ("ALT_m", "ALT", 0.0), "TTOP": ("TTOP_degC", "TTOP", -T0),
             "GT10m": ("GT10m_degC", "GT10m", -T0)}
METRIC_COLUMNS = ["experiment", "variable", "scale", "site", "n", "rmse", "mbe"]


def site_identifiers(site: str, location_name: str = "") -> set[str]:
    """Every name a site answers to (upper case): the sheet or borehole name, the sheet name
    without the network's trailing ``AL``, and the name and alias of its location
    (``QT04 (TGL)`` -> QT04, TGL)."""
    ids = {site.upper()}
    if site.upper().endswith("AL") and len(site) > 2:
        ids.add(site.upper()[:-2])
    loc = (location_name or "").replace(")", "").split("(")
    ids.update(p.strip().upper() for p in loc if p.strip())
    return ids


def run_observed(store, out_csv, min_coverage=0.9, max_gap_days=15, gt_depth_m=10.0) -> None:
    """The ``observed_variables`` rule."""
    from noahperm.core.fileio import write_csv
    from noahperm.inputs.observations import read_store

    if not Path(store).is_file():
        raise InputError("no such file (run prepare_observations)", path=store)
    obs, sites = read_store(store)
    table = derive_observed(obs, min_coverage, max_gap_days, gt_depth_m)
    meta = sites.set_index("site")
    for col in ("cell", "cell_status", "region", "location_name"):
        table[col] = table["site"].map(meta[col]) if col in meta else ""
    write_csv(table, out_csv)
    log.info("%d site-years from %d sites", len(table), table["site"].nunique())


def _metrics(diff: np.ndarray) -> tuple[int, float, float]:
    d = np.asarray(diff, float)
    d = d[np.isfinite(d)]
    if d.size == 0:
        return 0, np.nan, np.nan
    return int(d.size), float(np.sqrt(np.mean(d ** 2))), float(np.mean(d))


def cell_pairs(observed: pd.DataFrame, fields: dict, cells, years, variable: str,
               exclude=()) -> pd.DataFrame:
    """Observed (cell-averaged) and model values of one variable: ``site`` (the cell's sites),
    ``cell``, ``region``, ``year``, ``observed``, ``model``; only pairs with both defined."""
    col, mvar, offset = VARIABLES[variable]
    excl = {e.upper() for e in exclude}
    o = observed[np.isfinite(observed[col].to_numpy(float))
                 & (observed["cell_status"].astype(str) == "ok")]
    if excl:
        keep = [not (site_identifiers(str(s), str(ln) if isinstance(ln, str) else "") & excl)
                for s, ln in zip(o["site"], o["location_name"], strict=True)]
        o = o[np.asarray(keep, bool)]
    if o.empty or mvar not in fields:
        return pd.DataFrame(columns=["site", "cell", "region", "year", "observed", "model"])
    label = o.groupby("cell")["site"].agg(lambda s: "+".join(sorted(set(map(str, s)))))
    region = o.groupby("cell")["region"].agg(
        lambda s: next((str(r) for r in s if isinstance(r, str) and r), ""))
    g = o.groupby(["cell", "year"], as_index=False)[col].mean()
    cell_pos = {int(c): i for i, c in enumerate(cells)}
    year_pos = {int(y): j for j, y in enumerate(years)}
    field = fields[mvar]
    model = np.array([field[cell_pos[int(c)], year_pos[int(y)]] + offset
                      if int(c) in cell_pos and int(y) in year_pos else np.nan
                      for c, y in zip(g["cell"], g["year"], strict=True)], float)
    out = pd.DataFrame({"site": g["cell"].map(label), "cell": g["cell"].astype(int),
                        "region": g["cell"].map(region), "year": g["year"].astype(int),
                        "observed": g[col].to_numpy(float), "model": model})
    out["region"] = np.where(out["region"] == "", out["site"], out["region"])
    return out[np.isfinite(out["model"])].reset_index(drop=True)


def rate_pairs(pairs: pd.DataFrame, min_years: int) -> pd.DataFrame:
    """Per cell with at least ``min_years`` paired years: Sen's slope per decade of the
    observed and of the model series over the same years."""
    rows = []
    for (site, cell, region), g in pairs.groupby(["site", "cell", "region"], sort=True):
        if g["year"].nunique() < min_years:
            continue
        rows.append((site, int(cell), region, int(g["year"].min()), int(g["year"].max()),
                     len(g), 10.0 * sens_slope(g["year"], g["observed"]),
                     10.0 * sens_slope(g["year"], g["model"])))
    return pd.DataFrame(rows, columns=["site", "cell", "region", "first", "last", "n_years",
                                       "observed", "model"])


def experiment_metrics(experiment, pairs: dict, rates: dict) -> list[dict]:
    """metrics.csv rows of one experiment from its pairs and rate pairs per variable."""
    rows = []

    def add(var, scale, site, diff):
        n, rmse, mbe = _metrics(diff)
        if n:
            rows.append(dict(zip(METRIC_COLUMNS, (experiment, var, scale, site, n, rmse, mbe),
                                 strict=True)))

    for var, p in pairs.items():
        d = p["model"] - p["observed"]
        add(var, "network", "all", d)
        site_rows = []
        for site, g in p.groupby("site", sort=True):
            add(var, "site", site, g["model"] - g["observed"])
            site_rows.append((g["region"].iloc[0], *_metrics(g["model"] - g["observed"])))
        if var == "GT10m" and site_rows:
            reg = pd.DataFrame(site_rows, columns=["region", "n", "rmse", "mbe"])
            for region, g in reg.groupby("region", sort=True):
                rows.append({"experiment": experiment, "variable": var, "scale": "region",
                             "site": region, "n": len(g), "rmse": float(g["rmse"].mean()),
                             "mbe": float(g["mbe"].mean())})
        r = rates.get(var)
        if r is not None and len(r):
            add(f"{var}_rate", "network", "all", r["model"] - r["observed"])
            for _, row in r.iterrows():
                add(f"{var}_rate", "site", row["site"], [row["model"] - row["observed"]])
    return rows


def ranking(metrics: pd.DataFrame, experiments) -> pd.DataFrame:
    """Experiments ranked (1 = smallest RMSE; ties share the better rank) per site for ALT and
    TTOP and per survey region for GT10m (annual values); an experiment without a value
    there (its calibration site, too short a record) has no rank."""
    sel = metrics[((metrics["variable"].isin(["ALT", "TTOP"])) & (metrics["scale"] == "site"))
                  | ((metrics["variable"] == "GT10m") & (metrics["scale"] == "region"))]
    rows = []
    for (var, scale, site), g in sel.groupby(["variable", "scale", "site"], sort=True):
        rmse = g.set_index("experiment")["rmse"].reindex(list(experiments))
        rank = rmse.rank(method="min")
        for e in experiments:
            rows.append({"variable": var, "scale": scale, "site": site, "experiment": e,
                         "rmse": rmse[e], "rank": rank[e]})
    return pd.DataFrame(rows, columns=["variable", "scale", "site", "experiment", "rmse",
                                       "rank"])


def site_fields(observed: pd.DataFrame, stores, chunk_cells: int = CELL_CHUNK):
    """The ensemble mean of the members' ``stores`` (ALT, TTOP, GT10m) at the observed sites'
    cells only: (dict var -> (nsitecell, nyear), those cells, years). The members are read
    lazily by blocks of ``chunk_cells`` cells (:func:`noahperm.trends.stage.ensemble_fields`)
    and only the blocks that hold a site's cell are computed."""
    from noahperm.trends.stage import ensemble_fields

    fields, ds = ensemble_fields(stores, variables=tuple(v[1] for v in VARIABLES.values()),
                                 chunk_cells=chunk_cells)
    cells, years = ds["cell"].values, ds["year"].values
    wanted = pd.to_numeric(observed["cell"] if "cell" in observed else pd.Series([], float),
                           errors="coerce").dropna().astype(np.int64)
    pos = np.flatnonzero(np.isin(cells, wanted.unique()))
    if pos.size == 0:
        return {v: np.empty((0, years.size)) for v in fields}, cells[pos], years
    import dask

    values = dask.compute(*[f[pos] for f in fields.values()])
    return dict(zip(fields, values, strict=True)), cells[pos], years


def run_validate(observed_csv, experiments: dict, out_dir, exclude: dict | None = None,
                 min_rate_years: int = 5, chunk_cells: int = CELL_CHUNK,
                 threads: int = 1) -> None:
    """The ``validate`` rule: experiments = {name: [permafrost.zarr of each member]}; the
    members' fields are extracted at the sites' cells by blocks of ``chunk_cells`` cells on
    ``threads`` dask threads."""
    from noahperm.core.fileio import write_csv

    observed = pd.read_csv(observed_csv, keep_default_na=True)
    for c in ("region", "location_name"):
        observed[c] = observed[c].fillna("").astype(str)
    exclude = exclude or {}
    out_dir = Path(out_dir)
    all_rows, all_pairs = [], []
    for experiment, stores in experiments.items():
        with dask_threads(threads):
            fields, cells, years = site_fields(observed, stores, chunk_cells)
        pairs, rates = {}, {}
        for var in VARIABLES:
            p = cell_pairs(observed, fields, cells, years, var, exclude.get(experiment, ()))
            pairs[var] = p
            rates[var] = rate_pairs(p, min_rate_years)
            all_pairs.append(p.assign(experiment=experiment, variable=var, kind="annual"))
            if len(rates[var]):
                all_pairs.append(rates[var].assign(experiment=experiment, variable=var,
                                                   kind="rate", year=np.nan))
        all_rows += experiment_metrics(experiment, pairs, rates)
        log.info("%s: %s", experiment, {v: len(p) for v, p in pairs.items()})
    metrics = pd.DataFrame(all_rows, columns=METRIC_COLUMNS)
    write_csv(metrics, out_dir / "metrics.csv")
    write_csv(ranking(metrics, list(experiments)), out_dir / "ranking.csv")
    cols = ["experiment", "variable", "kind", "site", "cell", "region", "year", "observed",
            "model"]
    all_pairs = [p for p in all_pairs if len(p)]
    pairs_table = (pd.concat(all_pairs, ignore_index=True)[cols] if all_pairs
                   else pd.DataFrame(columns=cols))
    write_csv(pairs_table, out_dir / "pairs.csv")

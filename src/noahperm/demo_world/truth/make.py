"""``run_truth``: the truth run and every product made from it (see the package docstring)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from noahperm.core import layout
from noahperm.core.errors import InputError
from noahperm.core.fileio import atomic_file
from noahperm.demo_world.truth import network as N
from noahperm.demo_world.truth import obsfiles as O
from noahperm.demo_world.truth import pfmap
from noahperm.demo_world.truth.params import PARAMETER_FILE, true_parameters, write_parameters
from noahperm.demo_world.truth.run import (
    I_TMAX,
    I_TMEAN,
    classes,
    daily_at,
    release_daily,
    run_member,
    run_years,
)
from noahperm.diagnostics.permafrost import PERMAFROST, node_depths
from noahperm.simulation.engine import clear_checkpoints, progress_bar
from noahperm.simulation.members import store_identity

log = logging.getLogger(__name__)

#: Products under raw_dir (the formats the readers of docs/inputs.md and observations.md take).
RAW_PRODUCTS = layout.TRUTH_PRODUCTS
SUMMARY_FILE = layout.TRUTH_SUMMARY


def vegetation_names(cfg: Mapping) -> dict[int, str]:
    """Source class code -> name as the location file writes it ("Alpine meadow")."""
    classes_ = (cfg.get("domain") or {}).get("vegetation_classes")
    if not classes_:
        from noahperm.demo_world.generator.world import VEGETATION_CLASSES

        classes_ = [{"code": k, "name": v[0]} for k, v in VEGETATION_CLASSES.items()]
    return {int(c["code"]): str(c["name"])[:1].upper() + str(c["name"])[1:] for c in classes_}


def cell_maat(forcing_path, cell_ids, years, block_cells: int = 4096) -> np.ndarray:
    """Mean air temperature [degC] of each cell over 2004-2018 (the observation era) within
    the run ``years`` (all of them if they do not overlap); read ``block_cells`` cells at a
    time so memory stays bounded on large domains."""
    from noahperm.kernel import layout as L
    from noahperm.kernel.constants import TFREEZ
    from noahperm.simulation.engine import ZarrForcing

    src = ZarrForcing(forcing_path, cell_ids)
    y0, y1 = max(2004, years[0]), min(2018, years[1])
    if y0 > y1:
        y0, y1 = years
    out = np.empty(len(cell_ids))
    for a in range(0, len(cell_ids), block_cells):
        cols = np.arange(a, min(a + block_cells, len(cell_ids)))
        means = [src.read(cols, y)[1][:, :, L.F_SFCTMP].mean(axis=1) for y in range(y0, y1 + 1)]
        out[cols] = np.mean(means, axis=0) - TFREEZ
    return out


def run_truth(cfg: Mapping, domain_path, forcing_path, raw_dir, truth_dir=None,
              progress: bool = True) -> dict:
    """Run the truth and write its products; returns the summary (also in truth_summary.json).

    Writes ``<truth_dir>/true_parameters.json`` (hidden: evaluation code only),
    ``<truth_dir>/{annual.zarr, sites.zarr, network.csv, truth_summary.json}`` and
    ``<truth_dir>/checkpoints/`` (resume after an interruption; removed once every product is
    written), and under ``raw_dir`` :data:`RAW_PRODUCTS`.
    """
    from noahperm.core.zarrio import atomic_zarr, open_complete
    from noahperm.demo_world.truth.settings import truth_settings
    from noahperm.simulation.stage import annual_dataset, sites_dataset

    t_start = time.perf_counter()
    settings = truth_settings(cfg)
    truth_dir = Path(truth_dir if truth_dir is not None else settings["truth_dir"])
    raw_dir = Path(raw_dir)
    domain = open_complete(domain_path, product="domain")
    params = true_parameters(cfg, domain)
    log.info("true parameters: %s", json.dumps(params, sort_keys=True))
    write_parameters(params, truth_dir / PARAMETER_FILE)

    map_year = int(settings["map_year"])
    years = run_years(cfg)
    if not years[0] < map_year <= years[1]:  # refused before the run, not after it
        raise InputError(f"{map_year} and the year before must be simulated "
                         f"({years[0]}-{years[1]})", field="truth.map_year")
    checkpoints = truth_dir / "checkpoints"
    run = run_member(cfg, domain, forcing_path, params, checkpoints,
                     progress_bar if progress else None, all_daily=True,
                     identity={"domain": store_identity(domain_path)})
    iy = map_year - run.years[0]
    cls = classes(run)
    annual = run.result.annual
    pos = np.searchsorted(domain["cell"].values, run.cell_ids)
    area = domain["area"].values[pos].astype(float)
    pf_area = float(area[cls[:, iy] == PERMAFROST].sum())

    grid = pfmap.pixel_grid(raw_dir, domain)
    map_summary = pfmap.make_map(grid, domain, run.cell_ids, annual[:, :, I_TMAX], iy, settings,
                                 raw_dir / RAW_PRODUCTS["map"])

    info = N.cell_info(domain, run.cell_ids, cls, run.years, iy,
                       cell_maat(forcing_path, run.cell_ids, run.years))
    sites = N.place_network(info, domain, grid[0], grid[1], grid[2], settings)
    al = [s for s in sites if s.kind == "active_layer"]
    daily_cols = np.unique([s.column for s in al])
    for s in al:
        s.column_daily = int(np.searchsorted(daily_cols, s.column))
    daily = daily_at(run, daily_cols)  # from the run's single pass: no column runs again
    release_daily(checkpoints)  # the sites' series are read: drop the spool
    depth = node_depths(domain["sldpth"].values.astype(float))
    observed = O.active_layer_table(sites, daily.daily_times, daily.daily_stc, depth, settings)
    bh = O.borehole_table(sites, annual[:, :, I_TMEAN], depth, run.years, settings)
    O.write_workbook(observed, sites, raw_dir / RAW_PRODUCTS["workbook"])
    O.write_locations(sites, info, raw_dir / RAW_PRODUCTS["locations"], vegetation_names(cfg))
    O.write_borehole_file(bh, raw_dir / RAW_PRODUCTS["boreholes"])

    # the truth's own record (evaluation and tests): annual aggregates, clean site series
    sld = domain["sldpth"].values.astype(float)
    attrs = {"stage": "truth", "parameters": json.dumps(params, sort_keys=True),
             "years": f"{run.years[0]}-{run.years[1]}"}
    ds = annual_dataset(run.result, domain, run.cell_ids, sld, attrs)
    with atomic_zarr(truth_dir / "annual.zarr", product="annual", marker_info=attrs) as tmp:
        ds.to_zarr(tmp, mode="w", consolidated=False)
    probes = pd.DataFrame([(s.name, d, s.cell, s.column_daily) for s in al for d in s.depths_m],
                          columns=["site", "depth_m", "cell", "column"])
    ds = sites_dataset(daily, probes, np.arange(daily_cols.size), sld, attrs)
    with atomic_zarr(truth_dir / "sites.zarr", product="sites", marker_info=attrs) as tmp:
        ds.to_zarr(tmp, mode="w", consolidated=False)
    net = pd.DataFrame([{
        "site": s.name, "kind": s.kind, "location_name": s.location_name, "cell": s.cell,
        "latitude": s.latitude, "longitude": s.longitude, "elevation_m": round(s.elevation_m),
        "depths_m": " ".join(f"{d:g}" for d in s.depths_m),
        "first": str(s.first)[:10], "last": str(s.last)[:10],
        "permafrost_map_year": bool(info.permafrost[s.column]),
        "maat_degC": round(float(info.maat[s.column]), 3), "notes": "; ".join(s.notes)}
        for s in sites])
    with atomic_file(truth_dir / "network.csv") as tmp:
        net.to_csv(tmp, index=False, lineterminator="\n")

    summary = {
        "seed": int(settings["seed"]), "years": list(run.years), "map_year": map_year,
        "cells": int(run.cell_ids.size),
        "permafrost_cells_map_year": int((cls[:, iy] == PERMAFROST).sum()),
        "permafrost_area_map_year_km2": round(pf_area, 3),
        "spinup_converged": int(run.spinup_table["converged"].sum()),
        "map": map_summary,
        "active_layer_sites": [s.name for s in al],
        "active_layer_values": int(len(observed)),
        "boreholes": int(sum(s.kind == "borehole" for s in sites)),
        "borehole_values": int(len(bh)),
        "seconds": round(time.perf_counter() - t_start, 1),
    }
    with atomic_file(truth_dir / SUMMARY_FILE) as tmp:
        tmp.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    clear_checkpoints(checkpoints)  # every product is written: nothing is left to resume
    log.info("truth done in %.1f s: %d of %d cells permafrost in %d (%.0f km2); %d active-layer "
             "values at %d sites, %d borehole values", summary["seconds"],
             summary["permafrost_cells_map_year"], summary["cells"], map_year, pf_area,
             len(observed), len(al), len(bh))
    return summary

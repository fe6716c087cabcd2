"""Run one parameter set ("member" of an experiment) over the domain: spin-up, then 1979-2018.

Stages (commands ``noahperm spinup`` and ``noahperm simulate``, called by Snakemake rules):

``spinup``     domain + forcing cache + parameter set -> ``state.zarr`` (spun-up state of every
               active cell) and ``convergence.csv`` (years run, converged, last changes)
``simulate``   spun-up state -> ``annual.zarr`` (per cell, year, layer: annual min/max/mean of
               temperature, liquid water and ice), ``sites.zarr`` (daily soil temperature and
               liquid water at the observation sites' depths, linear between layer nodes) and
               ``state.zarr`` (final state, for restarts)

Parameter sets are JSON objects of Table 1 keys (``noahperm.model.parameters``); ``{}`` is the
default model (CaliFree). Both stages run the member API
(``noahperm.simulation.members.run_members``: a cold spin-up, or a warm one from a given state
(``--warm-from``, the calibrated ensembles); a transient from the spun-up state
with daily means at the observation sites in the same pass) and stream the forcing by block of
cells. Every store is written atomically with units and long names; interrupted stages resume
from checkpoints (``noahperm.simulation.engine.Checkpoints``) and end with the same results as
an uninterrupted run.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from noahperm.core.fileio import write_csv
from noahperm.core.variables import attrs, utc_label
from noahperm.core.zarrio import atomic_zarr, open_complete
from noahperm.diagnostics.permafrost import node_depths
from noahperm.kernel import layout as L
from noahperm.kernel.driver import AGG_NAMES
from noahperm.simulation import engine as S
from noahperm.simulation.members import (  # noqa: F401  (build_model: part of this API)
    build_model,
    domain_cells,
    file_identity,
    load_parameter_set,
    run_members,
    simulation_config,
    site_day_offset_hours,
    store_identity,
)

log = logging.getLogger(__name__)

# ------------------------------------------------------------------------- configuration
def spinup_settings(sim_cfg: Mapping) -> S.SpinupSettings:
    """The spin-up settings of config section ``simulation`` (schema defaults filled in)."""
    return S.SpinupSettings.from_config(sim_cfg)


# --------------------------------------------------------------------------------- stores
def _cell_coords(domain, cell_ids, sld, store):
    pos = np.searchsorted(domain["cell"].values, cell_ids)
    return {
        "cell": ("cell", cell_ids, attrs("cell", store)),
        "lat": ("cell", domain["lat"].values[pos], attrs("lat", store)),
        "lon": ("cell", domain["lon"].values[pos], attrs("lon", store)),
        "layer": ("layer", np.arange(1, sld.size + 1), attrs("layer", store)),
        "depth": ("layer", node_depths(sld), attrs("depth", store)),
    }


def state_dataset(state: S.State, domain, cell_ids, sld, info) -> xr.Dataset:
    data = {name: ("cell", state.sstate[:, j], attrs(name, "state"))
            for j, name in enumerate(L.STATE_NAMES)}
    for name, arr in (("STC", state.stc), ("SMC", state.smc), ("SH2O", state.sh2o)):
        data[name] = (("cell", "layer"), arr, attrs(name, "state"))
    return xr.Dataset(data, coords=_cell_coords(domain, cell_ids, sld, "state"), attrs=info)


def write_state(path, state, domain, cell_ids, sld, info, product="state"):
    ds = state_dataset(state, domain, cell_ids, sld, info)
    with atomic_zarr(path, product=product, marker_info=info) as tmp:
        ds.to_zarr(tmp, mode="w", consolidated=False)


def read_state(path, cell_ids) -> S.State:
    ds = open_complete(path)
    if not np.array_equal(ds["cell"].values, cell_ids):
        raise ValueError(f"{path}: the state's cells differ from the domain's active cells")
    s = np.stack([ds[n].values for n in L.STATE_NAMES], axis=1)
    return S.State(np.ascontiguousarray(s), ds["STC"].values.copy(), ds["SMC"].values.copy(),
                   ds["SH2O"].values.copy())


def annual_dataset(res: S.TransientResult, domain, cell_ids, sld, info) -> xr.Dataset:
    data = {name: (("cell", "year", "layer"), res.annual[:, :, j, :].astype(np.float64, copy=False),
                   attrs(name, "annual"))
            for j, name in enumerate(AGG_NAMES)}
    coords = _cell_coords(domain, cell_ids, sld, "annual")
    coords["year"] = ("year", res.years, attrs("year", "annual"))
    return xr.Dataset(data, coords=coords, attrs=info)


def annual_encoding(ds) -> dict:
    """Zarr encoding of ``annual.zarr``: chunks of :data:`~noahperm.core.chunked.CELL_CHUNK`
    cells x every year x every layer (the diagnose stage reads it by block of cells), Blosc
    Zstandard with a byte shuffle (:func:`~noahperm.core.chunked.shuffled_zstd`;
    docs/scale.md)."""
    from noahperm.core.chunked import CELL_CHUNK, cell_encoding, shuffled_zstd

    return cell_encoding(ds, CELL_CHUNK, compressor=shuffled_zstd())


def observation_probes(obs_path, cell_ids):
    """(probes table: site, depth_m, cell, column; unique columns) of the observation sites that
    lie in simulated cells."""
    if obs_path is None or not Path(obs_path).is_file():
        return pd.DataFrame(columns=["site", "depth_m", "cell", "column"]), np.array([], int)
    from noahperm.inputs.observations import read_store

    obs, sites = read_store(obs_path)
    col_of = {int(c): i for i, c in enumerate(cell_ids)}
    rows = []
    for (site, depth), _g in obs.groupby(["site", "depth_m"], sort=True):
        cell = int(sites.loc[sites["site"] == site, "cell"].iloc[0])
        if cell in col_of:
            rows.append((site, float(depth), cell, col_of[cell]))
    probes = pd.DataFrame(rows, columns=["site", "depth_m", "cell", "column"])
    return probes, np.unique(probes["column"].to_numpy(int))


def interp_depth(x: float, depth: np.ndarray, profiles: np.ndarray) -> np.ndarray:
    """``np.interp(x, depth, prof)`` for every row ``prof`` of ``profiles`` (ndays, nnode) at
    once, with np.interp's arithmetic (the bracketing nodes' slope times the distance from the
    upper node, plus its value; a node's own value at a node; the end values outside), so the
    result is bit for bit np.interp's, without a Python call per day."""
    profiles = np.asarray(profiles, dtype=float)
    if x <= depth[0]:
        return profiles[:, 0].copy()
    if x >= depth[-1]:
        return profiles[:, -1].copy()
    j = int(np.searchsorted(depth, x, side="right")) - 1
    if x == depth[j]:
        return profiles[:, j].copy()
    slope = (profiles[:, j + 1] - profiles[:, j]) / (depth[j + 1] - depth[j])
    return slope * (x - depth[j]) + profiles[:, j]


def sites_dataset(res: S.TransientResult, probes, daily_cols, sld, info,
                  day_offset_hours: float = 0.0) -> xr.Dataset:
    """Daily means at the probes (site, depth); days of the time base ``day_offset_hours``
    ahead of UTC (attribute ``utc_offset_hours`` of ``time``)."""
    depth = node_depths(sld)
    pos = {int(c): i for i, c in enumerate(daily_cols)}
    n = len(probes)
    nday = 0 if res.daily_times is None else res.daily_times.size
    t = np.full((n, nday), np.nan)
    w = np.full((n, nday), np.nan)
    for p, row in enumerate(probes.itertuples()):
        i = pos[int(row.column)]
        t[p] = interp_depth(row.depth_m, depth, res.daily_stc[i])
        w[p] = interp_depth(row.depth_m, depth, res.daily_sh2o[i])
    times = res.daily_times if nday else np.array([], dtype="datetime64[D]")
    return xr.Dataset(
        {"soil_temperature": (("probe", "time"), t, attrs("soil_temperature", "sites")),
         "soil_liquid_water": (("probe", "time"), w, attrs("soil_liquid_water", "sites"))},
        coords={"site": ("probe", probes["site"].astype(str).to_numpy(), attrs("site", "sites")),
                "depth": ("probe", probes["depth_m"].to_numpy(float), attrs("depth", "sites")),
                "cell": ("probe", probes["cell"].to_numpy(int), attrs("cell", "sites")),
                "time": ("time", times.astype("datetime64[ns]"),
                         attrs("time", "sites", fill={"base": utc_label(day_offset_hours)},
                               utc_offset_hours=float(day_offset_hours)))},
        attrs=info)


# --------------------------------------------------------------------------------- stages
def member_spinup_config(cfg: Mapping) -> dict:
    """Config section ``simulation`` of a spin-up: with a section ``ensemble`` in ``cfg`` (a
    member of a calibrated ensemble), its spin-up limits ``ensemble.spinup.min_years`` and
    ``max_years`` replace those of ``simulation.spinup`` (tolerances, cycle years and stable
    cycles stay)."""
    sim = simulation_config(cfg.get("simulation"))
    if cfg.get("ensemble") is not None:
        from noahperm.core.config import with_defaults

        sp = with_defaults(cfg["ensemble"], "ensemble")["spinup"]
        sim["spinup"] = {**sim["spinup"], "min_years": int(sp["min_years"]),
                         "max_years": int(sp["max_years"])}
    return sim


def run_spinup(cfg: Mapping, domain_path, forcing_path, params_path, out, convergence_csv,
               checkpoint_dir=None, *, warm_from=None, progress: bool = True) -> None:
    """Spin-up of one parameter set over the active cells: ``out`` (state store) and
    ``convergence_csv``; resumable from ``checkpoint_dir`` (removed at the end).

    Cold (the documented initial state) or, with ``warm_from`` (a spun-up state store of the
    same cells, e.g. CaliFree's), warm: cycling from that state until the same equilibrium
    test holds. The checkpoints' identity includes a fingerprint of the warm state, so a
    changed state never resumes a stale run. Spin-up limits: :func:`member_spinup_config`.
    """
    sim = member_spinup_config(cfg)
    domain = open_complete(domain_path, product="domain")
    params = load_parameter_set(params_path)
    cell_ids = domain_cells(domain)
    if warm_from is not None:
        start = S.WarmSpinup(read_state(warm_from, cell_ids))
        start_info = {"start": "warm", "warm_from": str(warm_from),
                      "warm_state": store_identity(warm_from)}
    else:
        start, start_info = S.ColdSpinup(), {"start": "cold"}
    t0 = time.perf_counter()
    [res] = run_members(domain, forcing_path, [params], sim_cfg=sim, spinup=start,
                        years=None, checkpoints=checkpoint_dir,
                        identity={"domain": store_identity(domain_path)},
                        progress=S.progress_bar if progress else None)
    table = res.spinup_table
    log.info("%s spin-up of %d cells in %.1f s: %d converged, %d to %d years",
             start_info["start"], cell_ids.size, time.perf_counter() - t0,
             int(table["converged"].sum()), int(table["years"].min()),
             int(table["years"].max()))
    sld = domain["sldpth"].values.astype(float)
    settings = spinup_settings(sim)
    info = {"stage": "spinup", "parameters": json.dumps(params, sort_keys=True),
             "spinup_settings": json.dumps({**settings.__dict__,
                                            "block_cells": int(sim["block_cells"])},
                                           default=list),
             "spinup_start": json.dumps(start_info, sort_keys=True, default=str)}
    write_state(out, res.state, domain, cell_ids, sld, info, product="spinup_state")
    write_csv(pd.DataFrame({"cell": cell_ids, **table}), convergence_csv)
    S.clear_checkpoints(checkpoint_dir)


def run_transient(cfg: Mapping, domain_path, forcing_path, params_path, spinup_state, obs_path,
                  out_dir, checkpoint_dir=None, *, progress: bool = True) -> None:
    """Transient of one parameter set from its spun-up state over ``simulation.years``:
    ``annual.zarr``, ``sites.zarr`` (daily at the observation sites) and ``state.zarr`` in
    ``out_dir``; resumable from ``checkpoint_dir`` (removed at the end)."""
    sim = simulation_config(cfg.get("simulation"))
    domain = open_complete(domain_path, product="domain")
    params = load_parameter_set(params_path)
    cell_ids = domain_cells(domain)
    state = read_state(spinup_state, cell_ids)
    probes, daily_cols = observation_probes(obs_path, cell_ids)
    years = (int(sim["years"][0]), int(sim["years"][1]))
    t0 = time.perf_counter()
    offset = site_day_offset_hours(cfg)
    [member] = run_members(domain, forcing_path, [params], sim_cfg=sim,
                           spinup=S.FromState(state), years=years, daily_cells=daily_cols,
                           checkpoints=checkpoint_dir, day_offset_hours=offset,
                           identity={"domain": store_identity(domain_path),
                                     "observations": (file_identity(obs_path) if obs_path is not None
                                                      and Path(obs_path).is_file() else None)},
                           progress=S.progress_bar if progress else None)
    res = member.transient
    log.info("transient %d-%d of %d cells in %.1f s", years[0], years[1], cell_ids.size,
             time.perf_counter() - t0)
    sld = domain["sldpth"].values.astype(float)
    info = {"stage": "transient", "parameters": json.dumps(params, sort_keys=True),
             "years": f"{years[0]}-{years[1]}"}
    out_dir = Path(out_dir)
    ds = annual_dataset(res, domain, cell_ids, sld, info)
    with atomic_zarr(out_dir / "annual.zarr", product="annual", marker_info=info) as tmp:
        ds.to_zarr(tmp, mode="w", consolidated=False, encoding=annual_encoding(ds))
    ds = sites_dataset(res, probes, daily_cols, sld, info, offset)
    with atomic_zarr(out_dir / "sites.zarr", product="sites", marker_info=info) as tmp:
        ds.to_zarr(tmp, mode="w", consolidated=False)
    write_state(out_dir / "state.zarr", member.state, domain, cell_ids, sld, info)
    S.clear_checkpoints(checkpoint_dir)


# ---------------------------------------------------------------------------------- CLI

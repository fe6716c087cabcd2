"""Run one parameter set ("member" of an experiment) over the domain: spin-up, then 1979-2018.

Stages (each a sub-command of ``python -m noahperm.experiment``, called by Snakemake rules):

``spinup``     domain + forcing cache + parameter set -> ``state.zarr`` (spun-up state of every
               active cell) and ``convergence.csv`` (years run, converged, last changes)
``transient``  spun-up state -> ``annual.zarr`` (per cell, year, layer: annual min/max/mean of
               temperature, liquid water and ice), ``sites.zarr`` (daily soil temperature and
               liquid water at the observation sites' depths, linear between layer nodes) and
               ``state.zarr`` (final state, for restarts)

Parameter sets are JSON objects of Table 1 keys (``noahperm.parameters``); ``{}`` is the
default model (CaliFree). Every store is written atomically with units and long names;
interrupted stages resume from checkpoints (``noahperm.simulate.Checkpoints``) and end with the
same results as an uninterrupted run.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from noahperm import simulate as S
from noahperm.diagnostics import node_depths
from noahperm.errors import InputError
from noahperm.fileio import write_csv
from noahperm.grid import model_from_domain
from noahperm.kernel import layout as L
from noahperm.kernel.driver import AGG_NAMES
from noahperm.parameters import apply_parameters, check_value
from noahperm.tables import load_tables
from noahperm.variables import VARIABLES
from noahperm.zarrio import atomic_zarr, cf_attrs, open_complete

log = logging.getLogger(__name__)

AGG_ATTRS = {
    "TMIN": ("K", "annual minimum soil temperature"),
    "TMAX": ("K", "annual maximum soil temperature"),
    "TMEAN": ("K", "annual mean soil temperature"),
    "WMIN": ("m3 m-3", "annual minimum liquid soil water"),
    "WMAX": ("m3 m-3", "annual maximum liquid soil water"),
    "WMEAN": ("m3 m-3", "annual mean liquid soil water"),
    "IMIN": ("m3 m-3", "annual minimum soil ice"),
    "IMAX": ("m3 m-3", "annual maximum soil ice"),
    "IMEAN": ("m3 m-3", "annual mean soil ice"),
}


# ------------------------------------------------------------------------- configuration
def load_parameter_set(path) -> dict[str, float]:
    """A parameter set from JSON (``{}`` or a missing path: the default model)."""
    if path is None:
        return {}
    values = json.loads(Path(path).read_text())
    if not isinstance(values, dict):
        raise ValueError(f"{path}: a parameter set is a JSON object of Table 1 keys")
    for key, value in values.items():
        check_value(key, float(value))
    return {k: float(v) for k, v in values.items()}


def build_model(domain, sim_cfg: Mapping, params: Mapping[str, float], cells=None):
    """(Model with the parameter set applied, cell numbers)."""
    tables = load_tables()
    model, cell_ids = model_from_domain(domain, sim_cfg, tables, sim_cfg.get("mode", "reference"),
                                        cells)
    if params:
        model.cols = apply_parameters(model.cols, dict(params))
    return model, cell_ids


def spinup_settings(sim_cfg: Mapping) -> S.SpinupSettings:
    sp = dict(sim_cfg.get("spinup", {}))
    return S.SpinupSettings(
        cycle_years=tuple(sp.get("cycle_years", (1979, 1983))),
        max_years=int(sp.get("max_years", 500)), min_years=int(sp.get("min_years", 10)),
        tol_temperature_K=float(sp.get("tol_temperature_K", 0.01)),
        tol_ice_mm=float(sp.get("tol_ice_mm", 1.0)),
        stable_cycles=int(sp.get("stable_cycles", 2)),
        block_cells=int(sim_cfg.get("block_cells", 512)))


# --------------------------------------------------------------------------------- stores
def _cell_coords(domain, cell_ids):
    pos = np.searchsorted(domain["cell"].values, cell_ids)
    return {
        "cell": ("cell", cell_ids, cf_attrs("1", "model cell number")),
        "lat": ("cell", domain["lat"].values[pos], cf_attrs("degrees_north", "latitude",
                                                             "latitude")),
        "lon": ("cell", domain["lon"].values[pos], cf_attrs("degrees_east", "longitude",
                                                             "longitude")),
    }


def state_dataset(state: S.State, domain, cell_ids, sld, attrs) -> xr.Dataset:
    data = {}
    for j, name in enumerate(L.STATE_NAMES):
        v = VARIABLES[name]
        data[name] = ("cell", state.sstate[:, j], cf_attrs(v.units, v.long_name))
    for name, arr in (("STC", state.stc), ("SMC", state.smc), ("SH2O", state.sh2o)):
        v = VARIABLES[name]
        data[name] = (("cell", "layer"), arr, cf_attrs(v.units, v.long_name))
    coords = _cell_coords(domain, cell_ids)
    coords["layer"] = ("layer", np.arange(1, sld.size + 1), cf_attrs("1", "soil layer, 1 = top"))
    coords["depth"] = ("layer", node_depths(sld), cf_attrs("m", "depth of the layer node",
                                                            "depth"))
    return xr.Dataset(data, coords=coords, attrs=attrs)


def write_state(path, state, domain, cell_ids, sld, attrs, product="state"):
    ds = state_dataset(state, domain, cell_ids, sld, attrs)
    with atomic_zarr(path, product=product, marker_info=attrs) as tmp:
        ds.to_zarr(tmp, mode="w", consolidated=False)


def read_state(path, cell_ids) -> S.State:
    ds = open_complete(path)
    if not np.array_equal(ds["cell"].values, cell_ids):
        raise ValueError(f"{path}: the state's cells differ from the domain's active cells")
    s = np.stack([ds[n].values for n in L.STATE_NAMES], axis=1)
    return S.State(np.ascontiguousarray(s), ds["STC"].values.copy(), ds["SMC"].values.copy(),
                   ds["SH2O"].values.copy())


def annual_dataset(res: S.TransientResult, domain, cell_ids, sld, attrs) -> xr.Dataset:
    data = {}
    for j, name in enumerate(AGG_NAMES):
        units, long_name = AGG_ATTRS[name]
        data[name] = (("cell", "year", "layer"), res.annual[:, :, j, :].astype(np.float64),
                      cf_attrs(units, long_name))
    coords = _cell_coords(domain, cell_ids)
    coords["year"] = ("year", res.years, cf_attrs("1", "calendar year"))
    coords["layer"] = ("layer", np.arange(1, sld.size + 1), cf_attrs("1", "soil layer, 1 = top"))
    coords["depth"] = ("layer", node_depths(sld), cf_attrs("m", "depth of the layer node",
                                                            "depth"))
    return xr.Dataset(data, coords=coords, attrs=attrs)


def observation_probes(obs_path, cell_ids):
    """(probes table: site, depth_m, cell, column; unique columns) of the observation sites that
    lie in simulated cells."""
    if obs_path is None or not Path(obs_path).is_file():
        return pd.DataFrame(columns=["site", "depth_m", "cell", "column"]), np.array([], int)
    from noahperm.observations import read_store

    obs, sites = read_store(obs_path)
    col_of = {int(c): i for i, c in enumerate(cell_ids)}
    rows = []
    for (site, depth), _g in obs.groupby(["site", "depth_m"], sort=True):
        cell = int(sites.loc[sites["site"] == site, "cell"].iloc[0])
        if cell in col_of:
            rows.append((site, float(depth), cell, col_of[cell]))
    probes = pd.DataFrame(rows, columns=["site", "depth_m", "cell", "column"])
    return probes, np.unique(probes["column"].to_numpy(int))


def sites_dataset(res: S.TransientResult, probes, daily_cols, sld, attrs) -> xr.Dataset:
    depth = node_depths(sld)
    pos = {int(c): i for i, c in enumerate(daily_cols)}
    n = len(probes)
    nday = 0 if res.daily_times is None else res.daily_times.size
    t = np.full((n, nday), np.nan)
    w = np.full((n, nday), np.nan)
    for p, row in enumerate(probes.itertuples()):
        i = pos[int(row.column)]
        t[p] = [np.interp(row.depth_m, depth, prof) for prof in res.daily_stc[i]]
        w[p] = [np.interp(row.depth_m, depth, prof) for prof in res.daily_sh2o[i]]
    times = res.daily_times if nday else np.array([], dtype="datetime64[D]")
    return xr.Dataset(
        {"soil_temperature": (("probe", "time"), t,
                              cf_attrs("K", "daily mean soil temperature at the probe depth "
                                       "(linear between layer nodes)", "soil_temperature")),
         "soil_liquid_water": (("probe", "time"), w,
                               cf_attrs("m3 m-3", "daily mean liquid soil water at the probe "
                                        "depth (linear between layer nodes)"))},
        coords={"site": ("probe", probes["site"].astype(str).to_numpy(),
                         {"long_name": "observation site"}),
                "depth": ("probe", probes["depth_m"].to_numpy(float),
                          cf_attrs("m", "probe depth below the surface", "depth")),
                "cell": ("probe", probes["cell"].to_numpy(int), cf_attrs("1", "model cell")),
                "time": ("time", times.astype("datetime64[ns]"), {"long_name": "day (UTC)"})},
        attrs=attrs)


# --------------------------------------------------------------------------------- stages
def run_spinup(cfg: Mapping, domain_path, forcing_path, params_path, out, convergence_csv,
               checkpoint_dir=None) -> None:
    sim = cfg["simulation"]
    domain = open_complete(domain_path, product="domain")
    params = load_parameter_set(params_path)
    model, cell_ids = build_model(domain, sim, params)
    source = S.ZarrForcing(forcing_path, cell_ids)
    settings = spinup_settings(sim)
    t_air = np.zeros(model.ncol)
    for y in range(settings.cycle_years[0], settings.cycle_years[1] + 1):
        _, data = source.read(np.arange(model.ncol), y)
        t_air += data[:, :, L.F_SFCTMP].mean(axis=1)
    t_air /= settings.cycle_years[1] - settings.cycle_years[0] + 1
    state = S.initial_state(model.cols, model.zsoil,
                            t_air + float(sim.get("initial_surface_offset_K", 2.0)))
    run_cfg = {"stage": "spinup", "simulation": sim, "params": params,
               "cells": cell_ids.tolist()}
    ck = S.Checkpoints(checkpoint_dir, run_cfg)
    t0 = time.perf_counter()
    table = S.spinup(model, state, source, settings, ck, S.progress_bar("spin-up"))
    log.info("spin-up of %d cells in %.1f s: %d converged, %d to %d years", model.ncol,
             time.perf_counter() - t0, int(table["converged"].sum()), int(table["years"].min()),
             int(table["years"].max()))
    sld = domain["sldpth"].values.astype(float)
    attrs = {"stage": "spinup", "parameters": json.dumps(params, sort_keys=True),
             "spinup_settings": json.dumps(settings.__dict__, default=list)}
    write_state(out, state, domain, cell_ids, sld, attrs, product="spinup_state")
    write_csv(pd.DataFrame({"cell": cell_ids, **table}), convergence_csv)
    ck.clear()


def run_transient(cfg: Mapping, domain_path, forcing_path, params_path, spinup_state, obs_path,
                  out_dir, checkpoint_dir=None) -> None:
    sim = cfg["simulation"]
    domain = open_complete(domain_path, product="domain")
    params = load_parameter_set(params_path)
    model, cell_ids = build_model(domain, sim, params)
    state = read_state(spinup_state, cell_ids)
    source = S.ZarrForcing(forcing_path, cell_ids)
    probes, daily_cols = observation_probes(obs_path, cell_ids)
    years = tuple(sim.get("years", cfg["forcing"]["years"]))
    run_cfg = {"stage": "transient", "simulation": sim, "params": params,
               "cells": cell_ids.tolist(), "daily": daily_cols.tolist(),
               "spinup_marker": (Path(spinup_state) / ".complete").read_text()}
    ck = S.Checkpoints(checkpoint_dir, run_cfg)
    t0 = time.perf_counter()
    res = S.transient(model, state, source, years, daily_cols,
                      int(sim.get("block_cells", 512)), ck, S.progress_bar("transient"))
    log.info("transient %d-%d of %d cells in %.1f s", years[0], years[1], model.ncol,
             time.perf_counter() - t0)
    sld = domain["sldpth"].values.astype(float)
    attrs = {"stage": "transient", "parameters": json.dumps(params, sort_keys=True),
             "years": f"{years[0]}-{years[1]}"}
    out_dir = Path(out_dir)
    ds = annual_dataset(res, domain, cell_ids, sld, attrs)
    with atomic_zarr(out_dir / "annual.zarr", product="annual", marker_info=attrs) as tmp:
        ds.to_zarr(tmp, mode="w", consolidated=False)
    ds = sites_dataset(res, probes, daily_cols, sld, attrs)
    with atomic_zarr(out_dir / "sites.zarr", product="sites", marker_info=attrs) as tmp:
        ds.to_zarr(tmp, mode="w", consolidated=False)
    write_state(out_dir / "state.zarr", state, domain, cell_ids, sld, attrs)
    ck.clear()


# ---------------------------------------------------------------------------------- CLI
def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m noahperm.experiment", description=__doc__
                                .split("\n")[0])
    sub = p.add_subparsers(dest="stage", required=True)
    for name in ("spinup", "transient"):
        q = sub.add_parser(name, help=f"the {name} stage")
        q.add_argument("--config-json", required=True, help="the run configuration (JSON)")
        q.add_argument("--domain", required=True, help="results/inputs/domain.zarr")
        q.add_argument("--forcing", required=True, help="results/inputs/forcing.zarr")
        q.add_argument("--parameters", help="parameter set (JSON); default model if omitted")
        q.add_argument("--checkpoints", help="checkpoint directory (resume after interruption)")
        if name == "spinup":
            q.add_argument("--out", required=True, help="spun-up state store (.zarr)")
            q.add_argument("--convergence", required=True, help="convergence table (.csv)")
        else:
            q.add_argument("--spinup", required=True, help="spun-up state store")
            q.add_argument("--observations", help="observation store (sites for daily output)")
            q.add_argument("--out-dir", required=True, help="directory for annual.zarr, "
                           "sites.zarr, state.zarr")
    a = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    cfg = json.loads(a.config_json)
    try:
        if a.stage == "spinup":
            run_spinup(cfg, a.domain, a.forcing, a.parameters, a.out, a.convergence,
                       a.checkpoints)
        else:
            run_transient(cfg, a.domain, a.forcing, a.parameters, a.spinup, a.observations,
                          a.out_dir, a.checkpoints)
    except (InputError, S.SimulationError) as exc:
        log.error("%s", exc)
        print(f"noahperm.experiment: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

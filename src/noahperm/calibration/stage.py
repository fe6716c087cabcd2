"""The calibration stage (rule ``calibrate``): one experiment (CaliTGL, CaliTSH, CaliMAP) from
its target to its members table. docs/calibration.md.

``results/calibration/<experiment>/``:

- ``history.csv``: iteration, batch, source (initial/bo), ``u_<key>`` (normalised) and
  ``<key>`` (Table 1 value) of every calibrated parameter, objective, wall_s;
- ``threshold.json``: breakpoints, fitted segments, BIC of each candidate number of
  breakpoints, threshold, number of optimal sets, how the members were drawn, the target (site
  and windows or region size) and the validation of the best set;
- ``members.csv`` (13 rows: member, iteration, objective, Table 1 values), ``members/<m>.json``
  (the members' parameter files) and ``members.tsv`` (the members table, format of
  ``config/members.tsv``, paths relative to it: what the ensemble stage reads);
- ``site_series.csv`` (site experiments): observed, default and best daily soil temperature at
  each depth over the calibration and validation windows (figures S4/S6).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from noahperm.calibration.convergence import draw_members, optimal_sets, segment
from noahperm.calibration.naming import member_file, member_name
from noahperm.calibration.objectives import mean_nse
from noahperm.calibration.optimiser import OptimiserSettings, optimise
from noahperm.calibration.targets import (
    PAPER_PARAMETERS,
    MapTarget,
    Run,
    SiteTarget,
    califree_classes,
    default_grid,
    map_classes,
    parameter_keys,
    physical_values,
    sensitive_region,
    sets_of,
)
from noahperm.core.config import with_defaults
from noahperm.core.errors import InputError
from noahperm.core.fileio import atomic_file, ensure_dir, write_csv

log = logging.getLogger(__name__)

__all__ = ["calibration_config", "calibration_parameters", "run_calibration"]


def calibration_config(cfg: Mapping) -> dict:
    """Config section ``calibration`` with the schema's defaults."""
    return with_defaults(cfg.get("calibration"), "calibration")


def calibration_parameters(cal: Mapping, ranking_csv=None) -> list[str]:
    """The parameter names to calibrate: config ``calibration.parameters``, a list of Table 1
    names or ``"selected"``: the sensitivity stage's ``selected.json`` (``ranking_csv``), key
    ``parameters`` (its ranking's ten, or the paper's with ``sensitivity.selection: paper``)."""
    names = cal["parameters"]
    if names == "selected":
        if ranking_csv is None or not Path(ranking_csv).is_file():
            raise InputError("calibration.parameters is 'selected' but the sensitivity stage's "
                             "selected set does not exist", path=ranking_csv)
        try:
            chosen = json.loads(Path(ranking_csv).read_text())["parameters"]
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"not the sensitivity stage's selected set ({exc})",
                             path=ranking_csv, field="parameters") from exc
        if not isinstance(chosen, list) or not chosen:
            raise InputError("the selected set is empty", path=ranking_csv, field="parameters")
        return [str(p) for p in chosen]
    return list(names or PAPER_PARAMETERS)


def _write_json(path, obj) -> None:
    ensure_dir(Path(path).parent)
    with atomic_file(path) as tmp:
        Path(tmp).write_text(json.dumps(obj, indent=1, default=float) + "\n")


def _start(cal, spinup_state, cells, first_year: int, sim, domain=None, forcing=None):
    """The candidates' start and first year (config ``calibration.start``):

    - ``from_transient``: CaliFree's transient state at the start of the run-in: the default
      model run once from its spun-up state over ``simulation.years[0]`` .. the year before
      (the target's cells only), then every candidate ``run_in_years`` before ``first_year``;
    - ``from_state``: CaliFree's spun-up state, ``run_in_years`` before ``first_year``;
    - ``warm_spinup``: cycling to equilibrium from it, then the transient from
      ``simulation.years[0]`` (the paper's protocol)."""
    from noahperm.simulation.members import FromState, WarmSpinup, run_members
    from noahperm.simulation.stage import read_state

    state = spinup_state
    if isinstance(state, str | Path):
        from noahperm.core.zarrio import open_complete

        ds = open_complete(state)
        pos = np.searchsorted(ds["cell"].values, cells)
        full = read_state(state, ds["cell"].values)
        state = full.take(pos)
    y0 = int(sim["years"][0])
    if cal["start"] == "warm_spinup":
        return WarmSpinup(state), y0
    first = int(first_year) - int(cal["run_in_years"])
    if cal["start"] == "from_transient" and first > y0:
        [res] = run_members(domain, forcing, [{}], cells=cells, sim_cfg=sim,
                            spinup=FromState(state), years=(y0, first - 1), annual=False)
        state = res.state
    return FromState(state), first


def experiment_config(cal: Mapping, experiment: str) -> tuple[dict, dict]:
    """(config section ``calibration`` as it applies to ``experiment``, the experiment): its
    own ``run_in_years`` replaces ``calibration.run_in_years`` (CaliMAP: the 2010 classes need
    years to answer to a candidate)."""
    exp = dict(cal["experiments"][experiment])
    return {**cal, "run_in_years": int(exp.get("run_in_years", cal["run_in_years"]))}, exp


def run_calibration(cfg: Mapping, experiment: str, *, domain_path, forcing_path, spinup_state,
                    out_dir, observations=None, map_path=None, califree_annual=None,
                    ranking_csv=None, checkpoint=None, identity: Mapping | None = None) -> dict:
    """Calibrate ``experiment`` (config ``calibration.experiments``) and write its products to
    ``out_dir``; returns the summary written in ``threshold.json``."""
    from noahperm.core.zarrio import open_complete
    from noahperm.simulation.members import domain_cells, simulation_config, site_day_offset_hours

    cal = calibration_config(cfg)
    if experiment not in cal["experiments"]:
        raise InputError(f"unknown calibration experiment {experiment!r} (configured: "
                         f"{', '.join(cal['experiments'])})", field="calibration.experiments")
    cal, exp = experiment_config(cal, experiment)
    sim = simulation_config(cfg.get("simulation"))
    domain = open_complete(domain_path, product="domain")
    active = domain_cells(domain)
    names = calibration_parameters(cal, ranking_csv)
    settings = OptimiserSettings.from_config(cal["optimiser"], seed=int(cal["seed"]) +
                                             sorted(cal["experiments"]).index(experiment))
    out_dir = Path(out_dir)
    summary: dict = {"experiment": experiment, "objective": exp["objective"]}
    t_start = time.perf_counter()

    if exp["objective"] == "nse":
        import xarray as xr

        with xr.open_dataset(observations) as obs:
            obs.load()
        target = SiteTarget(obs, exp["site"], domain["sldpth"].values.astype(float))
        cells = np.array([target.cell])
        cal_w = tuple(exp["calibration"])
        val_w = tuple(exp["validation"])
        start, first = _start(cal, spinup_state, cells, int(cal_w[0][:4]), sim, domain,
                              forcing_path)
        run = Run(domain, forcing_path, sim, start, (first, int(cal_w[1][:4])),
                  site_day_offset_hours(cfg))
        summary.update(site=exp["site"], cell=int(target.cell), calibration=list(cal_w),
                       validation=list(val_w), depths_m=target.depths.tolist())

        def objective(sets):
            return target.objectives(run, sets, [cal_w])[:, 0]
    elif exp["objective"] == "kappa":
        year = int(exp["map_year"])
        mapped_all = map_classes(map_path, domain, active)
        free = califree_classes(califree_annual, active, year)
        cells = sensitive_region(domain, active, free, mapped_all)
        region = "disagreement and 3 x 3 neighbours"
        if cells.size == 0:   # CaliFree agrees with the map everywhere: every mapped cell
            log.warning("CaliFree agrees with the map in every cell: Kappa over all mapped cells")
            cells, region = active[mapped_all >= 0], "all mapped cells (no disagreement)"
        if cells.size == 0:
            raise InputError("the map has no valid cell in the domain", path=map_path)
        mapped = mapped_all[np.searchsorted(active, cells)]
        target = MapTarget(cells, mapped, year)
        start, first = _start(cal, spinup_state, cells, year - 1, sim, domain, forcing_path)
        run = Run(domain, forcing_path, sim, start, (first, year))
        from noahperm.calibration.objectives import cohen_kappa

        valid = mapped_all >= 0
        summary.update(map_year=year, region=region, region_cells=int(cells.size),
                       domain_cells=int(active.size),
                       region_share=float(cells.size / active.size),
                       disagreeing_cells=int(np.sum(valid & (free != mapped_all))),
                       califree_kappa_region_full_run=cohen_kappa(
                           mapped, free[np.searchsorted(active, cells)]),
                       califree_kappa_domain_full_run=cohen_kappa(mapped_all[valid], free[valid]))

        def objective(sets):
            return target.objectives(run, sets)
    else:
        raise InputError(f"unknown objective {exp['objective']!r} (nse or kappa)",
                         field=f"calibration.experiments.{experiment}.objective")

    keys = parameter_keys(names, domain, cells, min_share=float(cal["min_class_share"]),
                          soil_depth_m=float(cal["soil_depth_m"]))
    log.info("%s: %d parameters over %d cells: %s", experiment, len(keys), cells.size,
             ", ".join(keys))
    n_eval = {"n": 0}

    def evaluate(u):
        n_eval["n"] += len(u)
        return objective(sets_of(keys, u))

    ident = {"experiment": experiment, "exp": exp, "keys": keys, "start": cal["start"],
             "run_in_years": cal["run_in_years"], "run": list(run.years),
             "simulation": sim, **dict(identity or {})}
    init = default_grid(keys, settings.steps)[None, :] if cal["include_default"] else None
    hist = optimise(keys, evaluate, settings, checkpoint=checkpoint, identity=ident,
                    initial=init)
    wall = time.perf_counter() - t_start
    u = hist[[f"u_{k}" for k in keys]].to_numpy()
    phys = physical_values(keys, u)
    for j, k in enumerate(keys):
        hist[k] = phys[:, j]
    cols = (["iteration", "batch", "source"] + [f"u_{k}" for k in keys] + keys
            + ["objective", "wall_s"])
    hist = hist[cols]

    # convergence threshold, optimal sets, members
    y = hist["objective"].to_numpy()
    finite = np.isfinite(y)
    seg = segment(np.where(finite, y, np.nanmin(y)), max_breaks=int(cal["max_breaks"]),
                  min_segment=int(cal["min_segment"]))
    opt = optimal_sets(y, seg.threshold)
    n_members = int(cal["members"])
    drawn, how = draw_members(opt, y, n_members, seed=int(settings.seed), stream=2)
    if how != "random":
        log.warning("%s: only %d optimal sets for %d members: the %d best sets instead",
                    experiment, opt.size, n_members, n_members)
    best = int(np.nanargmax(y))
    summary.update(
        parameters=keys, iterations=int(len(hist)), evaluations_this_run=n_eval["n"],
        wall_s_this_run=wall, threshold=seg.threshold, breakpoints=seg.breakpoints,
        breakpoint_iterations=[int(b) + 1 for b in seg.breakpoints],
        segments=seg.segments, bic={str(k): v for k, v in seg.bic.items()},
        n_optimal=int(opt.size), members_drawn=how, member_iterations=[int(i) + 1 for i in drawn],
        best_iteration=best + 1, best_objective=float(y[best]),
        default_objective=(float(y[0]) if cal["include_default"] else None),
        best_parameters=sets_of(keys, u[best])[0],
        optimiser={**settings.__dict__}, run_years=list(run.years), start=cal["start"])

    if exp["objective"] == "nse":   # validation: the default and the best set, one engine call
        vrun = Run(domain, forcing_path, sim, start, (first, max(int(val_w[1][:4]),
                                                                 int(cal_w[1][:4]))),
                   site_day_offset_hours(cfg))
        both = [{}, sets_of(keys, u[best])[0]]   # the exact default (CaliFree), the best set
        times, stc = target.run(vrun, both)
        days, o = target.matrix(cal_w[0], max(cal_w[1], val_w[1]))
        sims = [target.simulated(times, stc[k], days) for k in range(2)]
        v = np.full((2, 2), np.nan)
        for w, (a, b) in enumerate((cal_w, val_w)):
            sel = (days >= np.datetime64(a, "D")) & (days <= np.datetime64(b, "D"))
            for k in range(2):
                v[k, w] = mean_nse(o[:, sel], sims[k][:, sel])
        summary["validation_nse"] = {"default": {"calibration": v[0, 0], "validation": v[0, 1]},
                                     "best": {"calibration": v[1, 0], "validation": v[1, 1]}}
        period = np.where(days <= np.datetime64(cal_w[1], "D"), "calibration", "validation")
        series = pd.DataFrame({
            "date": np.tile(days, target.depths.size).astype(str),
            "depth_m": np.repeat(target.depths, days.size),
            "period": np.tile(period, target.depths.size),
            "observed_degC": o.ravel(), "default_degC": sims[0].ravel(),
            "best_degC": sims[1].ravel()})
        write_csv(series, out_dir / "site_series.csv", float_format="%.4f")

    else:   # map experiments: the table's header only (one set of outputs per rule)
        write_csv(pd.DataFrame(columns=["date", "depth_m", "period", "observed_degC",
                                        "default_degC", "best_degC"]),
                  out_dir / "site_series.csv")

    # products
    ensure_dir(out_dir / "members")
    write_csv(hist, out_dir / "history.csv", float_format="%.10g")
    rows = []
    for m, i in enumerate(drawn, start=1):
        name = member_name(m)
        params = sets_of(keys, u[i])[0]
        _write_json(out_dir / member_file(name), params)
        rows.append({"member": name, "iteration": int(i) + 1, "objective": float(y[i]),
                     **params})
    write_csv(pd.DataFrame(rows), out_dir / "members.csv", float_format="%.10g")
    table = "experiment\tmember\tparameters\n" + "".join(
        f"{experiment}\t{r['member']}\t{member_file(r['member'])}\n" for r in rows)
    with atomic_file(out_dir / "members.tsv") as tmp:
        Path(tmp).write_text(table)
    _write_json(out_dir / "threshold.json", summary)
    if checkpoint is not None:
        Path(checkpoint).unlink(missing_ok=True)
    return summary

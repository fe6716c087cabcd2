"""Running one parameter set over the domain in memory (spin-up + transient), for the truth.

The same engine, settings and initial state as the workflow's experiments
(``noahperm.experiment``): ``build_model``, ``spinup_settings``, ``simulate.spinup`` and
``simulate.transient`` on the forcing cache; the initial state is the recipe of
``experiment.run_spinup`` (temperature linear from the cycle-mean air temperature plus
``simulation.initial_surface_offset_K`` (default 2 K) to TBOT at ZBOT).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from noahperm import simulate as S
from noahperm.diagnostics import PERMAFROST, class_area, classify
from noahperm.experiment import build_model, spinup_settings
from noahperm.kernel import layout as L
from noahperm.kernel.driver import AGG_NAMES

log = logging.getLogger(__name__)

I_TMIN, I_TMAX, I_TMEAN = (AGG_NAMES.index(n) for n in ("TMIN", "TMAX", "TMEAN"))


@dataclass
class MemberRun:
    """A run of one parameter set: the model, its cells (domain numbers), the spun-up state,
    the transient result (annual aggregates of every cell) and the spin-up table."""

    model: S.Model
    cell_ids: np.ndarray
    spun_up: S.State
    result: S.TransientResult
    spinup_table: dict
    years: tuple[int, int]


def simulation_section(cfg: Mapping) -> dict:
    return dict(cfg.get("simulation") or {})


def run_years(cfg: Mapping) -> tuple[int, int]:
    sim = simulation_section(cfg)
    y = sim.get("years", cfg.get("forcing", {}).get("years", (1979, 2018)))
    return int(y[0]), int(y[1])


def initial_state(model: S.Model, source, sim: Mapping, settings: S.SpinupSettings) -> S.State:
    """The spin-up's initial state, as ``experiment.run_spinup`` makes it."""
    t_air = np.zeros(model.ncol)
    y0, y1 = settings.cycle_years
    for y in range(y0, y1 + 1):
        _, data = source.read(np.arange(model.ncol), y)
        t_air += data[:, :, L.F_SFCTMP].mean(axis=1)
    t_air /= y1 - y0 + 1
    return S.initial_state(model.cols, model.zsoil,
                           t_air + float(sim.get("initial_surface_offset_K", 2.0)))


def run_member(cfg: Mapping, domain, forcing_path, params: Mapping[str, float],
               checkpoint_dir=None, progress=None) -> MemberRun:
    """Spin-up (config ``simulation.spinup``) and transient (``simulation.years``, else
    ``forcing.years``) of every active cell with ``params``; resumable from ``checkpoint_dir``."""
    sim = simulation_section(cfg)
    model, cell_ids = build_model(domain, sim, dict(params))
    source = S.ZarrForcing(forcing_path, cell_ids)
    settings = spinup_settings(sim)
    years = run_years(cfg)
    state = initial_state(model, source, sim, settings)
    base = {"simulation": sim, "params": dict(sorted(params.items())),
            "cells": cell_ids.tolist(), "forcing": str(Path(forcing_path).resolve())}
    ck_spin = ck_tr = None
    if checkpoint_dir is not None:
        ck_spin = S.Checkpoints(Path(checkpoint_dir) / "spinup", {"stage": "spinup", **base})
        ck_tr = S.Checkpoints(Path(checkpoint_dir) / "transient",
                              {"stage": "transient", "years": years, **base})
    t0 = time.perf_counter()
    table = S.spinup(model, state, source, settings, ck_spin,
                     progress and progress("spin-up"))
    log.info("spin-up of %d cells: %.1f s, %d converged, %d-%d years", model.ncol,
             time.perf_counter() - t0, int(table["converged"].sum()), int(table["years"].min()),
             int(table["years"].max()))
    spun = state.copy()
    t0 = time.perf_counter()
    res = S.transient(model, state, source, years, (),
                      int(sim.get("block_cells", 512)), ck_tr, progress and progress("transient"))
    log.info("transient %d-%d of %d cells: %.1f s", years[0], years[1], model.ncol,
             time.perf_counter() - t0)
    return MemberRun(model, cell_ids, spun, res, table, years)


def daily_at(run: MemberRun, forcing_path, columns: Sequence[int]) -> S.TransientResult:
    """Daily means at ``columns`` (indices into run.cell_ids): the transient rerun from the
    spun-up state for those columns only (columns are independent, so this is the same run)."""
    cols = np.asarray(columns, dtype=np.int64)
    sub = run.model.subset(cols)
    source = S.ZarrForcing(forcing_path, run.cell_ids[cols])
    res = S.transient(sub, run.spun_up.take(cols), source, run.years, np.arange(cols.size))
    if not np.array_equal(res.annual, run.result.annual[cols], equal_nan=True):
        raise RuntimeError("the rerun of the site columns differs from the full run")
    return res


def year_index(run: MemberRun, year: int) -> int:
    if not run.years[0] <= year <= run.years[1]:
        raise ValueError(f"year {year} is not in the run ({run.years[0]}-{run.years[1]})")
    return year - run.years[0]


def classes(run: MemberRun) -> np.ndarray:
    """Frozen-ground class per (cell, year) (noahperm.diagnostics.classify)."""
    a = run.result.annual
    return classify(a[:, :, I_TMAX, :], a[:, :, I_TMIN, :])


def permafrost_area(run: MemberRun, domain, year: int) -> float:
    """Permafrost area [km2] of ``year`` (equal-area cell sums)."""
    pos = np.searchsorted(domain["cell"].values, run.cell_ids)
    area = domain["area"].values[pos].astype(float)
    cls = classes(run)[:, [year_index(run, year)]]
    return float(class_area(cls, area, PERMAFROST)[0])

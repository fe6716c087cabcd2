"""Running one parameter set over the domain in memory (spin-up + transient), for the truth.

The same engine, settings and initial state as the workflow's experiments: the member API
``noahperm.simulation.members.run_members`` with a cold spin-up (``ColdSpinup``, config
``simulation``) and a transient over ``simulation.years``. The truth places its observation
network from the run's results, so its sites are not known before the run: with
``all_daily`` the run keeps the daily means of every cell (spooled to the checkpoint files
year by year, from the same single pass as the annual aggregates) and :func:`daily_at` reads
those of the sites, without running any column again. :func:`release_daily` then removes the
spooled files (about 7 MB per year on the demo); a rerun from the checkpoints repeats the
transient (the spin-up is resumed) to make them again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from noahperm.diagnostics.permafrost import PERMAFROST, class_area
from noahperm.kernel.driver import AGG_NAMES
from noahperm.simulation.engine import ColdSpinup, TransientResult, clear_checkpoints
from noahperm.simulation.members import (
    domain_cells,
    run_members,
    simulation_config,
    site_day_offset_hours,
)

log = logging.getLogger(__name__)

I_TMIN, I_TMAX, I_TMEAN = (AGG_NAMES.index(n) for n in ("TMIN", "TMAX", "TMEAN"))


@dataclass
class MemberRun:
    """A run of one parameter set: its cells (domain numbers), the transient result (annual
    aggregates and frozen-ground classes of every cell and year, daily means of every cell
    with ``all_daily``) and the spin-up table."""

    cell_ids: np.ndarray
    result: TransientResult
    spinup_table: dict
    years: tuple[int, int]


def run_years(cfg: Mapping) -> tuple[int, int]:
    y = simulation_config(cfg.get("simulation"))["years"]
    return int(y[0]), int(y[1])


def run_member(cfg: Mapping, domain, forcing_path, params: Mapping[str, float],
               checkpoint_dir=None, progress=None, all_daily: bool = False,
               identity: Mapping | None = None) -> MemberRun:
    """Spin-up (config ``simulation.spinup``) and transient (``simulation.years``) of every
    active cell with ``params``; resumable from ``checkpoint_dir``. ``all_daily`` keeps the
    daily means of every cell for :func:`daily_at` (in ``checkpoint_dir`` if given, else in
    memory). ``identity``: what else identifies the run's checkpoints (e.g. the domain store's
    marker; ``run_members`` adds the cells, the forcing store and the model)."""
    years = run_years(cfg)
    t0 = time.perf_counter()
    [member] = run_members(domain, forcing_path, [dict(params)], sim_cfg=cfg.get("simulation"),
                           spinup=ColdSpinup(), years=years, class_years=range(years[0],
                                                                               years[1] + 1),
                           daily_cells="all" if all_daily else (),
                           spool_daily=all_daily and checkpoint_dir is not None,
                           checkpoints=checkpoint_dir, identity={"stage": "truth", **dict(identity or {})},
                           day_offset_hours=site_day_offset_hours(cfg), progress=progress)
    table = member.spinup_table
    log.info("member of %d cells, %d-%d: %.1f s; spin-up: %d converged, %d-%d years",
             table["years"].size, years[0], years[1], time.perf_counter() - t0,
             int(table["converged"].sum()), int(table["years"].min()), int(table["years"].max()))
    return MemberRun(domain_cells(domain), member.transient, table, years)


def daily_at(run: MemberRun, columns: Sequence[int]) -> TransientResult:
    """Daily means at ``columns`` (indices into run.cell_ids) of a run with ``all_daily``."""
    if run.result.daily is None:
        raise ValueError("the run kept no daily means (run_member(..., all_daily=True))")
    cols = np.asarray(columns, dtype=np.int64)
    return TransientResult(run.result.years, None, run.result.daily.select(cols)).load_daily()


def release_daily(checkpoint_dir) -> None:
    """Remove the daily means spooled in ``checkpoint_dir`` (once :func:`daily_at` is done)."""
    clear_checkpoints(checkpoint_dir, "daily_*")


def year_index(run: MemberRun, year: int) -> int:
    if not run.years[0] <= year <= run.years[1]:
        raise ValueError(f"year {year} is not in the run ({run.years[0]}-{run.years[1]})")
    return year - run.years[0]


def classes(run: MemberRun) -> np.ndarray:
    """Frozen-ground class per (cell, year) (noahperm.diagnostics.permafrost.classify)."""
    return run.result.classes


def permafrost_area(run: MemberRun, domain, year: int) -> float:
    """Permafrost area [km2] of ``year`` (equal-area cell sums)."""
    pos = np.searchsorted(domain["cell"].values, run.cell_ids)
    area = domain["area"].values[pos].astype(float)
    cls = classes(run)[:, [year_index(run, year)]]
    return float(class_area(cls, area, PERMAFROST)[0])

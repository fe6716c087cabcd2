"""The one in-memory API for running parameter sets ("members") over the domain's cells.

:func:`run_members` runs K parameter sets x N cells as K*N model columns (member-major), every
block of cells of all K members in ONE call of the parallel driver, so the threads work on a
batch of candidates and the forcing of a block is read once for all of them. It does what the
experiment stages (``noahperm.simulation.stage``), the demo's truth
(``noahperm.demo_world.truth.run``) and the sensitivity, calibration and ensemble stages need:

- the start: ``ColdSpinup()`` (the documented initial state from each cell's cycle-mean air
  temperature plus ``simulation.initial_surface_offset_K``, then cycling to equilibrium),
  ``WarmSpinup(state)`` (cycling to the same equilibrium test from a given state, e.g.
  CaliFree's spun-up state of the N cells, tiled over the members) or ``FromState(state)``
  (no spin-up);
- a transient over any ``years`` (None: spin-up only), the forcing streamed by block and year;
- the responses asked for, all from one pass (no column is simulated twice): ``annual``
  aggregates of every cell and year, daily means at ``daily_cells`` (observation sites; also
  ``"all"``), the frozen-ground class of ``class_years``.

Settings come from config section ``simulation`` with the schema's defaults
(``noahperm.core.config.with_defaults``). Results do not depend on K, on the block size or on
the thread count (tests/test_engine.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from noahperm.core.config import with_defaults
from noahperm.core.errors import InputError
from noahperm.simulation.engine import (
    ColdSpinup,
    FromState,
    MemberResult,
    Model,
    Progress,
    SpinupSettings,
    Start,
    WarmSpinup,
    ZarrForcing,
    run_batch,
)

__all__ = ["ColdSpinup", "FromState", "MemberResult", "WarmSpinup", "build_model",
           "build_members", "domain_cells", "load_parameter_set", "run_members",
           "simulation_config", "store_identity", "file_identity"]


def simulation_config(sim_cfg: Mapping | None) -> dict:
    """Config section ``simulation`` with the schema's defaults filled in."""
    return with_defaults(sim_cfg, "simulation")


def site_day_offset_hours(cfg: Mapping | None) -> float:
    """Hours ahead of UTC of the days of the sites' daily means (config
    ``observations.active_layer_utc_offset_hours``; the schema's default if absent)."""
    obs = with_defaults((cfg or {}).get("observations"), "observations")
    return float(obs["active_layer_utc_offset_hours"])


def load_parameter_set(path) -> dict[str, float]:
    """A parameter set from JSON (``{}`` or a missing path: the default model); InputError
    naming the file and key for anything that is not a JSON object of Table 1 keys with
    finite values in their ranges."""
    from noahperm.model.parameters import check_value

    if path is None:
        return {}
    try:
        values = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc}", path=path) from None
    if not isinstance(values, dict):
        raise InputError("a parameter set is a JSON object of Table 1 keys", path=path)
    out = {}
    for key, value in values.items():
        try:
            out[key] = float(value)
            check_value(key, out[key])
        except (TypeError, ValueError) as exc:
            if isinstance(exc, InputError):
                raise InputError(exc.problem, path=path, field=key) from None
            raise InputError(f"not a number: {value!r}", path=path, field=key) from None
    return out


def domain_cells(domain, cells=None) -> np.ndarray:
    """Cell numbers of the run: ``cells``, or the domain's active cells."""
    if cells is not None:
        return np.asarray(cells)
    return domain["cell"].values[domain["active"].values.astype(bool)]


def build_model(domain, sim_cfg: Mapping, params: Mapping[str, float], cells=None):
    """(Model of one member with the parameter set applied, cell numbers)."""
    [model], cell_ids = build_members(domain, sim_cfg, [params], cells, combine=False)
    return model, cell_ids


def build_members(domain, sim_cfg: Mapping, param_sets: Sequence[Mapping[str, float]],
                  cells=None, combine: bool = True):
    """(Model of the K members, member-major, or the list of K models; cell numbers): the
    N-cell model is built once, each parameter set applied to it
    (``noahperm.model.parameters.apply_parameters``)."""
    from noahperm.model.grid import model_from_domain
    from noahperm.model.parameters import apply_parameters
    from noahperm.model.tables import load_tables

    sim = simulation_config(sim_cfg)
    base, cell_ids = model_from_domain(domain, sim, load_tables(), sim["mode"], cells)
    models = []
    for params in param_sets:
        cols = apply_parameters(base.cols, dict(params)) if params else base.cols
        models.append(Model(cols, base.zsoil, base.green_monthly, base.labels,
                            kernel=sim["kernel"]))
    return (Model.concat(models) if combine else models), cell_ids


def store_identity(path) -> str:
    """What identifies a complete store in a checkpoint identity: its completion marker (the
    product, the time it was completed and its attributes, ``noahperm.core.zarrio``), so a
    rebuilt store is another store. A path without a marker (an in-memory test source) is
    identified by its resolved path."""
    marker = Path(path) / ".complete"
    return marker.read_text() if marker.is_file() else str(Path(path).resolve())


def file_identity(path) -> str:
    """What identifies a single-file product (e.g. the observation store) in a checkpoint
    identity: the SHA-256 of its bytes."""
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def run_members(domain, forcing_path, param_sets: Sequence[Mapping[str, float]], cells=None, *,
                sim_cfg: Mapping | None = None, spinup: Start | None = None,
                years: tuple[int, int] | None = None, annual: bool = True,
                daily_cells: Sequence[int] | str = (), class_years: Sequence[int] = (),
                block_cells: int | None = None, checkpoints=None,
                identity: Mapping | None = None, spool_daily: bool = False,
                day_offset_hours: float = 0.0,
                progress: Callable[[str], Progress] | None = None) -> list[MemberResult]:
    """Run ``param_sets`` (K dicts of Table 1 keys; ``{}`` = default) over ``cells`` (domain
    cell numbers; default: the active cells) and return one ``MemberResult`` per set.

    domain : the domain dataset (or its store path); forcing_path : the forcing cache.
    sim_cfg : config section ``simulation`` (defaults from the schema): mode, forcing heights,
        spin-up settings, ``initial_surface_offset_K``, ``block_cells``.
    spinup : ``ColdSpinup()`` (default), ``WarmSpinup(state)`` or ``FromState(state)`` (no
        spin-up); a state has one column per cell (used by every member) or per member and cell.
    years : the transient's first and last year (None: spin-up only).
    annual, daily_cells, class_years : the responses (see the module docstring); daily cells
        are positions in ``cells`` (0..N-1) or ``"all"``; their days are those of the time
        base ``day_offset_hours`` ahead of UTC (``engine.day_of_steps``; config
        ``observations.active_layer_utc_offset_hours`` for the observation sites).
    checkpoints : a directory: the run resumes from it after an interruption (the caller
        removes it, ``engine.clear_checkpoints``, once its products are written); the identity
        covers the model, the start, the settings, the responses, the forcing store and
        ``identity``. ``spool_daily``: daily means stay in the checkpoint files (many cells).
    progress : ``progress(label) -> callback(i, n)``, e.g. ``engine.progress_bar``.
    """
    from noahperm.core.zarrio import open_complete

    if isinstance(domain, str | Path):
        domain = open_complete(domain, product="domain")
    sim = simulation_config(sim_cfg)
    model, cell_ids = build_members(domain, sim, param_sets, cells)
    source = ZarrForcing(forcing_path, cell_ids)
    spinup = ColdSpinup() if spinup is None else spinup
    if isinstance(spinup, ColdSpinup) and spinup.surface_offset_K is None:
        spinup = ColdSpinup(float(sim["initial_surface_offset_K"]))
    if isinstance(daily_cells, str):
        if daily_cells != "all":
            raise ValueError(f"daily_cells: a list of cell positions or 'all', not {daily_cells!r}")
        daily_cells = np.arange(cell_ids.size)
    ident = {"cells": cell_ids.tolist(), "forcing": store_identity(forcing_path),
             **dict(identity or {})}
    return run_batch(model, source, start=spinup, settings=SpinupSettings.from_config(sim),
                     years=None if years is None else (int(years[0]), int(years[1])),
                     daily_cells=daily_cells, class_years=class_years, annual=annual,
                     block_cells=int(sim["block_cells"] if block_cells is None else block_cells),
                     checkpoint_dir=checkpoints, identity=ident, spool_daily=spool_daily,
                     day_offset_hours=day_offset_hours, progress=progress, params=[dict(p) for p in param_sets])

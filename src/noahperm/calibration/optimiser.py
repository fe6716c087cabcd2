"""The optimisation loop (paper section 2.5): OpenBox's Bayesian optimisation with a Gaussian-
process surrogate and Expected Improvement in the normalised parameter space, candidates
evaluated in batches, the history checkpointed after every batch.

Space. Each calibrated parameter ``p`` with Table 1 range ``[lo, hi]`` is an integer
``i_p in 0..steps`` (``steps`` = 100: the paper's step of 1/100), ``u_p = i_p / steps`` and the
physical value ``lo + u_p (hi - lo)`` (a relative change for per-class parameters, an offset
for TBOT; docs/parameters.md).

Batches. Each batch of ``batch_size`` candidates is proposed by OpenBox's
``SyncBatchAdvisor`` (strategy ``default``: the best distinct candidates of one maximisation of
EI over the GP fitted to every evaluated set) and evaluated by ONE call of ``evaluate``
(the member engine runs the K candidates x the target's cells together). OpenBox minimises;
the objectives here are maximised (NSE, Kappa), so it sees ``-objective``; a failed or
undefined evaluation (NaN) is passed as failed.

Determinism and resume. The advisor is rebuilt before every batch from the saved history and
seeded with ``SeedSequence([seed, batch])``: its suggestions depend only on (seed, batch
number, history), never on what ran in this process before. The history (every evaluated
set, its objective and wall time) is written atomically after every batch to the checkpoint
file together with an identity (names, settings, the caller's identity); a rerun with the same
identity resumes after the last complete batch, so a killed calibration, rerun with the same
seed, ends with the same history as an uninterrupted one (wall times aside). The initial design
is the default set (``initial`` rows, e.g. the defaults rounded to the grid) followed by a
Latin hypercube on the grid (``SeedSequence([seed, 0])``), so it does not depend on the batch
size's split of it either.

EI is maximised by OpenBox's ``local_random`` optimiser (interleaved local and random search
on the integer grid itself) by default: OpenBox's automatic choice for an all-numeric space,
``random_scipy`` (L-BFGS-B from random starts on the relaxed space, then rounded), took 2.4
times as long per batch in a 12-parameter test on this machine (11.7 s against 4.8 s, loaded
2 cores) for no gain on the integer grid; config ``calibration.optimiser.acq_optimizer``.

Early stopping: OpenBox's ``EarlyStopAlgorithm`` (no improvement of the incumbent in
``early_stop_rounds`` evaluations after ``early_stop_min_iter``), checked before each batch.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from noahperm.core.config import digest
from noahperm.core.fileio import atomic_file, ensure_dir

__all__ = ["OptimiserSettings", "latin_grid", "optimise"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OptimiserSettings:
    """Settings of one optimisation (config ``calibration.optimiser``)."""
    max_iterations: int = 500       # evaluations in all (paper: 500)
    batch_size: int = 8             # candidates per engine call
    initial_trials: int = 10        # initial design (default set + Latin hypercube)
    early_stop_rounds: int = 100    # stop after this many evaluations without improvement (0: never)
    early_stop_min_iter: int = 50   # ... not before this many evaluations
    rand_prob: float = 0.1          # share of random candidates (OpenBox's exploration)
    acq_optimizer: str = "local_random"  # OpenBox's maximiser of EI (or random_scipy)
    steps: int = 100                # grid steps per parameter (1/100)
    seed: int = 1

    @classmethod
    def from_config(cls, cfg: Mapping | None, seed: int | None = None) -> OptimiserSettings:
        cfg = dict(cfg or {})
        if seed is not None:
            cfg["seed"] = seed
        known = {k: cfg[k] for k in cls.__dataclass_fields__ if k in cfg}
        return cls(**known)


def latin_grid(n: int, d: int, steps: int, seed: int) -> np.ndarray:
    """(n, d) integers in 0..steps: a Latin hypercube (one point per stratum of each
    dimension, ``SeedSequence([seed, 0])``) rounded to the grid."""
    if n <= 0:
        return np.zeros((0, d), dtype=int)
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0]))
    u = (np.argsort(rng.random((d, n)), axis=1).T + rng.random((n, d))) / n
    return np.clip(np.rint(u * steps), 0, steps).astype(int)


def _space(names: Sequence[str], steps: int):
    from openbox import space as sp

    cs = sp.Space()
    cs.add_variables([sp.Int(f"x{j:03d}", 0, steps, default_value=steps // 2)
                      for j in range(len(names))])
    return cs


def _advisor(names, settings: OptimiserSettings, rows: list[dict], batch: int):
    """A fresh SyncBatchAdvisor seeded for ``batch``, with the history ``rows`` replayed."""
    from ConfigSpace import Configuration
    from openbox.core.sync_batch_advisor import SyncBatchAdvisor
    from openbox.utils.constants import FAILED, SUCCESS
    from openbox.utils.history import Observation

    space = _space(names, settings.steps)
    seed = int(np.random.SeedSequence([settings.seed, 1, batch]).generate_state(1)[0] % (2**31 - 1))
    es = settings.early_stop_rounds > 0
    adv = SyncBatchAdvisor(
        space, batch_size=settings.batch_size, initial_trials=0, initial_configurations=[],
        init_strategy="default", rand_prob=settings.rand_prob, surrogate_type="gp",
        acq_type="ei", acq_optimizer_type=settings.acq_optimizer, early_stop=es,
        early_stop_kwargs={"min_iter": max(1, settings.early_stop_min_iter),
                           "max_no_improvement_rounds": settings.early_stop_rounds} if es else None,
        output_dir=None, task_id="noahperm-calibration", random_state=seed,
        logger_kwargs={"level": "WARNING"})
    worst = max((-r["objective"] for r in rows if np.isfinite(r["objective"])), default=0.0)
    for r in rows:
        cfg = Configuration(space, {f"x{j:03d}": int(v) for j, v in enumerate(r["grid"])})
        ok = np.isfinite(r["objective"])
        adv.history.update_observation(Observation(
            config=cfg, objectives=[-r["objective"] if ok else worst],
            trial_state=SUCCESS if ok else FAILED, elapsed_time=r["wall_s"]))
    return adv


def _suggest(names, settings: OptimiserSettings, rows: list[dict], batch: int,
             k: int) -> np.ndarray | None:
    """The next ``k`` grid points, or None when OpenBox's early stopping triggers."""
    from openbox.utils.early_stop import EarlyStopException

    adv = _advisor(names, settings, rows, batch)
    try:
        configs = adv.get_suggestions(batch_size=k, history=adv.history)
    except EarlyStopException:
        return None
    return np.array([[int(c[f"x{j:03d}"]) for j in range(len(names))] for c in configs])


def _load(path: Path, ident: str) -> dict | None:
    if path is None or not path.is_file():
        return None
    try:
        state = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None
    if state.get("identity") != ident:
        log.info("checkpoint %s belongs to another run: starting afresh", path)
        return None
    return state


def _save(path: Path, state: dict) -> None:
    ensure_dir(path.parent)
    with atomic_file(path) as tmp:
        Path(tmp).write_text(json.dumps(state))


def optimise(names: Sequence[str], evaluate: Callable[[np.ndarray], np.ndarray],
             settings: OptimiserSettings, *, checkpoint=None, identity: Mapping | None = None,
             initial: np.ndarray | None = None,
             on_batch: Callable[[int, list[dict]], None] | None = None) -> pd.DataFrame:
    """Maximise ``evaluate`` over the normalised space of ``names``.

    evaluate : (K, d) array of u in [0, 1] -> K objectives (NaN: failed); called once per batch.
    checkpoint : a JSON file: the history after each batch (atomic); resumed when its identity
        (names, settings, ``identity``) matches.
    initial : grid rows (integers 0..steps) evaluated first (e.g. the default set).
    Returns the history: iteration (1-based), batch, ``u_<name>`` per parameter, objective,
    wall_s (the batch's wall time shared by its candidates), source (initial/bo).
    """
    d = len(names)
    ident = digest({"names": list(names), "settings": asdict(settings),
                    "initial": None if initial is None else np.asarray(initial).tolist(),
                    "identity": dict(identity or {})})
    path = None if checkpoint is None else Path(checkpoint)
    state = _load(path, ident) or {"identity": ident, "rows": [], "stopped": False, "batches": 0}
    if state["rows"]:
        log.info("resuming after %d evaluations (%d batches)", len(state["rows"]), state["batches"])
    init = [] if initial is None else [list(map(int, r)) for r in np.atleast_2d(initial)]
    n_lhs = max(0, settings.initial_trials - len(init))
    design = init + latin_grid(n_lhs, d, settings.steps, settings.seed).tolist()
    rows = state["rows"]
    while len(rows) < settings.max_iterations and not state["stopped"]:
        b = state["batches"]
        k = min(settings.batch_size, settings.max_iterations - len(rows))
        n = len(rows)
        if n < len(design):
            grid = np.array(design[n:n + k])
            source = "initial"
        else:
            grid = _suggest(names, settings, rows, b, k)
            source = "bo"
            if grid is None:
                state["stopped"] = True
                log.info("early stop after %d evaluations", n)
                if path is not None:
                    _save(path, state)
                break
        t0 = time.perf_counter()
        obj = np.asarray(evaluate(grid / settings.steps), dtype=float).reshape(-1)
        if obj.size != len(grid):
            raise ValueError(f"evaluate returned {obj.size} objectives for {len(grid)} candidates")
        wall = time.perf_counter() - t0
        for g, y in zip(grid, obj, strict=True):
            rows.append({"iteration": len(rows) + 1, "batch": b + 1, "grid": [int(v) for v in g],
                         "objective": float(y), "wall_s": wall / len(grid), "source": source})
        state["batches"] = b + 1
        if path is not None:
            _save(path, state)
        best = np.nanmax([r["objective"] for r in rows])
        log.info("batch %d: %d evaluations, best %.4f, batch %.1f s", b + 1, len(rows), best, wall)
        if on_batch is not None:
            on_batch(b + 1, rows)
    return history_frame(names, rows, settings.steps)


def history_frame(names: Sequence[str], rows: list[dict], steps: int) -> pd.DataFrame:
    """The history as a table: iteration, batch, source, u_<name>..., objective, wall_s."""
    grid = np.array([r["grid"] for r in rows], dtype=float).reshape(len(rows), len(names))
    df = pd.DataFrame({"iteration": [r["iteration"] for r in rows],
                       "batch": [r["batch"] for r in rows],
                       "source": [r["source"] for r in rows]})
    for j, name in enumerate(names):
        df[f"u_{name}"] = grid[:, j] / steps
    df["objective"] = [r["objective"] for r in rows]
    df["wall_s"] = [r["wall_s"] for r in rows]
    return df

"""Grid simulation: spin-up by cycling the first years of forcing, then the transient run.

The engine works on a set of model columns and any source of forcing with
``read(cells, year) -> (times, data)`` (``ZarrForcing`` streams the forcing cache; tests use
in-memory sources). The columns are ``members`` parameter sets x ``ncell`` cells, member-major
(column ``k * ncell + i`` is cell ``i`` of member ``k``; ``Model.concat``), and every block of
cells is run for all members in ONE driver call (``run_chunk``), so the threads share a batch
of candidates and the forcing of a block is read once for all of them.

Memory is bounded by the block: cells are processed in blocks of ``block_cells`` columns
(``max(1, block_cells // members)`` cells of every member); the spin-up holds the cycle years'
forcing of one block, the transient one year of one block. Every column is independent, so
results do not depend on the block size, the number of members run together or the number of
threads, and a run restarted from a checkpoint continues bit for bit.

Spin-up (paper section 2.2; ``spinup``): the forcing of ``cycle_years`` (1979-1983) is repeated
from a start state until, for ``stable_cycles`` consecutive cycles, the cycle-mean temperature
of every layer changes by less than ``tol_temperature_K`` and the cycle-mean column ice by less
than ``tol_ice_mm``, after at least ``min_years`` and at most ``max_years`` simulated years
(paper: 500). The start is ``ColdSpinup`` (the documented ``initial_state`` from the
cycle-mean air temperature of the block's cells, computed from the forcing the block reads
anyway) or ``WarmSpinup`` (a given state, e.g. CaliFree's equilibrium tiled over the members);
the equilibrium test is the same. A converged column stops cycling (its state is final); the
table of years run, convergence and the last changes is kept per column. Plain cycling only.

Transient (``transient``): year by year from a state; per column, year and layer the annual
minimum, maximum and mean of temperature [K], liquid water and ice [m3 m-3]; daily means at
selected columns (observation sites) from the driver's second accumulator in the same pass (no
column is simulated twice); the frozen-ground class of selected years
(``noahperm.diagnostics.permafrost.classify``, from this and the previous year's aggregates).

Checkpoints (``Checkpoints``): after each spin-up block (and cycle) and each transient year the
state is written atomically to ``<dir>/*.npz`` with a digest (``noahperm.core.config.digest``)
of the run's identity; a rerun resumes from the last valid checkpoint and ignores those of
another identity. The identity (``run_batch``) is everything that determines the result: the
code version (:data:`CODE_VERSION`: the sources of the kernel, the model and the simulation
package, ``noahperm.core.provenance``), the
content fingerprint of every column's parameters, layers and green fraction
(``Model.identity``), the start state, the settings, the responses, and the caller's
identity (``run_members`` adds the cells and the completion markers of the forcing and domain
stores). docs/reliability.md lists the guarantees.

``run_batch`` strings these together for a batch of members and returns one ``MemberResult``
per member; ``noahperm.simulation.members.run_members`` builds the batch from the domain.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from noahperm.core.config import digest
from noahperm.core.fileio import atomic_file
from noahperm.core.provenance import stage_code_version
from noahperm.kernel import layout as L
from noahperm.kernel.constants import TFREEZ
from noahperm.kernel.driver import (
    A_ISUM,
    A_TMAX,
    A_TMIN,
    A_TSUM,
    A_WSUM,
    NAGG,
    STATUS_OK,
    count_periods,
    finish_aggregates,
    new_aggregates,
    no_daily,
    run_columns,
)
from noahperm.kernel.soil_heat import frh2o
from noahperm.kernel.variants import driver as kernel_driver
from noahperm.model.columns import ColumnArrays, Model, fingerprint  # noqa: F401 (re-exported)
from noahperm.point.input_file import month_weights

log = logging.getLogger(__name__)


#: The code version in every checkpoint identity: an edit of the physics, of the engine or of
#: the model's construction makes old checkpoints foreign (they are ignored, never resumed).
CODE_VERSION = stage_code_version("simulation")

DT = 10800.0  # model time step [s]
STEPS_PER_DAY = int(round(86400.0 / DT))


def day_of_steps(times: np.ndarray, day_offset_hours: float = 0.0) -> np.ndarray:
    """The day (``datetime64[D]``, in the time base ``day_offset_hours`` ahead of UTC, e.g. 8
    for Beijing Time) of the state after each step labelled ``times`` (UTC).

    The step labelled ``t`` covers ``[t - DT/2, t + DT/2]`` (the CMFD convention,
    ``noahperm.inputs.forcing.cmfd``), so its state is that of the instant ``t + DT/2``; a
    day's mean is the mean of the states whose instants fall within that day. In UTC these are
    01:30 ... 22:30 (centred on noon); in UTC+8 they are 00:30 ... 21:30 local time, the
    choice of 8 consecutive 3-hourly states nearest to centring on local noon (1 h early; the
    other, 03:30 ... 24:30, is 2 h late).
    """
    shift = np.timedelta64(int(round(DT / 2 + 3600.0 * float(day_offset_hours))), "s")
    return (np.asarray(times).astype("datetime64[s]") + shift).astype("datetime64[D]")

Progress = Callable[[int, int], None]


class SimulationError(RuntimeError):
    """A column failed (NaN state or impossible snow density): names the cell and the time."""


# ----------------------------------------------------------------------------------- state
@dataclass
class State:
    """Complete model state of ncol columns (kernel layout): sstate (ncol, NSTATE), stc, smc,
    sh2o (ncol, nsoil)."""

    sstate: np.ndarray
    stc: np.ndarray
    smc: np.ndarray
    sh2o: np.ndarray

    @property
    def ncol(self) -> int:
        return self.sstate.shape[0]

    def take(self, idx) -> State:
        return State(*(np.ascontiguousarray(a[idx]) for a in self.arrays()))

    def put(self, idx, other: State) -> None:
        for a, b in zip(self.arrays(), other.arrays(), strict=True):
            a[idx] = b

    def arrays(self):
        return self.sstate, self.stc, self.smc, self.sh2o

    def copy(self) -> State:
        return State(*(a.copy() for a in self.arrays()))

    def tile(self, reps: int) -> State:
        """The columns repeated ``reps`` times (the same cells for every member)."""
        return State(*(np.tile(a, (reps, 1)) for a in self.arrays()))

    def as_dict(self, prefix: str = "") -> dict[str, np.ndarray]:
        return {prefix + k: v for k, v in zip(("sstate", "stc", "smc", "sh2o"), self.arrays(),
                                               strict=True)}

    @classmethod
    def from_dict(cls, d, prefix: str = "") -> State:
        return cls(*(np.array(d[prefix + k]) for k in ("sstate", "stc", "smc", "sh2o")))

    @classmethod
    def empty(cls, ncol: int, nsoil: int) -> State:
        return cls(np.full((ncol, L.NSTATE), np.nan), *(np.full((ncol, nsoil), np.nan)
                                                         for _ in range(3)))


def initial_state(cols: ColumnArrays, zsoil: np.ndarray, t_surface: np.ndarray) -> State:
    """The cold spin-up's initial state.

    Temperature linear in depth from ``t_surface`` [K] (e.g. the cycle-mean air temperature)
    at the surface to TBOT at ZBOT; total water half way between field capacity and porosity
    of each layer's class; liquid water the FRH2O equilibrium at the layer's temperature; no
    snow, no canopy water; skin temperature = top layer; ALBEDO 0.2, EMISSI 0.96, Z0 0.1 m,
    CH = CM = 1e-4 m s-1, Q1 and Z0BRD "not yet computed" (as the point driver).
    """
    from noahperm.kernel.column import BADVAL

    ncol, nsoil = cols.stype.shape
    zsoil = np.asarray(zsoil, dtype=float)
    mid = np.concatenate([[0.0], zsoil[:-1]]) * 0.5 + zsoil * 0.5  # negative node depths
    tbot = cols.par[:, L.P_TBOT]
    zbot = cols.par[:, L.P_ZBOT]
    frac = mid[None, :] / zbot[:, None]
    stc = np.asarray(t_surface, float)[:, None] + frac * (tbot - np.asarray(t_surface))[:, None]
    smcmax = cols.soilp[:, :, L.SP_MAXSMC]
    smc = 0.5 * (cols.soilp[:, :, L.SP_REFSMC] + smcmax)
    sh2o = smc.copy()
    for c in range(ncol):
        for k in range(nsoil):
            if stc[c, k] < TFREEZ:
                sh2o[c, k] = frh2o(stc[c, k], smc[c, k], 0.0, smcmax[c, k],
                                   cols.soilp[c, k, L.SP_BB], cols.soilp[c, k, L.SP_SATPSI])
    s = np.zeros((ncol, L.NSTATE))
    s[:, L.S_T1] = stc[:, 0]
    s[:, L.S_Z0] = 0.1
    s[:, L.S_Z0BRD] = np.where(cols.par[:, L.P_SFCDIF] == 1, 0.1, BADVAL)
    s[:, L.S_ALBEDO] = 0.2
    s[:, L.S_EMISSI] = 0.96
    s[:, L.S_CH] = 1.0e-4
    s[:, L.S_CM] = 1.0e-4
    s[:, L.S_Q1] = BADVAL
    return State(s, np.ascontiguousarray(stc), smc, sh2o)


# ------------------------------------------------------------------------- how to start
@dataclass(frozen=True)
class ColdSpinup:
    """Spin-up from ``initial_state``: surface temperature = cycle-mean air temperature of the
    cell + ``surface_offset_K`` (None: config ``simulation.initial_surface_offset_K``)."""

    surface_offset_K: float | None = None

    def identity(self) -> dict:
        return {"start": "cold", "surface_offset_K": self.surface_offset_K}


@dataclass(frozen=True, eq=False)
class WarmSpinup:
    """Spin-up from ``state``: one state per cell (tiled over the members) or per column."""

    state: State

    def identity(self) -> dict:
        return {"start": "warm", "state": fingerprint(*self.state.arrays())}


@dataclass(frozen=True, eq=False)
class FromState:
    """No spin-up: the transient starts from ``state`` (per cell, tiled, or per column)."""

    state: State

    def identity(self) -> dict:
        return {"start": "state", "state": fingerprint(*self.state.arrays())}


Start = ColdSpinup | WarmSpinup | FromState


# --------------------------------------------------------------------------------- forcing
def with_green_fraction(data: np.ndarray, times: np.ndarray, green_monthly: np.ndarray):
    """Forcing (ncol, nstep, NFORC) from store forcing (ncol, nstep, NFORC-1) and each column's
    12 mid-month green vegetation fractions (interpolated by day as the point driver)."""
    i0, i1, w = month_weights(times)
    out = np.empty(data.shape[:2] + (L.NFORC,))
    out[:, :, : L.NFORC - 1] = data
    g = np.asarray(green_monthly, dtype=float)
    out[:, :, L.F_SHDFAC] = g[:, i0] * (1.0 - w)[None, :] + g[:, i1] * w[None, :]
    return out


class ArrayForcing:
    """In-memory forcing source: times (nstep,), data (ncell, nstep, NFORC-1)."""

    def __init__(self, times, data):
        self.times = np.asarray(times)
        self.data = np.asarray(data, dtype=np.float64)
        self._years = self.times.astype("datetime64[Y]").astype(int) + 1970

    def read(self, cells, year):
        sel = self._years == year
        if not sel.any():
            raise SimulationError(f"no forcing for year {year}")
        return self.times[sel], np.ascontiguousarray(self.data[np.asarray(cells)][:, sel])


class ZarrForcing:
    """Forcing source on the forcing cache (``noahperm.inputs.forcing.cache``); ``cells`` are
    domain cell numbers."""

    def __init__(self, path, cell_ids):
        from noahperm.inputs.forcing.cache import open_forcing

        self.ds = open_forcing(path)
        self.cell_ids = np.asarray(cell_ids)

    def read(self, cells, year):
        from noahperm.inputs.forcing.cache import iter_forcing

        blocks = list(iter_forcing(self.ds, self.cell_ids[np.asarray(cells)],
                                   f"{year}-01-01", f"{year + 1}-01-01"))
        if len(blocks) != 1:
            raise SimulationError(f"the forcing cache has no complete year {year}")
        return blocks[0].times, blocks[0].data


def progress_bar(label: str) -> Progress:
    """A ``progress(i, n)`` callback drawing a tqdm bar on stderr (updates every 5 s)."""
    import sys

    from tqdm import tqdm

    bar = {}

    def cb(i, n):
        if "b" not in bar:
            bar["b"] = tqdm(total=n, desc=label, file=sys.stderr, mininterval=5.0)
        bar["b"].n = i
        bar["b"].refresh()
        if i >= n:
            bar["b"].close()
    return cb


# ------------------------------------------------------------------------------ the driver
def blocks(model: Model, block_cells: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """[(cells, columns)]: blocks of ``max(1, block_cells // members)`` cells and their columns
    in every member (member-major)."""
    k, n = model.members, model.ncell
    nb = max(1, int(block_cells) // k)
    out = []
    for a in range(0, n, nb):
        cells = np.arange(a, min(a + nb, n))
        out.append((cells, (np.arange(k)[:, None] * n + cells[None, :]).ravel()))
    return out


def block_forcing(model: Model, source, cells, year, sub: Model):
    """(times, store data of the cells, kernel forcing of the block's columns)."""
    times, data = source.read(cells, year)
    tiled = data if model.members == 1 else np.tile(data, (model.members, 1, 1))
    return times, data, with_green_fraction(tiled, times, sub.green_monthly)


def run_chunk(model: Model, state: State, forcing8: np.ndarray, times: np.ndarray,
              period: np.ndarray, agg: np.ndarray, count: np.ndarray, dperiod=None, dslot=None,
              dagg=None, dcount=None) -> None:
    """Advance ``state`` (updated in place) over one chunk of forcing with aggregation (and the
    second accumulator ``dagg`` when given: ``dperiod`` per step, ``dslot`` per column)."""
    ncol = model.ncol
    nsoil = model.zsoil.size
    status = np.zeros(ncol, dtype=np.int64)
    fail = np.full(ncol, -1, dtype=np.int64)
    empty_s = np.empty((0, ncol, L.NSTATE + 3 * nsoil))
    empty_d = np.empty((0, ncol, L.NDIAG))
    zsoil = np.ascontiguousarray(np.broadcast_to(model.zsoil, (ncol, nsoil)))
    if dagg is None:
        dperiod, dslot, dagg = no_daily(nsoil)
    run = run_columns if model.kernel == "reference" else kernel_driver(model.kernel).run_columns
    args = (state.sstate, state.stc, state.smc, state.sh2o, forcing8, model.cols.par,
            model.cols.soilp, model.cols.stype, model.cols.soilidx, zsoil, DT, period, agg,
            dperiod, dslot, dagg, status, fail, empty_s, empty_d)
    compiled_once(run, args, model.kernel)
    run(*args)
    count_periods(period, count)
    if dcount is not None:
        count_periods(dperiod, dcount)
    bad = np.flatnonzero(status != STATUS_OK)
    if bad.size:
        c = int(bad[0])
        what = {1: "snow density SNEQV/SNOWH > 1", 2: "NaN or infinite state"}.get(
            int(status[c]), "failure")
        label = model.labels[c] if model.labels else f"column {c}"
        raise SimulationError(f"{label} failed at {times[fail[c]]} ({what}); "
                              f"{bad.size} column(s) failed in this chunk")


_COMPILED: set = set()


def compiled_once(dispatcher, args, build: str) -> None:
    """Compile (or load from Numba's on-disk cache) ``dispatcher`` for the types of ``args``
    while holding an exclusive lock on the build's cache directory.

    Workflow jobs that start together on a fresh cache (sensitivity chunks, calibrations,
    ensemble members) would each compile the whole kernel (about a minute of one core) at
    the same time; with the lock the first compiles and writes the cache, the others wait
    and then load it (a second or two). Once per process and signature.
    """
    import fcntl
    import os

    import numba

    from noahperm.kernel.variants import kernel

    sig = tuple(numba.typeof(a) for a in args)
    key = (build, id(dispatcher), sig)
    if key in _COMPILED:
        return
    cache_dir = kernel(build).CACHE_DIR
    os.makedirs(cache_dir, exist_ok=True)
    with open(os.path.join(cache_dir, ".compile.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            dispatcher.compile(sig)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    _COMPILED.add(key)


# ----------------------------------------------------------------------------- checkpoints
class Checkpoints:
    """Atomic ``.npz`` checkpoints in a directory, tied to the digest of a run identity."""

    def __init__(self, directory, identity: Mapping):
        self.dir = Path(directory) if directory is not None else None
        self.hash = digest(identity)
        if self.dir is not None:
            self.dir.mkdir(parents=True, exist_ok=True)

    def save(self, name: str, **arrays) -> None:
        if self.dir is None:
            return
        with atomic_file(self.dir / f"{name}.npz") as tmp, open(tmp, "wb") as fh:
            np.savez(fh, _config_hash=np.array(self.hash), **arrays)

    def clear(self) -> None:
        """Remove this directory's checkpoints (after the stage's products are complete)."""
        clear_checkpoints(self.dir)

    def load(self, name: str):
        if self.dir is None:
            return None
        path = self.dir / f"{name}.npz"
        if not path.is_file():
            return None
        try:
            with np.load(path) as z:
                if str(z["_config_hash"]) != self.hash:
                    log.warning("ignoring checkpoint %s of another configuration", path)
                    return None
                return {k: z[k] for k in z.files}
        except (OSError, ValueError, KeyError) as exc:
            log.warning("ignoring unreadable checkpoint %s: %s", path, exc)
            return None


def clear_checkpoints(directory, pattern: str = "*") -> None:
    """Remove the checkpoints ``<pattern>.npz`` in ``directory``, with partial writes of them
    that an interrupted process left (and the directory when it is
    then empty); e.g. ``pattern="daily_*"``: spooled daily means no longer needed."""
    if directory is None:
        return
    directory = Path(directory)
    for glob in (f"{pattern}.npz", f".{pattern}.npz.*.tmp"):  # and left-over partial writes
        for path in directory.glob(glob):
            path.unlink(missing_ok=True)
    try:
        directory.rmdir()
    except OSError:
        pass


# --------------------------------------------------------------------------------- spin-up
@dataclass
class SpinupSettings:
    """Spin-up settings (config ``simulation.spinup``; defaults: ``from_config``)."""

    cycle_years: tuple[int, int]
    max_years: int
    min_years: int
    tol_temperature_K: float
    tol_ice_mm: float
    stable_cycles: int

    @classmethod
    def from_config(cls, sim_cfg: Mapping | None) -> SpinupSettings:
        """From config section ``simulation`` (the schema's defaults filled in)."""
        from noahperm.core.config import with_defaults

        sp = with_defaults(sim_cfg, "simulation")["spinup"]
        return cls(cycle_years=(int(sp["cycle_years"][0]), int(sp["cycle_years"][1])),
                   max_years=int(sp["max_years"]), min_years=int(sp["min_years"]),
                   tol_temperature_K=float(sp["tol_temperature_K"]),
                   tol_ice_mm=float(sp["tol_ice_mm"]), stable_cycles=int(sp["stable_cycles"]))


def _cycle_means(agg, count, zsoil):
    """Cycle-mean layer temperature [K] and column ice [mm] from one cycle's aggregates.

    The column sum of ice runs layer by layer, the same operations for every column: a matrix
    product (BLAS) may round differently with the number of rows, so the convergence test
    would depend on the block size and the members run together.
    """
    a = finish_aggregates(agg.copy(), count)
    tmean = np.average(a[:, :, A_TSUM, :], axis=1, weights=count)
    dz = -np.diff(np.concatenate([[0.0], zsoil]))
    imean = np.average(a[:, :, A_ISUM, :], axis=1, weights=count)
    ice = np.zeros(imean.shape[0])
    for k in range(dz.size):
        ice += imean[:, k] * dz[k]
    return tmean, ice * 1000.0


def _per_column(model: Model, state: State, what: str) -> State:
    if state.ncol == model.ncol:
        return state.copy()
    if state.ncol == model.ncell:
        return state.tile(model.members)
    raise ValueError(f"the {what} has {state.ncol} columns; the model {model.ncell} cells x "
                     f"{model.members} members")


def spinup(model: Model, source, settings: SpinupSettings, start: ColdSpinup | WarmSpinup,
           block_cells: int, checkpoints: Checkpoints | None = None,
           progress: Progress | None = None) -> tuple[State, dict]:
    """Spin every column up from ``start``; returns (the spun-up state, the convergence table:
    dict of (ncol,) arrays years, converged, dT_K, dice_mm).

    A cold start needs ``start.surface_offset_K`` set; its initial state is made per block from
    the cycle-mean air temperature of the block's cells (the forcing the block reads anyway).
    """
    y0, y1 = settings.cycle_years
    years = list(range(y0, y1 + 1))
    ncycle_years = len(years)
    ncol, nsoil = model.ncol, model.zsoil.size
    cold = isinstance(start, ColdSpinup)
    if cold and start.surface_offset_K is None:
        raise ValueError("ColdSpinup.surface_offset_K is not set")
    state = State.empty(ncol, nsoil) if cold else _per_column(model, start.state, "start state")
    table = {"years": np.zeros(ncol, np.int64), "converged": np.zeros(ncol, bool),
             "dT_K": np.full(ncol, np.nan), "dice_mm": np.full(ncol, np.nan)}
    max_cycles = max(1, settings.max_years // ncycle_years)
    min_cycles = max(1, -(-settings.min_years // ncycle_years))
    todo = blocks(model, block_cells)
    for b, (cells, idx) in enumerate(todo):
        done = checkpoints.load(f"spinup_block{b:05d}") if checkpoints else None
        if done is not None:
            log.info("spin-up block %d resumed from its checkpoint", b + 1)
            state.put(idx, State.from_dict(done))
            for k in table:
                table[k][idx] = done["table_" + k]
            if progress:
                progress(b + 1, len(todo))
            continue
        sub = model.subset(idx)
        forcing = []
        t_air = np.zeros(cells.size)
        for y in years:
            times, data, f8 = block_forcing(model, source, cells, y, sub)
            if cold:
                t_air += data[:, :, L.F_SFCTMP].mean(axis=1)
            forcing.append((times, f8))
            del data
        if cold:
            t_air /= ncycle_years
            t_surface = np.tile(t_air + float(start.surface_offset_K), model.members)
            st = initial_state(sub.cols, model.zsoil, t_surface)
        else:
            st = state.take(idx)
        prev_t = np.full((idx.size, nsoil), np.nan)
        prev_ice = np.full(idx.size, np.nan)
        stable = np.zeros(idx.size, np.int64)
        running = np.arange(idx.size)
        first = 1
        part = checkpoints.load(f"spinup_block{b:05d}_progress") if checkpoints else None
        if part is not None:  # resume inside the block, after cycle part["cycle"]
            st = State.from_dict(part)
            prev_t, prev_ice, stable = part["prev_t"], part["prev_ice"], part["stable"]
            running = part["running"]
            first = int(part["cycle"]) + 1
            for k in table:
                table[k][idx] = part["table_" + k]
            log.info("spin-up block %d resumes after cycle %d", b + 1, first - 1)
        for cyc in range(first, max_cycles + 1):
            if running.size == 0:
                break
            m = sub.subset(running)
            s = st.take(running)
            agg, count = new_aggregates(running.size, ncycle_years, nsoil)
            for iy, (times, f8) in enumerate(forcing):
                period = np.full(times.size, iy, np.int64)
                run_chunk(m, s, np.ascontiguousarray(f8[running]), times, period, agg, count)
            st.put(running, s)
            tmean, ice = _cycle_means(agg, count, model.zsoil)
            table["years"][idx[running]] = cyc * ncycle_years
            if cyc > 1:
                d_t = np.abs(tmean - prev_t[running]).max(axis=1)
                d_i = np.abs(ice - prev_ice[running])
                table["dT_K"][idx[running]] = d_t
                table["dice_mm"][idx[running]] = d_i
                ok = (d_t < settings.tol_temperature_K) & (d_i < settings.tol_ice_mm)
                stable[running] = np.where(ok, stable[running] + 1, 0)
            prev_t[running] = tmean
            prev_ice[running] = ice
            conv = (stable[running] >= settings.stable_cycles) & (cyc >= min_cycles)
            table["converged"][idx[running[conv]]] = True
            log.info("spin-up block %d, cycle %d (%d years): %d of %d columns still running, "
                     "largest change %.4f K / %.3f mm", b + 1, cyc, cyc * ncycle_years,
                     int((~conv).sum()), idx.size, float(np.nanmax(table["dT_K"][idx[running]]))
                     if cyc > 1 else float("nan"),
                     float(np.nanmax(table["dice_mm"][idx[running]])) if cyc > 1
                     else float("nan"))
            if progress:
                progress(b + cyc / max_cycles, len(todo))
            running = running[~conv]
            if checkpoints and running.size and cyc < max_cycles:
                checkpoints.save(f"spinup_block{b:05d}_progress", **st.as_dict(), prev_t=prev_t,
                                 prev_ice=prev_ice, stable=stable, running=running,
                                 cycle=np.array(cyc),
                                 **{"table_" + k: v[idx] for k, v in table.items()})
        state.put(idx, st)
        if checkpoints:
            checkpoints.save(f"spinup_block{b:05d}", **st.as_dict(),
                             **{"table_" + k: v[idx] for k, v in table.items()})
        if progress:
            progress(b + 1, len(todo))
        log.info("spin-up block %d/%d: %d of %d columns converged", b + 1, len(todo),
                 int(table["converged"][idx].sum()), idx.size)
    return state, table


# ------------------------------------------------------------------------------- transient
class DailyMeans:
    """Daily mean soil temperature and liquid water at the daily columns, year by year.

    Kept in memory, or (``spool``) only in the transient's checkpoint files ``daily_<year>``
    and read back on demand (daily means of many columns: memory bounded by one year).
    ``select(rows)`` gives a view of some rows (e.g. one member's); ``arrays()`` returns
    times (nday,), stc and sh2o (nrow, nday, nsoil) over all years.
    """

    def __init__(self, checkpoints: Checkpoints | None = None, spool: bool = False, rows=None):
        if spool and (checkpoints is None or checkpoints.dir is None):
            raise ValueError("spooled daily means need a checkpoint directory")
        self._ck = checkpoints if spool else None
        self._years: list[int] = []
        self._data: dict[int, tuple] = {}
        self._rows = rows

    def add(self, year: int, times, stc, sh2o, count) -> None:
        self._years.append(year)
        if self._ck is None:
            self._data[year] = (times, stc, sh2o, count)

    def select(self, rows) -> DailyMeans:
        view = DailyMeans.__new__(DailyMeans)
        view._ck, view._years, view._data = self._ck, self._years, self._data
        rows = np.asarray(rows, dtype=np.int64)
        view._rows = rows if self._rows is None else self._rows[rows]
        return view

    def _year(self, year):
        if self._ck is None:
            t, s, w, c = self._data[year]
        else:
            z = self._ck.load(f"daily_{year}")
            if z is None:
                raise SimulationError(f"the spooled daily means of {year} are gone")
            t, s, w, c = z["daily_times"], z["daily_stc"], z["daily_sh2o"], z["daily_count"]
        if self._rows is not None:
            s, w = s[self._rows], w[self._rows]
        return t, s, w, c

    def arrays(self):
        """(times, stc, sh2o) over all years: complete days only.

        With days in a time base other than UTC (``transient(day_offset_hours=...)``) a day
        can straddle two calendar years of the run: its two parts are joined (means weighted
        by their step counts). The days the run does not cover completely (the first and last
        of such a run) are left out.
        """
        parts = [self._year(y) for y in self._years]
        if not parts:
            return None, None, None
        t, s, w, c = parts[0]
        joined = [[t], [s], [w], [c]]
        for t2, s2, w2, c2 in parts[1:]:
            if t2.size and joined[0][-1].size and t2[0] == joined[0][-1][-1]:
                c1 = joined[3][-1][-1]
                tot = c1 + c2[0]
                for j, new in ((1, s2), (2, w2)):
                    last = joined[j][-1]
                    merged = (last[:, -1] * c1 + new[:, 0] * c2[0]) / tot
                    joined[j][-1] = np.concatenate([last[:, :-1], merged[:, None]], axis=1)
                joined[3][-1] = np.concatenate([joined[3][-1][:-1], [tot]])
                t2, s2, w2, c2 = t2[1:], s2[:, 1:], w2[:, 1:], c2[1:]
            for j, a in enumerate((t2, s2, w2, c2)):
                joined[j].append(a)
        t = np.concatenate(joined[0])
        s = np.concatenate(joined[1], 1)
        w = np.concatenate(joined[2], 1)
        full = np.concatenate(joined[3]) == STEPS_PER_DAY
        if full.all():
            return t, s, w
        return t[full], s[:, full], w[:, full]


@dataclass
class TransientResult:
    """Per column, year and layer aggregates ``annual`` (ncol, nyear, NAGG, nsoil) in driver
    order (TMIN, TMAX, TMEAN, WMIN, WMAX, WMEAN, IMIN, IMAX, IMEAN), or None if not kept;
    years (nyear,); ``daily`` means at the daily columns (``DailyMeans``; ``daily_times``
    (nday,), ``daily_stc`` and ``daily_sh2o`` (ndaily, nday, nsoil)); ``classes`` (ncol,
    nclass) frozen-ground class of ``class_years``."""

    years: np.ndarray
    annual: np.ndarray | None
    daily: DailyMeans | None = None
    classes: np.ndarray | None = None
    class_years: np.ndarray | None = None

    def _daily(self, i):
        if self.daily is None:
            return None
        if not hasattr(self, "_daily_cache"):
            self._daily_cache = self.daily.arrays()
        return self._daily_cache[i]

    def load_daily(self) -> TransientResult:
        """Read the daily means now (before their spool is removed); returns self."""
        self._daily(0)
        return self

    @property
    def daily_times(self):
        return self._daily(0)

    @property
    def daily_stc(self):
        return self._daily(1)

    @property
    def daily_sh2o(self):
        return self._daily(2)


def _classes_of_year(prev: np.ndarray | None, cur: np.ndarray) -> np.ndarray:
    """Class of the year of ``cur`` (ncol, NAGG, nsoil) after the year ``prev`` (None: the
    first year of the run, UNDEFINED), exactly as ``classify`` over the whole run."""
    from noahperm.diagnostics.permafrost import classify

    if prev is None:
        return classify(cur[:, None, A_TMAX], cur[:, None, A_TMIN])[:, 0]
    return classify(np.stack([prev[:, A_TMAX], cur[:, A_TMAX]], axis=1),
                    np.stack([prev[:, A_TMIN], cur[:, A_TMIN]], axis=1))[:, 1]


def transient(model: Model, state: State, source, years: tuple[int, int],
              daily_columns: Sequence[int] = (), block_cells: int = 512,
              checkpoints: Checkpoints | None = None, progress: Progress | None = None, *,
              class_years: Sequence[int] = (), annual: bool = True,
              spool_daily: bool = False, day_offset_hours: float = 0.0) -> TransientResult:
    """Run ``years`` (inclusive) from ``state`` (updated in place to the final state).

    ``daily_columns``: columns with daily means (rows of the result's ``daily`` in this order;
    filled by the driver in the same pass as the annual aggregates), over the days of the
    time base ``day_offset_hours`` ahead of UTC (:func:`day_of_steps`). ``class_years``: years
    whose frozen-ground class is returned. ``annual``: keep the annual aggregates of every
    year. ``spool_daily``: daily means stay in the checkpoint files only.
    """
    ylist = list(range(years[0], years[1] + 1))
    ncol, nsoil = model.ncol, model.zsoil.size
    cyears = np.asarray(class_years, dtype=np.int64)
    if cyears.size and not ((cyears >= years[0]) & (cyears <= years[1])).all():
        raise ValueError(f"class years {cyears.tolist()} outside the run {years[0]}-{years[1]}")
    keep = np.full((ncol, len(ylist), NAGG, nsoil), np.nan) if annual else None
    classes = np.full((ncol, cyears.size), -1, np.int8) if cyears.size else None
    daily = np.asarray(daily_columns, dtype=np.int64)
    drow = np.full(ncol, -1, np.int64)
    drow[daily] = np.arange(daily.size)
    if daily.size and np.unique(daily).size != daily.size:
        raise ValueError("daily columns must be unique")
    dmeans = DailyMeans(checkpoints, spool_daily) if daily.size else None
    todo = blocks(model, block_cells)
    prev = None
    for iy, year in enumerate(ylist):
        ck = checkpoints.load(f"transient_{year}") if checkpoints else None
        dk = checkpoints.load(f"daily_{year}") if checkpoints and ck and daily.size else None
        if ck is not None and (dk is not None or not daily.size):
            log.info("transient year %d resumed from its checkpoint", year)
            state.put(slice(None), State.from_dict(ck))
            cur = ck["annual"]
            if dmeans is not None:
                dmeans.add(year, dk["daily_times"], dk["daily_stc"], dk["daily_sh2o"],
                           dk["daily_count"])
            del dk
        else:
            cur = np.empty((ncol, NAGG, nsoil))
            d_stc = d_sh2o = uday = dperiod = dcount = None
            for cells, idx in todo:
                sub = model.subset(idx)
                st = state.take(idx)
                times, data, f8 = block_forcing(model, source, cells, year, sub)
                del data
                agg, count = new_aggregates(idx.size, 1, nsoil)
                rows = drow[idx]
                mine = rows >= 0
                if mine.any():
                    if uday is None:
                        uday, dperiod = np.unique(day_of_steps(times, day_offset_hours),
                                                  return_inverse=True)
                        dperiod = dperiod.astype(np.int64)
                        d_stc = np.empty((daily.size, uday.size, nsoil))
                        d_sh2o = np.empty((daily.size, uday.size, nsoil))
                    dslot = np.full(idx.size, -1, np.int64)
                    dslot[mine] = np.arange(int(mine.sum()))
                    dagg, dcount = new_aggregates(int(mine.sum()), uday.size, nsoil)
                    run_chunk(sub, st, f8, times, np.zeros(times.size, np.int64), agg, count,
                              dperiod, dslot, dagg, dcount)
                    a = finish_aggregates(dagg, dcount)
                    d_stc[rows[mine]] = a[:, :, A_TSUM, :]
                    d_sh2o[rows[mine]] = a[:, :, A_WSUM, :]
                else:
                    run_chunk(sub, st, f8, times, np.zeros(times.size, np.int64), agg, count)
                del f8
                state.put(idx, st)
                cur[idx] = finish_aggregates(agg, count)[:, 0]
            if daily.size:
                if checkpoints:
                    checkpoints.save(f"daily_{year}", daily_times=uday, daily_stc=d_stc,
                                     daily_sh2o=d_sh2o, daily_count=dcount)
                dmeans.add(year, uday, d_stc, d_sh2o, dcount)
            if checkpoints:
                checkpoints.save(f"transient_{year}", **state.as_dict(), annual=cur)
            log.info("transient year %d done (%d columns)", year, ncol)
        if keep is not None:
            keep[:, iy] = cur
        if classes is not None and year in cyears:
            classes[:, np.flatnonzero(cyears == year)] = _classes_of_year(prev, cur)[:, None]
        prev = cur
        if progress:
            progress(iy + 1, len(ylist))
    return TransientResult(np.array(ylist), keep, dmeans, classes,
                           cyears if cyears.size else None)


# --------------------------------------------------------------------------------- a batch
@dataclass
class MemberResult:
    """One member of a batch: its cells' spin-up table (years, converged, dT_K, dice_mm) and
    spun-up state (None without spin-up), the final state, and the transient's responses
    (None without transient): annual aggregates, daily means at the daily cells, classes."""

    params: Mapping | None
    spinup_table: dict | None
    spun_up: State | None
    state: State
    transient: TransientResult | None


def run_batch(model: Model, source, *, start: Start, settings: SpinupSettings | None = None,
              years: tuple[int, int] | None = None, daily_cells: Sequence[int] = (),
              class_years: Sequence[int] = (), annual: bool = True, block_cells: int = 512,
              checkpoint_dir=None, identity: Mapping | None = None, spool_daily: bool = False,
              keep_spun_up: bool = True, day_offset_hours: float = 0.0,
              progress: Callable[[str], Progress] | None = None,
              params: Sequence[Mapping] | None = None) -> list[MemberResult]:
    """Spin-up (``start``: ``ColdSpinup``, ``WarmSpinup`` or, for none, ``FromState``) and
    transient (``years``; None: spin-up only) of every member of ``model``.

    ``daily_cells`` are cell positions (0..ncell-1) with daily means, in every member;
    ``class_years`` years whose frozen-ground class is returned; ``annual`` keeps the annual
    aggregates; ``day_offset_hours``: the daily means' days are those of this time base (hours
    ahead of UTC; :func:`day_of_steps`). ``checkpoint_dir`` makes the run resumable (identity: the model's fingerprint,
    the start, the settings, the responses and ``identity``). ``progress(label)`` returns a
    ``progress(i, n)`` callback.
    """
    k, n = model.members, model.ncell
    base = {"code": CODE_VERSION, "model": model.identity(), "start": start.identity(),
            **dict(identity or {})}
    ck_spin = ck_tr = None
    spun = table = None
    if isinstance(start, FromState):
        state = _per_column(model, start.state, "start state")
    else:
        if settings is None:
            raise ValueError("a spin-up needs its settings")
        spin_id = {"stage": "spinup", **base, "settings": settings.__dict__,
                   "block_cells": int(block_cells)}
        if checkpoint_dir is not None:
            ck_spin = Checkpoints(checkpoint_dir, spin_id)
        state, table = spinup(model, source, settings, start, block_cells, ck_spin,
                              progress and progress("spin-up"))
        log.info("spin-up of %d columns: %d converged, %d to %d years", model.ncol,
                 int(table["converged"].sum()), int(table["years"].min()),
                 int(table["years"].max()))
        base["spinup"] = spin_id
        spun = state.copy() if (keep_spun_up and years is not None) else state
    res = None
    if years is not None:
        dcells = np.asarray(daily_cells, dtype=np.int64)
        dcols = (np.arange(k)[:, None] * n + dcells[None, :]).ravel()
        tr_id = {"stage": "transient", **base, "years": [int(y) for y in years],
                 "daily": dcells.tolist(), "class_years": [int(y) for y in class_years],
                 "annual": bool(annual), "day_offset_hours": float(day_offset_hours)}
        if checkpoint_dir is not None:
            ck_tr = Checkpoints(checkpoint_dir, tr_id)
        res = transient(model, state, source, years, dcols, block_cells, ck_tr,
                        progress and progress("transient"), class_years=class_years,
                        annual=annual, spool_daily=spool_daily,
                        day_offset_hours=day_offset_hours)
    out = []
    for m in range(k):
        cols = np.arange(m * n, (m + 1) * n)
        tr = None
        if res is not None:
            rows = np.arange(m * dcells.size, (m + 1) * dcells.size)
            tr = TransientResult(res.years, None if res.annual is None else res.annual[cols],
                                 res.daily.select(rows) if res.daily is not None else None,
                                 None if res.classes is None else res.classes[cols],
                                 res.class_years)
        out.append(MemberResult(
            None if params is None else params[m],
            None if table is None else {key: v[cols] for key, v in table.items()},
            None if spun is None or not keep_spun_up else spun.take(cols),
            state.take(cols), tr))
    return out

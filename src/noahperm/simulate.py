"""Grid simulation: spin-up by cycling the first years of forcing, then the transient run.

The engine works on a set of model columns (cells, or cells x parameter sets) and any source
of forcing with ``read(cells, year) -> (times, data)`` (``ZarrForcing`` streams the forcing
cache; tests use in-memory sources). Memory is bounded: cells are processed in blocks of
``block_cells``; the spin-up holds the cycle years of one block, the transient one year of one
block. Every column is independent, so results do not depend on the block size or the
number of threads, and a run restarted from a checkpoint continues bit for bit.

Spin-up (paper section 2.2): the forcing of ``cycle_years`` (1979-1983) is repeated from a
documented initial state (``initial_state``) until, for ``stable_cycles`` consecutive cycles,
the cycle-mean temperature of every layer changes by less than ``tol_temperature_K`` and the
cycle-mean column ice by less than ``tol_ice_mm``, after at least ``min_years`` and at most
``max_years`` simulated years (paper: 500). A converged column stops cycling (its state is
final); the table of years run, convergence and the last changes is kept per column. Plain
cycling only: no acceleration.

Transient: year by year from the spun-up state; per column, year and layer the annual
minimum, maximum and mean of temperature [K], liquid water and ice [m3 m-3] (driver
aggregates); optionally daily means at selected columns (observation sites).

Checkpoints (``Checkpoints``): after each spin-up block and each transient year the state is
written atomically to ``<dir>/*.npz`` with a hash of the run configuration; a rerun resumes
from the last valid checkpoint and ignores those of another configuration.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from noahperm.columns import ColumnArrays
from noahperm.kernel import layout as L
from noahperm.kernel.driver import (
    A_ISUM,
    A_TSUM,
    A_WSUM,
    NAGG,
    STATUS_OK,
    count_periods,
    finish_aggregates,
    new_aggregates,
    run_columns,
)
from noahperm.kernel.soil_heat import frh2o
from noahperm.pointio import month_weights

log = logging.getLogger(__name__)

DT = 10800.0  # model time step [s]
T0 = 273.15


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

    def take(self, idx) -> State:
        return State(*(np.ascontiguousarray(a[idx]) for a in self.arrays()))

    def put(self, idx, other: State) -> None:
        for a, b in zip(self.arrays(), other.arrays(), strict=True):
            a[idx] = b

    def arrays(self):
        return self.sstate, self.stc, self.smc, self.sh2o

    def copy(self) -> State:
        return State(*(a.copy() for a in self.arrays()))

    def as_dict(self, prefix: str = "") -> dict[str, np.ndarray]:
        return {prefix + k: v for k, v in zip(("sstate", "stc", "smc", "sh2o"), self.arrays(),
                                               strict=True)}

    @classmethod
    def from_dict(cls, d, prefix: str = "") -> State:
        return cls(*(np.array(d[prefix + k]) for k in ("sstate", "stc", "smc", "sh2o")))


def initial_state(cols: ColumnArrays, zsoil: np.ndarray, t_surface: np.ndarray) -> State:
    """The spin-up's initial state.

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
            if stc[c, k] < T0:
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
    """Forcing source on the forcing cache (``noahperm.forcing.cache``); ``cells`` are
    domain cell numbers."""

    def __init__(self, path, cell_ids):
        from noahperm.forcing.cache import open_forcing

        self.ds = open_forcing(path)
        self.cell_ids = np.asarray(cell_ids)

    def read(self, cells, year):
        from noahperm.forcing.cache import iter_forcing

        blocks = list(iter_forcing(self.ds, self.cell_ids[np.asarray(cells)],
                                   f"{year}-01-01", f"{year + 1}-01-01"))
        if len(blocks) != 1:
            raise SimulationError(f"the forcing cache has no complete year {year}")
        return blocks[0].times, blocks[0].data


def progress_bar(label: str):
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
@dataclass
class Model:
    """Columns to run: kernel parameters, layers, green fraction and labels for messages."""

    cols: ColumnArrays
    zsoil: np.ndarray  # (nsoil,) layer bottoms [m, negative]
    green_monthly: np.ndarray  # (ncol, 12)
    labels: Sequence[str] = field(default_factory=list)  # per column, for error messages

    @property
    def ncol(self) -> int:
        return self.cols.par.shape[0]

    def subset(self, idx) -> Model:
        cols = self.cols.take(idx)
        labels = [self.labels[i] for i in np.atleast_1d(idx)] if self.labels else []
        return Model(cols, self.zsoil, self.green_monthly[idx], labels)


def run_chunk(model: Model, state: State, forcing8: np.ndarray, times: np.ndarray,
              period: np.ndarray, agg: np.ndarray, count: np.ndarray) -> None:
    """Advance ``state`` (updated in place) over one chunk of forcing with aggregation."""
    ncol = model.ncol
    nsoil = model.zsoil.size
    status = np.zeros(ncol, dtype=np.int64)
    fail = np.full(ncol, -1, dtype=np.int64)
    empty_s = np.empty((0, ncol, L.NSTATE + 3 * nsoil))
    empty_d = np.empty((0, ncol, L.NDIAG))
    zsoil = np.ascontiguousarray(np.broadcast_to(model.zsoil, (ncol, nsoil)))
    run_columns(state.sstate, state.stc, state.smc, state.sh2o, forcing8, model.cols.par,
                model.cols.soilp, model.cols.stype, model.cols.soilidx, zsoil, DT, period, agg,
                status, fail, empty_s, empty_d)
    count_periods(period, count)
    bad = np.flatnonzero(status != STATUS_OK)
    if bad.size:
        c = int(bad[0])
        what = {1: "snow density SNEQV/SNOWH > 1", 2: "NaN or infinite state"}.get(
            int(status[c]), "failure")
        label = model.labels[c] if model.labels else f"column {c}"
        raise SimulationError(f"{label} failed at {times[fail[c]]} ({what}); "
                              f"{bad.size} column(s) failed in this chunk")


# ----------------------------------------------------------------------------- checkpoints
class Checkpoints:
    """Atomic ``.npz`` checkpoints in a directory, tied to a configuration hash."""

    def __init__(self, directory, config: dict):
        self.dir = Path(directory) if directory is not None else None
        self.hash = hashlib.sha256(json.dumps(config, sort_keys=True, default=str)
                                   .encode()).hexdigest()[:16]
        if self.dir is not None:
            self.dir.mkdir(parents=True, exist_ok=True)

    def save(self, name: str, **arrays) -> None:
        if self.dir is None:
            return
        tmp = self.dir / f".{name}.{uuid.uuid4().hex}.tmp.npz"
        with open(tmp, "wb") as fh:
            np.savez(fh, _config_hash=np.array(self.hash), **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.dir / f"{name}.npz")

    def clear(self) -> None:
        """Remove this directory's checkpoints (after the stage's products are complete)."""
        if self.dir is None:
            return
        for path in self.dir.glob("*.npz"):
            path.unlink(missing_ok=True)
        try:
            self.dir.rmdir()
        except OSError:
            pass

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


# --------------------------------------------------------------------------------- spin-up
@dataclass
class SpinupSettings:
    cycle_years: tuple[int, int] = (1979, 1983)
    max_years: int = 500
    min_years: int = 10
    tol_temperature_K: float = 0.01
    tol_ice_mm: float = 1.0
    stable_cycles: int = 2
    block_cells: int = 512


def _cycle_means(agg, count, zsoil):
    """Cycle-mean layer temperature [K] and column ice [mm] from one cycle's aggregates."""
    a = finish_aggregates(agg.copy(), count)
    tmean = np.average(a[:, :, A_TSUM, :], axis=1, weights=count)
    dz = -np.diff(np.concatenate([[0.0], zsoil]))
    ice = np.average(a[:, :, A_ISUM, :], axis=1, weights=count) @ dz * 1000.0
    return tmean, ice


def spinup(model: Model, state: State, source, settings: SpinupSettings,
           checkpoints: Checkpoints | None = None,
           progress: Callable[[int, int], None] | None = None):
    """Spin every column up (in place in ``state``); returns the convergence table (dict of
    (ncol,) arrays: years, converged, dT_K, dice_mm)."""
    y0, y1 = settings.cycle_years
    years = list(range(y0, y1 + 1))
    ncycle_years = len(years)
    ncol, nsoil = model.ncol, model.zsoil.size
    table = {"years": np.zeros(ncol, np.int64), "converged": np.zeros(ncol, bool),
             "dT_K": np.full(ncol, np.nan), "dice_mm": np.full(ncol, np.nan)}
    max_cycles = max(1, settings.max_years // ncycle_years)
    min_cycles = max(1, -(-settings.min_years // ncycle_years))
    blocks = [np.arange(a, min(a + settings.block_cells, ncol))
              for a in range(0, ncol, settings.block_cells)]
    for b, idx in enumerate(blocks):
        done = checkpoints.load(f"spinup_block{b:05d}") if checkpoints else None
        if done is not None:
            state.put(idx, State.from_dict(done))
            for k in table:
                table[k][idx] = done["table_" + k]
            if progress:
                progress(b + 1, len(blocks))
            continue
        sub = model.subset(idx)
        st = state.take(idx)
        forcing = []
        for y in years:
            times, data = source.read(idx, y)
            forcing.append((times, with_green_fraction(data, times, sub.green_monthly)))
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
                progress(b + cyc / max_cycles, len(blocks))
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
            progress(b + 1, len(blocks))
        log.info("spin-up block %d/%d: %d of %d columns converged", b + 1, len(blocks),
                 int(table["converged"][idx].sum()), idx.size)
    return table


# ------------------------------------------------------------------------------- transient
@dataclass
class TransientResult:
    """Per column, year and layer aggregates (ncol, nyear, NAGG, nsoil) in driver order
    (TMIN, TMAX, TMEAN, WMIN, WMAX, WMEAN, IMIN, IMAX, IMEAN); years (nyear,); daily means at
    the ``daily`` columns: times (nday,), stc and sh2o (ndaily, nday, nsoil)."""

    years: np.ndarray
    annual: np.ndarray
    daily_times: np.ndarray | None = None
    daily_stc: np.ndarray | None = None
    daily_sh2o: np.ndarray | None = None


def transient(model: Model, state: State, source, years: tuple[int, int],
              daily_columns: Sequence[int] = (), block_cells: int = 512,
              checkpoints: Checkpoints | None = None,
              progress: Callable[[int, int], None] | None = None) -> TransientResult:
    """Run ``years`` (inclusive) from ``state`` (updated in place to the final state)."""
    ylist = list(range(years[0], years[1] + 1))
    ncol, nsoil = model.ncol, model.zsoil.size
    annual = np.full((ncol, len(ylist), NAGG, nsoil), np.nan)
    daily = np.asarray(daily_columns, dtype=np.int64)
    d_times, d_stc, d_sh2o = [], [], []
    blocks = [np.arange(a, min(a + block_cells, ncol)) for a in range(0, ncol, block_cells)]
    dstate = state.take(daily) if daily.size else None
    for iy, year in enumerate(ylist):
        ck = checkpoints.load(f"transient_{year}") if checkpoints else None
        if ck is not None:
            state.put(slice(None), State.from_dict(ck))
            annual[:, iy] = ck["annual"]
            if daily.size:
                dstate = State.from_dict(ck, "dstate_")
                d_times.append(ck["daily_times"])
                d_stc.append(ck["daily_stc"])
                d_sh2o.append(ck["daily_sh2o"])
            if progress:
                progress(iy + 1, len(ylist))
            continue
        for idx in blocks:
            sub = model.subset(idx)
            st = state.take(idx)
            times, data = source.read(idx, year)
            f8 = with_green_fraction(data, times, sub.green_monthly)
            agg, count = new_aggregates(idx.size, 1, nsoil)
            run_chunk(sub, st, f8, times, np.zeros(times.size, np.int64), agg, count)
            state.put(idx, st)
            annual[idx, iy] = finish_aggregates(agg, count)[:, 0]
        extra = {}
        if daily.size:
            sub = model.subset(daily)
            times, data = source.read(daily, year)
            f8 = with_green_fraction(data, times, sub.green_monthly)
            days = times.astype("datetime64[D]")
            uday, period = np.unique(days, return_inverse=True)
            agg, count = new_aggregates(daily.size, uday.size, nsoil)
            run_chunk(sub, dstate, f8, times, period.astype(np.int64), agg, count)
            a = finish_aggregates(agg, count)
            d_times.append(uday)
            d_stc.append(a[:, :, A_TSUM, :])
            d_sh2o.append(a[:, :, A_WSUM, :])
            extra = {"daily_times": uday, "daily_stc": d_stc[-1], "daily_sh2o": d_sh2o[-1],
                     **dstate.as_dict("dstate_")}
        if checkpoints:
            checkpoints.save(f"transient_{year}", **state.as_dict(), annual=annual[:, iy], **extra)
        if progress:
            progress(iy + 1, len(ylist))
        log.info("transient year %d done (%d columns)", year, ncol)
    res = TransientResult(np.array(ylist), annual)
    if daily.size:
        res.daily_times = np.concatenate(d_times)
        res.daily_stc = np.concatenate(d_stc, axis=1)
        res.daily_sh2o = np.concatenate(d_sh2o, axis=1)
    return res

"""The parallel driver: many columns x many steps, each column with its own parameters.

``run_columns`` advances ``ncol`` independent columns over ``nstep`` steps
(``prange`` over columns; the physics is ``column.column_step``). Columns may
be grid cells, parameter sets, or both (calibration and sensitivity tile
cells x parameter sets into columns). Forcing is passed in chunks of steps, so
long runs stream it: call ``run_columns`` repeatedly on consecutive chunks
with the same state arrays and accumulators.

On-line aggregation: each step belongs to a period (``period[t]``, e.g. the
year index; -1 = not aggregated) and the driver accumulates per column,
period and layer the minimum, maximum and sum of soil temperature [K],
liquid water and ice [m3 m-3], plus the step count, without keeping the
steps. ``finish_aggregates`` turns sums into means.

A second, optional accumulator is filled in the same step loop, for a subset
of the columns and periods of its own (e.g. the days of the year at the
observation sites, while ``agg`` takes the year of every column): ``dslot[c]``
is column ``c``'s row in ``dagg`` (-1: none; rows are unique) and
``dperiod[t]`` the period of step ``t`` in ``dagg`` (-1: none). So daily means
at a few columns cost no second simulation of those columns. Pass
``no_daily(...)`` (empty arrays) when it is not wanted. Both accumulators use
the same arithmetic (``_accumulate``), so a daily mean is bit for bit the one a
separate run of the column with daily periods gives.

Optional traces keep every step of every column (point runs, tests):
``trace_state`` (nstep, ncol, NSTATE + 3 nsoil) and ``trace_diag`` (nstep,
ncol, NDIAG); pass arrays with a zero first dimension to skip them.

Results do not depend on the number of threads: columns never interact and
each column's arithmetic is sequential.
"""

import numpy as np
from numba import njit, prange

from ._jit import JIT_OPTIONS, jit
from .branches import NEFF, NWORK
from .column import column_step, prepare_column
from .layout import NDIAG, NFORC, NSTATE

# aggregate slots (axis 2 of ``agg``)
A_TMIN, A_TMAX, A_TSUM, A_WMIN, A_WMAX, A_WSUM, A_IMIN, A_IMAX, A_ISUM = range(9)
NAGG = 9
AGG_NAMES = ("TMIN", "TMAX", "TMEAN", "WMIN", "WMAX", "WMEAN", "IMIN", "IMAX", "IMEAN")

STATUS_OK = 0
STATUS_SNOW_DENSITY = 1  # SNEQV/SNOWH > 1 on entry to a step
STATUS_NONFINITE = 2  # the state became NaN or infinite


def no_daily(nsoil):
    """Empty ``dperiod``, ``dslot``, ``dagg`` for ``run_columns``: no second accumulator."""
    return (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64),
            np.empty((0, 0, NAGG, nsoil)))


def new_aggregates(ncol, nperiod, nsoil):
    """Accumulators for ``run_columns``: agg (ncol, nperiod, NAGG, nsoil), count (nperiod,)."""
    agg = np.zeros((ncol, nperiod, NAGG, nsoil))
    for slot in (A_TMIN, A_WMIN, A_IMIN):
        agg[:, :, slot, :] = np.inf
    for slot in (A_TMAX, A_WMAX, A_IMAX):
        agg[:, :, slot, :] = -np.inf
    return agg, np.zeros(nperiod, dtype=np.int64)


def finish_aggregates(agg, count):
    """Turn the sums of ``agg`` into means (in place); periods with no step become NaN."""
    with np.errstate(invalid="ignore", divide="ignore"):
        for slot in (A_TSUM, A_WSUM, A_ISUM):
            agg[:, :, slot, :] /= count[None, :, None]
    empty = count == 0
    agg[:, empty, :, :] = np.nan
    return agg


@jit
def _finite(sstate, stc, smc, sh2o):
    for j in range(sstate.shape[0]):
        if not np.isfinite(sstate[j]):
            return False
    for k in range(stc.shape[0]):
        if not (np.isfinite(stc[k]) and np.isfinite(smc[k]) and np.isfinite(sh2o[k])):
            return False
    return True


@jit
def _accumulate(a, t, m, w):
    """Add one step's layers to the aggregates ``a`` (NAGG, nsoil) of a column and period."""
    for k in range(t.shape[0]):
        ice = m[k] - w[k]
        a[A_TMIN, k] = min(a[A_TMIN, k], t[k])
        a[A_TMAX, k] = max(a[A_TMAX, k], t[k])
        a[A_TSUM, k] += t[k]
        a[A_WMIN, k] = min(a[A_WMIN, k], w[k])
        a[A_WMAX, k] = max(a[A_WMAX, k], w[k])
        a[A_WSUM, k] += w[k]
        a[A_IMIN, k] = min(a[A_IMIN, k], ice)
        a[A_IMAX, k] = max(a[A_IMAX, k], ice)
        a[A_ISUM, k] += ice


@njit(parallel=True, **JIT_OPTIONS)
def run_columns(sstate, stc, smc, sh2o, forcing, par, soilp, stype, soilidx, zsoil, dt,
                period, agg, dperiod, dslot, dagg, status, fail_step, trace_state, trace_diag):
    """Advance all columns over the steps of ``forcing``; returns nothing, updates in place.

    sstate (ncol, NSTATE), stc/smc/sh2o (ncol, nsoil): state, updated.
    forcing (ncol, nstep, NFORC): float64 or float32, layout F_*.
    par (ncol, NPAR), soilp (ncol, nsoil, NSOILP), stype (ncol, nsoil) int,
    soilidx (ncol, NSOILP), zsoil (ncol, nsoil) [m, negative], dt [s].
    period (nstep,) int: aggregation period of each step (-1: none);
    agg (ncol, nperiod, NAGG, nsoil): accumulators (see ``new_aggregates``).
    dperiod (nstep,) int, dslot (ncol,) int, dagg (ndaily, ndperiod, NAGG, nsoil): the
    second accumulator (step -> period, column -> row; -1 = none); unused when dagg has no
    rows (``no_daily``).
    status (ncol,) int, fail_step (ncol,) int: a column whose status is not
    STATUS_OK is skipped; on failure the failing step index is recorded and
    the state is left as it was before that step.
    trace_state (ntrace, ncol, NSTATE + 3 nsoil), trace_diag (ntrace, ncol,
    NDIAG): every step is stored when ntrace >= nstep.
    """
    ncol = sstate.shape[0]
    nsoil = stc.shape[1]
    nstep = forcing.shape[1]
    do_trace = trace_state.shape[0] >= nstep and nstep > 0
    do_daily = dagg.shape[0] > 0
    for c in prange(ncol):
        if status[c] != 0:
            continue
        forc = np.empty(NFORC)
        diag = np.empty(NDIAG)
        eff = np.empty(NEFF)
        parv = np.empty(5)
        wk = np.zeros((NWORK, nsoil))
        save_s = np.empty(NSTATE)
        save_t = np.empty(nsoil)
        save_m = np.empty(nsoil)
        save_w = np.empty(nsoil)
        prepare_column(par[c], soilp[c], stype[c], soilidx[c], zsoil[c], eff, wk)
        s = sstate[c]
        t = stc[c]
        m = smc[c]
        w = sh2o[c]
        for n in range(nstep):
            for j in range(NFORC):
                forc[j] = forcing[c, n, j]
            save_s[:] = s
            save_t[:] = t
            save_m[:] = m
            save_w[:] = w
            rc = column_step(s, t, m, w, forc, par[c], soilp[c], stype[c], soilidx[c], zsoil[c],
                             dt, diag, eff, parv, wk)
            if rc == 0 and not _finite(s, t, m, w):
                rc = STATUS_NONFINITE
            if rc != 0:
                s[:] = save_s
                t[:] = save_t
                m[:] = save_m
                w[:] = save_w
                status[c] = rc
                fail_step[c] = n
                break
            p = period[n]
            if p >= 0:
                _accumulate(agg[c, p], t, m, w)
            if do_daily and dslot[c] >= 0 and dperiod[n] >= 0:
                _accumulate(dagg[dslot[c], dperiod[n]], t, m, w)
            if do_trace:
                ts = trace_state[n, c]
                for j in range(NSTATE):
                    ts[j] = s[j]
                for k in range(nsoil):
                    ts[NSTATE + k] = t[k]
                    ts[NSTATE + nsoil + k] = m[k]
                    ts[NSTATE + 2 * nsoil + k] = w[k]
                td = trace_diag[n, c]
                for j in range(NDIAG):
                    td[j] = diag[j]


def count_periods(period, count):
    """Add the number of steps of each period in ``period`` to ``count`` (in place)."""
    valid = period[period >= 0]
    count += np.bincount(valid, minlength=count.size)[: count.size]
    return count

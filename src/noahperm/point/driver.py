"""The point run's driver: one column, every step kept, no threads.

:func:`run_column` is :func:`noahperm.kernel.driver.run_columns` for a single column with both
traces and without the aggregates: the same physics (``prepare_column`` once, then
``column_step`` per step), the same finiteness check and the same failure handling (the state
is left as it was before the failing step). It exists because a point run needs nothing else:
the parallel driver would load Numba's threading layer and start a thread pool for one column,
and its compiled form (with the aggregation and the parallel loop) is larger to load from the
cache. Results are bit for bit those of ``run_columns`` (``tests/test_point_speed.py``).

Compiled with the kernel's options (:data:`noahperm.kernel._jit.JIT_OPTIONS`, ``cache=True``)
into the kernel's cache directory (``noahperm.kernel.CACHE_DIR``, named after a hash of the
kernel sources, so an edit of the physics recompiles this too). The point run's ahead-of-time
build (:mod:`noahperm.point.aot`) exports this same function, compiled by ``numba.pycc``.
"""

import numpy as np

from noahperm.kernel._jit import jit
from noahperm.kernel.branches import NEFF, NWORK
from noahperm.kernel.column import column_step, prepare_column
from noahperm.kernel.driver import STATUS_NONFINITE, _finite
from noahperm.kernel.layout import NDIAG, NFORC, NSTATE


@jit
def run_column(sstate, stc, smc, sh2o, forcing, par, soilp, stype, soilidx, zsoil, dt,
               trace_state, trace_diag):
    """Advance one column over the steps of ``forcing``; returns ``(status, fail_step)``.

    sstate (NSTATE,), stc/smc/sh2o (nsoil,): state, updated in place.
    forcing (nstep, NFORC) float64, layout F_*; par (NPAR,), soilp (nsoil, NSOILP),
    stype (nsoil,) int, soilidx (NSOILP,), zsoil (nsoil,) [m, negative], dt [s].
    trace_state (nstep, NSTATE + 3 nsoil), trace_diag (nstep, NDIAG): filled step by step.
    status is 0 (STATUS_OK) or the failure code of ``run_columns``; fail_step the index of
    the failing step (-1: none), whose state and later trace rows are left untouched.
    """
    nsoil = stc.shape[0]
    nstep = forcing.shape[0]
    forc = np.empty(NFORC)
    diag = np.empty(NDIAG)
    eff = np.empty(NEFF)
    parv = np.empty(5)
    wk = np.zeros((NWORK, nsoil))
    save_s = np.empty(NSTATE)
    save_t = np.empty(nsoil)
    save_m = np.empty(nsoil)
    save_w = np.empty(nsoil)
    prepare_column(par, soilp, stype, soilidx, zsoil, eff, wk)
    s = sstate
    t = stc
    m = smc
    w = sh2o
    for n in range(nstep):
        for j in range(NFORC):
            forc[j] = forcing[n, j]
        save_s[:] = s
        save_t[:] = t
        save_m[:] = m
        save_w[:] = w
        rc = column_step(s, t, m, w, forc, par, soilp, stype, soilidx, zsoil, dt, diag, eff,
                         parv, wk)
        if rc == 0 and not _finite(s, t, m, w):
            rc = STATUS_NONFINITE
        if rc != 0:
            s[:] = save_s
            t[:] = save_t
            m[:] = save_m
            w[:] = save_w
            return rc, n
        ts = trace_state[n]
        for j in range(NSTATE):
            ts[j] = s[j]
        for k in range(nsoil):
            ts[NSTATE + k] = t[k]
            ts[NSTATE + nsoil + k] = m[k]
            ts[NSTATE + 2 * nsoil + k] = w[k]
        td = trace_diag[n]
        for j in range(NDIAG):
            td[j] = diag[j]
    return 0, -1

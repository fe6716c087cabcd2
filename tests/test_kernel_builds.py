"""The kernel's two builds (noahperm.kernel.variants): ``reference`` and ``fast``.

The fast build compiles the same source files with ``FAST = True`` (algebraically equal forms
of the powers of WDFCND_NY06, TDFCND_C05 and FRH2O). Checks:

(a) it is a different compilation (its 5-year runs differ from the reference's), and its
    distance from the Fortran (``output_O2.txt``, the largest difference of monthly-mean STC over
    layers and months) lies within the spread of the model's own round-off noise: the same
    distance for reference runs whose first air temperature is changed by +-k 1e-9 K
    (k = 1..12; ``../shared/reference/*/CASE.md`` section 7 measures one such run). Monthly
    liquid water stays within the free-run test's 0.005 m3 m-3;
(b) the two builds never share compiled code: separate cache directories, and the reference
    build stays bit for bit itself after the fast one has been compiled and run, in this process
    and in a fresh one that loads both from the on-disk caches;
(c) ``simulation.kernel`` selects the build of the member engine: its runs differ from the
    reference's, are deterministic, and the build enters the model's identity (checkpoints).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import cases
from noahperm.kernel import layout as L
from noahperm.kernel import variants
from noahperm.kernel.driver import A_TSUM, A_WSUM, finish_aggregates, new_aggregates, no_daily
from noahperm.model.columns import build_columns
from noahperm.model.tables import load_tables
from noahperm.point.run import column_spec, initial_state

pytestmark = pytest.mark.reference

#: air-temperature changes of the first record [K] of the reference ensemble
PERTURBATIONS = np.array([s * k * 1e-9 for k in range(1, 13) for s in (1.0, -1.0)])


def monthly_means(inp, build: str, dtemp) -> tuple[np.ndarray, np.ndarray]:
    """Monthly-mean STC [K] and SH2O [m3 m-3], (ncol, nmonth, nsoil), of the point case ``inp``
    run once per entry of ``dtemp`` (added to the first record's air temperature), all columns
    in one call of build ``build``'s parallel driver."""
    ncol = len(dtemp)
    cols = build_columns([column_spec(inp)] * ncol, load_tables(), "reference")
    s, stc, smc, sh2o = initial_state(inp)
    forcing = np.repeat(np.asarray(inp.forcing, np.float64)[None], ncol, axis=0)
    forcing[:, 0, L.F_SFCTMP] += np.asarray(dtemp)
    months = inp.times.astype("datetime64[M]")
    period = np.searchsorted(np.unique(months), months).astype(np.int64)
    nsoil = inp.nsoil
    agg, count = new_aggregates(ncol, int(period.max()) + 1, nsoil)
    count[:] = np.bincount(period)
    status = np.zeros(ncol, dtype=np.int64)
    fail = np.full(ncol, -1, dtype=np.int64)
    variants.driver(build).run_columns(
        np.repeat(s[None], ncol, 0), np.repeat(stc[None], ncol, 0), np.repeat(smc[None], ncol, 0),
        np.repeat(sh2o[None], ncol, 0), forcing, cols.par, cols.soilp, cols.stype, cols.soilidx,
        np.repeat(inp.zsoil[None].astype(np.float64), ncol, 0), float(inp.dt), period, agg,
        *no_daily(nsoil), status, fail, np.empty((0, ncol, L.NSTATE + 3 * nsoil)),
        np.empty((0, ncol, L.NDIAG)))
    assert (status == 0).all()
    a = finish_aggregates(agg, count)
    return a[:, :, A_TSUM, :], a[:, :, A_WSUM, :]


@pytest.mark.parametrize("name", cases.CASES)
def test_fast_build_lies_within_the_models_round_off_noise(name):
    c = cases.case(name)
    months = c.inp.times.astype("datetime64[M]")
    ref_stc = cases.monthly_means(c.inp.times, c.out["STC"])
    ref_sh2o = cases.monthly_means(c.inp.times, c.out["SH2O"])
    assert ref_stc.shape[0] == np.unique(months).size
    t_ref, w_ref = monthly_means(c.inp, "reference", np.concatenate([[0.0], PERTURBATIONS]))
    t_fast, w_fast = monthly_means(c.inp, "fast", [0.0])
    noise = np.abs(t_ref[1:] - ref_stc).max(axis=(1, 2))
    fast = np.abs(t_fast[0] - ref_stc).max()
    print(f"\n{name}: max monthly |dSTC| against output_O2: fast build {fast:.4f} K; reference "
          f"build {np.abs(t_ref[0] - ref_stc).max():.4f} K; reference with the first air "
          f"temperature +-k 1e-9 K: min {noise.min():.4f}, median {np.median(noise):.4f}, "
          f"max {noise.max():.4f} K ({noise.size} runs); fast - reference "
          f"{np.abs(t_fast[0] - t_ref[0]).max():.4f} K")
    assert not np.array_equal(t_fast[0], t_ref[0])  # another compilation, not the reference
    assert fast <= noise.max()
    assert np.abs(w_fast[0] - ref_sh2o).max() < 0.005


def test_builds_have_separate_caches():
    from noahperm.kernel import CACHE_DIR
    from noahperm.kernel.driver import run_columns

    fast = variants.kernel("fast")
    assert fast.CACHE_DIR == variants.fast_cache_dir() != CACHE_DIR
    assert fast.soil_water.FAST and not variants.kernel("reference").soil_water.FAST
    ref_path = Path(run_columns._cache._cache_path)
    fast_path = Path(fast.driver.run_columns._cache._cache_path)
    assert ref_path.is_relative_to(CACHE_DIR) and fast_path.is_relative_to(fast.CACHE_DIR)
    assert variants.kernel("fast") is fast  # compiled once per process
    with pytest.raises(ValueError, match="unknown kernel build"):
        variants.kernel("fastest")


CHECK = """
import sys
sys.path.insert(0, {tests!r})
import numpy as np
import test_kernel_builds as T, cases
c = cases.case("tgl")
inp = c.inp
fast, _ = T.monthly_means(inp, "fast", [0.0])
ref, _ = T.monthly_means(inp, "reference", [0.0])
np.save({out!r}, np.stack([ref[0], fast[0]]))
"""


def test_reference_build_stays_itself_after_the_fast_one(tmp_path):
    """In this process and in a fresh one (the fast build loaded first, both from the on-disk
    caches the other tests filled), the reference build gives the point driver's result."""
    c = cases.case("tgl")
    point = cases.monthly_means(c.inp.times, cases.free_run("tgl").soil("STC"))
    variants.kernel("fast")
    here, _ = monthly_means(c.inp, "reference", [0.0])
    out = tmp_path / "monthly.npy"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")])}
    subprocess.run([sys.executable, "-c", CHECK.format(tests=str(Path(__file__).parent),
                                                       out=str(out))], check=True, env=env)
    ref, fast = np.load(out)
    # monthly means of the same steps: aggregates and numpy sum in different orders
    assert np.abs(here[0] - point).max() < 1e-9
    assert np.array_equal(ref, here[0])
    assert not np.array_equal(fast, ref)


def test_member_engine_runs_the_configured_build():
    from noahperm.simulation import engine as S
    from noahperm.simulation.members import simulation_config

    assert simulation_config({})["kernel"] == "reference"
    c = cases.case("sfg")
    inp = c.inp
    cols = build_columns([column_spec(inp)] * 2, load_tables(), "reference")
    green = np.repeat(inp.shdfac_monthly[None], 2, 0)
    data = np.repeat(inp.forcing[None, : 2 * 2920, : L.NFORC - 1], 2, axis=0).copy()
    data[1, :, L.F_SFCTMP] += 1.0
    source = S.ArrayForcing(inp.times[: 2 * 2920], data)
    start = S.FromState(S.State(*(np.repeat(x[None], 2, 0) for x in initial_state(inp))))
    results = {}
    for build in ("reference", "fast", "fast"):
        model = S.Model(cols, inp.zsoil, green, ["a", "b"], kernel=build)
        [res] = S.run_batch(model, source, start=start, years=(2001, 2001))
        results.setdefault(build, []).append((model.identity(), res.transient.annual))
    (id_ref, a_ref), = results["reference"]
    (id_f1, a_f1), (id_f2, a_f2) = results["fast"]
    assert id_ref != id_f1 == id_f2
    assert np.array_equal(a_f1, a_f2)  # deterministic
    assert not np.array_equal(a_ref, a_f1)
    assert np.abs(a_ref[..., A_TSUM, :] - a_f1[..., A_TSUM, :]).max() < 0.05

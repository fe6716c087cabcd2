"""Jitted and pure-Python (``NUMBA_DISABLE_JIT=1``) runs agree; the pure-Python pass is clean
under ``np.seterr(all="raise")`` (no division by zero, overflow or invalid operation anywhere
in the physics).

The pure-Python run is a subprocess (the variable must be set before Numba is imported). It runs
the first 60 days of both reference cases (winter: snow, frozen soil, phase change) through the
same driver and point-run code as the jitted run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import cases
from noahperm.point.run import run_point

NSTEP = 480  # 60 days of 3 h steps
HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"

SCRIPT = f"""
import sys
import numpy as np
np.seterr(all="raise")
import numba
import cases
from noahperm.kernel.column import column_step
assert numba.config.DISABLE_JIT and not hasattr(column_step, "py_func"), "JIT still active"
from noahperm.point.run import run_point
out = {{}}
for name in cases.CASES:
    c = cases.case(name)
    inp = type(c.inp)(**{{**c.inp.__dict__, "times": c.inp.times[:{NSTEP}],
                          "forcing": c.inp.forcing[:{NSTEP}]}})
    res = run_point(inp)
    assert res.status == 0, (name, res.status, res.fail_step)
    out[name + "_state"] = res.state
    out[name + "_diag"] = res.diag
np.savez(sys.argv[1], **out)
"""


def truncated(name):
    c = cases.case(name)
    return type(c.inp)(**{**c.inp.__dict__, "times": c.inp.times[:NSTEP],
                          "forcing": c.inp.forcing[:NSTEP]})


@pytest.fixture(scope="module")
def nojit_results(tmp_path_factory):
    for name in cases.CASES:
        cases.case(name)  # unpack (or skip/fail) in this process first
    out = tmp_path_factory.mktemp("nojit") / "nojit.npz"
    env = dict(os.environ, NUMBA_DISABLE_JIT="1",
               PYTHONPATH=os.pathsep.join([str(HERE), str(SRC), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-c", SCRIPT, str(out)], env=env, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return np.load(out)


@pytest.mark.parametrize("name", cases.CASES)
def test_jit_and_nojit_agree(name, nojit_results):
    res = run_point(truncated(name))
    state = nojit_results[name + "_state"]
    diag = nojit_results[name + "_diag"]
    d_state = np.abs(res.state - state)
    scale = np.maximum(np.abs(state), 1e-12)
    rel = (d_state / scale).max()
    print(f"\n{name}: max |jit - nojit| over {NSTEP} steps: state {d_state.max():.3e} "
          f"(rel {rel:.3e}), diagnostics {np.nanmax(np.abs(res.diag - diag)):.3e}")
    # the same IEEE operations in the same order: identical up to libm/LLVM rounding
    assert np.allclose(res.state, state, rtol=1e-10, atol=1e-10)
    assert np.allclose(res.diag, diag, rtol=1e-9, atol=1e-9, equal_nan=True)


def test_nojit_pass_was_clean_under_seterr_raise(nojit_results):
    # the subprocess ran with np.seterr(all="raise"); reaching here means no FloatingPointError
    for name in cases.CASES:
        assert np.isfinite(nojit_results[name + "_state"]).all()

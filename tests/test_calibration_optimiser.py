"""The optimisation loop (noahperm.calibration.optimiser): OpenBox GP + EI on the 1/100 grid,
batches, the history checkpointed after every batch; a calibration killed (SIGKILL) in the
middle of a batch's evaluation and rerun ends with the same history as an uninterrupted one.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from noahperm.calibration.optimiser import OptimiserSettings, latin_grid, optimise

SRC = Path(__file__).resolve().parents[1] / "src"

SCRIPT = textwrap.dedent("""
    import os, signal, sys
    import numpy as np
    from noahperm.calibration.optimiser import OptimiserSettings, optimise
    ck, out, kill_at = sys.argv[1], sys.argv[2], int(sys.argv[3])
    target = np.linspace(0.2, 0.8, 5)
    calls = {"n": 0}
    def evaluate(u):
        calls["n"] += 1
        y = 1.0 - np.sum((u - target) ** 2, axis=1)
        if calls["n"] == kill_at:                      # in the middle of this batch's evaluation
            os.kill(os.getpid(), signal.SIGKILL)
        return y
    s = OptimiserSettings(max_iterations=20, batch_size=4, initial_trials=6,
                          early_stop_rounds=0, seed=11)
    h = optimise([f"p{i}" for i in range(5)], evaluate, s, checkpoint=ck,
                 initial=np.full((1, 5), 50))
    h.to_csv(out, index=False)
""")


def _run(tmp_path, name, kill_at):
    env = {**os.environ, "PYTHONPATH": str(SRC), "OMP_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1"}
    ck, out = tmp_path / name / "ck.json", tmp_path / name / "history.csv"
    return subprocess.run([sys.executable, "-c", SCRIPT, str(ck), str(out), str(kill_at)],
                          env=env, capture_output=True, text=True, timeout=600), ck, out


def test_latin_grid_is_a_seeded_latin_hypercube_on_the_grid():
    g = latin_grid(10, 3, 100, seed=5)
    assert g.shape == (10, 3) and g.min() >= 0 and g.max() <= 100
    for j in range(3):              # one point per tenth of each axis (to the grid's rounding)
        assert np.all(np.abs(np.sort(g[:, j]) - (10 * np.arange(10) + 5)) <= 5.5)
    np.testing.assert_array_equal(g, latin_grid(10, 3, 100, seed=5))


def test_optimiser_improves_on_its_initial_design_and_respects_the_grid():
    target = np.array([0.3, 0.7, 0.5, 0.2])
    s = OptimiserSettings(max_iterations=28, batch_size=4, initial_trials=8,
                          early_stop_rounds=0, seed=2)
    h = optimise(list("abcd"), lambda u: -np.sum((u - target) ** 2, axis=1), s)
    assert len(h) == 28 and list(h["iteration"]) == list(range(1, 29))
    u = h[[f"u_{n}" for n in "abcd"]].to_numpy()
    np.testing.assert_allclose(u * 100, np.rint(u * 100), atol=1e-9)
    init = h["source"] == "initial"
    assert init.sum() == 8
    assert h.loc[~init, "objective"].max() > h.loc[init, "objective"].max()


def test_early_stop_stops_before_max_iterations():
    s = OptimiserSettings(max_iterations=200, batch_size=4, initial_trials=4,
                          early_stop_rounds=8, early_stop_min_iter=8, seed=3)
    h = optimise(["a", "b"], lambda u: np.zeros(len(u)), s)   # nothing ever improves
    assert len(h) < 200


def test_kill_during_a_batch_then_rerun_gives_the_same_history(tmp_path):
    ref, _, ref_out = _run(tmp_path, "ref", kill_at=0)
    assert ref.returncode == 0, ref.stderr[-2000:]
    killed, ck, out = _run(tmp_path, "killed", kill_at=4)          # dies in batch 4 (BO)
    assert killed.returncode == -signal.SIGKILL
    saved = json.loads(ck.read_text())
    assert saved["batches"] == 3 and len(saved["rows"]) == 10   # 4 + 2 initial, 4 BO
    assert not out.exists()
    again, _, out = _run(tmp_path, "killed", kill_at=0)
    assert again.returncode == 0, again.stderr[-2000:]
    a, b = pd.read_csv(ref_out), pd.read_csv(out)
    cols = [c for c in a.columns if c != "wall_s"]                 # wall times differ
    pd.testing.assert_frame_equal(a[cols], b[cols])
    assert len(a) == 20 and (a["source"] == "bo").sum() == 14


@pytest.mark.parametrize("bad", [2])
def test_evaluate_must_return_one_objective_per_candidate(bad):
    s = OptimiserSettings(max_iterations=4, batch_size=4, initial_trials=4, seed=1)
    with pytest.raises(ValueError, match="objectives"):
        optimise(["a"], lambda u: np.zeros(bad), s)

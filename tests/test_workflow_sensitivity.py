"""The sensitivity stage end to end through Snakemake on the tiny demo (tests/test_workflow_demo
tiny_config: 3 x 3 cells, 1979-1984; 2 stars, dh 0.5 = 62 samples in 4 chunks of 16):
samples -> base -> chunks -> analyse -> ranking and figures. Killed during one chunk and
started again, only that chunk reruns (from its checkpoints) and the ranking is the same bit for
bit."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from noahperm.sensitivity.sizes import n_samples
from test_workflow_demo import cmd, jobs_of, kill_when, run, tiny_config

SENS = Path("results/sensitivity")
TARGETS = (str(SENS / "ranking.csv"), "results/figures/fig4_sensitivity.png",
           *(f"results/figures/figS{i}_sensitivity_ivars50.png" for i in (1, 2, 3)))
PRODUCTS = ("samples.csv", "cells.json", "ivars.csv", "ranking.csv", "selected.json",
            "responses.csv")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    wd = tmp_path_factory.mktemp("sens_ref")
    cfg = tiny_config(wd / "tiny.yaml")
    run(wd, cfg, *TARGETS)
    return wd, cfg


def test_products(reference):
    wd, _ = reference
    samples = pd.read_csv(wd / SENS / "samples.csv")
    assert len(samples) == n_samples(30, 2, 0.5) == 62
    assert samples["chunk"].max() == 3
    x = samples.filter(like="x_")
    assert x.shape[1] == 30 and ((x >= 0) & (x < 1)).all().all()
    cells = json.loads((wd / SENS / "cells.json").read_text())
    assert [c["name"] for c in cells["cells"]] == ["cold", "warm", "dry"]
    assert len({c["cell"] for c in cells["cells"]}) == 3
    assert len(cells["responses"]) == 18
    iv = pd.read_csv(wd / SENS / "ivars.csv")
    assert len(iv) == 30 * 18
    assert (iv[["IVARS10", "IVARS30", "IVARS50"]] >= 0).all().all()
    assert (iv.loc[iv["parameter"] == "FRZK", "IVARS50"] == 0).all()  # inert with OPT_INF=2
    assert (iv["IVARS50"] > 0).any()
    rk = pd.read_csv(wd / SENS / "ranking.csv")
    assert rk["selected"].sum() == 10 and sorted(rk["overall"]) == list(range(1, 31))
    assert not rk.loc[rk["parameter"] == "FRZK", "selected"].item()
    sel = json.loads((wd / SENS / "selected.json").read_text())
    assert len(sel["parameters"]) == 10 and sel["source"] == "ranking"
    for png in TARGETS[1:]:
        assert (wd / png).stat().st_size > 20_000, png
    assert not list((wd / SENS).rglob("*.npz"))  # checkpoints removed
    for rule in ("samples", "base", "chunk_0", "analyse"):
        assert (wd / f"logs/sensitivity/{rule}.log").is_file()
        assert (wd / f"benchmarks/out/sensitivity/{rule}.tsv").is_file()


def test_killed_chunk_reruns_alone_and_gives_the_same_ranking(reference, tmp_path):
    ref_wd, _ = reference
    wd = tmp_path / "wd"
    shutil.copytree(ref_wd, wd, symlinks=True, ignore=shutil.ignore_patterns(".snakemake"))
    cfg = tiny_config(wd / "tiny.yaml")
    assert "Nothing to be done" in run(wd, cfg, *TARGETS)
    for name in ("chunks/chunk_2.csv", "ivars.csv", "ranking.csv", "selected.json",
                 "responses.csv"):
        (wd / SENS / name).unlink()
    proc = subprocess.Popen(cmd(wd, cfg, *TARGETS), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    # the first of the chunk's checkpoints (the last ones live only a moment before it ends)
    ck = wd / SENS / "chunks/checkpoints_2"
    kill_when(proc, [ck / name for name in ("spinup_block00000_progress.npz",
                                            "spinup_block00000.npz", "transient_1983.npz")])
    assert not (wd / SENS / "chunks/chunk_2.csv").exists()
    run(wd, cfg, "--unlock")
    jobs = {j for j in jobs_of(run(wd, cfg, "-n", "--rerun-incomplete", *TARGETS))
            if not j.endswith(":")}
    assert jobs == {"sensitivity_chunk", "sensitivity_analyse", "plot_sensitivity"}, jobs
    log = run(wd, cfg, "--rerun-incomplete", *TARGETS)
    assert log.count("rule sensitivity_chunk:") == 1, log[-3000:]
    for name in PRODUCTS:
        assert (wd / SENS / name).read_bytes() == (ref_wd / SENS / name).read_bytes(), name

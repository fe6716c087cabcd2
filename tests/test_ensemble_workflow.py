"""The calibrated ensembles through Snakemake on the tiny world of
tests/test_calibration_workflow.py (3 x 3 cells, 1979-1984, 3 members per experiment): every
member of CaliTGL, CaliTSH and CaliMAP is a target of its own and runs like CaliFree from a warm
spin-up; the ensemble summaries and Figures 8 and S8 exist; a changed CaliFree state reruns
the members' spin-ups; a workflow killed while the members run, rerun, does not rerun the
complete members and ends with the products of an uninterrupted run. No number of the demo
world is relied on."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from noahperm.core.zarrio import MARKER, open_complete
from test_calibration_workflow import EXPERIMENTS, run
from test_calibration_workflow import tiny_config as calibration_config
from test_workflow_demo import cmd, jobs_of, kill_when

MEMBERS = ("m01", "m02", "m03")
SUMMARIES = [f"results/ensemble/{e}/cells.zarr" for e in EXPERIMENTS]
FIGURES = ["results/figures/fig8_ensemble.png", "results/figures/fig8_ensemble.pdf",
           "results/figures/figS8_ensemble_spread.png",
           "results/figures/figS8_ensemble_spread.pdf"]
CALIFREE_STATE = "results/CaliFree/default/spinup/state.zarr"


def tiny_config(path: Path) -> Path:
    calibration_config(path)
    c = yaml.safe_load(path.read_text())
    # cycles of 2 years: the equilibrium test can pass after 3 cycles (2 stable differences)
    c["ensemble"] = {"spinup": {"start": "warm", "min_years": 4, "max_years": 8},
                     "chunk_cells": 4}
    c["trends"]["periods"] = {"CR1": [1980, 1982], "CR2": [1983, 1984], "CR": [1980, 1984]}
    c["trends"]["min_years"] = 3
    path.write_text(yaml.safe_dump(c))
    return path


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    wd = tmp_path_factory.mktemp("ensemble_ref")
    cfg = tiny_config(wd / "tiny.yaml")
    run(wd, cfg, *SUMMARIES, *FIGURES)
    return wd, cfg


@pytest.mark.slow
def test_members_summaries_and_figures(reference):
    wd, cfg = reference
    for e in EXPERIMENTS:
        for m in MEMBERS:
            d = wd / "results" / e / m
            params = json.loads((d / "parameters.json").read_text())
            cal = json.loads((wd / f"results/calibration/{e}/members/{m}.json").read_text())
            assert params == cal and params  # the calibrated set, not the default model
            conv = pd.read_csv(d / "spinup/convergence.csv")
            assert {"cell", "years", "converged"} <= set(conv.columns)
            assert conv["years"].between(2, 8).all()
            state = open_complete(d / "spinup/state.zarr", product="spinup_state")
            assert json.loads(state.attrs["spinup_start"])["start"] == "warm"
            assert "warm spin-up" in (wd / f"logs/{e}/{m}/spinup.log").read_text()
            for p in ("annual.zarr", "permafrost.zarr"):
                assert (d / p / MARKER).is_file(), (e, m, p)
        ds = open_complete(wd / f"results/ensemble/{e}/cells.zarr", product="ensemble_cells")
        assert (ds["votes_n"].values == 3).all()
        assert (ds["votes_loss"].values + ds["votes_gain"].values <= 3).all()
        for v in ("ALT", "TTOP", "DZAA", "MAGT", "GT10m", "permafrost_share"):
            assert ds[v].dims == ("cell", "year") and ds[v].attrs["units"], v
        tm = open_complete(wd / f"results/trends/{e}/trend_maps.zarr", product="trend_maps")
        k = tm["period"].attrs["period_names"].split().index("CR")  # the config's periods
        assert (int(tm["first_year"].values[k]), int(tm["last_year"].values[k])) == (1980, 1984)
        assert np.isfinite(tm["MAAT_slope"].values[k]).all()
        series = pd.read_csv(wd / f"results/trends/{e}/series.csv")
        assert set(series["n"].dropna().astype(int)) <= {0, 1, 2, 3} and series["n"].max() == 3
    for f in FIGURES:
        assert (wd / f).stat().st_size > 10_000, f
    # CaliFree starts cold, as before
    assert "cold spin-up" in (wd / "logs/CaliFree/default/spinup.log").read_text()
    assert "Nothing to be done" in run(wd, cfg, "-n", *SUMMARIES, *FIGURES)


@pytest.mark.slow
def test_a_member_is_a_target_and_a_new_califree_state_reruns_the_members(reference):
    wd, cfg = reference
    assert "Nothing to be done" in run(wd, cfg, "-n", "results/CaliTGL/m03/annual.zarr")
    store = wd / CALIFREE_STATE  # a newer CaliFree state: every file and folder of the store
    paths = [store, *store.rglob("*")]
    old = {p: p.stat() for p in paths}
    try:
        for p in paths:
            os.utime(p, (old[p].st_atime + 3600, old[p].st_mtime + 3600))
        out = run(wd, cfg, "-n", "results/CaliTGL/m03/annual.zarr")
        assert {"spinup", "simulate"} <= jobs_of(out), jobs_of(out)
        assert "--warm-from results/CaliFree/default/spinup/state.zarr" in out
        assert "results/CaliTGL/m03/spinup/state.zarr" in out
    finally:
        for p in paths:
            os.utime(p, (old[p].st_atime, old[p].st_mtime))
    assert "Nothing to be done" in run(wd, cfg, "-n", "results/CaliTGL/m03/annual.zarr")


@pytest.mark.slow
def test_killed_ensemble_reruns_only_incomplete_members(reference, tmp_path):
    ref, _ = reference
    wd = tmp_path / "wd"
    wd.mkdir()
    # the inputs, the truth, CaliFree and the calibrations of the reference run
    for d in ("raw", "truth", "results/inputs", "results/CaliFree", "results/calibration"):
        shutil.copytree(ref / d, wd / d, symlinks=True)
    cfg = tiny_config(wd / "tiny.yaml")
    target = "results/ensemble/CaliTGL/cells.zarr"
    run(wd, cfg, "results/CaliTGL/m01/permafrost.zarr")  # one member complete
    keep = {p: (wd / "results/CaliTGL/m01" / p / MARKER).stat().st_mtime_ns
            for p in ("spinup/state.zarr", "annual.zarr", "permafrost.zarr")}
    # the ensemble, killed once another member's spin-up or transient has a checkpoint
    proc = subprocess.Popen(cmd(wd, cfg, "--cores", "1", target), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    kill_when(proc, [wd / f"results/CaliTGL/{m}" / ck for m in MEMBERS[1:] for ck in (
        "spinup/checkpoints/spinup_block00000_progress.npz", "checkpoints/transient_1980.npz")])
    assert not (wd / target / MARKER).exists()
    run(wd, cfg, "--unlock")
    log = run(wd, cfg, "--rerun-incomplete", target)
    assert "calibrate" not in jobs_of(log)
    assert "ensemble_summary" in jobs_of(log)
    # the complete member is not run again: none of its jobs, its stores untouched
    for p, t in keep.items():
        assert (wd / "results/CaliTGL/m01" / p / MARKER).stat().st_mtime_ns == t, p
    assert "results/CaliTGL/m01/parameters.json" not in log
    assert "--out-dir results/CaliTGL/m01 " not in log
    assert "--out results/CaliTGL/m01/permafrost.zarr" not in log
    for m in MEMBERS:
        a = open_complete(ref / f"results/CaliTGL/{m}/annual.zarr", product="annual")
        b = open_complete(wd / f"results/CaliTGL/{m}/annual.zarr", product="annual")
        for k in ("TMIN", "TMAX", "TMEAN", "IMEAN"):
            assert np.array_equal(a[k].values, b[k].values, equal_nan=True), (m, k)
    a = open_complete(ref / target, product="ensemble_cells")
    b = open_complete(wd / target, product="ensemble_cells")
    for v in a.data_vars:
        assert np.array_equal(a[v].values, b[v].values, equal_nan=True), v

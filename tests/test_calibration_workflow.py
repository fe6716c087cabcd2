"""The calibration stage through Snakemake on a tiny configuration (3 x 3 cells, 1979-1984):
the twin truth's network and map, CaliFree, then CaliTGL, CaliTSH and CaliMAP with a few
iterations, their members tables and Figure 5. Checks the products' structure, that the members
tables are read by ``core.config.read_members`` and their parameter sets by the member engine's
loader, and that a rerun does nothing. No number of the demo world is relied on."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from noahperm.core.config import check, read_members
from noahperm.simulation.members import load_parameter_set

REPO = Path(__file__).resolve().parents[1]
EXPERIMENTS = ("CaliTGL", "CaliTSH", "CaliMAP")


def tiny_config(path: Path) -> Path:
    c = yaml.safe_load((REPO / "config/config.yaml").read_text())
    c.update(raw_dir="raw", results_dir="results")
    c["demo"]["years"] = [1979, 1984]
    c["demo"]["grid"].update(nlon=3, nlat=3)
    c["domain"].pop("bbox", None)  # the tiny grid is the domain (the demo's box lies outside it)
    c["forcing"].update(years=[1979, 1984], chunk_cells=4)
    c["simulation"].update(years=[1979, 1984], block_cells=16)
    c["simulation"]["spinup"].update(cycle_years=[1979, 1980], max_years=8, min_years=2)
    c["figures"]["northwest"] = {"lon_max": 90.15, "lat_min": 33.15}
    truth = c.setdefault("truth", {})
    truth["truth_dir"] = "truth"
    truth["map_year"] = 1984
    truth.setdefault("network", {}).update(borehole_years=[1981, 1984], active_layer_sites=2,
                                            boreholes=2)
    cal = c["calibration"]
    cal["members"] = 3
    cal["parameters"] = ["SBETA", "FXEXP", "FRZK", "CZIL", "TBOT", "MAXSMC", "ALBEDOMIN",
                         "ALBEDOMAX", "EMISSMIN", "EMISSMAX"]   # independent of the sensitivity
    cal["start"] = "from_transient"
    cal["optimiser"] = {"max_iterations": 8, "batch_size": 4, "initial_trials": 4,
                        "early_stop_rounds": 0}
    cal["experiments"] = {
        "CaliTGL": {"objective": "nse", "site": "TGL", "calibration": ["1982-01-01", "1983-12-31"],
                    "validation": ["1984-01-01", "1984-06-30"]},
        "CaliTSH": {"objective": "nse", "site": "TSHAL",
                    "calibration": ["1982-01-01", "1983-12-31"],
                    "validation": ["1984-01-01", "1984-06-30"]},
        "CaliMAP": {"objective": "kappa", "map_year": 1984}}
    path.write_text(yaml.safe_dump(c))
    return path


def run(wd: Path, cfg: Path, *args: str) -> str:
    res = subprocess.run([sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
                          "--directory", str(wd), "--configfile", str(cfg), "--cores", "2", *args],
                         capture_output=True, text=True, timeout=1200)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-6000:]
    return out


@pytest.mark.slow
def test_calibration_workflow_on_a_tiny_world(tmp_path):
    cfg = tiny_config(tmp_path / "tiny.yaml")
    targets = [f"results/calibration/{e}/members.tsv" for e in EXPERIMENTS]
    figures = ["results/figures/fig5_calibration.png", "results/figures/CaliTGL_site.png"]
    run(tmp_path, cfg, *targets, *figures)
    for e in EXPERIMENTS:
        d = tmp_path / "results/calibration" / e
        h = pd.read_csv(d / "history.csv")
        t = json.loads((d / "threshold.json").read_text())
        assert len(h) == 8 and list(h["iteration"]) == list(range(1, 9))
        keys = t["parameters"]
        assert {"SBETA", "TBOT", "CZIL"} <= set(keys)
        assert any(k.startswith("MAXSMC@") for k in keys)
        assert any(k.startswith("EMISSMAX@") for k in keys)
        for k in keys:
            assert ((h[f"u_{k}"] * 100).round(9) % 1 == 0).all()
        assert set(t) >= {"breakpoints", "bic", "threshold", "n_optimal", "member_iterations"}
        m = pd.read_csv(d / "members.csv")
        assert len(m) == 3 and list(m["member"]) == ["m01", "m02", "m03"]
        rows = read_members(d / "members.tsv")
        assert [r["experiment"] for r in rows] == [e] * 3
        for r in rows:
            params = load_parameter_set(r["parameters"])
            assert set(params) == set(keys)
        series = pd.read_csv(d / "site_series.csv")
        if t["objective"] == "nse":
            assert "validation_nse" in t
            assert set(series["period"]) == {"calibration", "validation"}
            assert sorted(series["depth_m"].unique()) == t["depths_m"]
        else:
            assert t["region_cells"] >= 1
    for f in figures:
        assert (tmp_path / f).stat().st_size > 10_000
    assert "Nothing to be done" in run(tmp_path, cfg, "-n", *targets)


def _calibrate_cmd(wd: Path, cfg: Path, out: Path) -> list[str]:
    c = check(yaml.safe_load(cfg.read_text()))
    js = json.dumps({k: c[k] for k in ("calibration", "simulation", "observations")})
    r = wd / "results"
    return [sys.executable, "-m", "noahperm", "calibrate", "CaliTSH", "--config-json", js,
            "--domain", str(r / "inputs/domain.zarr"), "--forcing", str(r / "inputs/forcing.zarr"),
            "--spinup", str(r / "CaliFree/default/spinup/state.zarr"),
            "--observations", str(r / "inputs/obs/observations.nc"),
            "--checkpoint", str(out / "ck/history.json"), "--out-dir", str(out),
            "--threads", "1", "--quiet"]


@pytest.mark.slow
def test_calibrate_killed_mid_run_then_rerun_gives_the_same_history_and_members(tmp_path):
    """kill -9 of ``noahperm calibrate`` after its first batch's checkpoint (during the second
    batch), rerun: history (wall times aside), members and members table as uninterrupted."""
    cfg = tiny_config(tmp_path / "tiny.yaml")
    run(tmp_path, cfg, "results/CaliFree/default/spinup/state.zarr",
        "results/inputs/obs/observations.nc")
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "OMP_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1"}
    a, b = tmp_path / "A", tmp_path / "B"
    subprocess.run(_calibrate_cmd(tmp_path, cfg, a), env=env, check=True, timeout=600)
    proc = subprocess.Popen(_calibrate_cmd(tmp_path, cfg, b), env=env)
    ck = b / "ck/history.json"
    t0 = time.time()
    while time.time() - t0 < 300:
        try:
            if json.loads(ck.read_text())["batches"] >= 1:
                break
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    assert not (b / "members.csv").exists()
    assert json.loads(ck.read_text())["batches"] == 1
    subprocess.run(_calibrate_cmd(tmp_path, cfg, b), env=env, check=True, timeout=600)
    for f in ("history.csv", "members.csv"):
        x, y = pd.read_csv(a / f), pd.read_csv(b / f)
        cols = [c for c in x.columns if c != "wall_s"]
        pd.testing.assert_frame_equal(x[cols], y[cols])
    assert (a / "members.tsv").read_text() == (b / "members.tsv").read_text()
    assert not ck.exists()

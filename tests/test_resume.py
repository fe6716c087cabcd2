"""Kill -9 and resume of the resumable stages, through the real command line.

A tiny demo world (3 x 3 cells, 1979-1982) and its caches are built once. Each stage
(``noahperm spinup``, ``noahperm simulate``) is run uninterrupted, then killed with SIGKILL as
soon as its first checkpoint is on disk and run again with the same checkpoint directory:

* with the same inputs it resumes (its log says so) and ends bitwise as the uninterrupted run;
* with an input changed between the kill and the rerun (a rebuilt domain with another TBOT,
  another parameter set) the old checkpoints are never resumed: the result is bitwise that of a
  clean run on the new inputs;

and once a stage's products are written no checkpoint is left. The workflow-level kill tests
(kill the whole ``snakemake`` run) are in tests/test_workflow_demo.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from noahperm.core.config import with_defaults
from noahperm.core.zarrio import is_complete, open_complete
from test_workflow_demo import kill_when

REPO = Path(__file__).resolve().parents[1]
YEARS = (1979, 1982)


def tiny_config(raw: Path, **tbot) -> dict:
    c = with_defaults(yaml.safe_load((REPO / "config/config.yaml").read_text()))
    c["raw_dir"] = str(raw)
    c["demo"].update(years=list(YEARS), enabled=True)
    c["demo"]["grid"].update(nlon=3, nlat=3)
    c["domain"].pop("bbox", None)  # the tiny grid is the domain (the demo's box lies outside it)
    c["forcing"].update(years=list(YEARS), chunk_cells=4)
    c["simulation"].update(years=list(YEARS), block_cells=3)  # several blocks: a kill between
    c["simulation"]["spinup"].update(cycle_years=[1979, 1980], max_years=10, min_years=4)
    c["domain"]["tbot"].update(tbot)
    return c


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Raw inputs, two domains (TBOT intercepts 291.029 and 292.029 K) and the forcing."""
    from noahperm.demo_world.generator import generate
    from noahperm.inputs.domain import build_domain
    from noahperm.inputs.forcing.cache import build_forcing_cache

    d = tmp_path_factory.mktemp("resume")
    cfg = tiny_config(d / "raw")
    generate(cfg, d / "raw", progress=False)
    build_domain(cfg, d / "domain_a.zarr", fsync=False)
    build_domain(tiny_config(d / "raw", intercept_K=292.029), d / "domain_b.zarr", fsync=False)
    build_forcing_cache(d / "raw", d / "domain_a.zarr", d / "forcing.zarr", years=YEARS,
                        chunk_cells=4, progress=False, fsync=False)
    (d / "other.json").write_text(json.dumps({"CSOIL": 2.5e6}))  # another parameter set
    return d, cfg


def command(world_dir: Path, cfg: dict, stage: str, out: Path, domain="domain_a.zarr",
            parameters=None, spinup=None) -> list[str]:
    cmd = [sys.executable, "-m", "noahperm", stage, "--config-json", json.dumps(cfg),
           "--domain", str(world_dir / domain), "--forcing", str(world_dir / "forcing.zarr"),
           "--checkpoints", str(out / "checkpoints"), "--threads", "1"]
    if parameters:
        cmd += ["--parameters", str(world_dir / parameters)]
    if stage == "spinup":
        cmd += ["--out", str(out / "spun.zarr"), "--convergence", str(out / "conv.csv")]
    else:
        cmd += ["--spinup", str(spinup), "--out-dir", str(out)]
    return cmd


def run(cmd) -> str:
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, (res.stdout + res.stderr)[-4000:]
    return res.stderr


def arrays(store: Path, product: str) -> dict:
    ds = open_complete(store, product=product)
    return {k: ds[k].values for k in ds.data_vars}


def assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        assert np.array_equal(a[k], b[k], equal_nan=True), k


@pytest.fixture(scope="module")
def clean(world, tmp_path_factory):
    """Uninterrupted spin-up and transient of the default model on domain a, and of the
    changed inputs (domain b; the other parameter set)."""
    d, cfg = world
    out = {}
    for name, kw in {"a": {}, "b": {"domain": "domain_b.zarr"},
                     "p": {"parameters": "other.json"}}.items():
        o = tmp_path_factory.mktemp(f"clean_{name}")
        run(command(d, cfg, "spinup", o, **kw))
        run(command(d, cfg, "simulate", o, spinup=o / "spun.zarr", **kw))
        out[name] = o
    return out


FIRST = {"spinup": "spinup_block00000_progress.npz", "simulate": "transient_1980.npz"}


@pytest.mark.parametrize("stage", ["spinup", "simulate"])
@pytest.mark.parametrize("change", ["same", "domain", "parameters"])
def test_killed_stage_resumes_bitwise_or_recomputes_after_a_change(world, clean, tmp_path,
                                                                   stage, change):
    d, cfg = world
    product, store = (("spinup_state", "spun.zarr") if stage == "spinup"
                      else ("annual", "annual.zarr"))
    spun = clean["a"] / "spun.zarr"  # the transient's start (the clean spin-up of domain a)
    proc = subprocess.Popen(command(d, cfg, stage, tmp_path, spinup=spun),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    kill_when(proc, tmp_path / "checkpoints" / FIRST[stage], timeout=300)
    assert not is_complete(tmp_path / store)
    kw, ref = {
        "same": ({}, clean["a"]),
        "domain": ({"domain": "domain_b.zarr"}, clean["b"]),
        "parameters": ({"parameters": "other.json"}, clean["p"]),
    }[change]
    if stage == "simulate":  # the clean run's own spin-up as start
        spun = ref / "spun.zarr"
    log = run(command(d, cfg, stage, tmp_path, spinup=spun, **kw))
    resumed = "resumed from its checkpoint" in log or "resumes after cycle" in log
    assert resumed == (change == "same"), log
    if change != "same":
        assert "ignoring checkpoint" in log, log
    assert_same(arrays(tmp_path / store, product), arrays(ref / store, product))
    if stage == "simulate":
        assert_same(arrays(tmp_path / "state.zarr", "state"), arrays(ref / "state.zarr", "state"))
    # the products are complete: nothing is left to resume
    assert not (tmp_path / "checkpoints").exists() or not any(
        (tmp_path / "checkpoints").iterdir())

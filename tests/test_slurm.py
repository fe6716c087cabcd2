"""The workflow through the SLURM profile on a real one-node SLURM (``make test-slurm``).

A cluster of Debian's Slurm with accounting (tests/slurm_cluster.py) is started as a fixture on
this machine. The tiny demo configuration of tests/test_workflow_demo.py then runs through
``profiles/slurm`` (Snakemake's SLURM executor plugin: sbatch to submit, sacct to follow), its
rules grouped into two SLURM jobs (the plugin polls every 40 s, so a chain of ten one-second
jobs would take minutes). Checks:

(a) every job went through sbatch (sacct lists each submission, COMPLETED) and the products
    are identical to a local run's;
(b) a job cancelled by SLURM (``scancel`` during the spin-up) is submitted again by Snakemake
    and the run ends with identical products.

Needs root and Debian's packages (installed on first use, about a minute); runs only when
``NOAHPERM_TEST_SLURM=1`` (``make test-slurm`` sets it), as it takes a few minutes.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from test_workflow_demo import MEMBER, REPO, TARGETS, annual, run, tiny_config

pytestmark = [
    pytest.mark.slurm,
    pytest.mark.skipif(os.environ.get("NOAHPERM_TEST_SLURM") != "1",
                       reason="a real SLURM test: run with `make test-slurm` "
                              "(NOAHPERM_TEST_SLURM=1; needs root to install Debian's Slurm)"),
]

GROUPS = {"inputs": ("make_demo_inputs", "prepare_domain", "prepare_forcing", "make_truth",
                     "prepare_observations"),
          # with the trends and validation stages of the targets (tests/test_workflow_demo.py):
          # one connected group, so one job (a group's unconnected parts are jobs of their own)
          "model": ("member_parameters", "spinup", "simulate", "diagnose",
                    "plot_permafrost_area", "trends", "table3", "observed_variables",
                    "validate", "plot_validation_ranking", "plot_validation_scatter")}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    from slurm_cluster import Cluster

    c = Cluster(tmp_path_factory.mktemp("slurm")).start()
    yield c
    c.stop()


def slurm_cmd(workdir: Path, configfile: Path, *args: str) -> list[str]:
    groups = [f"{rule}={g}" for g, rules in GROUPS.items() for rule in rules]
    return [sys.executable, "-m", "snakemake", *TARGETS, "--snakefile", str(REPO / "Snakefile"),
            "--directory", str(workdir), "--configfile", str(configfile),
            "--workflow-profile", str(REPO / "profiles/slurm"), "--cores", "2", *args,
            "--groups", *groups]


def sacct(cluster, since: str = "now-1days") -> list[tuple[str, str, str]]:
    """(job id, name, state) of the jobs submitted since ``since`` (sacct's -S)."""
    out = subprocess.run(["sacct", "-X", "-n", "-P", "-S", since, "-o",
                          "JobID,JobName,State"], env=cluster.env, capture_output=True,
                         text=True, check=True).stdout
    return [tuple(line.split("|")) for line in out.splitlines() if line.strip()]


def same_products(a: Path, b: Path) -> None:
    x, y = annual(a), annual(b)
    for k in x:
        assert np.array_equal(x[k], y[k], equal_nan=True), k
    for rel in (f"{MEMBER}/area.csv", f"{MEMBER}/regional_means.csv",
                "results/tables/CaliFree_default_permafrost_area.csv"):
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    wd = tmp_path_factory.mktemp("local")
    cfg = tiny_config(wd / "tiny.yaml", spinup={"cycle_years": [1979, 1980], "max_years": 40,
                                                "min_years": 40})
    run(wd, cfg, *TARGETS)
    return wd


def test_every_job_through_sbatch_and_the_same_products(cluster, local, tmp_path):
    wd = tmp_path / "wd"
    wd.mkdir()
    cfg = tiny_config(wd / "tiny.yaml", spinup={"cycle_years": [1979, 1980], "max_years": 40,
                                                "min_years": 40})
    # jobs of this run: submitted from now on (job ids can repeat when a cluster is started
    # again on the accounting database of an earlier one)
    since = time.strftime("%Y-%m-%dT%H:%M:%S")
    time.sleep(1)
    res = subprocess.run(slurm_cmd(wd, cfg), env=cluster.env, capture_output=True, text=True,
                         timeout=1200)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-6000:]
    jobs = sacct(cluster, since)
    print("\n" + "\n".join("|".join(j) for j in jobs))
    assert len(jobs) == len(GROUPS)  # one sbatch per group, nothing run locally
    assert all(state == "COMPLETED" for _, _, state in jobs)
    assert out.count("has been submitted with SLURM jobid") == len(GROUPS)
    same_products(local, wd)


def test_a_job_cancelled_by_slurm_is_retried(cluster, local, tmp_path):
    wd = tmp_path / "wd"
    wd.mkdir()
    cfg = tiny_config(wd / "tiny.yaml", spinup={"cycle_years": [1979, 1980], "max_years": 40,
                                                "min_years": 40})
    log = open(tmp_path / "snakemake.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(slurm_cmd(wd, cfg), env=cluster.env, stdout=log,
                            stderr=subprocess.STDOUT)
    marker = wd / MEMBER / "spinup/checkpoints/spinup_block00000_progress.npz"
    t0 = time.time()
    while not marker.exists():
        assert proc.poll() is None, (tmp_path / "snakemake.log").read_text()[-4000:]
        assert time.time() - t0 < 900, "the spin-up did not start"
        time.sleep(0.05)
    running = [j for j in sacct(cluster) if j[2] == "RUNNING"]
    assert len(running) == 1, running
    subprocess.run(["scancel", running[0][0]], env=cluster.env, check=True)
    assert proc.wait(timeout=1200) == 0, (tmp_path / "snakemake.log").read_text()[-6000:]
    text = (tmp_path / "snakemake.log").read_text()
    states = {j[0]: j[2] for j in sacct(cluster)}
    assert states[running[0][0]].startswith("CANCELLED")
    assert "Trying to restart job" in text or "retry" in text.lower(), text[-4000:]
    same_products(local, wd)

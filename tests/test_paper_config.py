"""The paper's configuration (config/paper.yaml) builds the paper's DAG.

A stand-in raw directory holds every input the paper's run reads, under its real name (the
CMFD monthly files of 1979-2018, the 30 arc-second maps, the 2010 permafrost map, the
observation files) as empty files: a dry run (``snakemake -n``) reads no data, only which files
exist. The DAG's job counts per rule are checked against the paper's sizes: 27,100 STAR-VARS
samples in chunks of 100 (271 chunk jobs), the three calibrations, CaliFree's spin-up,
transient and diagnostics, no demo generator and no twin truth.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

from noahperm.core import layout as L
from noahperm.core.config import check

REPO = Path(__file__).resolve().parents[1]
PAPER = REPO / "config" / "paper.yaml"


def stand_in(raw: Path, years=(1979, 2018)) -> None:
    for y, m in L.forcing_months(years):
        for var in L.FORCING_VARIABLES:
            p = raw / L.forcing_file(var, y, m)
            p.parent.mkdir(parents=True, exist_ok=True)
            p.touch()
    for rel in (*L.MAPS.values(), *L.OBSERVATION_FILES):
        p = raw / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.touch()


def job_counts(out: str) -> dict[str, int]:
    lines = out.splitlines()
    start = lines.index("Job stats:") + 3
    counts = {}
    for line in lines[start:]:
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit():
            break
        counts[parts[0]] = int(parts[1])
    return counts


def test_the_paper_config_is_valid_and_has_the_papers_sizes():
    cfg = check(yaml.safe_load(PAPER.read_text()))
    assert cfg["demo"]["enabled"] is False
    assert cfg["simulation"]["spinup"]["max_years"] == 500
    sens = cfg["sensitivity"]
    assert (sens["stars"], sens["delta_h"]) == (100, 0.1)
    assert [c["name"] for c in sens["cells"]] == ["TGL", "WQ", "GZ"]
    assert cfg["calibration"]["optimiser"]["max_iterations"] == 500
    assert cfg["calibration"]["members"] == 13
    assert set(cfg["calibration"]["experiments"]) == {"CaliTGL", "CaliTSH", "CaliMAP"}


def test_the_paper_dag_dry_run(tmp_path):
    raw = tmp_path / "raw"
    stand_in(raw)
    res = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--snakefile", str(REPO / "Snakefile"),
         "--directory", str(tmp_path / "wd"), "--configfile", str(PAPER),
         "--config", f"raw_dir={raw}"], capture_output=True, text=True, timeout=600)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-4000:]
    counts = job_counts(res.stdout)
    print(counts)
    assert counts["sensitivity_chunk"] == 271  # 100 stars x (30 (1/0.1 - 1) + 1) / 100
    assert counts["calibrate"] == 3
    assert counts["plot_calibration_site"] == 2
    for rule in ("prepare_domain", "prepare_forcing", "prepare_observations",
                 "sensitivity_samples", "sensitivity_base", "sensitivity_analyse", "validate",
                 "table3", "plot_ensemble", "plot_ensemble_spread"):
        assert counts[rule] == 1, rule
    for rule in ("spinup", "simulate", "diagnose"):  # CaliFree and 3 x 13 calibrated members
        assert counts[rule] == 1 + 3 * 13, rule
    assert counts["trends"] == 4 and counts["ensemble_summary"] == 3
    assert "make_demo_inputs" not in counts and "make_truth" not in counts
    # every job declares its wall-time limit [min] (common.smk runtime_*; a cluster's --time):
    # the floor for the cheap rules, the kernel's cost at the paper's sizes for the runs
    runtime = job_runtimes(res.stdout)
    assert set(runtime) == set(counts) - {"all", "total"}
    assert min(min(v) for v in runtime.values()) >= 10
    assert min(runtime["spinup"]) > min(runtime["simulate"]) > min(runtime["sensitivity_chunk"]) > 10
    assert max(runtime["calibrate"]) > max(runtime["simulate"])  # CaliMAP: 500 candidates


def job_runtimes(out: str) -> dict[str, set[int]]:
    """The ``runtime`` resource [min] of each rule's jobs in a (dry) run's job listing."""
    found, rule = {}, None
    for line in out.splitlines():
        m = re.match(r"^(local)?rule (\w+):", line)
        if m:
            rule = m.group(2)
        m = re.search(r"\bruntime=(\d+)", line)
        if m and rule and "resources:" in line:
            found.setdefault(rule, set()).add(int(m.group(1)))
    return found

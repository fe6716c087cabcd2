"""Workflow benchmark: each stage's wall time and share of a whole `snakemake` run.

Usage: ``python benchmarks/bench_workflow.py [--run] [--cores N] [--dir DIR]``.

Without ``--run`` it reads the Snakemake benchmark files of the last run in ``DIR`` (default:
the repository; ``benchmarks/out/**.tsv``, one per job: its wall time ``s`` and peak memory
``max_rss``). With ``--run`` it first runs the whole default DAG there
(``snakemake --cores N``, default 2) and times it, so that the total wall time is printed too
(the budget of ``make demo`` is 20 minutes on 2 cores, issue 10). For a measurement from a
fresh clone, run it in one (``git clone``; the Numba cache of a new clone is cold, as a new
user's is).

Printed (a measurement, not a test): per job its wall time and peak memory; per stage (the
folder of the benchmark file: inputs, demo_world, CaliFree, sensitivity, calibration, trends,
validation, figures, ...) the sum of its jobs' wall times and its share of the sum over all
jobs; the sum, and with ``--run`` the run's wall time (smaller than the sum where jobs ran in
parallel) against the 20-minute budget.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUDGET_S = 20 * 60


def job_times(base: Path) -> list[tuple[str, float, float]]:
    """(job, wall time [s], peak memory [MB]) from ``base/benchmarks/out/**.tsv``."""
    rows = []
    for tsv in sorted((base / "benchmarks/out").rglob("*.tsv")):
        with open(tsv) as fh:
            last = list(csv.DictReader(fh, delimiter="\t"))[-1]
        rss = last.get("max_rss", "NA")
        rows.append((str(tsv.relative_to(base / "benchmarks/out").with_suffix("")),
                     float(last["s"]), float(rss) if rss not in ("NA", "-", "") else float("nan")))
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", type=Path, default=ROOT, help="workflow directory (default: repo)")
    ap.add_argument("--run", action="store_true", help="run `snakemake --cores N` there first")
    ap.add_argument("--cores", type=int, default=2)
    a = ap.parse_args(argv)
    wall = None
    if a.run:
        t0 = time.perf_counter()
        res = subprocess.run([sys.executable, "-m", "snakemake", "--cores", str(a.cores)],
                             cwd=a.dir, env=dict(os.environ))
        wall = time.perf_counter() - t0
        if res.returncode != 0:
            print(f"snakemake failed (exit {res.returncode}) after {wall:.0f} s")
            return res.returncode
    rows = job_times(a.dir)
    if not rows:
        sys.exit(f"bench_workflow: no benchmark files under {a.dir / 'benchmarks/out'}; "
                 "run the workflow first (or pass --run)")
    total = sum(s for _, s, _ in rows)
    print(f"{'job':58s} {'wall [s]':>9s} {'peak [MB]':>10s}")
    for job, s, rss in sorted(rows, key=lambda r: -r[1]):
        print(f"{job:58s} {s:9.1f} {rss:10.0f}")
    stages = defaultdict(float)
    for job, s, _ in rows:
        stages[job.split("/")[0]] += s
    print(f"\n{'stage':20s} {'wall [s]':>9s} {'share':>7s}")
    for st, s in sorted(stages.items(), key=lambda kv: -kv[1]):
        print(f"{st:20s} {s:9.1f} {100 * s / total:6.1f} %")
    print(f"{'sum of jobs':20s} {total:9.1f}")
    if wall is not None:
        print(f"run wall time {wall:.0f} s with --cores {a.cores} ({100 * wall / BUDGET_S:.0f} % "
              f"of the 20-minute budget of `make demo`)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

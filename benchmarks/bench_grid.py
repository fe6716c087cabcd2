"""Grid benchmark: throughput of the simulation on the demo domain, and stage wall times.

Usage: ``python benchmarks/bench_grid.py [--years N]`` after ``make demo`` (it reads
results/inputs/{domain,forcing}.zarr and the Snakemake benchmark files in benchmarks/out/).

Prints:
- grid throughput in cells x steps per second of the transient engine (all active cells,
  ``--years`` years of streamed forcing from the Zarr cache, one thread and two threads) and
  the speed-up;
- the wall time of every stage of the CaliFree DAG of the last workflow run (Snakemake's
  ``benchmark:`` files, seconds, with peak memory).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def throughput(years: int, threads: int) -> tuple[float, int, int]:
    import numba

    from noahperm.core.zarrio import open_complete
    from noahperm.simulation import engine as S
    from noahperm.simulation.members import build_model

    numba.set_num_threads(threads)
    domain = open_complete(ROOT / "results/inputs/domain.zarr", product="domain")
    model, cells = build_model(domain, {}, {})
    source = S.ZarrForcing(ROOT / "results/inputs/forcing.zarr", cells)
    state = S.initial_state(model.cols, model.zsoil, np.full(model.ncol, 270.0))
    S.transient(model, state, source, (1979, 1979))  # warm-up (compile, caches)
    t0 = time.perf_counter()
    S.transient(model, state, source, (1980, 1979 + years))
    dt = time.perf_counter() - t0
    steps = sum(2920 + 8 * (y % 4 == 0) for y in range(1980, 1980 + years))
    return model.ncol * steps / dt, model.ncol, steps


def stage_times() -> list[tuple[str, float, float]]:
    rows = []
    for tsv in sorted((ROOT / "benchmarks/out").rglob("*.tsv")):
        with open(tsv) as fh:
            r = list(csv.DictReader(fh, delimiter="\t"))
        if r:
            rows.append((str(tsv.relative_to(ROOT / "benchmarks/out").with_suffix("")),
                         float(r[-1]["s"]), float(r[-1].get("max_rss") or "nan")))
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--years", type=int, default=3, help="years of the throughput run")
    a = ap.parse_args(argv)
    if not (ROOT / "results/inputs/forcing.zarr").exists():
        print("run `make demo` first (needs results/inputs/forcing.zarr)", file=sys.stderr)
        return 1
    r1, ncol, steps = throughput(a.years, 1)
    r2, _, _ = throughput(a.years, 2)
    print(f"grid throughput, {ncol} cells x {steps} steps (forcing streamed from Zarr):")
    print(f"  1 thread : {r1:,.0f} cell-steps/s")
    print(f"  2 threads: {r2:,.0f} cell-steps/s  (speed-up {r2 / r1:.2f})")
    rows = stage_times()
    if rows:
        print("\nwall time of each stage of the last workflow run (benchmarks/out):")
        for name, s, rss in rows:
            print(f"  {name:48s} {s:8.1f} s   max RSS {rss:8.0f} MB")
        print(f"  {'total':48s} {sum(r[1] for r in rows):8.1f} s")
    print(json.dumps({"cell_steps_per_s_1": r1, "cell_steps_per_s_2": r2}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Scale projection of the paper's run: per stage jobs, column-steps, core-hours, peak memory
per job and storage, and the wall time on N nodes x C cores (docs/scale.md).

Usage::

    python benchmarks/scale_projection.py [--config config/paper.yaml] [--cells 25000]
        [--kernel-us US | --kernel-build reference|fast] [--stages-json FILE | --measure-cells N]
        [--nodes 10] [--cores 32] [--dag] [--json]

Where the numbers come from (nothing is taken from the paper's own timings):

- **Jobs** from the configuration's arithmetic: the members (the members table's CaliFree plus
  ``calibration.members`` for each of ``calibration.experiments``), the sensitivity chunk jobs
  (``noahperm.sensitivity.sizes``, the rule file's own count), one calibration per experiment.
  ``--dag`` also dry-runs the workflow on the stand-in inputs of ``tests/test_paper_config.py``
  (its functions, not a copy) and prints the DAG's job counts: today's DAG has CaliFree's
  run only (the ensembles' runs are not rules yet), so the ensembles are counted from the
  configuration.
- **Column-steps** from the configuration: 3-hourly steps (2920 a year), the domain's cells
  (``--cells``: the configuration does not know them before the domain is built; the paper's
  25,000), spin-up years between ``min_years`` and ``max_years`` (both bounds printed),
  CaliMAP's map cells (``--map-cells``, ~13,000).
- **Core-hours** = column-steps x the kernel's microseconds per column-step on one core: measured
  here (``benchmarks/bench_kernel.py``'s ``timed_run``, 64 columns x 1 year, best of 3) unless
  ``--kernel-us`` is given. The kernel's parallel efficiency on 2 cores was 0.98
  (docs/performance.md); the projection assumes it holds per node.
- **The result stages** (diagnose, trends, validate): time and peak memory measured by
  ``benchmarks/bench_out_of_core.py`` (``--stages-json``: its last printed line; otherwise it is
  run here at ``--measure-cells`` cells), scaled linearly in cells x years (x members for
  trends; validate reads only the sites' blocks and is not scaled).
- **Peak memory** of the kernel's jobs: the spin-up's and transient's measured by
  ``benchmarks/bench_memory.py`` at 25,000 cells over 2 years (651 and 695 MB), plus, for the
  transient, the annual aggregates it holds for the extra years (cells x years x 9 x 18 x 8 B);
  an estimate, not a measurement of a 40-year run.
- **Storage** from measured bytes per cell-year of our stores: ``annual.zarr`` as written by the
  simulate stage (Blosc-Zstd + shuffle, chunks of 1024 cells) on the demo's real model output
  (935 B/cell-year; the synthetic store compresses better, 532), ``permafrost.zarr`` on the
  synthetic store (33 B/cell-year), the forcing cache on the demo's (40 kB/cell-year, float32
  Zstd), ``sites.zarr`` the demo's size per member (it scales with the observation probes,
  not the cells).
- **Wall time** on N nodes x C cores: the jobs of a stage packed on N x C cores (a job uses
  its rule's threads; a domain run's blocks of cells are parallel, so a domain job may use a
  whole node), stage after stage as the DAG orders them; an estimate of the critical path,
  ignoring queueing.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from noahperm.core import cost as COST

REPO = Path(__file__).resolve().parents[1]
STEPS_PER_YEAR = COST.STEPS_PER_YEAR  # 3-hourly steps [a-1] (noahperm.core.cost)
NLAYER = 18
NAGG = 9

#: Measured constants (see the module docstring): bytes per cell-year and per member.
BYTES_ANNUAL_CELL_YEAR = 935.0      # annual.zarr, demo's model output, Blosc-Zstd 3 + shuffle
BYTES_PERMAFROST_CELL_YEAR = 33.0   # permafrost.zarr, bench_out_of_core (25,000 cells)
BYTES_ENSEMBLE_CELL_YEAR = 54.0     # ensemble/<e>/cells.zarr, bench_out_of_core (2,000 cells, 13 members)
BYTES_FORCING_CELL_YEAR = 40.0e3    # forcing.zarr, the demo's store (74 cells, 40 years)
BYTES_SITES_MEMBER = 26e6           # sites.zarr, the demo's (its probes, 1979-2018)
BYTES_STATE_CELL = (8 + 3 * NLAYER) * 8.0
#: bench_memory.py at 25,000 cells, 2 years, block 512 (2 cores): peak RSS [MB].
MB_SPINUP, MB_TRANSIENT_2Y, MEMORY_CELLS = 651.0, 695.0, 25_000
#: A job on a few columns (the interpreter, NumPy, Numba, xarray): assumed, not measured.
MB_SMALL_JOB = 300.0
#: Bytes per cell of a trend map store: 6 variables x (slope, p) x 3 periods x float64.
BYTES_TREND_MAPS_CELL = 6 * 2 * 3 * 8.0


#: The result stages that bench_out_of_core.py measures: name -> (its jobs: "members",
#: "experiments", "ensembles" (the calibrated ones) or "one"; how its time scales: "cells" (x years), "cells_members" (x years
#: x members) or "none"; bytes of its store per cell-year; per cell; note). A new stage of the
#: benchmark is one entry here.
RESULT_STAGES = {
    "diagnose": ("members", "cells", BYTES_PERMAFROST_CELL_YEAR, 0.0, "per member"),
    "trends": ("experiments", "cells_members", 0.0, BYTES_TREND_MAPS_CELL,
               "per experiment, its members"),
    "ensemble_summary": ("ensembles", "cells_members", BYTES_ENSEMBLE_CELL_YEAR, 0.0,
                         "per calibrated experiment, its members"),
    "validate": ("one", "none", 0.0, 0.0, "all members at the sites' cells (not scaled)"),
}


def _paper_dag_module():
    spec = importlib.util.spec_from_file_location("test_paper_config",
                                                  REPO / "tests/test_paper_config.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def dag_job_counts(config: Path) -> dict[str, int]:
    """Job counts per rule of a dry run of ``config`` on the stand-in inputs of
    tests/test_paper_config.py."""
    mod = _paper_dag_module()
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        mod.stand_in(raw)
        res = subprocess.run(
            [sys.executable, "-m", "snakemake", "-n", "--snakefile", str(REPO / "Snakefile"),
             "--directory", str(Path(tmp) / "wd"), "--configfile", str(config),
             "--config", f"raw_dir={raw}"], capture_output=True, text=True, timeout=600)
    if res.returncode != 0:
        raise RuntimeError((res.stdout + res.stderr)[-3000:])
    return mod.job_counts(res.stdout)


def measure_kernel_us(build: str = "reference") -> float:
    """Microseconds per column-step of one core: bench_kernel.timed_run on the demo site's
    input, 64 columns x 2920 steps, best of 3."""
    spec = importlib.util.spec_from_file_location("bench_kernel",
                                                  REPO / "benchmarks/bench_kernel.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    inp = mod.load_case(None, 1)
    mod.timed_run(inp, 4, 8, 1, 1, build)  # compile (or load the cache) outside the timing
    rate, _ = mod.timed_run(inp, 64, STEPS_PER_YEAR, 1, 3, build)
    return 1e6 / rate


def measure_stages(cells: int, members: int) -> list[dict]:
    """bench_out_of_core.py's JSON line at ``cells`` cells, 40 years, ``members`` members."""
    res = subprocess.run([sys.executable, str(REPO / "benchmarks/bench_out_of_core.py"),
                          "--cells", str(cells), "--members", str(members)],
                         capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(res.stderr[-3000:])
    return json.loads(res.stdout.strip().splitlines()[-1])


def _years(a, b) -> int:
    return int(str(b)[:4]) - int(str(a)[:4]) + 1


def calibration_years(exp: dict, run_in: int) -> int:
    """Years a candidate run of an experiment simulates: its window's calendar years (a map
    experiment: the map year and the year before, for the class) plus the run-in."""
    if "calibration" in exp:
        return _years(*exp["calibration"]) + run_in
    return 2 + run_in


def project(cfg: dict, cells: int, map_cells: int, kernel_us: float, stages: list[dict],
            nodes: int, cores: int) -> list[dict]:
    """One row per stage: jobs, threads per job, column-steps (low, high), core-hours (low,
    high), peak MB per job, storage bytes, wall hours on nodes x cores (low, high)."""
    from noahperm.sensitivity.sizes import N_PARAMETERS, n_chunks, n_samples

    sim, sens, cal = cfg["simulation"], cfg["sensitivity"], cfg["calibration"]
    nyear = _years(*sim["years"])
    spin = (int(sim["spinup"]["min_years"]), int(sim["spinup"]["max_years"]))
    nexp = len(cal["experiments"])
    members = 1 + nexp * int(cal["members"])
    core_s = kernel_us * 1e-6
    node_cores = nodes * cores
    rows = []

    def add(stage, jobs, threads, steps, mb, storage, note, seconds=None):
        lo, hi = steps if isinstance(steps, tuple) else (steps, steps)
        if seconds is None:
            ch = (lo * core_s / 3600, hi * core_s / 3600)
        else:
            ch = (seconds[0] / 3600, seconds[1] / 3600)
        # wall: the stage's core-hours spread over the cluster, but no faster than one job
        # on its threads (the longest job)
        per_job = (ch[0] / jobs / threads, ch[1] / jobs / threads)
        waves = math.ceil(jobs * threads / node_cores)
        wall = (max(ch[0] / node_cores, per_job[0]) if waves > 1 else per_job[0],
                max(ch[1] / node_cores, per_job[1]) if waves > 1 else per_job[1])
        rows.append({"stage": stage, "jobs": jobs, "threads": threads,
                     "column_steps": (lo, hi), "core_hours": ch, "peak_MB": mb,
                     "storage_GB": storage / 1e9, "wall_h": wall, "note": note})

    # kernel stages -------------------------------------------------------------------
    add("spinup (cold, per member)", members, cores,
        tuple(cells * y * STEPS_PER_YEAR * members for y in spin), MB_SPINUP,
        members * cells * BYTES_STATE_CELL,
        f"{members} members x {cells:,} cells x {spin[0]}-{spin[1]} years")
    annual_mb = cells * nyear * NAGG * NLAYER * 8 / 2**20
    extra = (nyear - 2) * cells * NAGG * NLAYER * 8 / 2**20
    add("simulate (1979-2018)", members, cores, cells * nyear * STEPS_PER_YEAR * members,
        MB_TRANSIENT_2Y * cells / MEMORY_CELLS + extra,
        members * (cells * nyear * BYTES_ANNUAL_CELL_YEAR + BYTES_SITES_MEMBER
                   + cells * BYTES_STATE_CELL),
        f"holds the annual aggregates ({annual_mb:,.0f} MB) in memory: estimate")
    nsamp = n_samples(N_PARAMETERS, sens["stars"], sens["delta_h"])
    ncell_s = len(sens["cells"])
    sy = _years(*sens["years"])
    ss = (int(sens["spinup"]["min_years"]), int(sens["spinup"]["max_years"]))
    add("sensitivity_chunk", n_chunks(sens), 1,
        tuple(nsamp * ncell_s * (y + sy) * STEPS_PER_YEAR for y in ss), MB_SMALL_JOB,
        n_chunks(sens) * 20e3,
        f"{nsamp:,} samples x {ncell_s} cells x ({ss[0]}-{ss[1]} + {sy}) years")
    iters = int(cal["optimiser"]["max_iterations"])
    run_in = int(cal.get("run_in_years", 2))
    for name, exp in cal["experiments"].items():
        n = map_cells if exp.get("objective") == "kappa" else 1
        y = calibration_years(exp, run_in)
        add(f"calibrate {name}", 1, cores if n > 1 else 1,
            iters * n * y * STEPS_PER_YEAR,
            MB_SMALL_JOB + MB_SPINUP * n / MEMORY_CELLS, 50e6,
            f"{iters} evaluations x {n:,} cells x {y} years")
    # result stages: measured by bench_out_of_core, scaled -------------------------------
    by = {r["stage"]: r for r in stages}
    counts = {"members": members, "experiments": 1 + nexp, "ensembles": nexp, "one": 1}
    for name, (jobs_of, scaling, bytes_cell_year, bytes_cell, note) in RESULT_STAGES.items():
        r = by.get(name)
        if r is None:
            continue
        jobs = counts[jobs_of]
        f = {"cells": cells * nyear / (r["cells"] * r["years"]),
             "cells_members": cells * nyear * int(cal["members"])
             / (r["cells"] * r["years"] * r["members"]),
             "none": 1.0}[scaling]
        sec = r["seconds"] * r["threads"] * f * jobs  # core-seconds of the stage
        storage = jobs * cells * (bytes_cell_year * nyear + bytes_cell)
        add(name, jobs, r["threads"], 0, r["peak_rss_MB"], storage,
            f"{note}; measured {r['seconds']:.1f} s at {r['cells']:,} cells x "
            f"{r['years']} years, x {f:.2g}", seconds=(sec, sec))
    add("forcing cache (prepare_forcing)", 1, 1, 0, 0,
        cells * _years(*cfg["forcing"]["years"]) * BYTES_FORCING_CELL_YEAR,
        "input store; time not projected (I/O bound)", seconds=(0.0, 0.0))
    return rows


def print_table(rows, kernel_us, cells, nodes, cores) -> None:
    print(f"paper configuration, {cells:,} cells; kernel {kernel_us:.2f} us per column-step "
          f"on one core; cluster {nodes} nodes x {cores} cores")
    head = (f"{'stage':34s} {'jobs':>5s} {'thr':>4s} {'column-steps':>21s} "
            f"{'core-hours':>17s} {'peak MB/job':>11s} {'storage GB':>10s} {'wall h':>13s}")
    print(head)
    print("-" * len(head))

    def rng(p, fmt):
        return fmt.format(p[0]) if p[0] == p[1] else (fmt.format(p[0]) + "-" + fmt.format(p[1]))

    tot = [0.0, 0.0]
    wall = [0.0, 0.0]
    store = 0.0
    for r in rows:
        steps = r["column_steps"]
        peak = f"{r['peak_MB']:,.0f}" if r["peak_MB"] else "-"
        print(f"{r['stage']:34s} {r['jobs']:5d} {r['threads']:4d} "
              f"{rng(steps, '{:.2e}') if steps[1] else '-':>21s} "
              f"{rng(r['core_hours'], '{:,.1f}'):>17s} "
              f"{peak:>11s} "
              f"{r['storage_GB']:10,.2f} {rng(r['wall_h'], '{:,.2f}'):>13s}")
        for i in (0, 1):
            tot[i] += r["core_hours"][i]
            wall[i] += r["wall_h"][i]
        store += r["storage_GB"]
    print("-" * len(head))
    print(f"{'total':34s} {'':5s} {'':4s} {'':>21s} {rng(tuple(tot), '{:,.0f}'):>17s} "
          f"{'':11s} {store:10,.1f} {rng(tuple(wall), '{:,.1f}'):>13s}")
    print("\nnotes:")
    for r in rows:
        print(f"  {r['stage']}: {r['note']}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config", type=Path, default=REPO / "config/paper.yaml")
    ap.add_argument("--cells", type=int, default=25_000, help="active cells of the domain")
    ap.add_argument("--map-cells", type=int, default=13_000, help="CaliMAP's target cells")
    ap.add_argument("--kernel-us", type=float, default=None,
                    help="us per column-step on one core (default: measured here)")
    ap.add_argument("--kernel-build", choices=("reference", "fast"), default=None,
                    help="build to measure (default: the config's simulation.kernel)")
    ap.add_argument("--stages-json", type=Path, default=None,
                    help="bench_out_of_core.py's JSON line (default: measured here)")
    ap.add_argument("--measure-cells", type=int, default=2000,
                    help="cells of the result-stage measurement when no --stages-json")
    ap.add_argument("--nodes", type=int, default=10)
    ap.add_argument("--cores", type=int, default=32)
    ap.add_argument("--dag", action="store_true",
                    help="also dry-run the DAG on stand-in inputs and print its job counts")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON too")
    a = ap.parse_args(argv)

    from noahperm.core.config import check

    cfg = check(yaml.safe_load(a.config.read_text()))
    build = a.kernel_build or cfg["simulation"].get("kernel", "reference")
    kernel_us = a.kernel_us if a.kernel_us is not None else measure_kernel_us(build)
    if a.stages_json is not None:
        text = a.stages_json.read_text().strip().splitlines()
        stages = json.loads(next(x for x in reversed(text) if x.startswith("[")))
    else:
        stages = measure_stages(a.measure_cells, int(cfg["calibration"]["members"]))
    rows = project(cfg, a.cells, a.map_cells, kernel_us, stages, a.nodes, a.cores)
    print_table(rows, kernel_us, a.cells, a.nodes, a.cores)
    if a.dag:
        counts = dag_job_counts(a.config)
        print("\nDAG of the configuration on stand-in inputs (snakemake -n), jobs per rule:")
        print("  " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if a.json:
        print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())

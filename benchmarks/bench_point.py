"""Point-run benchmark: ``noahperm point`` end to end, in fresh processes, against the Fortran.

Usage: ``python benchmarks/bench_point.py [--input FILE] [--runs N] [--fortran-s S]
[--build both|aot|jit] [--dont-write-bytecode]``.

Both builds of the point kernel are timed (``--build both``, the default), the runs of the two
interleaved so that a change of the machine's load hits both alike: ``aot``, the ahead-of-time
build (``NOAHPERM_POINT_BUILD=aot``: the run fails if the build is missing or stale, so the
figure is never a JIT run in disguise; build it with ``make aot``), and ``jit``, Numba's JIT
build loaded from its on-disk cache (``NOAHPERM_POINT_BUILD=jit``). docs/kernel.md.

Each run is a new process, ``python -m noahperm point INPUT --out OUT.nc --quiet --timings``,
timed from its start to its end (interpreter start-up, imports, reading, the run, writing the
NetCDF and the interpreter's exit: what a user waits for). One untimed run comes first: it
compiles the kernel into Numba's on-disk cache if that is cold (``$NUMBA_CACHE_DIR``, default
``.cache/numba`` as ``make`` sets it) and writes Python's byte-code caches, so the timed runs
see a warm cache, as every run after the first does. The children's environment is this one,
less ``PYTHONDONTWRITEBYTECODE`` (an installed package has its byte code compiled; keep the
variable with ``--dont-write-bytecode`` to time a run that compiles every module from source).

Printed for each build (no pass/fail: this is a measurement, not a test): min and median wall
time, min and median CPU time (user + system) of the children, the median of each phase that
``--timings`` reports, and the ratios of the Fortran driver's time to our minimum and median;
then the ratio of the two builds' minima. The Fortran figure
(``--fortran-s``, default 0.61 s) is the authors' single-column driver (``simple_driver.F``,
gfortran -O2, 8-byte reals) running the same case with its text output, measured on this
project's 2-core development machine; it is machine-dependent, so the ratio only holds where
both figures were measured (docs/performance.md, "Point runs"). Default input: the ``tgl``
reference case (5 years of 3 h steps, 18 layers), from ``.cache/refdata/tgl`` or unpacked there
from ``../shared/reference/tgl.tar.xz``.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASE_DIR = ROOT / ".cache" / "refdata" / "tgl"
TARBALL = ROOT.parent / "shared" / "reference" / "tgl.tar.xz"
PHASE_RE = re.compile(r"^\s+(\S.*?)\s+(\d+\.\d+)$")
BUILD_RE = re.compile(r"^  build: (\w+) ")


def default_input() -> Path:
    """``.cache/refdata/tgl/forcing_main.in``, unpacked from the shared tarball if missing."""
    path = CASE_DIR / "forcing_main.in"
    if path.is_file():
        return path
    if not TARBALL.is_file():
        sys.exit(f"bench_point: no input: {path} is missing and so is {TARBALL}; "
                 "give --input FILE (a file in the reference driver's format)")
    with tarfile.open(TARBALL, "r:xz") as tar:
        member = tar.getmember("tgl/forcing_main.in")
        CASE_DIR.mkdir(parents=True, exist_ok=True)
        data = tar.extractfile(member).read()
    path.write_bytes(data)
    return path


def child_env(keep_bytecode_env: bool) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".cache" / "numba"))
    if not keep_bytecode_env:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, float, dict]:
    """(wall s, CPU s of the child, phases and ``build``) of one run; RuntimeError if the
    child fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n"
                           f"{proc.stderr.strip()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    phases = {}
    for line in proc.stderr.splitlines():
        m = PHASE_RE.match(line)
        if m:
            phases[m.group(1)] = float(m.group(2))
        m = BUILD_RE.match(line)
        if m:
            phases["build"] = m.group(1)
    return wall, cpu, phases


def summarize(name: str, walls, cpus, phases, fortran_s: float) -> None:
    best, med = min(walls), statistics.median(walls)
    print(f"\n[{name}] {len(walls)} runs, wall time [s]: min {best:.3f}, median {med:.3f}")
    print(f"[{name}] CPU time (user + system) [s]: min {min(cpus):.3f}, "
          f"median {statistics.median(cpus):.3f}")
    print(f"[{name}] phases (median of the runs, noahperm point --timings) [s]:")
    for k, v in phases.items():
        print(f"  {k:<20s} {statistics.median(v):7.3f}")
    if "total" in phases:
        print(f"  {'interpreter':<20s} {med - statistics.median(phases['total']):7.3f}  "
              "(start-up before noahperm.cli, and exit: median wall - median total)")
    print(f"[{name}] ratio Fortran / ours: min wall {fortran_s / best:.2f}, median wall "
          f"{fortran_s / med:.2f} ({'ours faster' if best < fortran_s else 'Fortran faster'})")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--input", type=Path, default=None,
                    help="point input (default: the tgl reference case's forcing_main.in)")
    ap.add_argument("--runs", type=int, default=10, help="timed runs (default: %(default)s)")
    ap.add_argument("--fortran-s", type=float, default=0.61,
                    help="the Fortran driver's wall time on the same case and machine "
                         "(default: %(default)s s, measured by the authors' driver, gfortran "
                         "-O2, on this project's 2-core development machine; machine-dependent)")
    ap.add_argument("--build", choices=("both", "aot", "jit"), default="both",
                    help="which build(s) of the point kernel to time (default: %(default)s)")
    ap.add_argument("--dont-write-bytecode", action="store_true",
                    help="keep PYTHONDONTWRITEBYTECODE in the children's environment")
    args = ap.parse_args(argv)

    inp = args.input or default_input()
    env = child_env(args.dont_write_bytecode)
    builds = ("aot", "jit") if args.build == "both" else (args.build,)
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench_point_") as tmp:
        cmd = [sys.executable, "-m", "noahperm", "point", str(inp), "--out",
               str(Path(tmp) / "point.nc"), "--quiet", "--timings"]
        print(f"input: {inp}")
        print(f"command: {' '.join(cmd[1:])}  (fresh process per run, "
              f"NOAHPERM_POINT_BUILD={'|'.join(builds)})")
        print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} "
              "(timings on a busy machine are inflated; the Fortran figure is a quiet one)")
        envs = {}
        for build in builds:
            envs[build] = dict(env, NOAHPERM_POINT_BUILD=build)
            t0 = time.perf_counter()
            try:
                run_once(cmd, envs[build])  # warm-up: Numba cache and byte code
            except RuntimeError as exc:
                print(f"[{build}] not available, not timed: {exc}")
                del envs[build]
                continue
            print(f"[{build}] warm-up run (compiles the kernel if Numba's cache is cold): "
                  f"{time.perf_counter() - t0:.2f} s")
            results[build] = ([], [], {})
        for _ in range(args.runs):
            for build in envs:  # interleaved: both see the same load
                wall, cpu, ph = run_once(cmd, envs[build])
                walls, cpus, phases = results[build]
                walls.append(wall)
                cpus.append(cpu)
                for k, v in ph.items():
                    phases.setdefault(k, []).append(v)
                if "build" in ph and ph["build"] != build:
                    sys.exit(f"bench_point: asked for the {build} build, ran {ph['build']}")

    print(f"\nFortran driver (gfortran -O2, text output): {args.fortran_s:.3f} s, a figure for "
          "this project's 2-core development machine (machine-dependent; pass --fortran-s)")
    for build, (walls, cpus, phases) in results.items():
        phases.pop("build", None)
        summarize(build, walls, cpus, phases, args.fortran_s)
    if len(results) == 2:
        a, j = (min(results[b][0]) for b in ("aot", "jit"))
        print(f"\nratio jit / aot (min wall): {j / a:.2f}")
    return 0 if results else 1


if __name__ == "__main__":
    sys.exit(main())

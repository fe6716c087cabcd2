"""Inputs benchmark: time and peak memory of building the demo caches (domain.zarr, forcing.zarr).

Usage: ``python benchmarks/bench_inputs.py [--config config/config.yaml] [--raw-dir DIR]
[--years FIRST LAST] [--traced] [--keep DIR]``.

The demo raw inputs are generated first if ``RAW_DIR/demo_manifest.json`` is missing (timed
too). Each build runs in a fresh subprocess, so that its peak memory is its own:
``maxrss`` is the process's peak resident set (``resource.getrusage``; includes the Python
interpreter and libraries, about 150 MB); with ``--traced`` also the peak of Python/numpy
allocations (``tracemalloc``, which slows the runs, so its timings are not comparable). The forcing cache is built twice, for the first two years and for the whole
period, to show that memory does not grow with the period length. Results are printed, not
judged (this is a measurement, not a test).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, resource, sys, time, tracemalloc
step, cfg_json, raw, out, y0, y1, domain, traced = sys.argv[1:9]
cfg = json.loads(cfg_json)
if traced == "1":
    tracemalloc.start()
t0 = time.perf_counter()
if step == "domain":
    from noahperm.inputs.domain import build_domain
    build_domain(cfg, out, raw_dir=raw)
else:
    from noahperm.inputs.forcing.cache import build_forcing_cache
    build_forcing_cache(raw, domain, out, years=(int(y0), int(y1)),
                        chunk_cells=cfg["forcing"]["chunk_cells"], progress=False)
dt = time.perf_counter() - t0
peak = tracemalloc.get_traced_memory()[1] if traced == "1" else float("nan")
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": dt, "traced_mb": peak / 2**20, "maxrss_mb": rss / 1024}))
"""


def load_config(path: Path) -> dict:
    import yaml
    from snakemake.utils import validate

    cfg = yaml.safe_load(path.read_text())
    validate(cfg, str(REPO / "src/noahperm/data/config.schema.yaml"))  # applies the defaults
    return cfg


def child(step: str, cfg: dict, raw: Path, out: Path, years, domain: Path, traced: bool) -> dict:
    res = subprocess.run([sys.executable, "-c", _CHILD, step, json.dumps(cfg), str(raw),
                          str(out), str(years[0]), str(years[1]), str(domain), str(int(traced))],
                         capture_output=True, text=True, check=False)
    if res.returncode:
        sys.exit(res.stderr)
    return json.loads(res.stdout.strip().splitlines()[-1])


def size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file()) / 2**20


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--config", type=Path, default=REPO / "config/config.yaml")
    p.add_argument("--raw-dir", type=Path, default=None, help="default: config raw_dir")
    p.add_argument("--years", type=int, nargs=2, default=None, help="default: forcing.years")
    p.add_argument("--traced", action="store_true",
                   help="also trace Python/numpy allocations (tracemalloc; slows the runs)")
    p.add_argument("--keep", type=Path, default=None, help="write the stores here (kept)")
    args = p.parse_args()
    cfg = load_config(args.config)
    raw = args.raw_dir or (REPO / cfg["raw_dir"])
    years = args.years or cfg["forcing"]["years"]
    cfg["forcing"]["years"] = list(years)
    if not (raw / "demo_manifest.json").is_file():
        from noahperm.demo_world.generator import generate

        t0 = time.perf_counter()
        generate(cfg, raw, progress=False)
        print(f"demo raw inputs generated in {time.perf_counter() - t0:.1f} s -> {raw}")
    out = args.keep or Path(tempfile.mkdtemp(prefix="bench_inputs_"))
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    dom = out / "domain.zarr"
    rows.append(("domain", child("domain", cfg, raw, dom, years, dom, args.traced), dom))
    short = (years[0], min(years[0] + 1, years[1]))
    for label, (a, b) in ((f"forcing {short[0]}-{short[1]}", short),
                          (f"forcing {years[0]}-{years[1]}", tuple(years))):
        f = out / f"forcing-{a}{b}.zarr"
        rows.append((label, child("forcing", cfg, raw, f, (a, b), dom, args.traced), f))
    import xarray as xr

    d = xr.open_zarr(dom)
    print(f"demo grid: {d.sizes['cell']} cells ({int(d['active'].sum())} active), "
          f"chunk_cells {cfg['forcing']['chunk_cells']}; python {sys.version.split()[0]}")
    print(f"{'step':<22}{'seconds':>9}{'maxrss MB':>11}{'traced MB':>11}{'store MB':>10}")
    for label, r, path in rows:
        traced = f"{r['traced_mb']:.1f}" if args.traced else "-"
        print(f"{label:<22}{r['seconds']:>9.2f}{r['maxrss_mb']:>11.0f}{traced:>11}"
              f"{size_mb(path):>10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

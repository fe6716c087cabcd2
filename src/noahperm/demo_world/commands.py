"""Sub-commands of the demo world (see :mod:`noahperm.cli`): ``demo`` (the point demo),
``make_demo_inputs`` (the mini-QTP's raw inputs) and ``make_truth`` (the twin truth)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def _config_json(text: str, what: str = "--config-json") -> dict:
    from noahperm.core.config import config_json

    return config_json(text, what)


def add_demo(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, required=True, metavar="DIR",
                   help="directory for the demo's results")
    p.add_argument("--years", type=int, default=2, metavar="N",
                   help="years of synthetic forcing to generate and run (default: %(default)s)")


def run_demo(args: argparse.Namespace) -> int:
    from noahperm.demo_world.point_site import main

    return main(args)


def add_make_demo_inputs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config-json", default=None, metavar="JSON",
                   help="the workflow config as JSON (its 'demo' section is used; default: the "
                        "generator's defaults)")
    p.add_argument("--out", type=Path, required=True, metavar="RAW_DIR",
                   help="raw-input directory to write (config raw_dir)")
    p.add_argument("--years", type=int, nargs=2, default=None, metavar=("FIRST", "LAST"),
                   help="write only these years of forcing (within demo.years)")
    p.add_argument("--overwrite", action="store_true", help="rewrite complete files too")


def run_make_demo_inputs(args: argparse.Namespace) -> int:
    from noahperm.demo_world.generator import generate

    config = _config_json(args.config_json) if args.config_json else None
    res = generate(config, args.out, years=args.years, overwrite=args.overwrite,
                   progress=False, workers=args.threads or 1)
    print(f"{res.written} files written, {res.skipped} already complete, {res.seconds:.1f} s; "
          f"manifest {res.manifest}")
    return 0


def add_make_truth(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config-json", required=True, metavar="JSON",
                   help="the run configuration as JSON: sections truth, simulation, forcing, "
                        "domain and observations")
    p.add_argument("--domain", type=Path, required=True, metavar="DOMAIN.zarr",
                   help="results/inputs/domain.zarr")
    p.add_argument("--forcing", type=Path, required=True, metavar="FORCING.zarr",
                   help="results/inputs/forcing.zarr")
    p.add_argument("--raw-dir", type=Path, required=True, metavar="RAW_DIR",
                   help="raw input directory (config raw_dir): DEM and masks are read there, "
                        "the map and observation files written there")
    p.add_argument("--truth-dir", type=Path, default=None, metavar="TRUTH_DIR",
                   help="directory of the hidden truth (default: config truth.truth_dir); "
                        "checkpoints there make a rerun resume")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


def run_make_truth(args: argparse.Namespace) -> int:
    from noahperm.demo_world.truth.make import run_truth

    cfg = _config_json(args.config_json)
    summary = run_truth(cfg, args.domain, args.forcing, args.raw_dir, args.truth_dir,
                        progress=not args.no_progress)
    print(json.dumps({k: summary[k] for k in ("permafrost_area_map_year_km2", "seconds")}))
    return 0

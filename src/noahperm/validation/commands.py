"""Sub-commands of the validation stage (see :mod:`noahperm.cli`): ``observed_variables``,
``validate``."""

from __future__ import annotations

import argparse
from pathlib import Path

from noahperm.core.config import config_json


def add_observed_variables(p: argparse.ArgumentParser) -> None:
    p.add_argument("--observations", type=Path, required=True, metavar="NC",
                   help="results/inputs/obs/observations.nc (rule prepare_observations)")
    p.add_argument("--out", type=Path, required=True, metavar="CSV",
                   help="observed ALT, TTOP, GT10m per site and year to write")
    p.add_argument("--config-json", default="{}", help="the validation config section as JSON")


def run_observed_variables(args: argparse.Namespace) -> int:
    from noahperm.validation.stage import run_observed

    cfg = config_json(args.config_json)
    run_observed(args.observations, args.out, cfg.get("min_coverage", 0.9),
                 cfg.get("max_gap_days", 15), cfg.get("gt_depth_m", 10.0))
    return 0


def add_validate(p: argparse.ArgumentParser) -> None:
    p.add_argument("--observed", type=Path, required=True, metavar="CSV",
                   help="results/validation/observed.csv (rule observed_variables)")
    p.add_argument("--member", nargs=2, action="append", required=True,
                   metavar=("EXPERIMENT", "PERMAFROST.zarr"),
                   help="one member's permafrost.zarr and its experiment (repeat)")
    p.add_argument("--out-dir", type=Path, required=True,
                   help="writes metrics.csv, ranking.csv and pairs.csv here")
    p.add_argument("--config-json", default="{}", help="the validation config section as JSON")
    p.add_argument("--chunk-cells", type=int, default=None, metavar="N",
                   help="cells per block (default: noahperm.core.chunked.CELL_CHUNK); the "
                   "common --threads are the dask threads that run the blocks")


def run_validate(args: argparse.Namespace) -> int:
    from noahperm.core.chunked import CELL_CHUNK
    from noahperm.validation.stage import run_validate as run

    cfg = config_json(args.config_json)
    experiments: dict[str, list[Path]] = {}
    for e, store in args.member:
        experiments.setdefault(e, []).append(Path(store))
    run(args.observed, experiments, args.out_dir, cfg.get("exclude_sites", {}),
        cfg.get("min_rate_years", 5), chunk_cells=args.chunk_cells or CELL_CHUNK,
        threads=args.threads or 1)
    return 0

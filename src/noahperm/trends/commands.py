"""Sub-commands of the trends stage (see :mod:`noahperm.cli`): ``trends``, ``table3``."""

from __future__ import annotations

import argparse
from pathlib import Path

from noahperm.core.config import config_json


def add_trends(p: argparse.ArgumentParser) -> None:
    p.add_argument("--experiment", required=True, help="experiment name")
    p.add_argument("--area", type=Path, nargs="+", required=True, metavar="CSV",
                   help="each member's area.csv (rule diagnose)")
    p.add_argument("--means", type=Path, nargs="+", required=True, metavar="CSV",
                   help="each member's regional_means.csv, in the same order")
    p.add_argument("--permafrost", type=Path, nargs="+", required=True, metavar="ZARR",
                   help="each member's permafrost.zarr, in the same order")
    p.add_argument("--out-dir", type=Path, required=True,
                   help="writes series.csv, trends.csv and trend_maps.zarr here")
    p.add_argument("--config-json", default="{}",
                   help="the trends config section as JSON (periods, confidence, ...)")
    p.add_argument("--chunk-cells", type=int, default=None, metavar="N",
                   help="cells per block (default: noahperm.core.chunked.CELL_CHUNK); the "
                   "common --threads are the dask threads that run the blocks")


def run_trends(args: argparse.Namespace) -> int:
    from noahperm.trends.stage import run_trends as run

    cfg = config_json(args.config_json)
    cfg = cfg.get("trends", cfg)  # the rule passes {"trends": {...}} (config_json("trends"))
    run(args.experiment, args.area, args.means, args.permafrost, args.out_dir,
        periods=cfg.get("periods"), level=cfg.get("confidence", 0.95),
        min_fraction=cfg.get("min_valid_fraction", 0.8), min_years=cfg.get("min_years", 4),
        **_chunking(args))
    return 0


def _chunking(args: argparse.Namespace) -> dict:
    from noahperm.core.chunked import CELL_CHUNK

    return {"chunk_cells": args.chunk_cells or CELL_CHUNK, "threads": args.threads or 1}


def add_table3(p: argparse.ArgumentParser) -> None:
    p.add_argument("--series", type=Path, nargs="+", required=True, metavar="CSV",
                   help="each experiment's series.csv (rule trends)")
    p.add_argument("--trends", type=Path, nargs="+", required=True, metavar="CSV",
                   help="each experiment's trends.csv (rule trends)")
    p.add_argument("--csv", type=Path, required=True, help="results/tables/table3.csv")
    p.add_argument("--md", type=Path, required=True, help="results/tables/table3.md")
    p.add_argument("--years", type=int, nargs=2, default=(1980, 2018),
                   help="years whose mean +- CI the table gives")


def run_table3(args: argparse.Namespace) -> int:
    from noahperm.trends.stage import run_table3 as run

    run(args.series, args.trends, args.csv, args.md, tuple(args.years))
    return 0

"""Sub-commands of the ensemble stage (see :mod:`noahperm.cli`): ``ensemble_summary``."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_ensemble_summary(p: argparse.ArgumentParser) -> None:
    p.add_argument("--experiment", required=True, help="experiment name (CaliTGL, ...)")
    p.add_argument("--permafrost", type=Path, nargs="+", required=True, metavar="ZARR",
                   help="each member's permafrost.zarr (rule diagnose)")
    p.add_argument("--out", type=Path, required=True, metavar="CELLS.zarr",
                   help="the summary store to write")
    p.add_argument("--config-json", default="{}",
                   help="config sections trends (periods, confidence) and ensemble "
                        "(chunk_cells) as JSON")


def run_ensemble_summary(args: argparse.Namespace) -> int:
    from noahperm.core.config import config_json, with_defaults
    from noahperm.ensemble.stage import run_summary

    cfg = config_json(args.config_json)
    trends = with_defaults(cfg.get("trends"), "trends")
    ens = with_defaults(cfg.get("ensemble"), "ensemble")
    run_summary(args.experiment, args.permafrost, args.out, periods=trends["periods"],
                level=float(trends["confidence"]), chunk_cells=int(ens["chunk_cells"]),
                threads=int(args.threads or 1))
    return 0

"""Sub-command of the diagnostics stage (see :mod:`noahperm.cli`): ``diagnose``."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_diagnose(p: argparse.ArgumentParser) -> None:
    p.add_argument("--annual", type=Path, required=True, metavar="ANNUAL.zarr",
                   help="annual aggregates of a transient run (rule simulate)")
    p.add_argument("--domain", type=Path, required=True, metavar="DOMAIN.zarr",
                   help="results/inputs/domain.zarr")
    p.add_argument("--forcing", type=Path, default=None, metavar="FORCING.zarr",
                   help="results/inputs/forcing.zarr (for MAAT)")
    p.add_argument("--out", type=Path, required=True, metavar="PERMAFROST.zarr",
                   help="per cell and year diagnostics to write")
    p.add_argument("--area", type=Path, required=True, metavar="CSV",
                   help="permafrost and seasonally frozen ground area per year to write")
    p.add_argument("--means", type=Path, required=True, metavar="CSV",
                   help="regional means per year to write")
    p.add_argument("--chunk-cells", type=int, default=None, metavar="N",
                   help="cells per block (default: noahperm.core.chunked.CELL_CHUNK); the "
                   "common --threads are the dask threads that run the blocks")


def run_diagnose(args: argparse.Namespace) -> int:
    from noahperm.diagnostics.stage import BLOCK_CELLS, diagnose

    diagnose(args.annual, args.domain, args.out, args.area, args.means, args.forcing,
             block_cells=args.chunk_cells or BLOCK_CELLS, threads=args.threads or 1)
    return 0

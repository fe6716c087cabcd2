"""Sub-command of the point stage: ``noahperm point`` (see :mod:`noahperm.cli`)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_point(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", type=Path, metavar="INPUT",
                   help="forcing and namelist file in the reference driver's input format")
    p.add_argument("--out", type=Path, required=True, metavar="OUT.nc",
                   help="NetCDF file to write (dims time, layer)")
    p.add_argument("--tables", type=Path, default=None, metavar="DIR",
                   help="directory with GENPARM.TBL, SOILPARM.TBL, VEGPARM.TBL "
                        "(default: the bundled tables)")
    p.add_argument("--mode", choices=("reference", "consistent"), default="reference",
                   help="soil-parameter semantics: 'reference' reproduces the Fortran, "
                        "'consistent' gives each layer its own class (default: %(default)s)")


def run_point(args: argparse.Namespace) -> int:
    from noahperm.point.run import main

    return main(args)

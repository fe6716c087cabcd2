"""``python -m noahperm.observations``: build the observation store (rule prepare_observations).

Also usable as a ``noahperm`` sub-command: :func:`add_arguments` and :func:`main`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from noahperm.errors import InputError

DESCRIPTION = ("Read the active-layer workbook, site locations and borehole table under "
               "RAW_DIR/observations/, place the sites on the model cells of DOMAIN and write "
               "OUT_DIR/observations.nc (atomically).")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--raw-dir", type=Path, required=True, metavar="RAW_DIR",
                   help="raw input directory (config raw_dir); reads observations/"
                        "{active_layer_gt.xlsx,site_locations.csv,boreholes.csv}, each optional")
    p.add_argument("--domain", type=Path, default=None, metavar="DOMAIN.zarr",
                   help="complete domain store (results/inputs/domain.zarr); without it the "
                        "sites are not placed on cells")
    p.add_argument("--out-dir", type=Path, required=True, metavar="OUT_DIR",
                   help="directory for observations.nc (e.g. results/inputs/obs)")
    p.add_argument("--quiet", action="store_true", help="warnings and errors only")


def main(args: argparse.Namespace) -> int:
    from noahperm.observations.store import prepare

    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s")
    path = prepare(None, args.raw_dir, args.domain, args.out_dir)
    print(path)
    return 0


def cli(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m noahperm.observations",
                                     description=DESCRIPTION)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return main(args)
    except InputError as exc:
        print(f"noahperm.observations: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(cli())

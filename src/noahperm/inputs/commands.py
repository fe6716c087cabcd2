"""Sub-commands of the inputs stage (see :mod:`noahperm.cli`): ``prepare_domain``,
``prepare_forcing`` and ``prepare_observations``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from noahperm.core.errors import InputError


def add_prepare_domain(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--config", type=Path, metavar="YAML",
                   help="config file (YAML or JSON) with raw_dir, forcing.years and a complete "
                        "domain section")
    g.add_argument("--config-json", metavar="JSON",
                   help="config as a JSON string (the workflow passes the validated config "
                        "with its defaults)")
    p.add_argument("--out", required=True, type=Path, metavar="DOMAIN.zarr",
                   help="domain store to write (atomically)")
    p.add_argument("--raw-dir", type=Path, default=None, help="overrides config raw_dir")


def run_prepare_domain(args: argparse.Namespace) -> int:
    from noahperm.inputs.domain import build_domain, read_config

    try:
        config = read_config(args.config, args.config_json)
    except json.JSONDecodeError as exc:  # only --config-json is parsed as JSON
        raise InputError(f"not valid JSON: {exc}", field="--config-json") from None
    build_domain(config, args.out, raw_dir=args.raw_dir)
    return 0


def add_prepare_forcing(p: argparse.ArgumentParser) -> None:
    p.add_argument("--raw-dir", type=Path, required=True, metavar="RAW_DIR",
                   help="raw-input directory; reads RAW_DIR/forcing/*.nc (CMFD)")
    p.add_argument("--domain", type=Path, required=True, metavar="DOMAIN.zarr",
                   help="complete domain store (results/inputs/domain.zarr)")
    p.add_argument("--out", type=Path, required=True, metavar="FORCING.zarr",
                   help="forcing store to write (atomically)")
    p.add_argument("--years", type=int, nargs=2, required=True, metavar=("FIRST", "LAST"),
                   help="first and last year, inclusive")
    p.add_argument("--chunk-cells", type=int, default=512, metavar="N",
                   help="cells per chunk (default: %(default)s)")
    p.add_argument("--config-json", default=None, metavar="JSON",
                   help="config sections used, recorded as a hash in the store")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def run_prepare_forcing(args: argparse.Namespace) -> int:
    from noahperm.core.config import digest
    from noahperm.inputs.forcing.cache import build_forcing_cache

    h = None
    if args.config_json:
        try:
            h = digest(json.loads(args.config_json))
        except json.JSONDecodeError as exc:
            raise InputError(f"not valid JSON: {exc}", field="--config-json") from None
    build_forcing_cache(args.raw_dir, args.domain, args.out, years=args.years,
                        chunk_cells=args.chunk_cells, config_hash=h,
                        progress=not args.no_progress)
    return 0


def add_prepare_observations(p: argparse.ArgumentParser) -> None:
    p.add_argument("--raw-dir", type=Path, required=True, metavar="RAW_DIR",
                   help="raw input directory (config raw_dir); reads observations/"
                        "{active_layer_gt.xlsx,site_locations.csv,boreholes.csv}, each optional")
    p.add_argument("--domain", type=Path, default=None, metavar="DOMAIN.zarr",
                   help="complete domain store (results/inputs/domain.zarr); without it the "
                        "sites are not placed on cells")
    p.add_argument("--out-dir", type=Path, required=True, metavar="OUT_DIR",
                   help="directory for observations.nc (e.g. results/inputs/obs)")
    p.add_argument("--config-json", default=None, metavar="JSON",
                   help="config section 'observations' as JSON (the workbook's time base; "
                        "default: the schema's)")


def run_prepare_observations(args: argparse.Namespace) -> int:
    from noahperm.inputs.observations.store import prepare

    config = None
    if args.config_json:
        import json

        try:
            config = json.loads(args.config_json)
        except json.JSONDecodeError as exc:
            from noahperm.core.errors import InputError

            raise InputError(f"not valid JSON: {exc}", field="--config-json") from None
    path = prepare(config, args.raw_dir, args.domain, args.out_dir)
    print(path)
    return 0

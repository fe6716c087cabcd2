"""``python -m noahperm.synthetic``: write the synthetic mini-QTP's raw inputs.

    python -m noahperm.synthetic --config config/config.yaml --out resources/demo/raw \\
        [--years 1979 2018] [--overwrite] [--workers N] [--quiet]

Exit status 0 on success, 2 for a bad config (the message names the key).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from noahperm.errors import InputError


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m noahperm.synthetic",
        description="Write the synthetic mini-QTP (CMFD-format forcing NetCDF and 1 km GeoTIFF "
                    "maps) in the raw-input layout. Files already complete for the same "
                    "settings are kept.")
    p.add_argument("--config", type=Path, default=None, metavar="YAML",
                   help="workflow config; its 'demo' section is used (default: built-in "
                        "defaults)")
    p.add_argument("--out", type=Path, required=True, metavar="DIR",
                   help="raw-input directory to write (e.g. resources/demo/raw)")
    p.add_argument("--years", type=int, nargs=2, default=None, metavar=("FIRST", "LAST"),
                   help="write only these years of forcing (within demo.years)")
    p.add_argument("--overwrite", action="store_true", help="rewrite complete files too")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="processes for the forcing (default: %(default)s)")
    p.add_argument("--quiet", action="store_true", help="no progress bar, warnings only")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from noahperm.synthetic import generate

    try:
        config = None
        if args.config is not None:
            import yaml

            try:
                config = yaml.safe_load(args.config.read_text()) or {}
            except (OSError, yaml.YAMLError) as exc:
                raise InputError(f"cannot read the config: {exc}", path=args.config) from exc
        res = generate(config, args.out, years=args.years, overwrite=args.overwrite,
                       progress=not args.quiet, workers=args.workers)
    except InputError as exc:
        print(f"python -m noahperm.synthetic: error: {exc}", file=sys.stderr)
        return 2
    print(f"{res.written} files written, {res.skipped} already complete, {res.seconds:.1f} s; "
          f"manifest {res.manifest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

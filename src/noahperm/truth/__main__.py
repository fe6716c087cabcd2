"""``python -m noahperm.truth``: the demo's twin truth (rule make_truth)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from noahperm.errors import InputError

DESCRIPTION = ("Run the demo world with hidden true parameters (spin-up and transient) and "
               "write, in the real formats, RAW_DIR/permafrost/permafrost_2010_1km.tif and "
               "RAW_DIR/observations/{active_layer_gt.xlsx,site_locations.csv,boreholes.csv}; "
               "the true parameters go to TRUTH_DIR/true_parameters.json (read only by "
               "evaluation code). docs/truth.md")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m noahperm.truth", description=DESCRIPTION)
    p.add_argument("--config-json", required=True, metavar="JSON",
                   help="the run configuration as JSON: sections truth (seed, truth_dir, "
                        "map, network, noise, gaps; defaults for missing keys), simulation "
                        "(spin-up settings, years), forcing (years) and domain "
                        "(vegetation_classes)")
    p.add_argument("--domain", type=Path, required=True, metavar="DOMAIN.zarr",
                   help="results/inputs/domain.zarr")
    p.add_argument("--forcing", type=Path, required=True, metavar="FORCING.zarr",
                   help="results/inputs/forcing.zarr")
    p.add_argument("--raw-dir", type=Path, required=True, metavar="RAW_DIR",
                   help="raw input directory (config raw_dir): DEM and masks are read there, "
                        "the map and observation files written there")
    p.add_argument("--truth-dir", type=Path, default=None, metavar="TRUTH_DIR",
                   help="directory of the hidden truth (default: config truth.truth_dir, "
                        "resources/demo/truth); checkpoints there make a rerun resume")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--quiet", action="store_true", help="warnings and errors only")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from noahperm.truth.make import run_truth

    try:
        cfg = json.loads(args.config_json)
        summary = run_truth(cfg, args.domain, args.forcing, args.raw_dir, args.truth_dir,
                            progress=not args.no_progress)
    except (InputError, json.JSONDecodeError) as exc:
        print(f"noahperm.truth: error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({k: summary[k] for k in ("permafrost_area_map_year_km2", "seconds")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Sub-command of the calibration stage (see :mod:`noahperm.cli`): ``calibrate`` (one
experiment: CaliTGL, CaliTSH or CaliMAP)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_calibrate(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment", help="experiment of config calibration.experiments")
    p.add_argument("--config-json", required=True, metavar="JSON",
                   help="sections calibration, simulation, observations as JSON")
    p.add_argument("--domain", type=Path, required=True, metavar="DOMAIN.zarr")
    p.add_argument("--forcing", type=Path, required=True, metavar="FORCING.zarr")
    p.add_argument("--spinup", type=Path, required=True, metavar="STATE.zarr",
                   help="CaliFree's spun-up state (the candidates' warm start)")
    p.add_argument("--observations", type=Path, default=None, metavar="OBS.nc",
                   help="observation store (site experiments)")
    p.add_argument("--map", type=Path, default=None, metavar="MAP.tif",
                   help="the permafrost map (map experiments)")
    p.add_argument("--califree-annual", type=Path, default=None, metavar="ANNUAL.zarr",
                   help="CaliFree's annual aggregates (map experiments: the sensitive region)")
    p.add_argument("--ranking", type=Path, default=None, metavar="SELECTED.json",
                   help="the sensitivity stage's selected.json (calibration.parameters = "
                        "selected)")
    p.add_argument("--checkpoint", type=Path, default=None, metavar="JSON",
                   help="history checkpoint (resume after an interruption)")
    p.add_argument("--code", default="", help="the stage's code version (checkpoint identity)")
    p.add_argument("--out-dir", type=Path, required=True, metavar="DIR",
                   help="results/calibration/<experiment>")


def run_calibrate(args: argparse.Namespace) -> int:
    from noahperm.calibration.stage import run_calibration
    from noahperm.core.config import config_json
    from noahperm.simulation.members import file_identity, store_identity

    cfg = config_json(args.config_json)
    ident = {"code": args.code, "domain": store_identity(args.domain),
             "spinup": store_identity(args.spinup),
             **{k: file_identity(v) for k, v in (("observations", args.observations),
                                                 ("map", args.map), ("ranking", args.ranking))
                if v is not None and Path(v).is_file()},
             **({"califree": store_identity(args.califree_annual)} if args.califree_annual
                else {})}
    run_calibration(cfg, args.experiment, domain_path=args.domain, forcing_path=str(args.forcing),
                    spinup_state=args.spinup, out_dir=args.out_dir,
                    observations=args.observations, map_path=args.map,
                    califree_annual=args.califree_annual, ranking_csv=args.ranking,
                    checkpoint=args.checkpoint, identity=ident)
    return 0

"""Sub-commands of the simulation stage (see :mod:`noahperm.cli`): ``spinup`` and ``simulate``
(one experiment member: a parameter set over the domain)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from noahperm.core.errors import NoahpermError


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config-json", required=True, metavar="JSON",
                   help="the run configuration as JSON (sections forcing and simulation)")
    p.add_argument("--domain", type=Path, required=True, metavar="DOMAIN.zarr",
                   help="results/inputs/domain.zarr")
    p.add_argument("--forcing", type=Path, required=True, metavar="FORCING.zarr",
                   help="results/inputs/forcing.zarr")
    p.add_argument("--parameters", type=Path, default=None, metavar="PARAMS.json",
                   help="parameter set (JSON object of Table 1 keys); default model if omitted")
    p.add_argument("--checkpoints", type=Path, default=None, metavar="DIR",
                   help="checkpoint directory (resume after an interruption)")


def _config(args) -> dict:
    from noahperm.core.config import config_json

    return config_json(args.config_json)


def _simulation_errors(func, *a, **kw):
    """Run ``func``; a failing column (SimulationError) becomes a NoahpermError (exit 1)."""
    from noahperm.simulation.engine import SimulationError

    try:
        return func(*a, **kw)
    except SimulationError as exc:
        raise NoahpermError(str(exc)) from None


def add_spinup(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("--out", type=Path, required=True, metavar="STATE.zarr",
                   help="spun-up state store to write")
    p.add_argument("--convergence", type=Path, required=True, metavar="CSV",
                   help="convergence table to write (years run, converged, last changes)")
    p.add_argument("--warm-from", type=Path, default=None, metavar="STATE.zarr",
                   help="warm start from this spun-up state (e.g. CaliFree's); cold without it")


def run_spinup(args: argparse.Namespace) -> int:
    from noahperm.simulation.stage import run_spinup

    _simulation_errors(run_spinup, _config(args), args.domain, args.forcing, args.parameters,
                       args.out, args.convergence, args.checkpoints, warm_from=args.warm_from)
    return 0


def add_simulate(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("--spinup", type=Path, required=True, metavar="STATE.zarr",
                   help="spun-up state store (rule spinup)")
    p.add_argument("--observations", type=Path, default=None, metavar="OBS.nc",
                   help="observation store: its sites get daily output")
    p.add_argument("--out-dir", type=Path, required=True, metavar="DIR",
                   help="directory for annual.zarr, sites.zarr and state.zarr")


def run_simulate(args: argparse.Namespace) -> int:
    from noahperm.simulation.stage import run_transient

    _simulation_errors(run_transient, _config(args), args.domain, args.forcing,
                       args.parameters, args.spinup, args.observations, args.out_dir,
                       args.checkpoints)
    return 0


def add_member_parameters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="source", type=Path, default=None, metavar="PARAMS.json",
                   help="the member's parameter file (JSON object of Table 1 keys); "
                        "without it, the default model ({})")
    p.add_argument("--out", type=Path, required=True, metavar="PARAMS.json",
                   help="the checked parameter set to write")


def run_member_parameters(args: argparse.Namespace) -> int:
    """Check a member's parameter set (Table 1 keys and ranges) and write it as sorted JSON."""
    from noahperm.core.fileio import atomic_file, ensure_dir
    from noahperm.simulation.stage import load_parameter_set

    values = load_parameter_set(args.source) if args.source is not None else {}
    ensure_dir(args.out.parent)
    with atomic_file(args.out) as tmp:
        Path(tmp).write_text(json.dumps(values, sort_keys=True) + "\n")
    return 0

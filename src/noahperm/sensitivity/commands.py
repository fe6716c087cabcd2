"""Sub-commands of the sensitivity stage (see :mod:`noahperm.cli`): ``sensitivity_samples``,
``sensitivity_base``, ``sensitivity_chunk`` and ``sensitivity_analyse`` (docs/sensitivity.md)."""

from __future__ import annotations

import argparse
from pathlib import Path


def _config(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config-json", required=True, metavar="JSON",
                   help="the run configuration as JSON (sections simulation and sensitivity)")


def _cfg(args) -> dict:
    from noahperm.core.config import config_json

    return config_json(args.config_json)


def _inputs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--domain", type=Path, required=True, metavar="DOMAIN.zarr",
                   help="results/inputs/domain.zarr")
    p.add_argument("--forcing", type=Path, required=True, metavar="FORCING.zarr",
                   help="results/inputs/forcing.zarr")


def _simulation_errors(func, *a, **kw):
    from noahperm.simulation.commands import _simulation_errors as run

    return run(func, *a, **kw)


def add_sensitivity_samples(p: argparse.ArgumentParser) -> None:
    _config(p)
    _inputs(p)
    p.add_argument("--samples", type=Path, required=True, metavar="CSV",
                   help="the STAR-VARS samples to write (normalised and physical values)")
    p.add_argument("--cells", type=Path, required=True, metavar="JSON",
                   help="the analysis cells and responses to write")


def run_sensitivity_samples(args: argparse.Namespace) -> int:
    from noahperm.sensitivity.stage import write_samples

    write_samples(_cfg(args), args.domain, args.forcing, args.samples, args.cells)
    return 0


def add_sensitivity_base(p: argparse.ArgumentParser) -> None:
    _config(p)
    _inputs(p)
    p.add_argument("--cells", type=Path, required=True, metavar="JSON",
                   help="the analysis cells (rule sensitivity_samples)")
    p.add_argument("--checkpoints", type=Path, default=None, metavar="DIR",
                   help="checkpoint directory (resume after an interruption)")
    p.add_argument("--out", type=Path, required=True, metavar="STATE.zarr",
                   help="the default model's equilibrium at the analysis cells")
    p.add_argument("--convergence", type=Path, required=True, metavar="CSV",
                   help="its convergence table")


def run_sensitivity_base(args: argparse.Namespace) -> int:
    from noahperm.sensitivity.stage import run_base

    _simulation_errors(run_base, _cfg(args), args.domain, args.forcing, args.cells, args.out,
                       args.convergence, args.checkpoints)
    return 0


def add_sensitivity_chunk(p: argparse.ArgumentParser) -> None:
    _config(p)
    _inputs(p)
    p.add_argument("--samples", type=Path, required=True, metavar="CSV",
                   help="the samples (rule sensitivity_samples)")
    p.add_argument("--cells", type=Path, required=True, metavar="JSON",
                   help="the analysis cells (rule sensitivity_samples)")
    p.add_argument("--base", type=Path, required=True, metavar="STATE.zarr",
                   help="the warm start (rule sensitivity_base)")
    p.add_argument("--chunk", type=int, required=True, help="the chunk to evaluate")
    p.add_argument("--checkpoints", type=Path, default=None, metavar="DIR",
                   help="checkpoint directory (resume after an interruption)")
    p.add_argument("--out", type=Path, required=True, metavar="CSV",
                   help="the chunk's responses to write")


def run_sensitivity_chunk(args: argparse.Namespace) -> int:
    from noahperm.sensitivity.stage import run_chunk

    _simulation_errors(run_chunk, _cfg(args), args.domain, args.forcing, args.samples,
                       args.cells, args.base, args.chunk, args.out, args.checkpoints)
    return 0


def add_sensitivity_analyse(p: argparse.ArgumentParser) -> None:
    _config(p)
    p.add_argument("--samples", type=Path, required=True, metavar="CSV",
                   help="the samples (rule sensitivity_samples)")
    p.add_argument("--cells", type=Path, required=True, metavar="JSON",
                   help="the analysis cells (rule sensitivity_samples)")
    p.add_argument("--chunks", type=Path, nargs="+", required=True, metavar="CSV",
                   help="every chunk's responses (rule sensitivity_chunk)")
    p.add_argument("--ivars", type=Path, required=True, metavar="CSV",
                   help="IVARS10/30/50 per parameter and response to write")
    p.add_argument("--ranking", type=Path, required=True, metavar="CSV",
                   help="the ranking to write")
    p.add_argument("--selected", type=Path, required=True, metavar="JSON",
                   help="the selected parameters (read by calibration) to write")
    p.add_argument("--responses", type=Path, required=True, metavar="CSV",
                   help="every sample's responses, gathered, to write")


def run_sensitivity_analyse(args: argparse.Namespace) -> int:
    from noahperm.sensitivity.stage import run_analyse

    run_analyse(_cfg(args), args.samples, args.cells, args.chunks, args.ivars, args.ranking,
                args.selected, args.responses)
    return 0

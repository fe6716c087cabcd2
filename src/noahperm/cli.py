"""The ``noahperm`` command: one sub-command per workflow rule (rule ``foo`` runs ``noahperm foo``).

Sub-commands are rows of :data:`COMMANDS`: the name (the rule's name; the same name with hyphens
is accepted too), a one-line help and the module of the stage's folder that wires it,
``noahperm.<stage>.commands``, which defines ``add_<name>(parser)`` and ``run_<name>(args)``.
Only the module of the sub-command that runs (or whose ``--help`` is asked for) is imported,
so ``noahperm --help`` is instant and a stage's dependencies load only when needed. To add a
stage: write ``add_foo``/``run_foo`` in ``noahperm/<stage>/commands.py`` and append a row.

Options every sub-command takes: ``--threads N`` (Numba threads of the kernel; a rule passes its
``threads``) and ``--quiet`` (warnings and errors only). Log records go to stderr, which each
rule sends to its log file.

Errors: an :class:`~noahperm.core.errors.InputError` escaping a sub-command prints
``noahperm <command>: error: <path>:<line>: <field>: <problem>`` and exits 2 (as argparse does
for bad arguments); another :class:`~noahperm.core.errors.NoahpermError` prints the same way and
exits 1; an operating-system error (permission denied, disk full, missing file) prints one line
naming the path and exits 1. No traceback reaches the user for these.
"""

from __future__ import annotations

import time

_STARTED = time.perf_counter()  # start of the phases of ``noahperm point --timings``

import argparse  # noqa: E402
import importlib  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from typing import NamedTuple  # noqa: E402

from noahperm import __version__  # noqa: E402
from noahperm.core.errors import InputError, NoahpermError  # noqa: E402

PROG = "noahperm"


class Command(NamedTuple):
    name: str
    help: str
    module: str  # defines add_<name>(parser) and run_<name>(args); imported lazily


COMMANDS: list[Command] = [
    Command("point", "run the column model on a point input file (reference driver format)",
            "noahperm.point.commands"),
    Command("demo", "run the column model on the embedded synthetic Tanggula-like site",
            "noahperm.demo_world.commands"),
    Command("make_demo_inputs", "write the synthetic mini-QTP's raw inputs (demo only)",
            "noahperm.demo_world.commands"),
    Command("prepare_domain", "build domain.zarr from the maps", "noahperm.inputs.commands"),
    Command("prepare_forcing", "build forcing.zarr from the CMFD files",
            "noahperm.inputs.commands"),
    Command("prepare_observations", "build the observation store from the raw observations",
            "noahperm.inputs.commands"),
    Command("make_truth", "run the demo's hidden truth; write the 2010 map and the network",
            "noahperm.demo_world.commands"),
    Command("member_parameters", "check a member's parameter set and write it",
            "noahperm.simulation.commands"),
    Command("spinup", "spin a parameter set up over the domain (cycling the first years)",
            "noahperm.simulation.commands"),
    Command("simulate", "run a spun-up parameter set over the simulated years",
            "noahperm.simulation.commands"),
    Command("diagnose", "permafrost diagnostics of a run: class, ALT, TTOP, DZAA, MAGT, areas",
            "noahperm.diagnostics.commands"),
    Command("calibrate", "calibrate one experiment (CaliTGL, CaliTSH, CaliMAP) with OpenBox",
            "noahperm.calibration.commands"),
    Command("plot_calibration", "figure 5: calibration trajectories, segments, thresholds",
            "noahperm.figures.commands"),
    Command("plot_calibration_site", "figures S4/S6: observed and simulated soil temperature",
            "noahperm.figures.commands"),
    Command("plot_permafrost_area", "figure: permafrost area, active layer and air temperature",
            "noahperm.figures.commands"),
    Command("trends", "ensemble mean and CI series, Mann-Kendall/Sen trends, trend maps",
            "noahperm.trends.commands"),
    Command("table3", "Table 3: trends and 1980/2018 values of every experiment",
            "noahperm.trends.commands"),
    Command("plot_ensemble", "figure 8: MAAT trend map, area series with CI, loss/gain votes",
            "noahperm.figures.commands"),
    Command("plot_ensemble_spread", "figure S8: every member's area, ALT and MAGT series",
            "noahperm.figures.commands"),
    Command("ensemble_summary", "per-cell ensemble means, CI and loss/gain votes of an experiment",
            "noahperm.ensemble.commands"),
    Command("observed_variables", "observed ALT, TTOP, GT10m per site and year",
            "noahperm.validation.commands"),
    Command("validate", "RMSE and MBE of every experiment against the observations, ranking",
            "noahperm.validation.commands"),
    Command("plot_validation_ranking", "figure 6: ranking of the experiments by site RMSE",
            "noahperm.figures.commands"),
    Command("plot_validation_scatter", "figure 7: observed against simulated, 1:1 and +-1",
            "noahperm.figures.commands"),
    Command("plot_trends", "figure 9: trend maps and regional series of ALT, TTOP, DZAA, MAGT",
            "noahperm.figures.commands"),
    Command("plot_relative_to_calimap", "figure 10: discrepancies relative to CaliMAP",
            "noahperm.figures.commands"),
    Command("sensitivity_samples", "STAR-VARS samples of Table 1 and the analysis cells",
            "noahperm.sensitivity.commands"),
    Command("sensitivity_base", "the default model's equilibrium at the analysis cells",
            "noahperm.sensitivity.commands"),
    Command("sensitivity_chunk", "evaluate one chunk of sensitivity samples (18 responses)",
            "noahperm.sensitivity.commands"),
    Command("sensitivity_analyse", "IVARS per parameter and response, ranking, selected set",
            "noahperm.sensitivity.commands"),
    Command("plot_sensitivity", "figures: rank heatmap (Figure 4) and IVARS50 per cell (S1-S3)",
            "noahperm.figures.commands"),
]


def _find(name: str) -> Command | None:
    key = name.replace("-", "_")
    return next((c for c in COMMANDS if c.name == key), None)


def _common_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("common options")
    g.add_argument("--threads", type=int, default=None, metavar="N",
                   help="threads of the model kernel (default: Numba's, all cores)")
    g.add_argument("--quiet", action="store_true", help="warnings and errors only")


def build_parser(selected: str | None = None) -> argparse.ArgumentParser:
    """The parser; only the ``selected`` command's module is imported for its arguments."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Noah LSM (modified v3.4.1) for Qinghai-Tibet Plateau permafrost: one "
                    "sub-command per workflow rule.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for cmd in COMMANDS:
        aliases = [cmd.name.replace("_", "-")] if "_" in cmd.name else []
        p = sub.add_parser(cmd.name, aliases=aliases, help=cmd.help, description=cmd.help)
        if selected is not None and _find(selected) is cmd:
            module = _import(cmd.module)
            getattr(module, f"add_{cmd.name}")(p)
            _common_arguments(p)
            p.set_defaults(_run=getattr(module, f"run_{cmd.name}"), _command=cmd.name)
    return parser


def _import(module_name: str):
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise  # a dependency is missing: show it as it is
        raise NoahpermError(f"{module_name} is not available in this installation") from None


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)  # sys.exit("message") semantics
    return 1


def _selected(argv: Sequence[str]) -> str | None:
    for arg in argv:
        if not arg.startswith("-"):
            return arg if _find(arg) else None
    return None


def _setup(args: argparse.Namespace) -> None:
    import logging

    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    if args.threads is not None:
        if args.threads < 1:
            raise InputError(f"must be at least 1, got {args.threads}", field="--threads")
        import numba

        numba.set_num_threads(min(args.threads, numba.config.NUMBA_NUM_THREADS))


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``noahperm`` with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    program = argv is None  # the process is this command (not a caller passing argv)
    argv = list(sys.argv[1:] if argv is None else argv)
    prog = PROG
    try:
        parser = build_parser(_selected(argv))
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help, --version, usage errors
            return _exit_code(exc.code)
        prog = f"{PROG} {args._command}"
        args._started = _STARTED
        args._program = program
        _setup(args)
        run: Callable[[argparse.Namespace], int | None] = args._run
        code = _exit_code(run(args))
        if program:
            _before_exit()
        return code
    except InputError as exc:
        return _fail(prog, str(exc), 2)
    except NoahpermError as exc:
        return _fail(prog, str(exc), 1)
    except OSError as exc:
        return _fail(prog, _os_message(exc), 1)
    except KeyboardInterrupt:
        return _fail(prog, "interrupted", 130)


def _before_exit() -> None:
    """The process ends next: move every object into the garbage collector's permanent
    generation, so that the interpreter's final collection skips them. With Numba loaded that
    collection walks hundreds of thousands of objects (0.1 to 0.15 s, over a tenth of a point run);
    skipping it loses nothing, as the commands close their files themselves and the memory goes
    back to the system with the process. Only when ``main`` runs as the program
    (``argv`` not given), never for a caller such as the tests."""
    import gc

    gc.freeze()


def _os_message(exc: OSError) -> str:
    what = exc.strerror or str(exc)
    path = exc.filename if exc.filename is not None else None
    if path is None:
        return what
    if exc.filename2 is not None:
        return f"{path} -> {exc.filename2}: {what}"
    return f"{path}: {what}"


def _fail(prog: str, message: str, code: int) -> int:
    """One line on stderr (the rule's log, which the profile shows on failure)."""
    print(f"{prog}: error: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())

"""The ``noahperm`` command: one sub-command per stage.

Sub-commands are rows of ``COMMANDS``: a name, a one-line help, a function adding the arguments,
and the ``module:function`` that runs it. The module is imported only when its sub-command runs,
so ``noahperm --help`` stays fast and a stage's dependencies load only when needed. To add a
stage, write ``noahperm/<stage>.py`` with ``main(args: argparse.Namespace) -> int | None`` and
append a ``Command`` here.

Errors: an :class:`~noahperm.errors.InputError` escaping a sub-command prints
``noahperm: error: <path>:<line>: <field>: <problem>`` and exits 2 (as argparse does for bad
arguments); another :class:`~noahperm.errors.NoahpermError` prints the same way and exits 1.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from noahperm import __version__
from noahperm.errors import InputError, NoahpermError

PROG = "noahperm"


class Command(NamedTuple):
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    target: str  # "package.module:function", imported lazily


def _point_arguments(p: argparse.ArgumentParser) -> None:
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
    p.add_argument("--quiet", action="store_true", help="no progress output")


def _demo_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, required=True, metavar="DIR",
                   help="directory for the demo's results")
    p.add_argument("--years", type=int, default=2, metavar="N",
                   help="years of synthetic forcing to generate and run (default: %(default)s)")


COMMANDS: list[Command] = [
    Command("point", "run the column model on a point input file", _point_arguments,
            "noahperm.point:main"),
    Command("demo", "run the embedded demo", _demo_arguments, "noahperm.demo:main"),
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Noah LSM (modified v3.4.1) for Qinghai-Tibet Plateau permafrost.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for cmd in COMMANDS:
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        cmd.add_arguments(p)
        p.set_defaults(_target=cmd.target)
    return parser


def _resolve(target: str) -> Callable[[argparse.Namespace], int | None]:
    module_name, _, func_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise  # a dependency is missing: show it as it is
        raise NoahpermError(f"{module_name} is not available in this installation") from None
    return getattr(module, func_name)


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)  # sys.exit("message") semantics
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``noahperm`` with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return _exit_code(exc.code)
    try:
        return _exit_code(_resolve(args._target)(args))
    except InputError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except NoahpermError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

"""Sub-command of the point stage: ``noahperm point`` (see :mod:`noahperm.cli`).

This module is imported for every ``noahperm point`` (also for its ``--help``), so it imports
nothing beyond the standard library; the run's modules are imported by :func:`run_point`.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

#: Packages that Numba imports when it starts although a point run never uses them: SciPy, for
#: Numba's BLAS and LAPACK bindings (``numpy.linalg`` and ``np.dot`` in compiled code; the
#: kernel has none), about 0.08 s of a 1 s run. Hidden while a ``noahperm point`` process
#: loads Numba, see :func:`_hidden`.
UNUSED_BY_NUMBA = ("scipy",)


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
    p.add_argument("--complevel", type=int, choices=range(10), default=0, metavar="0-9",
                   help="zlib level of the outputs in OUT.nc, with shuffle; 0: not compressed "
                        "(default: %(default)s; level 4 makes the file about 30%% smaller and "
                        "the write about 0.15 s slower for 5 years of 3-hourly steps)")
    p.add_argument("--timings", action="store_true",
                   help="print which build of the kernel ran (aot or jit, see "
                        "NOAHPERM_POINT_BUILD in docs/kernel.md) and the wall-clock time of "
                        "each phase (start-up, imports, read input, tables/columns, kernel "
                        "load, run, write) on stderr")


@contextlib.contextmanager
def _hidden(names):
    """In this block ``import name`` raises ImportError for each of ``names`` not imported yet
    (Numba then takes the package as not installed); afterwards it imports normally again.

    Only for a process that is a point run (``args._program``, set by :mod:`noahperm.cli`
    when it runs as the program), and only if Numba is not loaded yet: in such a process
    nothing else uses the package, and Numba's compiled kernel does not depend on it."""
    hide = [n for n in names if n not in sys.modules] if "numba" not in sys.modules else []
    for name in hide:
        sys.modules[name] = None
    try:
        yield
    finally:
        for name in hide:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]


def run_point(args: argparse.Namespace) -> int:
    program = getattr(args, "_program", False)
    with _hidden(UNUSED_BY_NUMBA if program else ()):
        return _run_point(args)


def _run_point(args: argparse.Namespace) -> int:
    phases = None
    if getattr(args, "timings", False):
        from noahperm.point.timings import Phases

        phases = Phases(getattr(args, "_started", None))  # noahperm.cli's import
        phases.mark("start-up")
    from noahperm.point.run import main

    if phases is None:
        return main(args)
    phases.mark("imports")
    try:
        return main(args, phases)
    finally:
        phases.report()

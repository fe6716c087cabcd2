"""Which compiled build of the point kernel a point run uses: ahead-of-time (AOT) or Numba JIT.

A point run spends most of its time before any physics: importing Numba and initialising its
compiler takes about 0.45 s, the 5-year run itself under 0.1 s. The AOT build removes that
cost: :mod:`noahperm.point.aot_build` compiles THE SAME functions (the point driver
:func:`noahperm.point.driver.run_column`, which calls the kernel's ``prepare_column`` and
``column_step``, and :func:`noahperm.kernel.humidity.rh_to_specific_humidity`) with
``numba.pycc`` into a CPython extension module. Loading that module needs numpy only; Numba is
not imported at all. It is a build artifact, never committed: built by
``python -m noahperm.point.aot build`` (``make aot``) into :func:`aot_dir`.

Choice (:func:`point_kernels`), by ``NOAHPERM_POINT_BUILD``:

* ``auto`` (default): the AOT build if it is there and current, else the JIT build, with one
  log line saying why (INFO when it was never built, WARNING when it is stale or unloadable);
* ``jit``: always the JIT build (the reference tests run on it: ``tests/conftest.py``);
* ``aot``: the AOT build or an error saying why not.

Staleness: the module embeds the digest of the sources it was compiled from
(:func:`aot_digest`: every kernel file, ``point/driver.py``, this module and
``point/aot_build.py``), the Numba version and the compile options. It is used only when that
digest equals the digest of the sources now and (when Numba is installed) that version is the
installed Numba's; otherwise the run falls back to the JIT build (and says so). The options
are in ``kernel/_jit.py``, so the digest covers them. The digest is computed from the files, so this module imports nothing beyond
the standard library and numpy. docs/kernel.md, "Ahead-of-time build of the point kernel".
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import logging
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from noahperm.core.errors import InputError, NoahpermError

log = logging.getLogger(__name__)

#: Name of the extension module (and of its file, plus the interpreter's extension suffix).
MODULE_NAME = "_noahperm_point_aot"
#: The environment variable that chooses the build: ``auto`` (default), ``jit`` or ``aot``.
BUILD_ENV = "NOAHPERM_POINT_BUILD"
#: The environment variable that overrides the folder of the AOT module (:func:`aot_dir`).
DIR_ENV = "NOAHPERM_AOT_DIR"
#: Version of the metadata the module embeds (its keys below).
FORMAT = 1
#: The package sources the AOT module is compiled from (package-relative, for
#: :func:`noahperm.core.provenance.source_digest`).
SOURCES = ("kernel", "point/driver.py", "point/aot.py", "point/aot_build.py")

#: Argument kinds of ``run_column`` in order: (dtype, ndim) of each array, ``None`` for the
#: float time step. The extension module does not check the dtype of an array (Numba's
#: unboxing trusts it), so :class:`AotRunColumn` checks these before every call.
RUN_COLUMN_ARGS = (("f8", 1), ("f8", 1), ("f8", 1), ("f8", 1), ("f8", 2), ("f8", 1), ("f8", 2),
                   ("i8", 1), ("f8", 1), ("f8", 1), None, ("f8", 2), ("f8", 2))


def aot_digest() -> str:
    """Digest of the sources of the AOT module (:data:`SOURCES`), 16 hex digits."""
    from noahperm.core.provenance import source_digest

    return source_digest(*SOURCES)


def installed_numba_version() -> str | None:
    """The installed Numba's version, read from its ``_version.py`` without importing it (about
    a millisecond; ``importlib.metadata`` takes 0.1 s); ``None`` if not found."""
    try:
        spec = importlib.util.find_spec("numba")
        if spec is None or not spec.origin:
            return None
        text = (Path(spec.origin).parent / "_version.py").read_text()
    except (OSError, ImportError, ValueError):
        return None
    m = re.search(r'"version":\s*"([^"]+)"', text)
    return m.group(1) if m else None


def aot_dir() -> Path:
    """Folder of the AOT module: ``$NOAHPERM_AOT_DIR``, else ``_aot/`` beside this file
    (ignored by git: the module is a build artifact of this machine)."""
    env = os.environ.get(DIR_ENV)
    return Path(env) if env else Path(__file__).resolve().parent / "_aot"


def aot_path(directory: Path | None = None) -> Path:
    """The AOT module's file in ``directory`` (default :func:`aot_dir`), named with this
    interpreter's extension suffix (e.g. ``.cpython-311-x86_64-linux-gnu.so``), so another
    Python or platform never loads it."""
    return Path(directory or aot_dir()) / (MODULE_NAME + importlib.machinery.EXTENSION_SUFFIXES[0])


@dataclass
class PointKernels:
    """The compiled functions and constants a point run uses, from one build.

    ``build`` is ``"aot"`` or ``"jit"``; ``reason`` says why this build (for ``--timings`` and
    the log); ``info`` is the AOT module's embedded metadata (empty for JIT)."""

    build: str
    reason: str
    run_column: object
    rh_to_specific_humidity: object
    BADVAL: float
    STATUS_OK: int
    STATUS_SNOW_DENSITY: int
    STATUS_NONFINITE: int
    info: dict = field(default_factory=dict)
    path: Path | None = None

    def load_run_column(self, args: tuple):
        """``run_column`` ready for ``args``: the JIT build compiles (or loads from Numba's
        cache) its overload for the types of ``args`` now, so that the call only runs; the
        AOT build is loaded already."""
        compile_ = getattr(self.run_column, "compile", None)
        if compile_ is not None:
            import numba

            compile_(tuple(numba.typeof(a) for a in args))
        return self.run_column


class AotError(NoahpermError):
    """The AOT module cannot be used (missing, stale, unloadable); the message says why."""


class AotRunColumn:
    """The AOT ``run_column``, with the argument checks Numba's dispatcher would make: the
    extension module takes any array for an ``float64[:, ::1]`` argument and reads its memory
    as such, so a wrong dtype, rank or a non-contiguous array is refused here."""

    def __init__(self, func) -> None:
        self._func = func

    def __call__(self, *args):
        if len(args) != len(RUN_COLUMN_ARGS):
            raise TypeError(f"run_column takes {len(RUN_COLUMN_ARGS)} arguments, "
                            f"got {len(args)}")
        for i, (a, kind) in enumerate(zip(args, RUN_COLUMN_ARGS, strict=True)):
            if kind is None:
                if not isinstance(a, (float, np.floating)):
                    raise TypeError(f"run_column argument {i}: expected a float, got "
                                    f"{type(a).__name__}")
                continue
            dtype, ndim = kind
            if not (isinstance(a, np.ndarray) and a.dtype == np.dtype(dtype)
                    and a.ndim == ndim and a.flags.c_contiguous and a.flags.aligned):
                what = (f"{a.dtype} {a.ndim}-d" if isinstance(a, np.ndarray)
                        else type(a).__name__)
                raise TypeError(f"run_column argument {i}: expected a C-contiguous {ndim}-d "
                                f"{np.dtype(dtype)} array, got {what}")
        if not (args[11].flags.writeable and args[12].flags.writeable
                and all(a.flags.writeable for a in args[:4])):
            raise TypeError("run_column: the state and trace arrays must be writeable")
        status, fail = self._func(*args)
        return int(status), int(fail)


def _check_1d(name: str, arrays) -> None:
    for a in arrays:
        if not (isinstance(a, np.ndarray) and a.dtype == np.float64 and a.ndim == 1
                and a.flags.c_contiguous):
            raise TypeError(f"{name}: expected C-contiguous 1-d float64 arrays")


def read_info(module) -> dict:
    """The metadata an AOT module embeds (a JSON object; keys in :mod:`.aot_build`)."""
    return json.loads(bytes(np.asarray(module.build_info())).decode())


def load_aot(path: Path | None = None, digest: str | None = None) -> PointKernels:
    """The AOT build at ``path`` (default :func:`aot_path`), checked against the current sources
    (``digest``, default :func:`aot_digest`); raises :class:`AotError` saying why it cannot be
    used."""
    path = Path(path) if path is not None else aot_path()
    if not path.is_file():
        raise AotError(f"no AOT build at {path} (build it with `python -m noahperm.point.aot "
                       "build` or `make aot`)")
    name = MODULE_NAME
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        info = read_info(module)
    except Exception as exc:  # a broken or foreign file: never fatal, the JIT build runs
        raise AotError(f"the AOT build {path} cannot be loaded ({type(exc).__name__}: {exc})") \
            from exc
    finally:
        sys.modules.pop(name, None)  # several builds (tests) may be loaded in one process
    if info.get("format") != FORMAT:
        raise AotError(f"the AOT build {path} has metadata format {info.get('format')!r}, "
                       f"this code reads {FORMAT}; rebuild it")
    digest = aot_digest() if digest is None else digest
    if info.get("source_digest") != digest:
        raise AotError(f"the AOT build {path} is stale: compiled from sources "
                       f"{info.get('source_digest')}, the sources are now {digest}; rebuild it "
                       "(`python -m noahperm.point.aot build`)")
    numba_now = installed_numba_version()
    if numba_now is not None and info.get("numba") != numba_now:
        raise AotError(f"the AOT build {path} is stale: compiled by Numba {info.get('numba')}, "
                       f"Numba {numba_now} is installed (its JIT build may differ); rebuild it "
                       "(`python -m noahperm.point.aot build`)")
    const = info["constants"]

    def rh_to_specific_humidity(t, p, rhf):
        _check_1d("rh_to_specific_humidity", (t, p, rhf))
        if not (t.size == p.size == rhf.size):
            raise ValueError("rh_to_specific_humidity: t, p and rhf differ in length")
        return module.rh_to_specific_humidity(t, p, rhf)

    return PointKernels(
        build="aot", reason=f"numba {info.get('numba')} pycc, target CPU "
                            f"{info.get('target_cpu')}, sources {digest}",
        run_column=AotRunColumn(module.run_column),
        rh_to_specific_humidity=rh_to_specific_humidity,
        BADVAL=float(const["BADVAL"]), STATUS_OK=int(const["STATUS_OK"]),
        STATUS_SNOW_DENSITY=int(const["STATUS_SNOW_DENSITY"]),
        STATUS_NONFINITE=int(const["STATUS_NONFINITE"]), info=info, path=path)


def load_jit(reason: str) -> PointKernels:
    """The JIT build (imports Numba and the kernel; compiled code from Numba's cache)."""
    from noahperm.kernel.column import BADVAL
    from noahperm.kernel.driver import STATUS_NONFINITE, STATUS_OK, STATUS_SNOW_DENSITY
    from noahperm.kernel.humidity import rh_to_specific_humidity
    from noahperm.point.driver import run_column

    return PointKernels(build="jit", reason=reason, run_column=run_column,
                        rh_to_specific_humidity=rh_to_specific_humidity, BADVAL=BADVAL,
                        STATUS_OK=STATUS_OK, STATUS_SNOW_DENSITY=STATUS_SNOW_DENSITY,
                        STATUS_NONFINITE=STATUS_NONFINITE)


_CHOSEN: dict[tuple, PointKernels] = {}


def point_kernels(build: str | None = None) -> PointKernels:
    """The build a point run uses (module docstring): ``build`` or ``$NOAHPERM_POINT_BUILD``
    (``auto``, ``jit``, ``aot``). Chosen once per process and setting (the fallback's log line
    is written once)."""
    choice = (build or os.environ.get(BUILD_ENV) or "auto").strip().lower()
    if choice not in ("auto", "jit", "aot"):
        raise InputError(f"{choice!r}: expected auto, jit or aot", field=BUILD_ENV)
    key = (choice, os.environ.get(DIR_ENV))
    if key in _CHOSEN:
        return _CHOSEN[key]
    if choice == "jit":
        kernels = load_jit(f"{BUILD_ENV}=jit")
    else:
        try:
            kernels = load_aot()
        except AotError as exc:
            if choice == "aot":
                raise
            missing = not aot_path().is_file()
            log.log(logging.INFO if missing else logging.WARNING,
                    "point kernel: using the JIT build: %s", exc)
            kernels = load_jit(str(exc))
    _CHOSEN[key] = kernels
    return kernels


def status() -> str:
    """One line: the AOT build's state (used, missing or stale and why)."""
    try:
        k = load_aot()
    except AotError as exc:
        return f"AOT build not usable: {exc}"
    return f"AOT build usable: {k.path} ({k.reason}; built {k.info.get('built')})"


def main(argv=None) -> int:
    """``python -m noahperm.point.aot build [--target-cpu CPU] [--force] | status``."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m noahperm.point.aot",
                                 description="ahead-of-time build of the point kernel")
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="compile the AOT module (if it is missing or stale)")
    b.add_argument("--target-cpu", default=None,
                   help="LLVM CPU name (default: 'generic', the architecture's baseline, so "
                        "the module runs on any CPU of this architecture; 'host': this CPU)")
    b.add_argument("--force", action="store_true", help="rebuild even if current")
    b.add_argument("--dir", type=Path, default=None,
                   help=f"output folder (default: {aot_dir()})")
    b.add_argument("--check", action="store_true",
                   help="exit 1 when the build fails (default: report it and exit 0, since "
                        "point runs then fall back to the JIT build)")
    sub.add_parser("status", help="say whether the AOT build is there and current")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.cmd == "status":
        print(status())
        return 0
    path = aot_path(args.dir)
    if not args.force:
        try:
            load_aot(path)
            print(f"AOT build current: {path}")
            return 0
        except AotError as exc:
            print(f"building: {exc}")
    try:
        from noahperm.point.aot_build import build

        out = build(path.parent, target_cpu=args.target_cpu)
    except Exception as exc:  # no compiler, pycc missing...: point runs use the JIT build
        print(f"AOT build failed ({type(exc).__name__}: {exc}); point runs use the JIT build",
              file=sys.stderr)
        return 1 if args.check else 0
    print(f"AOT build written: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The two builds of the one kernel source: ``reference`` and ``fast``.

``reference`` is the package :mod:`noahperm.kernel` itself: the Fortran's operation order, bit
for bit (tests/test_reference_kernel.py). ``fast`` is the same source files compiled a second
time, as the package ``noahperm._kernel_fast``, with ``_jit.FAST = True``: the few ``if FAST:``
branches of the kernel replace powers by algebraically equal forms with fewer library calls
(``x^a y^b = exp(a ln x + b ln y)``, ``ln(a b^c) = ln a + c ln b``). Nothing else differs, so
there is no second copy of the physics: every other line is compiled from the same file.

The fast build differs from the reference by round-off in those expressions, which the model
amplifies like any other round-off (``../shared/reference/*/CASE.md`` section 7): its 5-year
runs of both reference cases lie within the spread of reference runs whose first air
temperature is perturbed by a few 1e-9 K (tests/test_kernel_builds.py; docs/kernel.md "Two
builds", docs/performance.md).

Numba's on-disk cache keys compiled code by the function's byte code and signature, not by the
compile-time constants of its module, so the two builds must never share a cache directory:
the fast build's functions are decorated while ``numba.config.CACHE_DIR`` names
``kernel-fast-<hash of the sources>``, and every module of the package is imported then, so
that no function of the fast build can be decorated later under the reference's directory.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import threading
import types
from pathlib import Path

import numba

from . import SOURCE_DIGEST, cache_base
from . import _jit as _reference_jit  # noqa: F401 (sets Numba's cache to the reference's first)

#: The builds, by name (config ``simulation.kernel``).
KERNELS = ("reference", "fast")

_FAST_PACKAGE = "noahperm._kernel_fast"
_HERE = Path(__file__).resolve().parent
# every module of the kernel except this loader and the package's __init__
_MODULES = tuple(sorted(p.stem for p in _HERE.glob("*.py")
                        if p.stem not in ("__init__", "variants", "_jit")))
_LOCK = threading.Lock()


def fast_cache_dir() -> str:
    """The fast build's compiled-code cache: ``<cache base>/kernel-fast-<hash>``."""
    return os.path.join(cache_base(), f"kernel-fast-{SOURCE_DIGEST}")


def _load_fast() -> types.ModuleType:
    pkg = types.ModuleType(_FAST_PACKAGE, "The fast build of noahperm.kernel (variants.py).")
    pkg.__path__ = [str(_HERE)]
    pkg.__package__ = _FAST_PACKAGE
    pkg.SOURCE_DIGEST = SOURCE_DIGEST
    pkg.CACHE_DIR = fast_cache_dir()  # _jit points Numba's cache at it (``from . import``)
    saved = numba.config.CACHE_DIR
    sys.modules[_FAST_PACKAGE] = pkg
    try:
        spec = importlib.util.spec_from_file_location(f"{_FAST_PACKAGE}._jit",
                                                      _HERE / "_jit.py")
        jit_module = importlib.util.module_from_spec(spec)
        sys.modules[f"{_FAST_PACKAGE}._jit"] = jit_module
        spec.loader.exec_module(jit_module)
        jit_module.FAST = True  # before any kernel module reads it
        numba.config.CACHE_DIR = pkg.CACHE_DIR
        for name in _MODULES:
            setattr(pkg, name, importlib.import_module(f"{_FAST_PACKAGE}.{name}"))
    except BaseException:
        for key in [k for k in sys.modules if k == _FAST_PACKAGE or
                    k.startswith(_FAST_PACKAGE + ".")]:
            del sys.modules[key]
        raise
    finally:
        numba.config.CACHE_DIR = saved
    return pkg


def kernel(name: str = "reference") -> types.ModuleType:
    """The package of build ``name``: ``noahperm.kernel`` or ``noahperm._kernel_fast``, whose
    modules (``driver``, ``column``, ...) have the same names and functions."""
    if name == "reference":
        return importlib.import_module("noahperm.kernel")
    if name != "fast":
        raise ValueError(f"unknown kernel build {name!r}; expected one of {KERNELS}")
    with _LOCK:
        pkg = sys.modules.get(_FAST_PACKAGE)
        return pkg if pkg is not None else _load_fast()


def driver(name: str = "reference") -> types.ModuleType:
    """The ``driver`` module (``run_columns`` ...) of build ``name``."""
    if name == "reference":
        from . import driver as ref

        return ref
    return kernel(name).driver

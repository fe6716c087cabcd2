"""The Noah LSM column kernel (Numba, float64, SI units, arrays in and out, no I/O).

Modules map to the reference routines (see docs/kernel.md):
``sfcdif`` (SFCDIF_off, SFCDIF_MYJ, SFCDIF_MYJ_Y08, CALTMP, CALHUM),
``energy`` (PENMAN, CANRES, DEVAP, TRANSP, EVAPO), ``branches`` (NOPAC, SNOPAC),
``snow`` (SNFRAC, ALCALC, SNOW_NEW, SNOWPACK, SNOWZ0, CSNOW),
``soil_heat`` (TDFCND_C05, FRH2O, SNKSRC, TBND, TMPAVG, HRT, HSTEP, ROSR12, SHFLX),
``soil_water`` (WDFCND_NY06, FAC2MIT, SRT, SSTEP, SMFLX), ``column`` (the driver
pre-step and SFLX), ``driver`` (many columns in parallel), ``layout`` (array slots).

Compiled code is cached on disk (``cache=True``). Numba checks only the time stamp of the
file that defines a cached function, not of the functions it calls, so a cached driver could
run stale physics after an edit of another kernel file. The cache therefore lives in a
directory named after a hash of all kernel sources: ``$NUMBA_CACHE_DIR/kernel-<hash>``
(default base ``$XDG_CACHE_HOME/noahperm/numba``, i.e. ``~/.cache/noahperm/numba``).

Importing this package does not import Numba (only ``hashlib``, ``os`` and ``pathlib``): the
digest and the layouts are read by the point run's ahead-of-time build
(:mod:`noahperm.point.aot`), which never loads Numba. :mod:`noahperm.kernel._jit`, imported by
every compiled module before its first decorator, points Numba at :data:`CACHE_DIR`.

This package is the ``reference`` build. :mod:`noahperm.kernel.variants` compiles the same
source files a second time as the ``fast`` build (cache ``kernel-fast-<hash>``).
"""

import hashlib
import os
from pathlib import Path


def _source_digest() -> str:
    here = Path(__file__).resolve().parent
    digest = hashlib.sha1()
    for path in sorted(here.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


#: Hash of all kernel sources: the code version of the physics. It names the compiled-code
#: cache and enters every checkpoint identity (``noahperm.simulation.engine.run_batch``), so
#: neither compiled code nor a checkpoint outlives an edit of the kernel.
SOURCE_DIGEST = _source_digest()


def cache_base() -> str:
    """Base directory of the compiled-code caches: ``$NUMBA_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/noahperm/numba`` (``~/.cache/noahperm/numba``)."""
    return os.environ.get("NUMBA_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "noahperm", "numba")


def _cache_dir() -> str:
    return os.path.join(cache_base(), f"kernel-{SOURCE_DIGEST}")


#: Numba's cache directory of the kernel (set by :mod:`noahperm.kernel._jit`).
CACHE_DIR = _cache_dir()

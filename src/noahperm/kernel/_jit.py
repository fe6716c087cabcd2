"""The one decorator of the kernel: float64 Numba, cached on disk, IEEE semantics.

``error_model="numpy"``: a float division by zero gives inf/nan as in the Fortran instead of
raising (and avoids a check on every division); ``fastmath=False`` keeps the reference's
operation order, which the one-step-ahead comparison with the Fortran relies on.

Importing this module points Numba's on-disk cache at :data:`noahperm.kernel.CACHE_DIR` (named
after the digest of the kernel sources) before any decorator of the kernel runs: Numba reads
``numba.config.CACHE_DIR`` when a ``cache=True`` function is decorated.
"""

import numba
from numba import njit

from . import CACHE_DIR

numba.config.CACHE_DIR = CACHE_DIR

JIT_OPTIONS = {"cache": True, "fastmath": False, "error_model": "numpy"}

jit = njit(**JIT_OPTIONS)

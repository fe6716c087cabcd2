"""The one decorator of the kernel: float64 Numba, cached on disk, IEEE semantics.

``error_model="numpy"``: a float division by zero gives inf/nan as in the Fortran instead of
raising (and avoids a check on every division); ``fastmath=False`` keeps the reference's
operation order, which the one-step-ahead comparison with the Fortran relies on.

``FAST`` selects the arithmetic of the build. This module, compiled as part of
``noahperm.kernel``, says ``False``: the ``reference`` build, the Fortran's operation order,
bit for bit. :func:`noahperm.kernel.variants.kernel` compiles the same source files a second
time as the ``fast`` build with ``FAST = True``; Numba freezes module globals as compile-time
constants, so each build keeps only its own branch of the few ``if FAST:`` statements
(algebraically equal forms of the powers, docs/kernel.md "Two builds").

Importing this module points Numba's on-disk cache at :data:`noahperm.kernel.CACHE_DIR` (named
after the digest of the kernel sources) before any decorator of the kernel runs: Numba reads
``numba.config.CACHE_DIR`` when a ``cache=True`` function is decorated (the fast build's
package gives its own ``CACHE_DIR``, ``kernel-fast-<hash>``).
"""

import numba
from numba import njit

from . import CACHE_DIR

numba.config.CACHE_DIR = CACHE_DIR

JIT_OPTIONS = {"cache": True, "fastmath": False, "error_model": "numpy"}

#: The arithmetic of this build: False = reference (bit-identical to the Fortran's order).
FAST = False

jit = njit(**JIT_OPTIONS)

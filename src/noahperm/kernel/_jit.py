"""The one decorator of the kernel: float64 Numba, cached on disk, IEEE semantics.

``error_model="numpy"``: a float division by zero gives inf/nan as in the Fortran instead of
raising (and avoids a check on every division); ``fastmath=False`` keeps the reference's
operation order, which the one-step-ahead comparison with the Fortran relies on.
"""

from numba import njit

JIT_OPTIONS = {"cache": True, "fastmath": False, "error_model": "numpy"}

jit = njit(**JIT_OPTIONS)

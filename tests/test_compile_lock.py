"""``engine.compiled_once``: the kernel is compiled (or loaded from the cache) under a lock on
the build's cache directory, once per process and signature, and the call that follows
finds it compiled."""

from __future__ import annotations

import os

import numpy as np
from numba import njit

from noahperm.kernel.variants import kernel
from noahperm.simulation import engine


@njit
def _toy(a, x):
    a[0] = x
    return a[0] * 2.0


def test_compiled_once_compiles_under_the_lock_and_only_once():
    args = (np.zeros(3), 1.5)
    assert len(_toy.signatures) == 0
    engine.compiled_once(_toy, args, "reference")
    assert len(_toy.signatures) == 1            # compiled for the arguments' types
    assert os.path.isfile(os.path.join(kernel("reference").CACHE_DIR, ".compile.lock"))
    engine.compiled_once(_toy, args, "reference")
    assert len(_toy.signatures) == 1
    assert _toy(*args) == 3.0 and len(_toy.signatures) == 1   # the real call reuses it
    engine.compiled_once(_toy, (np.zeros(3, dtype=np.float32), 1.5), "reference")
    assert len(_toy.signatures) == 2            # another signature, another compilation

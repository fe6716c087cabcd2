"""Sizes of the sensitivity analysis, standard library only (read while the workflow is parsed):
the number of STAR-VARS samples and of chunk jobs."""

from __future__ import annotations

import math

#: Table 1's free parameters (noahperm.model.parameters.PARAMETERS; tests check the count).
N_PARAMETERS = 30


def steps_per_unit(delta_h: float) -> int:
    """1/dh as an integer; ValueError unless dh divides 1 and 0 < dh <= 0.5."""
    k = round(1.0 / float(delta_h)) if 0.0 < float(delta_h) < 1.0 else 0
    if k < 2 or abs(k * float(delta_h) - 1.0) > 1e-9:
        raise ValueError(f"delta_h must divide 1 and lie in (0, 0.5], not {delta_h!r}")
    return k


def n_samples(n_params: int, stars: int, delta_h: float) -> int:
    """Distinct samples of a STAR-VARS design: ``stars * (n (1/dh - 1) + 1)``
    (paper: 100 x (30 x 9 + 1) = 27,100)."""
    return int(stars) * (int(n_params) * (steps_per_unit(delta_h) - 1) + 1)


def n_chunks(cfg_sensitivity) -> int:
    """Chunk jobs of config section ``sensitivity`` (samples / chunk_samples, rounded up)."""
    s = cfg_sensitivity
    return math.ceil(n_samples(N_PARAMETERS, s["stars"], s["delta_h"]) / int(s["chunk_samples"]))

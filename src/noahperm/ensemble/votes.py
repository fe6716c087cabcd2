"""Per-cell ensemble statistics on arrays, members on axis 0 (pure functions, no I/O).

Votes (Figure 8b): for each cell, over the members whose class is defined in both years
(``class >= 0``, docs/diagnostics.md; 1979 and unsimulated cells are undefined),

    loss = #{members: permafrost in the first year and not in the last}
    gain = #{members: not permafrost in the first year, permafrost in the last}
    n    = #{members with a defined class in both years}

so loss + gain <= n, and n - loss - gain members vote "no change".

Ensemble mean and confidence interval of a per-cell variable (paper eq. 1), over the members
where it is defined (ALT, TTOP, ... are NaN where a member has no permafrost):

    x_bar = sum(x) / n,   CI half-width = t_{alpha/2, n-1} s / sqrt(n),   s with ddof 1,

t from :func:`noahperm.trends.stats.t_critical` (evaluated once per distinct n, so a chunk of
many cells costs a handful of calls); NaN half-width where n < 2, NaN mean where n = 0.
"""

from __future__ import annotations

import numpy as np

from noahperm.diagnostics.permafrost import PERMAFROST
from noahperm.trends.stats import mean_ci


def votes(class_first, class_last):
    """(loss, gain, n) per cell from the members' classes in the first and last year, each
    (member, ...) int; see the module docstring. Returns int32 arrays of shape ``...``."""
    c0 = np.asarray(class_first)
    c1 = np.asarray(class_last)
    if c0.shape != c1.shape:
        raise ValueError(f"class arrays differ in shape: {c0.shape} and {c1.shape}")
    defined = (c0 >= 0) & (c1 >= 0)
    pf0, pf1 = c0 == PERMAFROST, c1 == PERMAFROST
    loss = (defined & pf0 & ~pf1).sum(axis=0, dtype=np.int32)
    gain = (defined & ~pf0 & pf1).sum(axis=0, dtype=np.int32)
    return loss, gain, defined.sum(axis=0, dtype=np.int32)


def permafrost_share(classes):
    """Share of the members with permafrost among those with a defined class, (member, ...)
    -> (...); NaN where no member's class is defined [-]."""
    c = np.asarray(classes)
    defined = (c >= 0).sum(axis=0)
    pf = (c == PERMAFROST).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(defined > 0, pf / np.maximum(defined, 1), np.nan)


def cell_mean_ci(values, level: float = 0.95):
    """(mean, CI half-width, n) over axis 0 of ``values`` (member, ...), NaN left out:
    :func:`noahperm.trends.stats.mean_ci` over the members; see the module docstring."""
    return mean_ci(values, axis=0, level=level)

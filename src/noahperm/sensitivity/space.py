"""The sensitivity analysis's parameter space: Table 1 normalised to [0, 1]^30, and a sample as
a parameter set of the analysis cells (``noahperm.model.parameters`` keys).

A normalised value x of parameter p is ``lo + x (hi - lo)`` of its Table 1 range: an absolute
value (universal), a relative change (vegetation and soil; the passive soil parameters follow
their relations in ``apply_parameters``) or an offset (TBOT [K]; NROOT [layers], rounded to
an integer by ``apply_parameters``). The heterogeneous parameters get the same value for every
vegetation class of the analysis cells (``NAME@class``) and for their one soil class: the
paper's analysis varies each of the 30 parameters once, at cells of one soil.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from noahperm.model.parameters import PARAMETERS
from noahperm.sensitivity.sizes import N_PARAMETERS

NAMES: tuple[str, ...] = tuple(p.name for p in PARAMETERS)
LOWER = np.array([p.lo for p in PARAMETERS], dtype=float)
UPPER = np.array([p.hi for p in PARAMETERS], dtype=float)
#: the paper's ten sensitive parameters (section 2.4, Figure 4)
PAPER_TOP10 = ("SBETA", "FXEXP", "FRZK", "CZIL", "TBOT", "MAXSMC", "ALBEDOMIN", "ALBEDOMAX",
               "EMISSMIN", "EMISSMAX")


def physical(x: np.ndarray) -> np.ndarray:
    """(S, 30) normalised values -> physical values in Table 1 units (or relative changes)."""
    return LOWER + np.asarray(x, dtype=float) * (UPPER - LOWER)


def parameter_set(values: np.ndarray, vegetation_classes: Iterable[int],
                  soil_class: int) -> dict[str, float]:
    """The parameter set (Table 1 keys) of one sample of physical ``values`` (30,)."""
    out: dict[str, float] = {}
    veg = sorted({int(c) for c in vegetation_classes})
    for p, v in zip(PARAMETERS, np.asarray(values, dtype=float), strict=True):
        if p.group == "vegetation":
            out.update({f"{p.name}@{c}": float(v) for c in veg})
        elif p.group == "soil":
            out[f"{p.name}@{int(soil_class)}"] = float(v)
        else:
            out[p.name] = float(v)
    return out

if len(NAMES) != N_PARAMETERS:  # sizes.py is read by the workflow before any job
    raise RuntimeError(f"Table 1 has {len(NAMES)} parameters, sizes.N_PARAMETERS says "
                       f"{N_PARAMETERS}")

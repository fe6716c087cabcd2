"""Sensitivity analysis (paper section 2.4): STAR-VARS over Table 1 (docs/sensitivity.md)."""

from __future__ import annotations


def ivars_of_function(func, bounds, *, stars, delta_h, seed, sampler="lhs", names=None):
    """IVARS10/30/50 per parameter of a vectorised function by STAR-VARS
    (:func:`noahperm.sensitivity.vars.ivars_of_function`)."""
    from noahperm.sensitivity.vars import ivars_of_function as _f

    return _f(func, bounds, stars=stars, delta_h=delta_h, seed=seed, sampler=sampler,
              names=names)


__all__ = ["ivars_of_function"]

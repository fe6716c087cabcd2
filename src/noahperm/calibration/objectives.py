"""Objective functions of the calibrations (paper section 2.5.1): Nash-Sutcliffe efficiency of
daily soil temperature (CaliTGL, CaliTSH) and Cohen's Kappa of the permafrost class (CaliMAP).

Pure functions of arrays, no I/O.
"""

from __future__ import annotations

import numpy as np

__all__ = ["cohen_kappa", "mean_nse", "nse"]


def nse(observed, simulated) -> float:
    """Nash-Sutcliffe efficiency (Nash and Sutcliffe 1970) over the pairs where both are finite:

        NSE = 1 - sum_t (s_t - o_t)^2 / sum_t (o_t - mean(o))^2        [-], in (-inf, 1]

    Units of ``observed`` and ``simulated`` must agree (here K or degC, a common offset does
    not matter). 1 is a perfect fit, 0 the skill of the observed mean. NaN where fewer than two
    pairs remain or the observations are constant (the denominator is zero: undefined)."""
    o = np.asarray(observed, dtype=float)
    s = np.asarray(simulated, dtype=float)
    if o.shape != s.shape:
        raise ValueError(f"observed {o.shape} and simulated {s.shape} differ in shape")
    ok = np.isfinite(o) & np.isfinite(s)
    if ok.sum() < 2:
        return float("nan")
    o, s = o[ok], s[ok]
    den = float(np.sum((o - o.mean()) ** 2))
    if den == 0.0:
        return float("nan")
    return 1.0 - float(np.sum((s - o) ** 2)) / den


def mean_nse(observed, simulated) -> float:
    """Arithmetic mean over the depths of the NSE of each depth (paper: "the average NSE of
    all depths"): ``observed``, ``simulated`` of shape (ndepth, nday), gaps NaN. Depths whose
    NSE is undefined (no pairs, constant observations) are left out; NaN if none is left."""
    o = np.atleast_2d(np.asarray(observed, dtype=float))
    s = np.atleast_2d(np.asarray(simulated, dtype=float))
    values = np.array([nse(oi, si) for oi, si in zip(o, s, strict=True)])
    values = values[np.isfinite(values)]
    return float(values.mean()) if values.size else float("nan")


def cohen_kappa(reference, predicted) -> float:
    """Cohen's Kappa (Cohen 1960) of two categorical maps over the cells where both are valid
    (integers >= 0; negative values and NaN are left out):

        kappa = (p_o - p_e) / (1 - p_e)

    ``p_o`` the observed agreement, ``p_e = sum_k p_ref(k) p_pred(k)`` the chance agreement
    from the two maps' class shares. 1: perfect; 0: chance; -1: a two-class map inverted with
    both classes equally common. When both maps are one and the same single class
    (``p_e = 1``) the agreement is perfect but chance explains it: we return 1.0 if the maps
    agree everywhere, else 0.0 (``p_e = 1`` cannot happen with disagreement; documented so
    that a constant region never yields NaN in an optimisation)."""
    a = np.asarray(reference, dtype=float).ravel()
    b = np.asarray(predicted, dtype=float).ravel()
    if a.shape != b.shape:
        raise ValueError(f"reference {a.shape} and predicted {b.shape} differ in size")
    ok = np.isfinite(a) & np.isfinite(b) & (a >= 0) & (b >= 0)
    if not ok.any():
        return float("nan")
    a, b = a[ok].astype(int), b[ok].astype(int)
    n = a.size
    po = float(np.mean(a == b))
    classes = np.union1d(a, b)
    pe = float(sum(np.count_nonzero(a == k) * np.count_nonzero(b == k) for k in classes)) / n**2
    if pe >= 1.0:
        return 1.0 if po == 1.0 else 0.0
    return (po - pe) / (1.0 - pe)

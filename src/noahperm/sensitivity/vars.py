"""STAR-VARS through VARS-TOOL's offline path (Razavi and Gupta 2016; Razavi et al. 2019).

The offline path has three steps, and this module does the first and the last with
``varstool`` (2.3.5) and leaves the middle one to the caller:

1. :func:`star_design`: ``stars`` star centres in the unit hypercube [0, 1]^n (seeded sampler,
   default Latin hypercube), and through each centre, along each of the n dimensions, the
   cross-section at spacing ``delta_h`` (``varstool.VARS.generate_star``). A star has n/dh
   points of which the centre is repeated n times; the distinct points (the centre once,
   then (1/dh - 1) points per dimension) are the samples to evaluate:
   ``stars * (n (1/dh - 1) + 1)`` in all (paper: 100 x (30 x 9 + 1) = 27,100).
2. the caller evaluates the samples (here: the model, in chunk jobs);
3. :func:`analyse`: the responses are put back on the stars (each repeated centre takes the
   centre's value) and ``varstool.VARS.run_offline`` computes the directional variograms

       gamma_i(h) = 1/2 E[(y(x + h e_i) - y(x))^2]     (pairs h apart on a cross-section)

   and IVARS_H = integral_0^H gamma_i(h) dh (trapezoids of width dh on gamma(0) = 0,
   gamma(dh), ...; H = 0.1, 0.3, 0.5 of the normalised range: IVARS10/30/50), optionally with
   bootstrap confidence intervals of IVARS (resampling the stars) and the reliability of each
   factor's rank (share of bootstrap rankings that give the factor the same rank).

:func:`ivars_of_function` runs the same path on any vectorised Python function (tests check it
on a linear function, whose variogram is known in closed form, and on the Ishigami function).

Determinism: the star centres come from the seeded sampler; the bootstrap draws from NumPy's
global generator, which :func:`analyse` seeds (``bootstrap_seed``) and then restores.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from noahperm.sensitivity.sizes import n_samples, steps_per_unit

SCALES = (0.1, 0.3, 0.5)
SAMPLERS = ("lhs", "rnd", "plhs", "sobol_seq", "halton_seq", "symlhs")


def _varstool():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pkg_resources deprecation on import
        import varstool
    return varstool


@dataclass(frozen=True)
class Design:
    """A STAR-VARS design in the unit hypercube.

    names : the n parameter names; centres : (stars, n); samples : (S, n) the distinct points
    (per star: the centre, then each dimension's other points in ascending order);
    sample_centre, sample_param : (S,) the star of each sample and the dimension it moves
    along (-1 for a centre); star_index : the (centre, param, points) index of the full star
    table of ``varstool`` (stars * n * 1/dh rows); star_sample : (rows,) the sample of each row.
    """

    names: tuple[str, ...]
    delta_h: float
    seed: int
    sampler: str
    centres: np.ndarray
    samples: np.ndarray
    sample_centre: np.ndarray
    sample_param: np.ndarray
    star_index: pd.MultiIndex
    star_sample: np.ndarray

    @property
    def stars(self) -> int:
        return int(self.centres.shape[0])


def _vars(names, stars, delta_h, seed, sampler, bootstrap_size=1000, bootstrap_ci=0.9):
    vt = _varstool()
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler must be one of {', '.join(SAMPLERS)}, not {sampler!r}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return vt.VARS(num_stars=int(stars), parameters={n: (0.0, 1.0) for n in names},
                       delta_h=float(delta_h), seed=int(seed), sampler=sampler,
                       bootstrap_flag=bootstrap_size > 0,
                       bootstrap_size=max(int(bootstrap_size), 1),
                       bootstrap_ci=float(bootstrap_ci), report_verbose=False)


def star_design(names: Sequence[str], *, stars: int, delta_h: float, seed: int,
                sampler: str = "lhs") -> Design:
    """The STAR-VARS design of ``names`` (n >= 2) in [0, 1]^n (``varstool`` star centres and
    star points, seeded)."""
    names = tuple(str(n) for n in names)
    if len(names) < 2 or len(set(names)) != len(names):
        raise ValueError("STAR-VARS needs at least two distinct parameter names")
    k = steps_per_unit(delta_h)
    v = _vars(names, stars, delta_h, seed, sampler)
    centres = np.asarray(v.star_centres, dtype=float).copy()
    table = v.generate_star()
    values = table.to_numpy(dtype=float)
    index = table.index
    centre_of = index.get_level_values(0).to_numpy()
    param_of = index.get_level_values(1).to_numpy()
    if values.shape[0] != centres.shape[0] * len(names) * k:
        raise RuntimeError(f"varstool gave {values.shape[0]} star points, expected "
                           f"{centres.shape[0] * len(names) * k} (delta_h {delta_h})")
    pos = {n: j for j, n in enumerate(names)}
    samples, s_centre, s_param = [], [], []
    star_sample = np.empty(values.shape[0], dtype=np.int64)
    for c in range(centres.shape[0]):
        centre_id = len(samples)
        samples.append(centres[c])
        s_centre.append(c)
        s_param.append(-1)
        for row in np.flatnonzero(centre_of == c):
            if np.array_equal(values[row], centres[c]):
                star_sample[row] = centre_id
            else:
                star_sample[row] = len(samples)
                samples.append(values[row])
                s_centre.append(c)
                s_param.append(pos[param_of[row]])
    samples = np.asarray(samples)
    if samples.shape[0] != n_samples(len(names), centres.shape[0], delta_h):
        raise RuntimeError("star points and their centres do not match (delta_h rounding?)")
    return Design(names, float(delta_h), int(seed), sampler, centres, samples,
                  np.asarray(s_centre), np.asarray(s_param), index, star_sample)


@dataclass(frozen=True)
class Analysis:
    """IVARS of one response: ``ivars`` (scales x names), ``gamma`` (names x h), and with
    the bootstrap ``ivars_lb``, ``ivars_ub`` (confidence interval of each IVARS) and
    ``rank_reliability`` (scales x names: share of bootstrap rankings equal to the rank)."""

    ivars: pd.DataFrame
    gamma: pd.DataFrame
    ivars_lb: pd.DataFrame | None = None
    ivars_ub: pd.DataFrame | None = None
    rank_reliability: pd.DataFrame | None = None


def analyse(design: Design, y: np.ndarray, *, scales: Sequence[float] = SCALES,
            bootstrap_size: int = 0, bootstrap_ci: float = 0.9,
            bootstrap_seed: int | None = None) -> Analysis:
    """IVARS of the responses ``y`` (S,) of ``design.samples`` (``varstool.VARS.run_offline``).

    A response that is not finite everywhere is refused (ValueError): the variogram would
    silently drop pairs.
    """
    y = np.asarray(y, dtype=float)
    if y.shape != (design.samples.shape[0],):
        raise ValueError(f"{y.shape[0] if y.ndim else 0} responses for "
                         f"{design.samples.shape[0]} samples")
    if not np.isfinite(y).all():
        raise ValueError(f"{int((~np.isfinite(y)).sum())} responses are not finite")
    v = _vars(design.names, design.stars, design.delta_h, design.seed, design.sampler,
              bootstrap_size, bootstrap_ci)
    v.ivars_scales = tuple(float(s) for s in scales)
    model_df = pd.DataFrame({"y": y[design.star_sample]}, index=design.star_index)
    state = np.random.get_state()  # noqa: NPY002 (varstool draws from the global generator)
    try:
        np.random.seed(design.seed if bootstrap_seed is None else int(bootstrap_seed))  # noqa: NPY002
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            v.run_offline(model_df)
    finally:
        np.random.set_state(state)  # noqa: NPY002
    names = list(design.names)
    ivars = v.ivars.reindex(columns=names).astype(float)
    gamma = v.gamma.unstack(level=-1).reindex(index=names).astype(float)
    if bootstrap_size > 0:
        lb = v.ivarslb.reindex(columns=names).astype(float)
        ub = v.ivarsub.reindex(columns=names).astype(float)
        rel = v.rel_ivars_factor_ranking.reindex(columns=names).astype(float)
        return Analysis(ivars, gamma, lb, ub, rel)
    return Analysis(ivars, gamma)


def ivars_of_function(func: Callable[[np.ndarray], np.ndarray], bounds, *, stars: int,
                      delta_h: float, seed: int, sampler: str = "lhs",
                      names: Sequence[str] | None = None) -> pd.DataFrame:
    """IVARS10, IVARS30 and IVARS50 of each parameter of a vectorised function, by the same
    STAR-VARS path as the model's (:func:`star_design`, evaluation, :func:`analyse`).

    func : maps an (S, n) array of physical values to S responses.
    bounds : (n, 2) lower and upper bound of each parameter (physical units); IVARS are in
        the response's units squared times normalised distance (h in [0, 1] of each range).
    Returns a DataFrame indexed by parameter (``names`` or x1..xn) with columns
    ``IVARS10``, ``IVARS30``, ``IVARS50``.
    """
    bounds = np.asarray(bounds, dtype=float)
    if bounds.ndim != 2 or bounds.shape[1] != 2 or not (bounds[:, 1] > bounds[:, 0]).all():
        raise ValueError("bounds: an (n, 2) array of lower < upper")
    names = tuple(names) if names is not None else tuple(f"x{i + 1}"
                                                         for i in range(bounds.shape[0]))
    design = star_design(names, stars=stars, delta_h=delta_h, seed=seed, sampler=sampler)
    x = bounds[:, 0] + design.samples * (bounds[:, 1] - bounds[:, 0])
    y = np.asarray(func(x), dtype=float).reshape(-1)
    res = analyse(design, y)
    out = res.ivars.T
    out.columns = [f"IVARS{round(100 * s)}" for s in out.columns]
    out.index.name = "parameter"
    return out

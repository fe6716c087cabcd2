"""Permafrost diagnostics from annual soil-temperature aggregates (paper section 2.7).

Inputs are the driver's on-line aggregates per cell, year and layer: annual minimum, maximum
and mean soil temperature [K] at the layer nodes (layer mid-depths, positive downwards [m]).
All functions are vectorised over leading axes (cell, year); the layer axis is last.

Definitions (van Everdingen 1998, as the paper applies them):

- permafrost in year y: at least one layer stays at or below 0 degC (annual maximum <= 0 degC)
  through both year y-1 and year y; so the first simulated year has no class;
- seasonally frozen ground (SFG): not permafrost, but some layer reaches 0 degC or below in
  year y (annual minimum <= 0 degC); otherwise unfrozen;
- ALT: the maximum thaw depth from the surface downwards, i.e. the first 0 degC crossing of the
  annual-maximum profile from the top, interpolated linearly between layer nodes (0 when the
  top node does not thaw); only for permafrost;
- TTOP: mean annual temperature at the ALT (profile interpolated linearly, held constant above
  the top node);
- DZAA: the depth where the annual amplitude, taken as the annual range (maximum - minimum),
  first falls below 0.1 K; between two nodes the amplitude is interpolated exponentially
  (linearly in its logarithm), since a periodic surface signal decays as exp(-z/d) with depth
  (d the damping depth), so a linear interpolation would place the DZAA too deep; NaN, with
  ``DZAA_below`` set, when the amplitude does not fall below 0.1 K within the column;
- MAGT: mean annual temperature at the DZAA;
- GT10m: mean annual temperature at 10 m, interpolated linearly between nodes;
- talik: a layer above the ALT that does not refreeze during the year (annual minimum > 0 degC).
"""

from __future__ import annotations

import numpy as np

from noahperm.kernel.constants import TFREEZ as T0  # 273.15 K

AMPLITUDE_DZAA = 0.1  # annual amplitude defining the DZAA [K]

UNDEFINED, UNFROZEN, SFG, PERMAFROST = -1, 0, 1, 2
CLASS_NAMES = {UNDEFINED: "undefined", UNFROZEN: "unfrozen", SFG: "seasonally frozen ground",
               PERMAFROST: "permafrost"}


def node_depths(sldpth: np.ndarray) -> np.ndarray:
    """Depth of each layer's node (mid-point) below the surface [m] from layer thicknesses."""
    sldpth = np.asarray(sldpth, dtype=float)
    bottoms = np.cumsum(sldpth)
    return bottoms - 0.5 * sldpth


def classify(tmax: np.ndarray, tmin: np.ndarray, active: np.ndarray | None = None) -> np.ndarray:
    """Frozen-ground class per (..., year): PERMAFROST, SFG, UNFROZEN, or UNDEFINED.

    tmax, tmin : (..., nyear, nlayer) annual maximum and minimum temperature [K].
    active : optional (...) bool; inactive cells (glacier, lake) are UNDEFINED.
    The first year is UNDEFINED (no preceding year).
    """
    tmax = np.asarray(tmax, dtype=float)
    tmin = np.asarray(tmin, dtype=float)
    frozen_all_year = tmax <= T0
    pf = np.zeros(tmax.shape[:-1], dtype=bool)
    pf[..., 1:] = (frozen_all_year[..., 1:, :] & frozen_all_year[..., :-1, :]).any(axis=-1)
    some_frost = (tmin <= T0).any(axis=-1)
    cls = np.where(pf, PERMAFROST, np.where(some_frost, SFG, UNFROZEN)).astype(np.int8)
    cls[..., 0] = UNDEFINED
    bad = ~np.isfinite(tmax).all(axis=-1) | ~np.isfinite(tmin).all(axis=-1)
    cls[bad] = UNDEFINED
    if active is not None:
        cls[~np.asarray(active, dtype=bool)] = UNDEFINED
    return cls


def _first_crossing(values: np.ndarray, depth: np.ndarray, below: np.ndarray):
    """First node index k where ``below[..., k]`` holds, and the depth where ``values`` crosses
    the threshold between node k-1 and k (linear). ``values`` already has the threshold
    subtracted (crossing at 0). Returns (depth [m] or NaN where none, found bool)."""
    found = below.any(axis=-1)
    k = np.argmax(below, axis=-1)
    km1 = np.maximum(k - 1, 0)
    v0 = np.take_along_axis(values, km1[..., None], axis=-1)[..., 0]
    v1 = np.take_along_axis(values, k[..., None], axis=-1)[..., 0]
    z0 = depth[km1]
    z1 = depth[k]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(v1 != v0, v0 / (v0 - v1), 0.0)
    z = np.where(k == 0, depth[0] if depth.size else 0.0, z0 + frac * (z1 - z0))
    return np.where(found, z, np.nan), found


def interpolate_profile(profile: np.ndarray, depth: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Profile (..., nlayer) at depth z (...) [m], linear between nodes, constant beyond them;
    NaN where z is NaN."""
    profile = np.asarray(profile, dtype=float)
    z = np.asarray(z, dtype=float)
    zc = np.clip(np.nan_to_num(z, nan=depth[0]), depth[0], depth[-1])
    k = np.clip(np.searchsorted(depth, zc, side="right"), 1, depth.size - 1)
    z0, z1 = depth[k - 1], depth[k]
    p0 = np.take_along_axis(profile, (k - 1)[..., None], axis=-1)[..., 0]
    p1 = np.take_along_axis(profile, k[..., None], axis=-1)[..., 0]
    out = p0 + (zc - z0) / (z1 - z0) * (p1 - p0)
    return np.where(np.isnan(z), np.nan, out)


def active_layer_thickness(tmax: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """Maximum thaw depth from the surface [m]: first 0 degC crossing of the annual-maximum
    profile from the top (0 when the top node stays frozen; NaN when nothing stays frozen)."""
    tmax = np.asarray(tmax, dtype=float)
    frozen = tmax <= T0
    z, found = _first_crossing(tmax - T0, depth, frozen)
    top_frozen = frozen[..., 0]
    return np.where(found & top_frozen, 0.0, z)


def dzaa(tmax: np.ndarray, tmin: np.ndarray, depth: np.ndarray,
         threshold: float = AMPLITUDE_DZAA) -> tuple[np.ndarray, np.ndarray]:
    """Depth of zero annual amplitude [m] and a flag where it lies below the column.

    The amplitude is the annual range A = Tmax - Tmin [K] (van Everdingen 1998: "practically no
    annual fluctuation", e.g. less than 0.1 degC; the paper's Figure 2b draws the DZAA where
    the Tmin and Tmax envelopes meet). Between the last node with A >= ``threshold`` (depth
    z0, A0) and the first with A < ``threshold`` (z1, A1) the depth is

        z = z0 + (z1 - z0) * ln(A0 / threshold) / ln(A0 / A1),

    exact for A(z) = A0 exp(-(z - z0) / d), the decay of a periodic surface signal in a
    homogeneous conductor (Carslaw and Jaeger 1959, section 2.6). When the top node is already
    below the threshold, the DZAA is the top node's depth.
    """
    amp = np.asarray(tmax, dtype=float) - np.asarray(tmin, dtype=float)
    below = amp < threshold
    tiny = 1e-12 * threshold  # a zero range (impossible in practice) keeps the log finite
    log_excess = np.log(np.maximum(amp, tiny) / threshold)
    z, found = _first_crossing(log_excess, depth, below)
    return z, ~found


def talik(tmin: np.ndarray, depth: np.ndarray, alt: np.ndarray) -> np.ndarray:
    """True where a layer above the ALT does not refreeze (annual minimum above 0 degC)."""
    above = depth < np.asarray(alt, dtype=float)[..., None]
    return ((np.asarray(tmin) > T0) & above).any(axis=-1)


def permafrost_variables(tmin, tmax, tmean, depth, active=None) -> dict[str, np.ndarray]:
    """All per-(cell, year) variables of section 2.7 (temperatures in K, depths in m).

    Returns a dict with ``class``, ``ALT``, ``TTOP``, ``DZAA``, ``DZAA_below``, ``MAGT``,
    ``GT10m``, ``talik``. ALT, TTOP and talik are NaN/False outside permafrost; DZAA, MAGT and
    GT10m are given for every defined cell-year.
    """
    depth = np.asarray(depth, dtype=float)
    cls = classify(tmax, tmin, active)
    pf = cls == PERMAFROST
    defined = cls != UNDEFINED
    alt = np.where(pf, active_layer_thickness(tmax, depth), np.nan)
    ttop = np.where(pf, interpolate_profile(tmean, depth, alt), np.nan)
    z_aa, below = dzaa(tmax, tmin, depth)
    z_aa = np.where(defined, z_aa, np.nan)
    magt = interpolate_profile(tmean, depth, z_aa)
    gt10 = np.where(defined, interpolate_profile(tmean, depth, np.full(cls.shape, 10.0)), np.nan)
    tk = np.where(pf, talik(tmin, depth, np.nan_to_num(alt)), False)
    return {"class": cls, "ALT": alt, "TTOP": ttop, "DZAA": z_aa, "DZAA_below": below & defined,
            "MAGT": magt, "GT10m": gt10, "talik": tk}


def class_area(cls: np.ndarray, area: np.ndarray, which: int = PERMAFROST) -> np.ndarray:
    """Total area [km2] per year of cells of class ``which``: cls (ncell, nyear), area (ncell,)
    [km2] on an equal-area basis. Years where no cell is defined give NaN."""
    cls = np.asarray(cls)
    area = np.asarray(area, dtype=float)
    total = ((cls == which) * area[:, None]).sum(axis=0)
    defined = (cls != UNDEFINED).any(axis=0)
    return np.where(defined, total, np.nan)


def regional_mean(values: np.ndarray, area: np.ndarray) -> np.ndarray:
    """Area-weighted mean over cells (axis 0) of values (ncell, nyear), ignoring NaN."""
    values = np.asarray(values, dtype=float)
    w = np.where(np.isfinite(values), np.asarray(area, dtype=float)[:, None], 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nansum(values * w, axis=0) / w.sum(axis=0)

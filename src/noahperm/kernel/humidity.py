"""Near-surface specific humidity: saturation and the bounds the reference driver applies.

The reference driver (``read_forcing_text``, NCEP v2.7.1 branch of the authors' single-column
driver) turns relative humidity into specific humidity and then bounds it; the grid path bounds
the CMFD ``shum`` the same way, with this one function (``noahperm.inputs.forcing.cache``), so
a point run and a grid run see the same humidity for the same air.

* ``EsFuncT`` (Rogers and Yau 1989): saturation vapour pressure over water
  ``es = 611.2 exp(L (1/273.15 - 1/T) / 461.5)`` [Pa], ``L = 2.501e6 - (4187 - 1870)(T - 273.15)``
  [J kg-1];
* saturation specific humidity ``qs = eps es / (p - (1 - eps) es)`` [kg kg-1], eps = 0.622;
* bounds: ``q < 1e-6 -> 1e-6``, then ``q >= qs -> 0.99 qs`` (in this order, as the driver).

``math.exp`` compiles to the C library's ``exp``, as gfortran's does, so point runs reproduce the
driver bit for bit (tests/test_pointio.py).
"""

import math

import numpy as np

from ._jit import jit
from .constants import (
    CPV_ESFUNCT,
    CW_ESFUNCT,
    EPSILON,
    ESO_ESFUNCT,
    LVH2O,
    RV_ESFUNCT,
    TFREEZ,
)

Q_MIN = 0.1e-5  # lower bound of specific humidity [kg kg-1]
Q_SAT_FACTOR = 0.99  # a supersaturated q becomes this fraction of qs [-]


@jit
def esfunct(t):
    """Saturation vapour pressure over water [Pa] at ``t`` [K] (``EsFuncT``)."""
    lw = LVH2O - (CW_ESFUNCT - CPV_ESFUNCT) * (t - TFREEZ)
    return ESO_ESFUNCT * math.exp(lw * (1.0 / TFREEZ - 1.0 / t) / RV_ESFUNCT)


@jit
def _bounded(q, svp, p):
    qs = EPSILON * svp / (p - (1.0 - EPSILON) * svp)
    if q < Q_MIN:
        q = Q_MIN
    if q >= qs:
        q = qs * Q_SAT_FACTOR
    return q


@jit
def bound_specific_humidity(q, t, p):
    """``(bounded q, number changed)``: 1-D float64 arrays ``q`` [kg kg-1], ``t`` [K] and
    ``p`` [Pa] of the same length; NaN stays NaN."""
    out = np.empty(q.size)
    n = 0
    for i in range(q.size):
        out[i] = _bounded(q[i], esfunct(t[i]), p[i])
        if out[i] != q[i] and not np.isnan(q[i]):
            n += 1
    return out, n


@jit
def rh_to_specific_humidity(t, p, rhf):
    """Bounded specific humidity [kg kg-1] from 1-D float64 arrays ``t`` [K], ``p`` [Pa] and
    relative humidity ``rhf`` as a fraction, in the driver's operation order:
    ``e = p es rhf / (p - es (1 - rhf))``, ``q = eps e / (p - (1 - eps) e)`` (RH thus acts as
    a ratio of mixing ratios, not of vapour pressures)."""
    out = np.empty(t.size)
    for i in range(t.size):
        svp = esfunct(t[i])
        e = (p[i] * svp * rhf[i]) / (p[i] - svp * (1.0 - rhf[i]))
        q = (EPSILON * e) / (p[i] - (1.0 - EPSILON) * e)
        out[i] = _bounded(q, svp, p[i])
    return out

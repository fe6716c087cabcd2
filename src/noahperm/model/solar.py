"""Solar geometry shared by the synthetic weather generators (point demo and mini-QTP).

Spencer (1971) Fourier series in the fractional-year angle ``g`` [rad]: solar declination
[rad], equation of time [min] and the eccentricity correction of the solar constant [-].
"""

from __future__ import annotations

import numpy as np


def spencer(g):
    """(declination [rad], equation of time [min], eccentricity factor [-]) at angle g [rad]."""
    decl = (0.006918 - 0.399912 * np.cos(g) + 0.070257 * np.sin(g) - 0.006758 * np.cos(2 * g)
            + 0.000907 * np.sin(2 * g) - 0.002697 * np.cos(3 * g) + 0.00148 * np.sin(3 * g))
    eot = 229.18 * (0.000075 + 0.001868 * np.cos(g) - 0.032077 * np.sin(g)
                    - 0.014615 * np.cos(2 * g) - 0.040849 * np.sin(2 * g))
    e0 = (1.000110 + 0.034221 * np.cos(g) + 0.001280 * np.sin(g) + 0.000719 * np.cos(2 * g)
          + 0.000077 * np.sin(2 * g))
    return decl, eot, e0

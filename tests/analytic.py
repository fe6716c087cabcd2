"""Analytic solutions of 1-D heat conduction used by ``test_heat_analytic.py``.

Depth ``z`` is positive downwards [m] in this module (the kernel's ``zsoil`` is negative).
Units: temperature [K], time [s], conductivity ``k`` [W m-1 K-1], volumetric heat capacity ``c``
[J m-3 K-1], diffusivity ``alpha = k / c`` [m2 s-1], volumetric latent heat ``q`` [J m-3].

1. Periodic surface temperature on a homogeneous half-space (Carslaw & Jaeger 1959, section 2.6;
   Hillel 1982, ch. 9)::

       T(0, t) = Tm + A sin(w t)
       T(z, t) = Tm + A exp(-z/d) sin(w t - z/d),     d = sqrt(2 alpha / w)

   i.e. ``T = Tm + Im(A exp(i w t - kappa z))`` with ``kappa = sqrt(i w / alpha) = (1 + i)/d``.
   Backward Euler in time with step ``dt`` (what HRT/HSTEP do, see the test module) solves the
   same problem exactly in time if ``i w`` is replaced by ``s = (1 - exp(-i w dt)) / dt``:
   ``(T^{n+1} - T^n)/dt = alpha T''^{n+1}`` with ``T^n = Im(a(z) exp(i w n dt))`` gives
   ``a'' = (s/alpha) a``. For ``w dt << 1``, ``s = i w + w^2 dt/2 + O(w^3 dt^2)``, so the
   damping depth shrinks and the phase lag per metre drops, both by the relative amount
   ``w dt / 4`` (Crank-Nicolson would give ``O((w dt)^2)`` instead).

2. Two-phase Neumann (Stefan) problem (Carslaw & Jaeger 1959, section 11.2, eq. 11.2.(8)-(9);
   Lunardini 1981, "Heat transfer in cold climates", ch. 7): half-space initially at
   ``Ti > Tf``, surface held at ``Ts < Tf`` from ``t = 0``; frozen zone ``0 < z < X(t)``
   (``k1, c1, alpha1``), unfrozen zone ``z > X`` (``k2, c2, alpha2``), latent heat ``q`` released
   at the front ``z = X``::

       X(t)  = 2 lam sqrt(alpha1 t)
       T1    = Ts + (Tf - Ts) erf(z / (2 sqrt(alpha1 t))) / erf(lam)                  (z < X)
       T2    = Ti - (Ti - Tf) erfc(z / (2 sqrt(alpha2 t))) / erfc(lam sqrt(alpha1/alpha2))

   and the Stefan condition ``k1 dT1/dz - k2 dT2/dz = q dX/dt`` at ``z = X`` gives ``lam`` as the
   root of::

       c1 (Tf - Ts) exp(-lam^2) / erf(lam)
         - k2 (Ti - Tf) exp(-lam^2 alpha1/alpha2) / (sqrt(alpha1 alpha2) erfc(lam sqrt(alpha1/alpha2)))
         = sqrt(pi) lam q
"""

from __future__ import annotations

import math

import numpy as np


# ----------------------------------------------------------------------------------------------
# periodic surface temperature
# ----------------------------------------------------------------------------------------------
def damping_depth(alpha: float, omega: float) -> float:
    """Damping depth ``d = sqrt(2 alpha / omega)`` [m]; alpha [m2 s-1], omega [rad s-1]."""
    return math.sqrt(2.0 * alpha / omega)


def periodic_wavenumber(alpha: float, omega: float, dt: float | None = None) -> complex:
    """Complex wavenumber ``kappa`` [m-1] of ``T - Tm = Im(A exp(i omega t - kappa z))``.

    ``dt=None``: the continuous solution, ``kappa = sqrt(i omega / alpha) = (1 + i)/d``.
    ``dt`` given [s]: the backward-Euler-in-time solution, ``kappa = sqrt(s / alpha)`` with
    ``s = (1 - exp(-i omega dt)) / dt`` (see the module docstring). ``Re(kappa)`` is the
    amplitude decay rate, ``Im(kappa)`` the phase lag per metre [rad m-1].
    """
    s = 1j * omega if dt is None else (1.0 - np.exp(-1j * omega * dt)) / dt
    k = np.sqrt(s / alpha)
    return complex(k if k.real > 0 else -k)


def periodic_profile(z, t, tm: float, amp: float, alpha: float, omega: float,
                     dt: float | None = None):
    """``T(z, t) = Tm + A exp(-Re(kappa) z) sin(omega t - Im(kappa) z)`` [K] (broadcasting)."""
    k = periodic_wavenumber(alpha, omega, dt)
    z = np.asarray(z, dtype=float)
    t = np.asarray(t, dtype=float)
    return tm + amp * np.exp(-k.real * z) * np.sin(omega * t - k.imag * z)


def fit_harmonic(t, y, omega: float) -> tuple[float, float, float]:
    """Least-squares fit ``y = m + a sin(omega t - phi)``; returns ``(m, a, phi)``, ``phi`` in
    ``[0, 2 pi)`` [rad]. Use a whole number of periods of ``t`` [s]."""
    t = np.asarray(t, dtype=float)
    x = np.column_stack([np.ones_like(t), np.sin(omega * t), np.cos(omega * t)])
    (m, s, c), *_ = np.linalg.lstsq(x, np.asarray(y, dtype=float), rcond=None)
    # a sin(wt - phi) = a cos(phi) sin(wt) - a sin(phi) cos(wt)
    return float(m), float(math.hypot(s, c)), float(math.atan2(-c, s) % (2.0 * math.pi))


# ----------------------------------------------------------------------------------------------
# two-phase Neumann problem
# ----------------------------------------------------------------------------------------------
def neumann_residual(lam: float, k1: float, c1: float, k2: float, c2: float, q: float,
                     ts: float, tf: float, ti: float) -> float:
    """Left minus right side of the Neumann transcendental equation (module docstring) [J m-3]."""
    a1, a2 = k1 / c1, k2 / c2
    r = math.sqrt(a1 / a2)
    lhs = c1 * (tf - ts) * math.exp(-lam * lam) / math.erf(lam)
    lhs -= k2 * (ti - tf) * math.exp(-lam * lam * a1 / a2) / (
        math.sqrt(a1 * a2) * math.erfc(lam * r))
    return lhs - math.sqrt(math.pi) * lam * q


def neumann_lambda(k1: float, c1: float, k2: float, c2: float, q: float, ts: float, tf: float,
                   ti: float) -> float:
    """Root ``lam`` [-] of the two-phase Neumann equation, by bisection (the residual falls
    monotonically from +inf at 0 to -inf). Requires ``ts < tf <= ti`` and ``q >= 0``."""
    if not ts < tf <= ti:
        raise ValueError("need Ts < Tf <= Ti")
    lo, hi = 1e-12, 1.0
    while neumann_residual(hi, k1, c1, k2, c2, q, ts, tf, ti) > 0.0:
        hi *= 2.0
        if hi > 1e3:
            raise ValueError("no root of the Neumann equation below lambda = 1000")
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if neumann_residual(mid, k1, c1, k2, c2, q, ts, tf, ti) > 0.0:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-15:
            break
    return 0.5 * (lo + hi)


def neumann_front(t, lam: float, alpha1: float):
    """Front depth ``X(t) = 2 lam sqrt(alpha1 t)`` [m]; t [s]."""
    return 2.0 * lam * np.sqrt(alpha1 * np.asarray(t, dtype=float))

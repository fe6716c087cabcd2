"""Energy and water budgets of the column close every step (noahperm.point.budgets).

Over the 5-year free runs of both reference cases:
- soil heat: the change of heat content (sensible + latent) in the heat solve equals the
  boundary fluxes it applied, to round-off (|residual| < 1e-9 W m-2; the floor is set by
  differences of ~270 K temperatures times the heat capacity of 2 m layers, ~1e-11 W m-2);
- water: storage change = precipitation - evaporation - runoff to round-off (< 1e-12 m per
  step) on every step where none of the reference's non-conserving clamps acted; the clamps
  (soil water floor, dropped tiny packs, sublimation exceeding the pack) act on < 1 % of
  steps and move < 0.1 mm in 5 years.
"""

from __future__ import annotations

import numpy as np
import pytest

import cases
from noahperm.kernel import layout as L
from noahperm.point import budgets as B
from noahperm.point.run import initial_state

pytestmark = pytest.mark.reference


def _run(name):
    c = cases.case(name)
    res = cases.free_run(name)
    s0 = np.concatenate(initial_state(c.inp))
    before = np.vstack([s0[None], res.state[:-1]])
    return c, res, before


@pytest.mark.parametrize("name", cases.CASES)
def test_soil_heat_budget_closes_every_step(name):
    c, res, _ = _run(name)
    r = B.heat_residual(res.diag)
    flux = np.abs(res.diag[:, L.D_GSOIL]) + np.abs(res.diag[:, L.D_GBOT])
    print(f"\n{name}: soil heat residual max {np.abs(r).max():.2e} W m-2 "
          f"(fluxes up to {flux.max():.0f} W m-2)")
    assert np.isfinite(r).all()
    assert np.abs(r).max() < 1e-9
    # the budget is not trivially zero: heat content does change
    assert np.abs(res.diag[:, L.D_DHSOIL]).max() > 10.0


@pytest.mark.parametrize("name", cases.CASES)
def test_water_budget_closes_every_step(name):
    c, res, before = _run(name)
    r = B.water_residual(before, res.state, res.diag, c.inp.zsoil, c.inp.dt)
    clamp = B.water_clamps(before, res.state, res.diag, c.inp.zsoil, c.inp.dt)
    print(f"\n{name}: water residual max {np.abs(r[~clamp]).max():.2e} m on "
          f"{(~clamp).sum()} steps; {clamp.sum()} clamp steps, net {1000 * r[clamp].sum():.2e} mm")
    assert np.abs(r[~clamp]).max() < 1e-12
    assert clamp.mean() < 0.01
    assert abs(r[clamp]).sum() < 1e-4
    # water does move through the column
    assert (res.diag[:, L.D_RUNOFF2] > 0).any() and (res.diag[:, L.D_PRCP] > 0).any()


def test_water_residual_detects_a_leak():
    """The budget check can fail: a column that loses water shows it."""
    c, res, before = _run("tgl")
    after = res.state.copy()
    after[100:, L.NSTATE + c.inp.nsoil + 3] -= 1e-6  # SMC of layer 4
    r = B.water_residual(before, after, res.diag, c.inp.zsoil, c.inp.dt)
    assert abs(r[100]) > 1e-8

"""Permafrost diagnostics on constructed temperature profiles with hand-computed answers."""

from __future__ import annotations

import numpy as np
import pytest

from noahperm import diagnostics as D

T0 = 273.15
# nodes at 0.5, 1.5, ..., 9.5 m and 10.5 m (a simple grid that makes hand computation easy)
DEPTH = np.array([0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5])


def prof(vals_c):
    return T0 + np.asarray(vals_c, dtype=float)


def test_node_depths():
    assert np.allclose(D.node_depths([0.045, 0.046, 0.075]), [0.0225, 0.068, 0.1285])


def test_classify_needs_two_frozen_years():
    n = DEPTH.size
    warm = prof(np.full(n, 2.0))
    cold = prof(np.full(n, -1.0))
    # year 0 cold, year 1 cold, year 2 warm everywhere at depth 5 only
    tmax = np.stack([cold, cold, cold.copy()])
    tmax[2, :] = cold
    tmax[2, 5] = T0 + 0.5  # one layer thaws in year 2, the others stay frozen
    tmin = tmax - 5.0
    cls = D.classify(tmax[None], tmin[None])[0]
    assert list(cls) == [D.UNDEFINED, D.PERMAFROST, D.PERMAFROST]
    # a layer must be frozen in BOTH years: alternate which layers are frozen
    a = warm.copy()
    a[3] = T0 - 0.5
    b = warm.copy()
    b[4] = T0 - 0.5
    cls = D.classify(np.stack([a, b])[None], np.stack([a, b])[None] - 5)[0]
    assert cls[1] == D.SFG  # frozen layers differ between years; frost occurs
    cls = D.classify(np.stack([warm, warm])[None], np.stack([warm, warm])[None])[0]
    assert cls[1] == D.UNFROZEN
    # exactly 0 degC counts as frozen
    z = prof(np.zeros(n))
    assert D.classify(np.stack([z, z])[None], np.stack([z, z])[None] - 1)[0][1] == D.PERMAFROST


def test_classify_masks_inactive_cells():
    cold = np.broadcast_to(prof(np.full(DEPTH.size, -3.0)), (2, 3, DEPTH.size))
    cls = D.classify(cold, cold - 1, active=np.array([True, False]))
    assert (cls[0, 1:] == D.PERMAFROST).all() and (cls[1] == D.UNDEFINED).all()


def test_alt_interpolated_between_nodes():
    # Tmax: +3 at 0.5 m, +1 at 1.5 m, -1 at 2.5 m -> crossing halfway: 2.0 m
    tmax = prof([3, 1, -1, -2, -2, -2, -2, -2, -2, -2, -2])
    assert D.active_layer_thickness(tmax, DEPTH) == pytest.approx(2.0)
    # +2 at 1.5 and -0.5 at 2.5 -> 1.5 + 2/2.5 = 2.3 m
    tmax = prof([3, 2, -0.5, -2, -2, -2, -2, -2, -2, -2, -2])
    assert D.active_layer_thickness(tmax, DEPTH) == pytest.approx(2.3)


def test_alt_edge_cases():
    # no thaw: top node frozen all year -> 0
    assert D.active_layer_thickness(prof(np.full(DEPTH.size, -0.1)), DEPTH) == 0.0
    # thaw through the whole column -> undefined
    assert np.isnan(D.active_layer_thickness(prof(np.full(DEPTH.size, 0.2)), DEPTH))
    # talik: thawed top, a frozen layer at 3.5 m, thawed below: the ALT stops at the first
    # frozen node from the top
    tmax = prof([4, 2, 1, -1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
    assert D.active_layer_thickness(tmax, DEPTH) == pytest.approx(3.0)


def test_ttop_and_gt10m():
    n = DEPTH.size
    tmean = prof(np.linspace(-1.0, -2.0, n))  # -1 at 0.5 m ... -2 at 10.5 m (-0.1 K/m)
    assert D.interpolate_profile(tmean, DEPTH, np.array(2.0)) == pytest.approx(T0 - 1.15)
    assert D.interpolate_profile(tmean, DEPTH, np.array(10.0)) == pytest.approx(T0 - 1.95)
    # above the top node: held constant
    assert D.interpolate_profile(tmean, DEPTH, np.array(0.0)) == pytest.approx(T0 - 1.0)


def test_dzaa_and_below_column():
    # amplitude halves every metre: 3.2 at 0.5 m, ... 0.2 at 4.5 m, 0.1 at 5.5, 0.05 at 6.5
    amp = 3.2 / 2.0 ** np.arange(DEPTH.size)
    tmean = prof(np.full(DEPTH.size, -1.5))
    z, below = D.dzaa(tmean + amp / 2, tmean - amp / 2, DEPTH)
    # first node with amplitude < 0.1 is 6.5 m (0.05); crossing of 0.1 between 5.5 (0.1) and
    # 6.5 (0.05): at 5.5 m exactly
    assert not below and z == pytest.approx(5.5)
    amp = np.full(DEPTH.size, 0.5)  # never below 0.1 within the column
    z, below = D.dzaa(tmean + amp / 2, tmean - amp / 2, DEPTH)
    assert below and np.isnan(z)


def test_permafrost_variables_together():
    n = DEPTH.size
    tmean = prof(np.linspace(-0.5, -2.5, n))
    amp = 20.0 * np.exp(-DEPTH / 1.5)
    tmax = tmean + amp / 2
    tmin = tmean - amp / 2
    years = np.stack([tmax, tmax])[None]
    out = D.permafrost_variables(np.stack([tmin, tmin])[None], years, np.stack([tmean, tmean])[None],
                                 DEPTH)
    assert out["class"][0, 1] == D.PERMAFROST and out["class"][0, 0] == D.UNDEFINED
    alt = out["ALT"][0, 1]
    k = np.argmax(tmax <= T0)
    assert DEPTH[k - 1] < alt <= DEPTH[k]
    assert out["TTOP"][0, 1] == pytest.approx(D.interpolate_profile(tmean, DEPTH, np.array(alt)))
    assert out["GT10m"][0, 1] == pytest.approx(T0 + np.interp(10.0, DEPTH, tmean - T0))
    assert out["MAGT"][0, 1] == pytest.approx(np.interp(out["DZAA"][0, 1], DEPTH, tmean))
    assert not out["talik"][0, 1]


def test_talik_flag():
    tmax = prof([4, 2, 1, -1, -1, -1, -1, -1, -1, -1, -1])
    tmin = prof([-8, -3, 0.5, -1.5, -1.5, -1.5, -1.5, -1.5, -1.5, -1.5, -1.5])  # 2.5 m never refreezes
    alt = D.active_layer_thickness(tmax, DEPTH)
    assert D.talik(tmin, DEPTH, alt)
    tmin[2] = T0 - 0.1
    assert not D.talik(tmin, DEPTH, alt)


def test_area_and_regional_mean():
    cls = np.array([[D.UNDEFINED, D.PERMAFROST, D.PERMAFROST],
                    [D.UNDEFINED, D.SFG, D.PERMAFROST],
                    [D.UNDEFINED, D.UNDEFINED, D.UNDEFINED]])
    area = np.array([100.0, 50.0, 25.0])
    a = D.class_area(cls, area)
    assert np.isnan(a[0]) and a[1] == 100.0 and a[2] == 150.0
    assert D.class_area(cls, area, D.SFG)[1] == 50.0
    vals = np.array([[np.nan, 1.0, 2.0], [np.nan, np.nan, 4.0], [np.nan, np.nan, np.nan]])
    m = D.regional_mean(vals, area)
    assert np.isnan(m[0]) and m[1] == 1.0 and m[2] == pytest.approx((200 + 200) / 150)

"""Permafrost diagnostics on constructed temperature profiles with hand-computed answers."""

from __future__ import annotations

import numpy as np
import pytest

from noahperm.diagnostics import permafrost as D

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
    # the range 3.2 at 0.5 m halves every metre: 0.1 exactly at 5.5 m; with 0.1 between
    # nodes, the exponential decay puts the DZAA at ln(A0/0.1)/ln(A0/A1) of the interval:
    # nodes 4.5 m (0.2) and 5.5 m (0.1 -> use threshold 0.15): ln(0.2/0.15)/ln(2) = 0.415
    z, below = D.dzaa(tmean + amp / 2, tmean - amp / 2, DEPTH, threshold=0.15)
    assert not below and z == pytest.approx(4.5 + np.log(0.2 / 0.15) / np.log(2.0), abs=1e-12)
    amp = np.full(DEPTH.size, 0.5)  # never below 0.1 within the column
    z, below = D.dzaa(tmean + amp / 2, tmean - amp / 2, DEPTH)
    assert below and np.isnan(z)


def test_dzaa_exact_for_exponential_decay_across_two_metre_layers():
    """The model's deep layers are 1-2 m thick; an amplitude decaying as exp(-z/d) must give the
    exact DZAA (a linear interpolation puts it 0.17 m too deep in this case)."""
    depth = np.array([0.5, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0])
    d = 2.2  # damping depth [m]
    amp = 18.0 * np.exp(-depth / d)
    exact = d * np.log(18.0 / 0.1)  # A(z) = 0.1
    tmean = prof(np.full(depth.size, -1.0))
    z, below = D.dzaa(tmean + amp / 2, tmean - amp / 2, depth)
    assert not below and z == pytest.approx(exact, abs=1e-9)
    # what a linear interpolation would give: well below the exact depth
    k = np.argmax(amp < 0.1)
    linear = depth[k - 1] + (amp[k - 1] - 0.1) / (amp[k - 1] - amp[k]) * (depth[k] - depth[k - 1])
    assert linear - exact > 0.1
    # top node already below: the top node's depth
    z, below = D.dzaa(tmean + 0.01, tmean - 0.01, depth)
    assert not below and z == depth[0]


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


def test_regional_means_fixed_and_changing_sets():
    """Hand-computed: 3 cells (areas 1, 2, 3 km2), years 0-3 (year 0 unclassified).
    Cell 0 is permafrost every year, cell 1 in years 1-2 only, cell 2 never; cell 0's DZAA is
    below the column in year 3."""
    from noahperm.diagnostics.stage import regional_means

    PF, SFG, U = D.PERMAFROST, D.SFG, D.UNDEFINED
    cls = np.array([[U, PF, PF, PF], [U, PF, PF, SFG], [U, SFG, SFG, SFG]], dtype=np.int8)
    nan = np.nan
    alt = np.array([[nan, 1.0, 2.0, 3.0], [nan, 4.0, 5.0, nan], [nan] * 4])
    dz = np.array([[nan, 10.0, 11.0, nan], [nan, 12.0, 13.0, 14.0], [nan, 9.0, 9.0, 9.0]])
    below = np.array([[False, False, False, True], [False] * 4, [False] * 4])
    t = np.full((3, 4), T0 - 1.0)
    out = {"class": cls, "ALT": alt, "TTOP": t, "DZAA": dz, "DZAA_below": below, "MAGT": t,
           "GT10m": t, "MAAT": t}
    area = np.array([1.0, 2.0, 3.0])
    df = regional_means(out, area, [1979, 1980, 1981, 1982]).set_index("year")
    # changing set: this year's permafrost cells
    assert df.loc[1980, "ALT_m"] == pytest.approx((1 * 1 + 4 * 2) / 3)
    assert df.loc[1982, "ALT_m"] == pytest.approx(3.0)
    # fixed set: only cell 0 is permafrost in every classified year
    assert list(df["ALT_m_fixed"].iloc[1:]) == pytest.approx([1.0, 2.0, 3.0])
    assert np.isnan(df.loc[1979, "ALT_m_fixed"])
    assert (df["n_fixed_ALT"] == 1).all()
    # DZAA: cell 0 loses its DZAA in 1982, so no cell has it in every year: empty fixed set
    assert (df["n_fixed_DZAA"] == 0).all() and df["DZAA_m_fixed"].isna().all()
    assert df.loc[1981, "DZAA_m"] == pytest.approx((11 * 1 + 13 * 2) / 3)
    assert df.loc[1982, "DZAA_m"] != df.loc[1982, "DZAA_m"]  # NaN: cell 0's DZAA is below
    # share of the year's permafrost cells with the DZAA below the column
    assert list(df["DZAA_below_fraction"].iloc[1:]) == [0.0, 0.0, 1.0]
    assert list(df["n_permafrost"]) == [0, 2, 2, 1]
    assert df.loc[1980, "MAAT_degC"] == pytest.approx(-1.0)

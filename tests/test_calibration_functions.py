"""Calibration's pure functions against hand-computed cases (docs/calibration.md): NSE, mean
NSE over depths, Cohen's Kappa, the piecewise-linear convergence threshold with BIC, the
seeded draw of the members."""

from __future__ import annotations

import numpy as np
import pytest

from noahperm.calibration.convergence import draw_members, optimal_sets, segment
from noahperm.calibration.objectives import cohen_kappa, mean_nse, nse


# ------------------------------------------------------------------------------------ NSE
def test_nse_perfect_mean_and_hand_case():
    o = np.array([1.0, 2.0, 3.0, 4.0])
    assert nse(o, o) == 1.0
    assert nse(o, np.full(4, o.mean())) == pytest.approx(0.0)
    # residuals 1,0,0,-1 -> SSE 2; sum (o - 2.5)^2 = 5 -> 1 - 2/5
    assert nse(o, np.array([2.0, 2.0, 3.0, 3.0])) == pytest.approx(0.6)
    # a constant offset of 1: SSE 4 -> 1 - 4/5
    assert nse(o, o + 1.0) == pytest.approx(0.2)


def test_nse_constant_observations_and_gaps():
    assert np.isnan(nse([2.0, 2.0, 2.0], [1.0, 2.0, 3.0]))     # undefined, not +-inf
    assert np.isnan(nse([1.0], [1.0]))
    o = np.array([1.0, np.nan, 2.0, 3.0, 4.0])
    s = np.array([2.0, 99.0, 2.0, 3.0, np.nan])                 # gaps on either side skipped
    assert nse(o, s) == pytest.approx(1 - 1.0 / 2.0)            # pairs (1,2),(2,2),(3,3)
    with pytest.raises(ValueError):
        nse([1.0, 2.0], [1.0])


def test_mean_nse_over_depths():
    o = np.array([[1.0, 2.0, 3.0, 4.0], [5.0, 5.0, 5.0, 5.0], [0.0, 1.0, 0.0, 1.0]])
    s = np.array([[2.0, 2.0, 3.0, 3.0], [1.0, 2.0, 3.0, 4.0], [0.0, 1.0, 0.0, 1.0]])
    # depth 2 constant -> left out; mean of 0.6 and 1.0
    assert mean_nse(o, s) == pytest.approx(0.8)
    assert np.isnan(mean_nse(np.full((2, 3), np.nan), np.zeros((2, 3))))


# ---------------------------------------------------------------------------------- Kappa
def test_kappa_perfect_inverted_and_hand_case():
    m = np.array([1, 1, 0, 0, 1, 0])
    assert cohen_kappa(m, m) == 1.0
    assert cohen_kappa(m, 1 - m) == pytest.approx(-1.0)       # inverted, balanced classes
    # hand case: ref 1,1,1,0 ; pred 1,1,0,0 -> po = 3/4; pe = (3*2 + 1*2)/16 = 1/2 -> 0.5
    assert cohen_kappa([1, 1, 1, 0], [1, 1, 0, 0]) == pytest.approx(0.5)
    # all predicted permafrost where 3/4 are: po = 3/4, pe = 3/4 -> 0
    assert cohen_kappa([1, 1, 1, 0], [1, 1, 1, 1]) == pytest.approx(0.0)


def test_kappa_constant_maps_and_invalid_cells():
    assert cohen_kappa([1, 1, 1], [1, 1, 1]) == 1.0            # pe = 1: no NaN
    assert cohen_kappa([0, 0], [0, 0]) == 1.0
    # nodata (-1 / NaN) left out on either side
    assert cohen_kappa([1, 0, -1, np.nan, 1], [1, 0, 1, 0, 1]) == 1.0
    assert np.isnan(cohen_kappa([-1, -1], [1, 0]))
    # three classes (permafrost, SFG, unfrozen): identical -> 1
    assert cohen_kappa([0, 1, 2, 2], [0, 1, 2, 2]) == 1.0


# ------------------------------------------------------------------ breakpoints and BIC
def _trajectory(breaks, levels, slopes, n, sd, seed):
    rng = np.random.default_rng(seed)
    y = np.empty(n)
    bounds = [0, *breaks, n]
    for (s, e), a, b in zip(zip(bounds[:-1], bounds[1:], strict=True), levels, slopes,
                            strict=True):
        y[s:e] = a + b * np.arange(e - s)
    return y + rng.normal(0, sd, n)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_breakpoints_found_with_noise(seed):
    # rising from -1 to 0.5 over 40 iterations, then a jump to a plateau at 0.8
    y = _trajectory([40, 70], [-1.0, 0.55, 0.8], [0.0375, 0.0, 0.0], 120, 0.03, seed)
    seg = segment(y, max_breaks=5, min_segment=5)
    assert len(seg.breakpoints) == 2
    assert abs(seg.breakpoints[0] - 40) <= 2 and abs(seg.breakpoints[1] - 70) <= 2
    assert seg.threshold == pytest.approx(0.8, abs=0.03)
    assert min(seg.bic, key=seg.bic.get) == 2
    np.testing.assert_allclose(seg.fitted()[80:], 0.8, atol=0.04)


def test_no_break_in_pure_noise_and_single_break():
    # white noise: BIC finds a (spurious) break in about 4-5 % of the series (n = 80; the
    # break positions are optimised, which BIC does not charge for in full)
    found = [len(segment(np.random.default_rng(s).normal(0.3, 0.05, 80), 4).breakpoints)
             for s in range(40)]
    assert sum(f > 0 for f in found) <= 4
    seg = segment(np.random.default_rng(0).normal(0.3, 0.05, 80), max_breaks=4)
    assert seg.breakpoints == []
    assert seg.threshold == pytest.approx(seg.segments[0]["intercept"])
    y = _trajectory([30], [0.0, 0.9], [0.02, 0.0], 90, 0.02, 7)
    seg = segment(y, max_breaks=4)
    assert len(seg.breakpoints) == 1 and abs(seg.breakpoints[0] - 30) <= 2
    assert seg.threshold == pytest.approx(0.9, abs=0.02)


def test_threshold_is_the_lower_end_of_the_last_segment():
    # a final regime falling from 0.9 to 0.8: the threshold is its fitted end, 0.8, not 0.9
    y = np.concatenate([np.linspace(0.0, 0.4, 20), np.linspace(0.9, 0.8, 20)])
    seg = segment(y, max_breaks=3)
    assert seg.breakpoints == [20]
    assert seg.threshold == pytest.approx(0.8)
    assert optimal_sets(y, seg.threshold).size == 20


def test_exact_piecewise_line_and_min_segment():
    y = np.concatenate([np.linspace(0, 0.5, 20), np.full(20, 1.0)])
    seg = segment(y, max_breaks=3, min_segment=5)
    assert seg.breakpoints == [20]
    assert seg.threshold == pytest.approx(1.0)
    assert all(s["stop"] - s["start"] >= 5 for s in seg.segments)
    with pytest.raises(ValueError):
        segment([1.0, np.nan, 2.0])


def test_optimal_sets_and_seeded_draw():
    y = np.linspace(0, 1, 40)
    opt = optimal_sets(y, 0.5)
    assert opt[0] == 20 and opt.size == 20
    a, how = draw_members(opt, y, 13, seed=42)
    b, _ = draw_members(opt, y, 13, seed=42)
    c, _ = draw_members(opt, y, 13, seed=43)
    assert how == "random" and len(set(a)) == 13 and set(a) <= set(opt)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    few, how = draw_members(optimal_sets(y, 0.9), y, 13, seed=42)
    assert how == "best" and sorted(few) == list(range(27, 40))


# ------------------------------------------------------------ parameter sets (Table S1)
def _domain(veg, soil_rows):
    import xarray as xr

    sld = np.array([0.045, 0.046, 0.075, 0.123, 0.204, 0.336, 0.554, 0.913, 0.904,
                    1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0])
    n = len(veg)
    return xr.Dataset({"vegetation": ("cell", np.asarray(veg)),
                       "soil_class": (("cell", "layer"), np.asarray(soil_rows)),
                       "sldpth": ("layer", sld)},
                      coords={"cell": np.arange(n)})


def test_parameter_sets_follow_the_targets_predominant_classes():
    """The paper's counts: 12 parameters at a site whose top 3 m hold three soil classes,
    26 over a region with four predominant vegetation and five soil classes."""
    from noahperm.calibration.targets import PAPER_PARAMETERS, parameter_keys

    # layer tops 0, .045, ... : top 3 m = layers 1-8 (tops < 3 m), thickness 2.296 m
    site = [7] * 4 + [12] * 2 + [3] * 2 + [13] * 10
    veg = [7] * 30 + [19] * 25 + [10] * 20 + [18] * 15 + [24] * 2   # 24: 2 % (not predominant)
    soils = ([[1] * 18] * 20 + [[2] * 18] * 20 + [[3] * 18] * 20 + [[7] * 18] * 20
             + [[12] * 18] * 10 + [[16] * 18] * 2)
    dom = _domain(veg + [7], soils + [site])
    keys = parameter_keys(PAPER_PARAMETERS, dom, [len(veg)], min_share=0.1, soil_depth_m=3.0)
    assert len(keys) == 12
    # layers with tops above 3 m: 1-9 (3.2 m); by share of that thickness: sandy loam 1.47 m,
    # clay loam 0.90 m (layer 9), sand 0.54 m; loam 0.29 m (9 %) is below the 10 % share
    assert [k for k in keys if k.startswith("MAXSMC")] == ["MAXSMC@3", "MAXSMC@13", "MAXSMC@12"]
    assert "ALBEDOMIN@7" in keys and "SBETA" in keys and "TBOT" in keys
    region = list(range(len(veg)))
    keys = parameter_keys(PAPER_PARAMETERS, dom, region, min_share=0.1, soil_depth_m=3.0)
    assert len(keys) == 26
    assert sorted(int(k.split("@")[1]) for k in keys if k.startswith("EMISSMAX")) == [7, 10, 18, 19]
    assert sorted(int(k.split("@")[1]) for k in keys if k.startswith("MAXSMC")) == [1, 2, 3, 7, 12]


def test_physical_values_and_default_grid():
    from noahperm.calibration.targets import default_grid, physical_values

    keys = ["SBETA", "CZIL", "TBOT", "MAXSMC@7", "EMISSMAX@7"]
    v = physical_values(keys, np.array([[0.0, 0.25, 0.5, 1.0, 0.0]]))[0]
    np.testing.assert_allclose(v, [-3.0, 0.25, 0.0, 0.1, -0.1])
    g = default_grid(keys, 100)
    assert list(g[2:]) == [50, 50, 50]          # offsets and relative changes: 0
    assert g[1] == 10                           # CZIL 0.1 (GENPARM) in 0..1
    assert g[0] == 50                           # SBETA -2.0 in -3..-1


def test_calibration_reads_the_sensitivity_stages_selected_set(tmp_path):
    import json

    from noahperm.calibration.stage import calibration_parameters
    from noahperm.core.errors import InputError

    sel = tmp_path / "selected.json"
    sel.write_text(json.dumps({"parameters": ["FXEXP", "CZIL"], "source": "ranking"}))
    assert calibration_parameters({"parameters": "selected"}, sel) == ["FXEXP", "CZIL"]
    assert calibration_parameters({"parameters": ["TBOT"]}, sel) == ["TBOT"]
    for bad in ("{", json.dumps({"ranking": ["X"]}), json.dumps({"parameters": []})):
        sel.write_text(bad)
        with pytest.raises(InputError):
            calibration_parameters({"parameters": "selected"}, sel)
    with pytest.raises(InputError, match="does not exist"):
        calibration_parameters({"parameters": "selected"}, tmp_path / "none.json")

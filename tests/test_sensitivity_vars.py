"""STAR-VARS through varstool's offline path (noahperm.sensitivity.vars) on analytic functions,
and the paper's ranking rule (noahperm.sensitivity.ranking) on constructed IVARS tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from noahperm.sensitivity import ivars_of_function
from noahperm.sensitivity.ranking import competition_ranks, rank_table, selection, top_count
from noahperm.sensitivity.vars import analyse, n_samples, star_design


def trapezoid_ivars(gamma, H, dh):
    """IVARS_H as VARS integrates it: the integral from 0 to H of the broken line through
    gamma(0) = 0, gamma(dh), gamma(2 dh), ... (trapezoids; H need not be a multiple of dh)."""
    k = int(np.ceil(H / dh - 1e-9))
    knots = np.arange(k + 1) * dh
    g = np.array([gamma(x) for x in knots])
    x = np.unique(np.append(knots[knots < H], H))
    y = np.interp(x, knots, g)
    return float(np.sum(0.5 * (y[1:] + y[:-1]) * np.diff(x)))


def test_design_size_and_structure():
    d = star_design(["a", "b", "c", "d"], stars=3, delta_h=0.25, seed=7)
    assert d.samples.shape == (n_samples(4, 3, 0.25), 4) == (3 * (4 * 3 + 1), 4)
    assert n_samples(30, 100, 0.1) == 27_100  # the paper's design
    assert ((d.samples >= 0) & (d.samples < 1)).all()
    # every non-centre sample differs from its centre in exactly its own dimension
    for s in range(d.samples.shape[0]):
        diff = d.samples[s] != d.centres[d.sample_centre[s]]
        assert diff.sum() == (0 if d.sample_param[s] < 0 else 1)
        if d.sample_param[s] >= 0:
            assert diff[d.sample_param[s]]
    # seeded: the same design again, another seed another one
    again = star_design(["a", "b", "c", "d"], stars=3, delta_h=0.25, seed=7)
    np.testing.assert_array_equal(again.samples, d.samples)
    other = star_design(["a", "b", "c", "d"], stars=3, delta_h=0.25, seed=8)
    assert not np.array_equal(other.samples, d.samples)


def test_linear_function_closed_form():
    """y = sum a_i x_i on [lo_i, hi_i]: a pair h apart (normalised) along i differs by
    a_i w_i h (w_i = hi_i - lo_i) wherever it lies, so gamma_i(h) = a_i^2 w_i^2 h^2 / 2 exactly,
    and varstool's trapezoids of width dh give
    IVARS_H = a_i^2 w_i^2 / 2 (H^3/3 + H dh^2/6) (the trapezoid rule's error on h^2)."""
    a = np.array([1.0, -2.0, 0.5, 0.0])
    bounds = np.array([[0.0, 1.0], [0.0, 2.0], [-1.0, 3.0], [5.0, 6.0]])
    w = bounds[:, 1] - bounds[:, 0]
    for dh in (0.1, 0.25, 0.5):
        res = ivars_of_function(lambda x: x @ a, bounds, stars=4, delta_h=dh, seed=11)
        for H, col in ((0.1, "IVARS10"), (0.3, "IVARS30"), (0.5, "IVARS50")):
            expect = [trapezoid_ivars(lambda h, i=i: 0.5 * (a[i] * w[i] * h) ** 2, H, dh)
                      for i in range(4)]
            if abs(H / dh - round(H / dh)) < 1e-9:  # H on the grid: the closed form
                np.testing.assert_allclose(
                    expect, 0.5 * a**2 * w**2 * (H**3 / 3 + H * dh**2 / 6), rtol=1e-12)
            np.testing.assert_allclose(res[col].to_numpy(), expect, rtol=1e-9, atol=1e-15)
        assert res.loc["x4", "IVARS50"] == 0.0  # no effect: exactly zero


def ishigami(x, a=7.0, b=0.1):
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_gamma(h, a=7.0, b=0.1, n=20_001):
    """The directional variograms of the Ishigami function on [-pi, pi]^3 at normalised lag h,
    by quadrature of gamma_i(h) = 1/2 E[(f(x + h e_i) - f(x))^2], the pair's lower end
    uniform on [0, 1 - h] and the other coordinates uniform (as the star design samples it):
    gamma_1 = 1/2 E[(sin u' - sin u)^2] E[(1 + b z^4)^2],
    gamma_2 = 1/2 a^2 E[(sin^2 u' - sin^2 u)^2],
    gamma_3 = 1/2 E[sin^2 x] b^2 E[(z'^4 - z^4)^2]."""
    if h == 0:
        return np.zeros(3)
    u = np.linspace(0.0, 1.0 - h, n)
    x0, x1 = -np.pi + 2 * np.pi * u, -np.pi + 2 * np.pi * (u + h)
    z = np.linspace(-np.pi, np.pi, n)
    mean = np.mean  # dense uniform grids
    g1 = 0.5 * mean((np.sin(x1) - np.sin(x0)) ** 2) * mean((1 + b * z**4) ** 2)
    g2 = 0.5 * a * a * mean((np.sin(x1) ** 2 - np.sin(x0) ** 2) ** 2)
    g3 = 0.5 * mean(np.sin(z) ** 2) * b * b * mean((x1**4 - x0**4) ** 2)
    return np.array([g1, g2, g3])


def test_ishigami_against_quadrature():
    dh = 0.1
    bounds = np.array([[-np.pi, np.pi]] * 3)
    res = ivars_of_function(ishigami, bounds, stars=400, delta_h=dh, seed=2024)
    for H, col in ((0.1, "IVARS10"), (0.3, "IVARS30"), (0.5, "IVARS50")):
        expect = [trapezoid_ivars(lambda h, i=i: ishigami_gamma(h)[i], H, dh) for i in range(3)]
        np.testing.assert_allclose(res[col].to_numpy(), expect, rtol=0.12)
    # the known ordering at the 50 % scale: x1 > x2 > x3 (Razavi and Gupta 2016)
    r = res["IVARS50"]
    assert r["x1"] > r["x2"] > r["x3"] > 0


def test_analyse_rejects_bad_responses():
    d = star_design(["a", "b"], stars=2, delta_h=0.5, seed=1)
    with pytest.raises(ValueError, match="not finite"):
        analyse(d, np.full(d.samples.shape[0], np.nan))
    with pytest.raises(ValueError, match="responses for"):
        analyse(d, np.zeros(3))


def test_bootstrap_is_seeded():
    d = star_design(["a", "b", "c"], stars=6, delta_h=0.25, seed=3)
    y = ishigami(-np.pi + 2 * np.pi * d.samples)
    r1 = analyse(d, y, bootstrap_size=20)
    r2 = analyse(d, y, bootstrap_size=20)
    pd.testing.assert_frame_equal(r1.ivars_lb, r2.ivars_lb)
    pd.testing.assert_frame_equal(r1.rank_reliability, r2.rank_reliability)
    assert ((r1.ivars_lb <= r1.ivars + 1e-12) | (r1.ivars_ub >= r1.ivars - 1e-12)).all().all()
    assert ((r1.rank_reliability >= 0) & (r1.rank_reliability <= 1)).all().all()


# ------------------------------------------------------------------------------ ranking
def test_competition_ranks_ties():
    np.testing.assert_array_equal(competition_ranks([5.0, 3.0, 3.0, 1.0]), [1, 2, 2, 4])
    np.testing.assert_array_equal(competition_ranks([0.0, 0.0, 2.0]), [2, 2, 1])
    with pytest.raises(ValueError):
        competition_ranks([1.0, np.nan])


def test_top_count_rounding():
    assert top_count(18, 0.3, "round") == 5  # 5.4
    assert top_count(18, 0.3, "floor") == 5
    assert top_count(18, 0.3, "ceil") == 6
    assert top_count(5, 0.3, "round") == 2  # 1.5 rounds half up
    assert top_count(3, 0.1, "floor") == 1  # at least one rank
    with pytest.raises(ValueError):
        top_count(18, 0.3, "banker")


def test_rank_table_scores_and_rounding_matters():
    """Constructed: 12 parameters, 18 responses. P10 is first in 5 responses and last in the
    rest; P11 is 2nd in six. With 5 ranks P10 scores 5 and beats P11 (10); with 6 ranks
    P10 scores 5 + 12 = 17 and P11 12: the rounding of 30 % of 18 decides between them."""
    names = [f"P{i}" for i in range(12)]
    rng = np.random.default_rng(0)
    base = rng.uniform(0.0, 1.0, (12, 18)) * np.arange(12, 0, -1)[:, None] * 0.01
    iv = pd.DataFrame(base, index=names, columns=[f"r{j}" for j in range(18)])
    iv.loc["P10"] = -1.0  # last everywhere ...
    iv.loc["P10", iv.columns[:5]] = 100.0  # ... but first in five responses
    iv.loc["P11"] = -0.5  # next to last everywhere ...
    iv.loc["P11", iv.columns[5:11]] = 50.0  # ... but second in six others
    iv.loc["P0", iv.columns[5:11]] = 1000.0
    t5 = rank_table(iv, share=0.3, rounding="round", n_selected=10)
    t6 = rank_table(iv, share=0.3, rounding="ceil", n_selected=10)
    assert t5.loc["P10", "score"] == 5 and t5.loc["P11", "score"] == 10
    assert t6.loc["P10", "score"] == 5 + 12 and t6.loc["P11", "score"] == 12
    assert t5.loc["P10", "overall"] < t5.loc["P11", "overall"]
    assert t6.loc["P10", "overall"] > t6.loc["P11", "overall"]
    assert t5["selected"].sum() == 10 and len(selection(t5)) == 10
    assert sorted(t5["overall"]) == list(range(1, 13))


def test_rank_table_ties_in_score_broken_by_rank_sum_then_order():
    iv = pd.DataFrame({"r1": [3.0, 2.0, 2.0, 1.0], "r2": [3.0, 2.0, 2.0, 1.0]},
                      index=["A", "B", "C", "D"])
    t = rank_table(iv, share=0.5, rounding="round", n_selected=2)
    assert list(t["r1"]) == [1, 2, 2, 4]
    assert list(t["overall"]) == [1, 2, 3, 4]  # B and C tie in everything: input order
    assert selection(t) == ["A", "B"]


# ------------------------------------------------------------------------- the model space
def test_space_is_table_1():
    from noahperm.model.parameters import PARAMETERS, check_value
    from noahperm.sensitivity import space
    from noahperm.sensitivity.sizes import N_PARAMETERS, n_chunks

    assert len(PARAMETERS) == N_PARAMETERS == len(space.NAMES)
    assert set(space.PAPER_TOP10) <= set(space.NAMES)
    x = np.array([[0.0] * 30, [0.5] * 30, [0.999] * 30])
    phys = space.physical(x)
    np.testing.assert_array_equal(phys[0], space.LOWER)
    for row in phys:
        s = space.parameter_set(row, vegetation_classes=[7, 19, 7], soil_class=7)
        assert s["SBETA"] == row[0] and s["TBOT"] == row[-1]
        assert s["ALBEDOMAX@7"] == s["ALBEDOMAX@19"]
        assert "MAXSMC@7" in s and not any(k.startswith("REFSMC") for k in s)
        assert len(s) == 11 + 1 + 2 * 13 + 5  # 11 universal, TBOT, 13 per veg class, 5 soil
        for key, value in s.items():
            check_value(key, value)
    assert n_chunks({"stars": 100, "delta_h": 0.1, "chunk_samples": 100}) == 271
    assert n_chunks({"stars": 3, "delta_h": 0.5, "chunk_samples": 24}) == 4

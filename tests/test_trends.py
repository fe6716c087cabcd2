"""Trends stage: CI and t against scipy, Mann-Kendall/Sen on constructed series, period edges,
ensemble series and Table 3 on constructed members (docs/results.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pymannkendall as mk
import pytest
from scipy import stats

from noahperm.trends.stage import ensemble_series, series_trends, table3, table3_markdown
from noahperm.trends.stats import (
    DEFAULT_PERIODS,
    in_period,
    mean_ci,
    mk_trend,
    period_trends,
    sens_slope,
    significance_mark,
    t_critical,
)


@pytest.mark.parametrize("n", [2, 3, 5, 13, 30])
def test_t_critical_is_scipys(n):
    assert t_critical(n) == pytest.approx(stats.t.ppf(0.975, n - 1), rel=1e-12)


def test_t_critical_for_13_members_is_the_papers():
    assert round(t_critical(13), 3) == 2.179


def test_no_interval_for_one_member():
    assert np.isnan(t_critical(1))
    mean, half, n = mean_ci(np.array([[3.0], [np.nan]]), axis=0)
    assert mean[0] == 3.0 and np.isnan(half[0]) and n[0] == 1


@pytest.mark.parametrize("n", [2, 4, 13])
def test_ci_matches_scipy_interval(n):
    x = np.random.default_rng(n).normal(5.0, 2.0, size=n)
    mean, half, k = mean_ci(x[:, None], axis=0)
    lo, hi = stats.t.interval(0.95, n - 1, loc=x.mean(), scale=stats.sem(x))
    assert k[0] == n
    assert mean[0] == pytest.approx(x.mean())
    assert mean[0] - half[0] == pytest.approx(lo) and mean[0] + half[0] == pytest.approx(hi)


def test_ci_by_hand():
    # x = 1, 2, 3: mean 2, s = 1, n = 3, t(0.975, 2) = 4.302652729911275
    mean, half, _ = mean_ci(np.array([1.0, 2.0, 3.0]), axis=0)
    assert float(mean) == 2.0
    assert float(half) == pytest.approx(4.302652729911275 / np.sqrt(3.0))


@pytest.mark.parametrize(("p", "mark"), [(0.0009, "***"), (0.001, "**"), (0.0099, "**"),
                                         (0.01, "*"), (0.049, "*"), (0.05, "NS"), (0.6, "NS"),
                                         (np.nan, "NS")])
def test_marks(p, mark):
    assert significance_mark(p) == mark


def test_period_edges():
    years = np.arange(1979, 2019)
    cr1, cr2, cr = (in_period(years, DEFAULT_PERIODS[k]) for k in ("CR1", "CR2", "CR"))
    assert 1997 in years[cr1] and 1997 not in years[cr2]
    assert 1998 in years[cr2] and 1998 not in years[cr1]
    assert years[cr1][0] == 1980 and years[cr2][-1] == 2018
    assert cr1.sum() == 18 and cr2.sum() == 21 and cr.sum() == 39
    assert not (cr1 & cr2).any() and ((cr1 | cr2) == cr).all()


def test_known_slope_is_found_and_significant():
    years = np.arange(1980, 2019)
    noise = 0.05 * np.sin(np.arange(years.size) * 2.3)  # small, deterministic
    x = -4.44e3 * (years - 1980) + noise                # -44.4e3 per decade
    r = mk_trend(years, x)
    assert r["slope_per_decade"] == pytest.approx(-44.4e3, rel=1e-4)
    assert r["p"] < 0.001 and r["mark"] == "***" and r["n"] == 39


def test_known_non_significant_case():
    # a symmetric zig-zag around a constant: S = 0 by construction
    years = np.arange(1980, 1990)
    x = np.array([1.0, 3.0, 2.0, 4.0, 0.0, 5.0, 1.5, 3.5, 2.5, 2.8])
    r = mk_trend(years, x)
    assert r["p"] == pytest.approx(mk.original_test(x).p)
    assert r["p"] > 0.05 and r["mark"] == "NS"


def test_slope_equals_pymannkendalls_without_gaps():
    rng = np.random.default_rng(1)
    x = np.cumsum(rng.normal(size=25))
    assert sens_slope(np.arange(25), x) == pytest.approx(mk.original_test(x).slope)


def test_sens_slope_uses_the_years_when_some_are_missing():
    years = np.array([2000, 2001, 2005, 2006, 2010])
    assert sens_slope(years, 0.3 * years) == pytest.approx(0.3)


def test_period_trends_split_at_the_edges():
    years = np.arange(1980, 2019)
    x = np.where(years <= 1997, 0.05 * (years - 1980), 0.9 - 0.02 * (years - 1997))
    res = period_trends(years, x)
    assert res["CR1"]["slope_per_decade"] == pytest.approx(0.5)
    assert res["CR2"]["slope_per_decade"] == pytest.approx(-0.2)
    assert res["CR1"]["n"] == 18 and res["CR2"]["n"] == 21


def _member(offset):
    years = np.arange(1980, 2019)
    return pd.DataFrame({"year": years,
                         "permafrost_area_km2": 1.0e5 - 1.0e3 * (years - 1980) + offset,
                         "sfg_area_km2": 5.0e4 + 1.0e3 * (years - 1980) - offset,
                         "ALT_m": 2.0 + 0.01 * (years - 1980) + offset * 1e-3,
                         "MAAT_degC": -4.0 + 0.039 * (years - 1980)})


def test_ensemble_series_and_table3():
    members = [_member(o) for o in (-100.0, 0.0, 100.0)]
    s = ensemble_series(members)
    a = s[(s.variable == "permafrost_area_km2") & (s.year == 1980)].iloc[0]
    assert a["mean"] == pytest.approx(1.0e5) and a["n"] == 3
    assert a["ci"] == pytest.approx(stats.t.ppf(0.975, 2) * 100.0 / np.sqrt(3))
    s.insert(0, "experiment", "X")
    t = series_trends(s)
    t.insert(0, "experiment", "X")
    cr = t[(t.variable == "permafrost_area_km2") & (t.period == "CR")].iloc[0]
    assert cr["slope_per_decade"] == pytest.approx(-1.0e4) and cr["mark"] == "***"
    maat = t[(t.variable == "MAAT_degC") & (t.period == "CR")].iloc[0]
    assert maat["slope_per_decade"] == pytest.approx(0.39)
    tab = table3(s, t)
    row = tab[(tab.variable == "ALT_m") & (tab.period == "CR")].iloc[0]
    assert row["value_2018"] == pytest.approx(2.38) and row["n_members"] == 3
    md = table3_markdown(tab)
    assert "permafrost area [1e3 km2] | X | CR | -10 |" in md


def test_one_member_has_no_ci():
    s = ensemble_series([_member(0.0)])
    assert s["ci"].isna().all() and (s["n"] == 1).all()


def test_batch_mann_kendall_equals_pymannkendall_with_ties_and_gaps():
    from noahperm.trends.stats import mk_batch

    rng = np.random.default_rng(7)
    years = np.arange(1980, 2019)
    x = np.round(np.cumsum(rng.normal(size=(40, years.size)), axis=1), 1)  # many ties
    x[5, [3, 10, 11]] = np.nan                                             # gaps
    x[6] = 2.0                                                             # constant
    slope, p = mk_batch(years, x, block=16)
    for r in range(x.shape[0]):
        ref = mk_trend(years, x[r], min_years=3)
        assert slope[r] == pytest.approx(ref["slope_per_decade"], abs=1e-12), r
        assert p[r] == pytest.approx(ref["p"], abs=1e-12), r
    ok = np.isfinite(x[5])
    assert p[5] == pytest.approx(mk.original_test(x[5][ok]).p, abs=1e-12)


def test_ci_of_identical_members_is_exactly_zero():
    """Members sharing a value (MAAT: the same forcing) have a half-width of exactly 0, not the
    rounding of their mean (Table 3 showed ± 5.6e-16)."""
    v = np.full((13, 3), -4.476923076923077)
    v[:, 2] = [0.1] * 12 + [np.nan]
    mean, half, n = mean_ci(v, axis=0)
    assert np.array_equal(half, [0.0, 0.0, 0.0]) and np.array_equal(n, [13, 13, 12])
    assert np.array_equal(mean[:2], v[0, :2])
    w = np.array([[1.0, 2.0], [1.0, 4.0]])
    assert mean_ci(w, axis=0)[1][1] > 0 and mean_ci(w, axis=0)[1][0] == 0.0

"""Validation stage: observed ALT/TTOP/GT10m from constructed daily profiles (a year with gaps,
a site whose deepest sensor is above the permafrost table), cell averaging, exclusion of the
calibration site, RMSE/MBE and the ranking (docs/results.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from noahperm.validation.observed import alt_ttop, annual_stats, derive_observed
from noahperm.validation.stage import (
    cell_pairs,
    experiment_metrics,
    ranking,
    rate_pairs,
    site_identifiers,
)


def _daily(site, depths_amp_mean, year, drop=None):
    """Daily means T(z, d) = mean(z) + amp(z) sin(2 pi (d - 110) / n) of one year: the annual
    maximum is mean + amp (day 201), the annual mean is mean (a whole number of periods)."""
    days = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
    n = len(days)
    phase = np.sin(2 * np.pi * (np.arange(n) - 110) / n)
    rows = []
    for z, (amp, mean) in depths_amp_mean.items():
        v = mean + amp * phase
        keep = np.ones(n, bool)
        if drop is not None:
            keep[drop] = False
        rows.append(pd.DataFrame({"site": site, "kind": "active_layer", "depth_m": z,
                                  "time": days[keep], "value_degC": v[keep]}))
    return pd.concat(rows, ignore_index=True)


# Tmax: 0.5 m -> +6, 1.0 m -> +2, 2.0 m -> -2; Tmean: -1, -1.5, -2.5 [degC]
PROFILE = {0.5: (7.0, -1.0), 1.0: (3.5, -1.5), 2.0: (0.5, -2.5)}


def test_alt_and_ttop_by_hand():
    obs = _daily("S1", PROFILE, 2011)
    out = derive_observed(obs).iloc[0]
    # Tmax crosses 0 between 1.0 m (+2) and 2.0 m (-2): ALT = 1.5 m; TTOP = -2.0 degC there
    assert out["alt_status"] == "ok"
    assert out["ALT_m"] == pytest.approx(1.5, abs=1e-3)
    assert out["TTOP_degC"] == pytest.approx(-2.0, abs=2e-3)
    assert np.isnan(out["GT10m_degC"])  # the sensors do not reach 10 m


def test_deepest_sensor_above_the_permafrost_table():
    shallow = {0.5: (7.0, 1.0), 1.0: (3.5, 0.5)}  # both thaw: the table lies below 1 m
    out = derive_observed(_daily("S2", shallow, 2012)).iloc[0]
    assert out["alt_status"] == "below_deepest"
    assert np.isnan(out["ALT_m"]) and np.isnan(out["TTOP_degC"])


def test_top_sensor_frozen_all_year():
    a, t, status = alt_ttop([0.5, 1.0], [-0.5, -1.0], [-3.0, -3.0])
    assert status == "above_top" and np.isnan(a) and np.isnan(t)


def test_a_year_with_a_summer_gap_is_left_out():
    # 2013: 30 missing days around the summer maximum (days 180-209); 2014 complete
    gap = _daily("S3", PROFILE, 2013, drop=np.arange(180, 210))
    full = _daily("S3", PROFILE, 2014)
    stats = annual_stats(pd.concat([gap, full]), min_coverage=0.9, max_gap_days=15)
    y13 = stats[stats.year == 2013]
    assert (y13["longest_gap"] == 30).all() and not y13["complete"].any()
    assert stats[stats.year == 2014]["complete"].all()
    out = derive_observed(pd.concat([gap, full]), max_gap_days=15)
    assert list(out["year"]) == [2014]
    # with a tolerance above the gap the year counts (coverage 335/365 = 0.918)
    assert list(derive_observed(pd.concat([gap, full]), max_gap_days=30)["year"]) == [2013, 2014]


def test_a_gap_at_the_start_of_the_year_counts_as_a_gap():
    late = _daily("S4", PROFILE, 2015, drop=np.arange(0, 20))
    s = annual_stats(late, max_gap_days=15)
    assert (s["longest_gap"] == 20).all() and not s["complete"].any()


def test_gt10m_from_boreholes_is_interpolated_not_extrapolated():
    bh = pd.DataFrame({"site": "B1", "kind": "borehole", "depth_m": [6.0, 14.0, 6.0, 8.0],
                       "time": pd.to_datetime(["2010-01-01"] * 2 + ["2011-01-01"] * 2),
                       "value_degC": [-1.0, -2.0, -1.0, -1.2]})
    out = derive_observed(bh).set_index("year")
    assert out.loc[2010, "GT10m_degC"] == pytest.approx(-1.5)
    assert np.isnan(out.loc[2011, "GT10m_degC"])  # deepest sensor 8 m


def test_site_identifiers():
    assert {"QT04", "TGL"} <= site_identifiers("QT04", "QT04 (TGL)")
    assert "TSH" in site_identifiers("TSHAL", "TSH")


def _observed():
    # two sites in cell 7 (averaged), one in cell 9 (the calibration site TGL)
    return pd.DataFrame({
        "site": ["A", "B", "A", "B", "QT04"], "year": [2010, 2010, 2011, 2011, 2010],
        "ALT_m": [1.0, 2.0, 1.2, 2.2, 3.0], "TTOP_degC": np.nan, "GT10m_degC": np.nan,
        "cell": [7, 7, 7, 7, 9], "cell_status": "ok", "region": "",
        "location_name": ["A", "B", "A", "B", "QT04 (TGL)"]})


def test_cell_averaging_exclusion_and_metrics():
    cells, years = np.array([7, 9]), np.array([2010, 2011])
    fields = {"ALT": np.array([[1.0, 2.0], [2.5, 2.5]])}
    p = cell_pairs(_observed(), fields, cells, years, "ALT")
    assert list(p["site"]) == ["A+B", "A+B", "QT04"]
    assert list(p["observed"]) == pytest.approx([1.5, 1.7, 3.0])
    rows = pd.DataFrame(experiment_metrics("X", {"ALT": p}, {}))
    net = rows[rows.scale == "network"].iloc[0]
    d = np.array([1.0 - 1.5, 2.0 - 1.7, 2.5 - 3.0])
    assert net["n"] == 3 and net["rmse"] == pytest.approx(np.sqrt(np.mean(d ** 2)))
    assert net["mbe"] == pytest.approx(d.mean())
    q = cell_pairs(_observed(), fields, cells, years, "ALT", exclude=["TGL"])
    assert "QT04" not in set(q["site"])


def test_rates_and_ranking():
    years = np.arange(2005, 2015)
    p = pd.DataFrame({"site": "A", "cell": 1, "region": "R", "year": years,
                      "observed": 0.02 * (years - 2005), "model": 0.05 * (years - 2005)})
    r = rate_pairs(p, 5)
    assert r.iloc[0]["observed"] == pytest.approx(0.2) and r.iloc[0]["model"] == pytest.approx(0.5)
    assert rate_pairs(p.iloc[:4], 5).empty
    m = pd.DataFrame([
        {"experiment": "E1", "variable": "ALT", "scale": "site", "site": "A", "n": 3, "rmse": 0.5, "mbe": 0},
        {"experiment": "E2", "variable": "ALT", "scale": "site", "site": "A", "n": 3, "rmse": 0.2, "mbe": 0},
        {"experiment": "E2", "variable": "GT10m", "scale": "region", "site": "R", "n": 2, "rmse": 1.0, "mbe": 0},
    ])
    rk = ranking(m, ["E1", "E2", "E3"]).set_index(["variable", "experiment"])
    assert rk.loc[("ALT", "E2"), "rank"] == 1 and rk.loc[("ALT", "E1"), "rank"] == 2
    assert np.isnan(rk.loc[("ALT", "E3"), "rank"])
    assert rk.loc[("GT10m", "E2"), "rank"] == 1

"""Figures 9 and 10 (noahperm.figures.thermal_trends, relative_to_calimap): their data logic on
constructed series (relative differences, the stippling mask, the change periods' Sen lines,
the grid of the maps), the figures written with units in their labels, and Figure 10 in the
DAG only when CaliMAP is an experiment of the members table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from noahperm.core.errors import InputError
from noahperm.figures import relative_to_calimap as fig10
from noahperm.figures import thermal_trends as fig9
from noahperm.figures.style import unit_text
from noahperm.trends.stage import series_trends
from noahperm.trends.stats import DEFAULT_PERIODS

REPO = Path(__file__).resolve().parents[1]
YEARS = np.arange(1980, 2019)


# ------------------------------------------------------------------ Figure 10: the numbers
def test_relative_difference():
    d = fig10.relative_difference([110.0, 90.0, -1.0, -3.0, 5.0, np.nan, 1.0],
                                  [100.0, 100.0, -2.0, -2.0, 0.0, 1.0, np.nan])
    # (X - R) / |R|: -1 is warmer than -2 (+50 %), -3 colder (-50 %); R = 0 or NaN: undefined
    np.testing.assert_allclose(d[:4], [10.0, -10.0, 50.0, -50.0])
    assert np.isnan(d[4:]).all()


def _series(experiment, values: dict, years=YEARS):
    return pd.DataFrame([{"experiment": experiment, "variable": v, "year": int(y),
                          "mean": f(y), "ci": np.nan, "n": 1}
                         for v, f in values.items() for y in years])


def _experiments():
    """CaliMAP and two others, linear series with known 2010 values and slopes."""
    base = {"permafrost_area_km2": lambda y: 1000.0 - 2.0 * (y - 1980),
            "ALT_m": lambda y: 2.0 + 0.01 * (y - 1980),
            "TTOP_degC": lambda y: -2.0 + 0.02 * (y - 1980),
            "DZAA_m": lambda y: 8.0 - 0.05 * (y - 1980),
            "MAGT_degC": lambda y: -1.0 + 0.01 * (y - 1980)}
    scaled = {v: (lambda y, f=f: 1.2 * f(y)) for v, f in base.items()}
    shifted = {v: (lambda y, f=f: f(y) + 0.5) for v, f in base.items()}
    series = pd.concat([_series("CaliFree", shifted), _series("CaliTSH", scaled),
                        _series("CaliMAP", base)], ignore_index=True)
    trends = []
    for e, g in series.groupby("experiment", sort=False):
        t = series_trends(g.drop(columns="experiment"), DEFAULT_PERIODS)
        t.insert(0, "experiment", e)
        trends.append(t)
    return series, pd.concat(trends, ignore_index=True)


def test_discrepancies_on_constructed_series():
    series, trends = _experiments()
    tab = fig10.discrepancies(series, trends, 2010)
    assert set(tab["experiment"]) == {"CaliFree", "CaliTSH"}  # not the reference itself
    assert set(tab["metric"]) == {"2010", "CR1", "CR2", "CR"}
    assert set(tab["variable"]) == set(fig10.VARIABLES)
    row = tab.set_index(["experiment", "variable", "metric"])["relative_pct"]
    ref = tab.set_index(["experiment", "variable", "metric"])["reference_value"]
    # 1.2 X: 20 % in every value and every slope, signed as the difference 0.2 X: +20 %
    # where CaliMAP's X > 0, -20 % where it is negative (TTOP in 2010, the area's slopes)
    assert ref[("CaliTSH", "TTOP_degC", "2010")] < 0
    assert ref[("CaliTSH", "permafrost_area_km2", "CR")] < 0
    for v in fig10.VARIABLES:
        for m in ("2010", "CR1", "CR2", "CR"):
            key = ("CaliTSH", v, m)
            assert row[key] == pytest.approx(20.0 * np.sign(ref[key]), abs=1e-9), key
    # X + 0.5: the same slopes (0 %), 2010 values 0.5 / |X_2010|
    alt_2010 = 2.0 + 0.01 * 30
    ttop_2010 = -2.0 + 0.02 * 30
    assert row[("CaliFree", "ALT_m", "2010")] == pytest.approx(100 * 0.5 / alt_2010)
    assert row[("CaliFree", "TTOP_degC", "2010")] == pytest.approx(100 * 0.5 / abs(ttop_2010))
    assert row[("CaliFree", "ALT_m", "CR")] == pytest.approx(0.0, abs=1e-9)
    units = tab.set_index(["experiment", "variable", "metric"])["units"]
    assert units[("CaliTSH", "ALT_m", "2010")] == "m"
    assert units[("CaliTSH", "TTOP_degC", "CR1")] == "degC (10 a)-1"


def test_discrepancies_refuse_a_missing_reference_or_year():
    series, trends = _experiments()
    with pytest.raises(InputError, match="CaliMAP has no value in 2030"):
        fig10.discrepancies(series, trends, 2030)
    no_map = series[series["experiment"] != "CaliMAP"]
    with pytest.raises(InputError, match="no experiment CaliMAP"):
        fig10.discrepancies(no_map, trends, 2010)


# ------------------------------------------------------------------ Figure 9: the numbers
def test_stipple_mask_from_p():
    p = np.array([0.001, 0.049, 0.05, 0.2, np.nan, 1.0])
    assert fig9.stipple_mask(p).tolist() == [True, True, False, False, False, False]
    assert fig9.stipple_mask(p, alpha=0.01).tolist() == [True] + [False] * 5


def test_sen_lines_split_the_periods():
    """A series rising 0.1 a-1 to 1997 and 0.3 a-1 from 1998 (a jump between them): each
    period's line covers its own years only (1997 in CR1, 1998 in CR2) and reproduces its
    piece exactly; CR's line has the slope of the whole series."""
    x = np.where(YEARS <= 1997, 0.1 * (YEARS - 1980), 5.0 + 0.3 * (YEARS - 1998))
    s = pd.DataFrame({"variable": "ALT_m", "year": YEARS, "mean": x, "ci": np.nan, "n": 1})
    t = series_trends(s, DEFAULT_PERIODS).set_index("period")
    assert t.loc["CR1", "slope_per_decade"] == pytest.approx(1.0)
    assert t.loc["CR2", "slope_per_decade"] == pytest.approx(3.0)
    lines = {}
    for per in ("CR1", "CR2", "CR"):
        r = t.loc[per]
        lines[per] = fig9.sen_line(YEARS, x, r["slope_per_decade"], r["first"], r["last"])
    ty, fy = lines["CR1"]
    assert ty[0] == 1980 and ty[-1] == 1997
    np.testing.assert_allclose(fy, x[YEARS <= 1997], atol=1e-12)
    ty, fy = lines["CR2"]
    assert ty[0] == 1998 and ty[-1] == 2018
    np.testing.assert_allclose(fy, x[YEARS >= 1998], atol=1e-12)
    ty, fy = lines["CR"]
    assert len(ty) == len(YEARS)
    assert (fy[-1] - fy[0]) / (ty[-1] - ty[0]) == pytest.approx(
        t.loc["CR", "slope_per_decade"] / 10)
    assert fig9.sen_line(YEARS, x, np.nan, 1980, 1997) is None
    assert fig9.sen_line(YEARS, x, 1.0, 2030, 2040) is None


def test_regular_grid_places_each_cell():
    lon = np.array([90.0, 90.5, 91.0, 90.0, 91.0])
    lat = np.array([33.0, 33.0, 33.0, 33.5, 33.5])
    xe, ye, g = fig9.regular_grid(lon, lat, np.arange(5.0))
    np.testing.assert_allclose(xe, [89.75, 90.25, 90.75, 91.25])
    np.testing.assert_allclose(ye, [32.75, 33.25, 33.75])
    np.testing.assert_array_equal(g, [[0, 1, 2], [3, np.nan, 4]])


def test_unit_text():
    assert unit_text("degC") == "°C"
    assert unit_text("K (10 a)-1") == "°C/decade"
    assert unit_text("m (10 a)-1") == "m/decade"
    assert unit_text("km2") == "km²"


# ----------------------------------------------------------------- the figures, written
def _trend_products(tmp_path: Path, experiment="CaliTGL") -> Path:
    """series.csv, trends.csv and trend_maps.zarr of a 3-member, 4 x 3-cell constructed run,
    written by the trends stage's own functions."""
    from noahperm.core.zarrio import atomic_zarr
    from noahperm.trends.stage import ensemble_series, trend_maps_dataset

    rng = np.random.default_rng(7)
    out = tmp_path / "trends" / experiment
    out.mkdir(parents=True)
    members = []
    for k in range(3):
        members.append(pd.DataFrame({
            "year": YEARS,
            "permafrost_area_km2": 1000.0 - 3 * (YEARS - 1980) + rng.normal(0, 5, YEARS.size),
            "ALT_m": 2.0 + 0.015 * (YEARS - 1980) + rng.normal(0, 0.05, YEARS.size) + 0.1 * k,
            "TTOP_degC": -2.0 + 0.03 * (YEARS - 1980) + rng.normal(0, 0.1, YEARS.size),
            "DZAA_m": 9.0 - 0.05 * (YEARS - 1980) + rng.normal(0, 0.3, YEARS.size),
            "MAGT_degC": -1.0 + 0.01 * (YEARS - 1980) + rng.normal(0, 0.1, YEARS.size)}))
    series = ensemble_series(members)
    series.insert(0, "experiment", experiment)
    series.to_csv(out / "series.csv", index=False)
    trends = series_trends(series, DEFAULT_PERIODS)
    trends.insert(0, "experiment", experiment)
    trends.to_csv(out / "trends.csv", index=False)

    import xarray as xr

    lon, lat = np.meshgrid([90.0, 90.1, 90.2, 90.3], [33.0, 33.1, 33.2])
    ncell = lon.size
    trend = np.linspace(-0.05, 0.05, ncell)[:, None] * (YEARS - 1980)[None, :]
    fields = {v: trend + rng.normal(0, 0.2, (ncell, YEARS.size))
              for v in ("ALT", "TTOP", "DZAA", "MAGT")}
    fields["ALT"][0] = np.nan  # a cell that is never permafrost: no trend
    coords = xr.Dataset(coords={"cell": np.arange(ncell), "year": YEARS,
                                "lon": ("cell", lon.ravel()), "lat": ("cell", lat.ravel())})
    ds = trend_maps_dataset(fields, coords, DEFAULT_PERIODS, 0.8)
    with atomic_zarr(out / "trend_maps.zarr", product="trend_maps") as tmp:
        ds.to_zarr(tmp, mode="w", consolidated=False)
    return out


def test_figure9_written_with_units(tmp_path):
    d = _trend_products(tmp_path)
    png, svg = tmp_path / "fig9.png", tmp_path / "fig9.svg"
    fig9.make_figure(d / "series.csv", d / "trends.csv", d / "trend_maps.zarr", "CaliTGL",
                     "CR", [png, svg])
    assert png.stat().st_size > 50_000
    text = svg.read_text()  # text stays text (svg.fonttype none)
    for label in ("ALT trend [m/decade]", "TTOP trend [°C/decade]", "DZAA trend [m/decade]",
                  "MAGT trend [°C/decade]", "ALT [m]", "TTOP [°C]", "DZAA [m]", "MAGT [°C]",
                  "longitude [°E]", "latitude [°N]", "95 % CI", "CR1 1980-1997",
                  "CR2 1998-2018", "CR 1980-2018", "p &lt; 0.05"):
        assert label in text, label
    with pytest.raises(InputError, match="no period 'CR3'"):
        fig9.make_figure(d / "series.csv", d / "trends.csv", d / "trend_maps.zarr", "CaliTGL",
                         "CR3", [tmp_path / "x.png"])
    assert not (tmp_path / "x.png").exists()


def test_figure10_written_with_units(tmp_path):
    series, trends = _experiments()
    gap = (series["experiment"] == "CaliMAP") & (series["variable"] == "MAGT_degC") & \
        (series["year"] == 2010)
    series.loc[gap, "mean"] = np.nan  # no discrepancy of MAGT in 2010: "n/a"
    paths = {}
    for e in ("CaliFree", "CaliTSH", "CaliMAP"):
        paths[e] = (tmp_path / f"{e}_series.csv", tmp_path / f"{e}_trends.csv")
        series[series["experiment"] == e].to_csv(paths[e][0], index=False)
        trends[trends["experiment"] == e].to_csv(paths[e][1], index=False)
    png, svg, csv = tmp_path / "fig10.png", tmp_path / "fig10.svg", tmp_path / "fig10.csv"
    tab = fig10.make_figure([p[0] for p in paths.values()], [p[1] for p in paths.values()],
                            2010, [png, svg], csv=csv)
    assert png.stat().st_size > 20_000
    back = pd.read_csv(csv)
    assert list(back.columns) == ["experiment", "variable", "metric", "units", "value",
                                  "reference_value", "relative_pct"]
    assert len(back) == len(tab) == 2 * 5 * 4
    magt = back[(back["variable"] == "MAGT_degC") & (back["metric"] == "2010")]
    assert magt["relative_pct"].isna().all() and len(magt) == 2
    text = svg.read_text()
    for label in ("(ALT - CaliMAP) / |CaliMAP| [%]", "CaliMAP 2010: 2.3 m", "km²", "°C", "n/a",
                  "CaliFree", "CaliTSH", "CR1"):
        assert label in text, label


# --------------------------------------------------------------- Figure 10 in the DAG or not
def _dry_run(tmp_path: Path, rows: list[str]) -> str:
    import yaml

    from test_workflow_demo import cmd, tiny_config

    table = tmp_path / "members.tsv"
    table.write_text("experiment\tmember\tparameters\n"
                     + "".join(f"{e}\tdefault\t\n" for e in rows))
    cfg = tiny_config(tmp_path / "tiny.yaml")
    c = yaml.safe_load(cfg.read_text())
    c["members"] = str(table)
    cfg.write_text(yaml.safe_dump(c))
    res = subprocess.run([*cmd(tmp_path, cfg, "-n")], capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, (res.stdout + res.stderr)[-3000:]
    return res.stdout + res.stderr


def test_figure10_only_with_calimap(tmp_path):
    """CaliMAP among the experiments: Figure 10 is a product (and Figure 9 of each
    experiment); without it the rule is not in the DAG."""
    a = tmp_path / "a"
    a.mkdir()
    out = _dry_run(a, ["CaliFree", "CaliMAP"])
    assert "fig10_relative_to_calimap.png" in out and "plot_relative_to_calimap" in out
    assert "fig9_CaliMAP_trends.png" in out and "fig9_CaliFree_trends.png" in out
    b = tmp_path / "b"
    b.mkdir()
    out = _dry_run(b, ["CaliFree"])
    assert "plot_relative_to_calimap" not in out and "fig10" not in out
    assert "fig9_CaliFree_trends.png" in out


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))

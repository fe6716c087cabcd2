"""The trends and validation stages end to end on constructed members (several per experiment:
the ensemble path, which the demo's CaliFree alone does not take)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy import stats

from noahperm.core.zarrio import atomic_zarr, open_complete
from noahperm.trends.stage import run_table3, run_trends
from noahperm.validation.stage import run_validate

YEARS = np.arange(1979, 2019)
CELLS = np.array([3, 5])
T0 = 273.15


def _member(tmp, name, alt_offset):
    """A member: ALT of cell 3 = 2 + 0.01 (year - 1980) + offset, cell 5 never permafrost."""
    y = YEARS - 1980
    alt = np.stack([2.0 + 0.01 * y + alt_offset, np.full(YEARS.size, np.nan)])
    alt[:, 0] = np.nan  # no class in the first year
    gt = np.stack([T0 - 1.0 + 0.02 * y, T0 + 1.0 + 0.0 * y])
    ds = xr.Dataset(
        {"ALT": (("cell", "year"), alt), "TTOP": (("cell", "year"), alt * 0 + T0 - 0.5),
         "GT10m": (("cell", "year"), gt), "DZAA": (("cell", "year"), alt * 0 + 8.0),
         "MAGT": (("cell", "year"), gt), "MAAT": (("cell", "year"), gt - 3.0)},
        coords={"cell": CELLS, "year": YEARS, "lat": ("cell", [33.05, 33.15]),
                "lon": ("cell", [90.05, 90.05]), "area": ("cell", [100.0, 100.0])})
    d = tmp / name
    d.mkdir(parents=True)
    with atomic_zarr(d / "permafrost.zarr", product="permafrost", fsync=False) as t:
        ds.to_zarr(t, mode="w", consolidated=False)
    pd.DataFrame({"year": YEARS, "permafrost_area_km2": 100.0 + alt_offset * 100,
                  "sfg_area_km2": 100.0}).to_csv(d / "area.csv", index=False)
    pd.DataFrame({"year": YEARS, "ALT_m": alt[0], "MAAT_degC": gt[0] - T0 - 3.0}).to_csv(
        d / "regional_means.csv", index=False)
    return d


@pytest.fixture()
def members(tmp_path):
    return {"CaliFree": [_member(tmp_path, "free", 0.0)],
            "CaliTGL": [_member(tmp_path, f"tgl{k}", o) for k, o in enumerate((0.1, 0.3))]}


def test_trends_of_an_ensemble_and_table3(tmp_path, members):
    for e, dirs in members.items():
        run_trends(e, [d / "area.csv" for d in dirs], [d / "regional_means.csv" for d in dirs],
                   [d / "permafrost.zarr" for d in dirs], tmp_path / "trends" / e)
    s = pd.read_csv(tmp_path / "trends/CaliTGL/series.csv")
    a = s[(s.variable == "permafrost_area_km2") & (s.year == 1980)].iloc[0]
    assert a["mean"] == pytest.approx(120.0) and a["n"] == 2
    assert a["ci"] == pytest.approx(stats.t.ppf(0.975, 1) * np.std([110, 130], ddof=1)
                                    / np.sqrt(2))
    t = pd.read_csv(tmp_path / "trends/CaliTGL/trends.csv")
    alt = t[(t.variable == "ALT_m") & (t.period == "CR")].iloc[0]
    assert alt["slope_per_decade"] == pytest.approx(0.1) and alt["mark"] == "***"
    maps = open_complete(tmp_path / "trends/CaliTGL/trend_maps.zarr", product="trend_maps")
    names = maps["period"].attrs["period_names"].split()
    assert names == ["CR1", "CR2", "CR"]
    cr = maps.isel(period=names.index("CR"))
    assert float(cr["ALT_slope"].sel(cell=3)) == pytest.approx(0.1)
    assert np.isnan(float(cr["ALT_slope"].sel(cell=5)))  # never permafrost
    assert float(cr["GT10m_slope"].sel(cell=3)) == pytest.approx(0.2)
    run_table3([tmp_path / f"trends/{e}/series.csv" for e in members],
               [tmp_path / f"trends/{e}/trends.csv" for e in members],
               tmp_path / "t3.csv", tmp_path / "t3.md")
    t3 = pd.read_csv(tmp_path / "t3.csv")
    row = t3[(t3.experiment == "CaliTGL") & (t3.variable == "ALT_m") & (t3.period == "CR")]
    assert row.iloc[0]["value_1980"] == pytest.approx(2.2)
    assert "± " in (tmp_path / "t3.md").read_text()


def test_validate_ensemble_mean_and_exclusion(tmp_path, members):
    years = np.arange(2005, 2015)
    observed = pd.DataFrame({
        "site": ["QT04"] * len(years) + ["B1"] * len(years), "year": np.tile(years, 2),
        "ALT_m": np.r_[2.0 + 0.02 * (years - 1980), np.full(len(years), np.nan)],
        "TTOP_degC": np.nan, "GT10m_degC": np.r_[np.full(len(years), np.nan),
                                                 -0.5 + 0.0 * years],
        "alt_status": "ok", "n_depths": 4, "cell": [3] * (2 * len(years)),
        "cell_status": "ok", "region": [""] * len(years) + ["QTH"] * len(years),
        "location_name": ["QT04 (TGL)"] * len(years) + [""] * len(years)})
    observed.to_csv(tmp_path / "observed.csv", index=False)
    run_validate(tmp_path / "observed.csv",
                 {e: [d / "permafrost.zarr" for d in dirs] for e, dirs in members.items()},
                 tmp_path / "val", exclude={"CaliTGL": ["TGL"]})
    m = pd.read_csv(tmp_path / "val/metrics.csv")
    free = m[(m.experiment == "CaliFree") & (m.variable == "ALT") & (m.scale == "network")]
    d = (2.0 + 0.01 * (years - 1980)) - (2.0 + 0.02 * (years - 1980))
    assert free.iloc[0]["n"] == 10
    assert free.iloc[0]["rmse"] == pytest.approx(np.sqrt(np.mean(d ** 2)))
    assert free.iloc[0]["mbe"] == pytest.approx(d.mean())
    # CaliTGL: its calibration site QT04 (TGL) is left out; GT10m of its ensemble mean stays
    assert m[(m.experiment == "CaliTGL") & (m.variable == "ALT")].empty
    g = m[(m.experiment == "CaliTGL") & (m.variable == "GT10m") & (m.scale == "network")]
    model = -1.0 + 0.02 * (years - 1980)
    assert g.iloc[0]["mbe"] == pytest.approx(np.mean(model + 0.5))
    rate = m[(m.experiment == "CaliFree") & (m.variable == "ALT_rate") & (m.scale == "network")]
    assert rate.iloc[0]["mbe"] == pytest.approx(-0.1)  # 0.1 - 0.2 m per decade
    rk = pd.read_csv(tmp_path / "val/ranking.csv")
    alt = rk[rk.variable == "ALT"].set_index("experiment")
    assert alt.loc["CaliFree", "rank"] == 1 and np.isnan(alt.loc["CaliTGL", "rank"])
    assert set(rk[rk.variable == "GT10m"]["site"]) == {"QTH"}
    pairs = pd.read_csv(tmp_path / "val/pairs.csv")
    assert set(pairs["kind"]) == {"annual", "rate"}


def test_validate_without_observations_writes_empty_tables_and_figures(tmp_path, members):
    from noahperm.figures.validation_ranking import make_figure as fig6
    from noahperm.figures.validation_scatter import make_figure as fig7
    from noahperm.validation.observed import OBSERVED_COLUMNS

    cols = OBSERVED_COLUMNS + ["cell", "cell_status", "region", "location_name"]
    pd.DataFrame(columns=cols).to_csv(tmp_path / "observed.csv", index=False)
    run_validate(tmp_path / "observed.csv",
                 {e: [d / "permafrost.zarr" for d in dirs] for e, dirs in members.items()},
                 tmp_path / "val")
    for name in ("metrics", "ranking", "pairs"):
        assert pd.read_csv(tmp_path / f"val/{name}.csv").empty, name
    fig6(tmp_path / "val/ranking.csv", tmp_path / "f6.png")
    fig7(tmp_path / "val/pairs.csv", "CaliFree", tmp_path / "f7.png")
    assert (tmp_path / "f6.png").stat().st_size > 5000 and (tmp_path / "f7.png").is_file()

"""The ensemble stage on constructed members: votes, permafrost share, per-cell ensemble means
and their CI (hand-computed), the summary store written chunk by chunk with CF attributes, bad
members refused; the warm spin-up start of the calibrated members and its identity."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from noahperm.core.errors import InputError
from noahperm.core.zarrio import atomic_zarr, check_cf_attrs, open_complete
from noahperm.diagnostics.permafrost import PERMAFROST, SFG, UNDEFINED, UNFROZEN
from noahperm.ensemble.stage import MEAN_VARIABLES, change_years, run_summary
from noahperm.ensemble.votes import cell_mean_ci, permafrost_share, votes
from noahperm.trends.stats import mean_ci, t_critical

P, S, U, X = PERMAFROST, SFG, UNFROZEN, UNDEFINED


def test_votes_hand_computed():
    # 4 members (rows) x 5 cells (columns): classes in the first and last year
    first = np.array([[P, P, S, P, X],
                      [P, S, U, P, P],
                      [P, P, S, X, P],
                      [S, P, P, P, P]])
    last = np.array([[S, P, P, U, P],
                     [U, P, U, P, P],
                     [P, S, P, P, P],
                     [S, P, P, S, P]])
    loss, gain, n = votes(first, last)
    # cell 0: members 0, 1 lose; none gains; 4 defined
    # cell 1: member 2 loses, member 1 gains
    # cell 2: members 0, 2 gain (S -> P), member 3 stays permafrost
    # cell 3: members 0, 3 lose; member 2 undefined in the first year
    # cell 4: member 0 undefined; the others stay permafrost
    assert loss.tolist() == [2, 1, 0, 2, 0]
    assert gain.tolist() == [0, 1, 2, 0, 0]
    assert n.tolist() == [4, 4, 4, 3, 3]
    assert np.all(loss + gain <= n)


def test_votes_refuse_mismatched_shapes():
    with pytest.raises(ValueError, match="shape"):
        votes(np.zeros((3, 2), int), np.zeros((2, 2), int))


def test_permafrost_share():
    cls = np.array([[P, S, X], [P, P, X], [U, P, X], [P, X, X]])
    share = permafrost_share(cls)
    assert share[0] == pytest.approx(3 / 4)
    assert share[1] == pytest.approx(2 / 3)
    assert np.isnan(share[2])


def test_cell_mean_ci_hand_computed_and_as_the_trends_stage():
    v = np.array([[1.0, 2.0, np.nan, 5.0],
                  [3.0, np.nan, np.nan, 5.0],
                  [5.0, 4.0, np.nan, 5.0]])
    mean, half, n = cell_mean_ci(v, 0.95)
    assert n.tolist() == [3, 2, 0, 3]
    assert mean[0] == pytest.approx(3.0) and mean[1] == pytest.approx(3.0)
    assert np.isnan(mean[2]) and mean[3] == pytest.approx(5.0)
    # cell 0: s = 2, half = t(2 dof) 2 / sqrt 3; cell 1: s = sqrt 2, t(1 dof)
    assert half[0] == pytest.approx(4.302652729911275 * 2 / np.sqrt(3))
    assert half[1] == pytest.approx(t_critical(2) * np.sqrt(2) / np.sqrt(2))
    assert np.isnan(half[2]) and half[3] == pytest.approx(0.0)
    rng = np.random.default_rng(3)
    w = rng.normal(size=(13, 40, 6))
    w[rng.random(w.shape) < 0.3] = np.nan
    for a, b in zip(cell_mean_ci(w, 0.9), mean_ci(w, axis=0, level=0.9), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, equal_nan=True)


def test_change_years_come_from_the_periods():
    assert change_years(None) == (1980, 2018)
    assert change_years({"CR1": [1981, 1990], "CR": [1982, 1984]}) == (1982, 1984)
    assert change_years({"A": [1981, 1990], "B": [1985, 2001]}) == (1981, 2001)


# ------------------------------------------------------------------- the summary store
CELLS = np.array([3, 7, 8, 12, 20])
YEARS = np.arange(1979, 1985)


def member_store(path, cls, fields, cells=CELLS, years=YEARS):
    """A permafrost.zarr of one constructed member: class (cell, year) and fields."""
    data = {"class": (("cell", "year"), cls.astype(np.int8),
                      {"units": "1", "long_name": "frozen-ground class"})}
    for v in MEAN_VARIABLES:
        data[v] = (("cell", "year"), fields[v], {"units": "m" if v in ("ALT", "DZAA") else "K",
                                                  "long_name": v})
    ds = xr.Dataset(data, coords={
        "cell": ("cell", cells, {"units": "1", "long_name": "cell"}),
        "year": ("year", years, {"units": "a", "long_name": "year"}),
        "lat": ("cell", 33.0 + 0.1 * np.arange(cells.size), {"units": "degrees_north",
                                                               "long_name": "latitude"}),
        "lon": ("cell", 90.0 + 0.1 * np.arange(cells.size), {"units": "degrees_east",
                                                               "long_name": "longitude"}),
        "area": ("cell", np.full(cells.size, 100.0), {"units": "km2", "long_name": "area"})})
    with atomic_zarr(path, product="permafrost", fsync=False) as tmp:
        ds.to_zarr(tmp, mode="w", consolidated=False)
    return path


@pytest.fixture
def members(tmp_path):
    """Three members over 5 cells and 1979-1984; votes between 1980 and 1984."""
    rng = np.random.default_rng(7)
    out, classes, fields = [], [], []
    first = [[P, P, S, P, U], [P, S, S, P, U], [S, P, S, P, U]]   # 1980, per member and cell
    last = [[S, P, P, P, U], [U, P, S, P, U], [S, S, S, P, P]]    # 1984
    for m in range(3):
        cls = np.full((CELLS.size, YEARS.size), P)
        cls[:, 0] = X                               # 1979: no class
        cls[:, 1] = first[m]
        cls[:, -1] = last[m]
        f = {v: rng.normal(size=(CELLS.size, YEARS.size)) for v in MEAN_VARIABLES}
        f["ALT"][m, 2] = np.nan                     # one member without ALT in a cell-year
        out.append(member_store(tmp_path / f"m{m}" / "permafrost.zarr", cls, f))
        classes.append(cls)
        fields.append(f)
    return out, np.stack(classes), fields


def test_summary_store_hand_computed_chunk_by_chunk(members, tmp_path):
    stores, cls, fields = members
    out = tmp_path / "cells.zarr"
    run_summary("CaliX", stores, out, periods={"CR": [1980, 1984]}, level=0.95, chunk_cells=2,
                threads=2)
    ds = open_complete(out, product="ensemble_cells")
    check_cf_attrs(ds)
    # votes: cell 0 members 0 (P->S) and 1 (P->U) lose, member 2 stays S; cell 1: member 1
    # gains, member 2 loses; cell 2: member 0 gains; cell 3: all stay P; cell 4: member 2 gains
    assert ds["votes_loss"].values.tolist() == [2, 1, 0, 0, 0]
    assert ds["votes_gain"].values.tolist() == [0, 1, 1, 0, 1]
    assert ds["votes_n"].values.tolist() == [3, 3, 3, 3, 3]
    assert ds.attrs["votes_first_year"] == 1980 and ds.attrs["votes_last_year"] == 1984
    for v in MEAN_VARIABLES:
        stack = np.stack([f[v] for f in fields])
        np.testing.assert_allclose(ds[v].values, np.nanmean(stack, axis=0), rtol=1e-12)
        assert ds[v].attrs["units"] in ("m", "K")
    # the ALT of cell 2 in 1981 has two members: mean and CI of those two
    a = np.array([fields[m]["ALT"][2, 2] for m in range(3) if m != 2])
    assert ds["ALT"].values[2, 2] == pytest.approx(a.mean())
    assert ds["ALT_ci"].values[2, 2] == pytest.approx(
        t_critical(2) * a.std(ddof=1) / np.sqrt(2))
    share = ds["permafrost_share"].values
    assert np.isnan(share[:, 0]).all()              # 1979: no class
    assert share[0, 1] == pytest.approx(2 / 3) and share[4, -1] == pytest.approx(1 / 3)
    np.testing.assert_array_equal(ds["lat"].values, 33.0 + 0.1 * np.arange(5))
    # one chunk of every cell gives the same store
    run_summary("CaliX", stores, tmp_path / "one.zarr", periods={"CR": [1980, 1984]},
                chunk_cells=100)
    one = open_complete(tmp_path / "one.zarr")
    for v in ds.data_vars:
        np.testing.assert_array_equal(ds[v].values, one[v].values)


def test_summary_refuses_bad_members(members, tmp_path):
    stores, cls, fields = members
    bad = member_store(tmp_path / "other" / "permafrost.zarr", cls[0][:4], {
        v: f[:4] for v, f in fields[0].items()}, cells=CELLS[:4])
    with pytest.raises(InputError, match="other cells or years") as err:
        run_summary("CaliX", [stores[0], bad], tmp_path / "x.zarr", periods=None)
    assert "other" in str(err.value)
    with pytest.raises(InputError, match="not simulated"):
        run_summary("CaliX", stores, tmp_path / "y.zarr", periods={"CR": [1980, 2018]})
    with pytest.raises(InputError, match="incomplete|does not exist"):
        run_summary("CaliX", [tmp_path / "nothing.zarr"], tmp_path / "z.zarr")
    ds = open_complete(stores[1]).drop_vars("MAGT").load()
    with atomic_zarr(tmp_path / "nomagt.zarr", product="permafrost", fsync=False) as tmp:
        ds.to_zarr(tmp, mode="w", consolidated=False)
    with pytest.raises(InputError, match="missing variable") as err:
        run_summary("CaliX", [stores[0], tmp_path / "nomagt.zarr"], tmp_path / "w.zarr",
                    periods={"CR": [1980, 1984]})
    assert "MAGT" in str(err.value)


# ------------------------------------------------------------ spin-up of the members
def test_member_spinup_config_takes_the_ensemble_limits():
    from noahperm.simulation.stage import member_spinup_config

    sim = {"spinup": {"min_years": 20, "max_years": 100, "tol_temperature_K": 0.02}}
    plain = member_spinup_config({"simulation": sim})
    assert (plain["spinup"]["min_years"], plain["spinup"]["max_years"]) == (20, 100)
    ens = member_spinup_config({"simulation": sim,
                                "ensemble": {"spinup": {"min_years": 15, "max_years": 25}}})
    assert (ens["spinup"]["min_years"], ens["spinup"]["max_years"]) == (15, 25)
    assert ens["spinup"]["tol_temperature_K"] == 0.02          # tolerances stay
    assert sim["spinup"]["min_years"] == 20                    # the config is not changed
    dflt = member_spinup_config({"simulation": sim, "ensemble": {}})
    assert (dflt["spinup"]["min_years"], dflt["spinup"]["max_years"]) == (10, 500)


def test_warm_start_identity_follows_the_state():
    """A member's spin-up checkpoints are keyed on the warm state's content: a changed CaliFree
    state never resumes a stale spin-up (the workflow reruns the members: its input)."""
    from noahperm.simulation.engine import State, WarmSpinup

    rng = np.random.default_rng(1)
    a = State(rng.normal(size=(4, 9)), rng.normal(size=(4, 3)), rng.normal(size=(4, 3)),
              rng.normal(size=(4, 3)))
    b = a.copy()
    assert WarmSpinup(a).identity() == WarmSpinup(b).identity()
    b.stc[2, 1] += 1e-9
    assert WarmSpinup(a).identity() != WarmSpinup(b).identity()
    assert WarmSpinup(a).identity()["start"] == "warm"


def test_ensemble_spinup_limits_are_checked():
    from pathlib import Path

    import yaml

    from noahperm.core.config import ConfigError, check

    c = yaml.safe_load((Path(__file__).resolve().parents[1] / "config/config.yaml").read_text())
    c["ensemble"] = {"spinup": {"min_years": 30, "max_years": 20}}
    with pytest.raises(ConfigError, match="ensemble.spinup.min_years"):
        check(c)
    c["ensemble"] = {"spinup": {"start": "lukewarm"}}
    with pytest.raises(ConfigError, match="ensemble.spinup.start"):
        check(c)

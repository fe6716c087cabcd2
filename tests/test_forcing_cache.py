"""The forcing cache: content, layout, iteration, and atomic writing (zarrio)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import rawinputs
from noahperm.core import zarrio
from noahperm.core.errors import InputError
from noahperm.inputs.domain import build_domain
from noahperm.inputs.forcing import cache, cmfd
from noahperm.kernel import layout

YEARS = (2000, 2001)


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    d = tmp_path_factory.mktemp("raw")
    rawinputs.write_raw(d, years=YEARS)
    return d


@pytest.fixture(scope="module")
def domain(raw, tmp_path_factory):
    out = tmp_path_factory.mktemp("res") / "domain.zarr"
    build_domain(rawinputs.config(raw, out.parent, YEARS), out, fsync=False)
    return out


@pytest.fixture(scope="module")
def store(raw, domain):
    out = domain.parent / "forcing.zarr"
    cache.build_forcing_cache(raw, domain, out, years=YEARS, chunk_cells=4, progress=False,
                              config_hash="abc", fsync=False)
    return out


def build(raw, domain, out, **kw):
    kw = {"years": YEARS, "chunk_cells": 4, "progress": False, "fsync": False, **kw}
    return cache.build_forcing_cache(raw, domain, out, **kw)


def test_content_and_si_units(store):
    ds = cache.open_forcing(store)
    assert list(ds["cell"].values) == [0, 1, 2, 3, 4]  # cell 5 (glacier) is not active
    assert ds.sizes["time"] == (366 + 365) * 8
    assert str(ds["time"].values[0]) == "2000-01-01T00:00:00.000000000"
    assert ds["time"].values[-1] == np.datetime64("2001-12-31T21:00")
    for name in cache.FORCING_VARS:
        spec = cmfd.CMFD_VARS[cache._CMFD_OF[name]]
        v = ds[name]
        assert v.dims == ("cell", "time") and v.dtype == np.float32
        assert v.attrs["units"] == spec.units and v.attrs["long_name"]
        assert v.attrs["standard_name"] == spec.standard_name
        want = rawinputs.forcing_value(spec and cache._CMFD_OF[name], ds["time"].values, 2, 3)
        want = want.reshape(want.shape[0], -1).T[:5] * spec.factor
        if name == "PRCP":  # the steps' mean rates (no file after 2001-12: last record kept)
            want = cmfd.step_precipitation(want)
        np.testing.assert_allclose(v.values, want, rtol=1e-6)
    assert ds["PRCP"].attrs["units"] == "kg m-2 s-1"
    assert ds.attrs["product"] == "forcing" and ds.attrs["config_hash"] == "abc"
    assert "temp" in ds.attrs["source_files"]
    np.testing.assert_allclose(ds["lat"].values, [33.05, 33.05, 33.05, 33.15, 33.15])


def test_step_precipitation_is_centred_and_conserves_water(store, raw, domain, tmp_path):
    # CMFD prec(t) is the mean over [t - 3 h, t]; the step t covers [t - 1.5 h, t + 1.5 h]
    ds = cache.open_forcing(store)
    rec = rawinputs.forcing_value("prec", ds["time"].values, 2, 3).reshape(-1, 6).T[:5]
    rec = rec.astype(np.float64) / 3600.0
    got = ds["PRCP"].values.astype(np.float64)
    # across the month boundary 2000-01-31 21:00 -> 2000-02-01 00:00 (another file)
    i = int(np.searchsorted(ds["time"].values, np.datetime64("2000-02-01T00:00")))
    np.testing.assert_allclose(got[:, i - 1], 0.5 * (rec[:, i - 1] + rec[:, i]), rtol=1e-6)
    # 21:00 holds 0.7 mm/h more than 00:00 of the next day: the step mean lies half way
    assert rec[0, i - 1] > got[0, i - 1] > rec[0, i]
    # water: every record is split between the two steps it overlaps; the first half of the
    # first record belongs to the step before the period, the last record's successor is
    # missing and the last record stands in for it
    np.testing.assert_allclose(got.sum(axis=1),
                               rec.sum(axis=1) - 0.5 * rec[:, 0] + 0.5 * rec[:, -1], rtol=1e-6)
    # with the next file there, the last step takes half of its first record
    nxt = raw.parent / "raw_next"
    rawinputs.write_raw(nxt, years=(YEARS[0], YEARS[1] + 1))
    out = build(nxt, domain, tmp_path / "f.zarr")
    last = cache.open_forcing(out)["PRCP"].values[:, -1].astype(np.float64)
    first_next = rawinputs.forcing_value("prec", np.array([np.datetime64("2002-01-01T00:00")]),
                                         2, 3).reshape(-1)[:5] / 3600.0
    np.testing.assert_allclose(last, 0.5 * (rec[:, -1] + first_next), rtol=1e-6)


def test_step_precipitation_of_constructed_records():
    rec = np.array([[0.0, 3.0, 0.0, 1.0], [2.0, 2.0, 2.0, 2.0]])
    np.testing.assert_array_equal(cmfd.step_precipitation(rec),
                                  [[1.5, 1.5, 0.5, 1.0], [2.0, 2.0, 2.0, 2.0]])
    np.testing.assert_array_equal(cmfd.step_precipitation(rec, np.array([3.0, 0.0])),
                                  [[1.5, 1.5, 0.5, 2.0], [2.0, 2.0, 2.0, 1.0]])


def test_humidity_is_bounded_as_the_reference_driver_bounds_it(raw, domain, tmp_path):
    # one month with a dry (0) and a supersaturated (0.05 kg/kg) record: the cache holds the
    # driver's bounds, from the same function as point runs (noahperm.kernel.humidity)
    import shutil

    from noahperm.kernel.humidity import esfunct

    raw2 = tmp_path / "raw"
    shutil.copytree(raw, raw2)
    t = cmfd.month_times(2000, 3)
    q = rawinputs.forcing_value("shum", t, 2, 3)
    q[0], q[1] = 0.0, 0.05
    lat, lon = rawinputs.grid_axes(90.0, 33.0, 3, 2)
    path = cmfd.month_file(raw2 / "forcing", "shum", 2000, 3)
    path.unlink()
    rawinputs.write_month(path, "shum", 2000, 3, lat, lon, q)
    ds = cache.open_forcing(build(raw2, domain, tmp_path / "f.zarr"))
    i = int(np.searchsorted(ds["time"].values, np.datetime64("2000-03-01T00:00")))
    got = ds["Q2"].values[:, i:i + 3].astype(np.float64)
    assert (got[:, 0] == np.float32(1e-6)).all()
    temp = ds["SFCTMP"].values[:, i + 1].astype(np.float64)
    pres = ds["SFCPRS"].values[:, i + 1].astype(np.float64)
    es = np.array([esfunct(x) for x in temp])
    qs = 0.622 * es / (pres - 0.378 * es)
    np.testing.assert_allclose(got[:, 1], 0.99 * qs, rtol=1e-6)
    np.testing.assert_allclose(got[:, 2], q[2].reshape(-1)[:5], rtol=1e-6)  # unchanged


def test_point_and_grid_bound_humidity_with_one_function():
    from noahperm.kernel.humidity import bound_specific_humidity, rh_to_specific_humidity
    from noahperm.point.input_file import rh_to_q

    t, p = np.array([250.0, 270.0, 290.0]), np.array([55000.0, 60000.0, 65000.0])
    for rh in (0.0, 0.4, 1.0, 1.2):
        q = rh_to_q(t, p, np.full(3, rh))
        np.testing.assert_array_equal(q, rh_to_specific_humidity(t, p, np.full(3, rh)))
        np.testing.assert_array_equal(bound_specific_humidity(q, t, p)[0], q)  # idempotent


def test_chunks_and_compression(store):
    ds = xr.open_zarr(store)
    enc = ds["SFCTMP"].encoding
    assert enc["chunks"] == (4, cache.STEPS_PER_CHUNK)
    assert enc["compressors"][0].__class__.__name__ == "ZstdCodec"
    assert zarrio.is_complete(store)
    assert zarrio.read_marker(store)["product"] == "forcing"


def test_small_write_buffer_gives_the_same_store(raw, domain, store, tmp_path):
    out = tmp_path / "forcing.zarr"
    build(raw, domain, out, max_buffer_mb=0.01, config_hash="abc")  # writes every month
    xr.testing.assert_identical(cache.open_forcing(out).load(), cache.open_forcing(store).load())


def test_iter_forcing_layout_and_blocks(store):
    ds = cache.open_forcing(store)
    blocks = list(cache.iter_forcing(ds, [3, 0], "2000-12-31T12:00", "2001-01-02"))
    assert [b.data.shape for b in blocks] == [(2, 4, 7), (2, 8, 7)]  # one block per year
    b = blocks[1]
    assert b.data.dtype == np.float64 and b.data.flags.c_contiguous
    assert b.times[0] == np.datetime64("2001-01-01T00:00")
    assert b.data[0, 0, layout.F_SFCTMP] == pytest.approx(265.0 + 3)
    assert b.data[1, 0, layout.F_SFCTMP] == pytest.approx(265.0)
    assert b.data[0, 0, layout.F_SFCPRS] == pytest.approx(58300.0)
    # the step centred on 00:00: half of the records at 00:00 and at 03:00
    assert b.data[0, 0, layout.F_PRCP] == pytest.approx((0.2 + 0.03 + 0.35 * 3 / 21) / 3600,
                                                        rel=1e-6)
    assert b.data[0, 0, layout.F_SFCSPD] == pytest.approx(3.3, rel=1e-6)
    assert len(cache.FORCING_VARS) == layout.NFORC - 1
    whole = list(cache.iter_forcing(store))
    assert sum(b.data.shape[1] for b in whole) == ds.sizes["time"]


def test_iter_forcing_unknown_cell(store):
    with pytest.raises(InputError, match="not in the forcing cache"):
        next(cache.iter_forcing(store, [5]))


# --- bad inputs leave no store ----------------------------------------------------------------


def leftovers(out):
    return sorted(p.name for p in out.parent.glob(out.name + "*"))


def test_missing_month_file_leaves_no_store(raw, domain, tmp_path):
    out = tmp_path / "forcing.zarr"
    with pytest.raises(InputError) as e:
        build(raw, domain, out, years=(2001, 2002))
    msg = str(e.value)
    assert "temp_CMFD_V0106_B-01_03hr_010deg_200201.nc: missing CMFD month file for temp " \
        "2002-01" in msg and "(and 83 more missing files)" in msg
    assert leftovers(out) == []


def test_bad_file_keeps_the_old_store(raw, domain, store, tmp_path):
    import shutil

    out = tmp_path / "forcing.zarr"
    shutil.copytree(store, out)
    before = zarrio.read_marker(out)
    bad_raw = tmp_path / "raw"
    shutil.copytree(raw, bad_raw)
    t = cmfd.month_times(2001, 6)
    v = rawinputs.forcing_value("wind", t, 2, 3)
    v[3, 0, 1] = np.nan
    path = bad_raw / "forcing/wind_CMFD_V0106_B-01_03hr_010deg_200106.nc"
    cmfd.write_month(path, "wind", 2001, 6, *rawinputs.grid_axes(90.0, 33.0, 3, 2), v)
    with pytest.raises(InputError) as e:
        build(bad_raw, domain, out)
    assert str(path) in str(e.value) and "missing values" in str(e.value)
    assert leftovers(out) == ["forcing.zarr"]
    assert zarrio.read_marker(out) == before
    xr.testing.assert_identical(cache.open_forcing(out).load(), cache.open_forcing(store).load())


def test_interrupted_build_is_never_complete(raw, domain, tmp_path, monkeypatch):
    out = tmp_path / "forcing.zarr"
    real = cmfd.read_month
    calls = []

    def spy(*a, **k):
        calls.append(1)
        # during the build the target does not exist and the temporary store is incomplete
        assert not out.exists()
        for tmp in out.parent.glob("forcing.zarr.tmp-*"):
            assert not zarrio.is_complete(tmp)
        if len(calls) == 30:
            raise KeyboardInterrupt  # Ctrl-C in the middle of month 5
        return real(*a, **k)

    monkeypatch.setattr(cmfd, "read_month", spy)
    with pytest.raises(KeyboardInterrupt):
        build(raw, domain, out)
    assert leftovers(out) == []


def test_killed_build_leftover_is_refused_and_cleaned(raw, domain, tmp_path):
    out = tmp_path / "forcing.zarr"
    # a writer killed before its rename leaves a temporary store; one killed by an older
    # non-atomic tool could leave the target itself without its marker
    xr.Dataset({"x": ("a", np.zeros(3), {"units": "1", "long_name": "x"})}).to_zarr(
        tmp_path / "forcing.zarr.tmp-dead", mode="w", consolidated=False)
    xr.Dataset({"x": ("a", np.zeros(3))}).to_zarr(out, mode="w", consolidated=False)
    assert not zarrio.is_complete(out)
    with pytest.raises(InputError, match="incomplete Zarr store"):
        cache.open_forcing(out)
    build(raw, domain, out)
    assert leftovers(out) == ["forcing.zarr"] and zarrio.is_complete(out)
    assert "SFCTMP" in cache.open_forcing(out)


def test_open_complete_checks_product(store, domain):
    with pytest.raises(InputError, match="expected 'forcing'"):
        cache.open_forcing(domain)
    with pytest.raises(InputError, match="does not exist"):
        cache.open_forcing(store.parent / "nothing.zarr")


def test_refuses_variables_without_cf_attributes(tmp_path):
    ds = xr.Dataset({"a": ("x", [1.0], {"units": "K"}), "b": ("x", [1.0], {"long_name": "b"})})
    with pytest.raises(ValueError, match=r"a \(no long_name\); b \(no units\)"):
        zarrio.check_cf_attrs(ds)


def test_atomic_zarr_error_leaves_nothing(tmp_path):
    out = tmp_path / "x.zarr"
    with pytest.raises(RuntimeError, match="boom"), zarrio.atomic_zarr(out, product="x") as tmp:
        xr.Dataset({"a": ("x", [1.0])}).to_zarr(tmp, consolidated=False)
        raise RuntimeError("boom")
    assert leftovers(out) == []
    with pytest.raises(RuntimeError, match="nothing was written"), \
            zarrio.atomic_zarr(out, product="x"):
        pass
    assert leftovers(out) == []


def test_cli_error_exit_status(raw, domain, tmp_path, capsys):
    out = tmp_path / "f.zarr"
    from noahperm import cli

    rc = cli.main(["prepare_forcing", "--raw-dir", str(raw), "--domain", str(domain), "--out", str(out),
                     "--years", "1999", "1999", "--no-progress"])
    assert rc == 2 and "missing CMFD month file" in capsys.readouterr().err
    assert leftovers(out) == []

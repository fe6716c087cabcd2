"""CMFD reader: the real file layout, unit conversion at the reader, and bad files."""

from __future__ import annotations

import netCDF4
import numpy as np
import pytest

import rawinputs
from noahperm.core.errors import InputError
from noahperm.inputs.forcing import cmfd

LAT, LON = rawinputs.grid_axes(90.0, 33.0, 3, 2)
GRID = cmfd.Grid(LAT, LON)
ALL_Y, ALL_X = np.meshgrid(np.arange(2), np.arange(3), indexing="ij")
IY, IX = ALL_Y.ravel(), ALL_X.ravel()


def write(tmp_path, var="temp", year=2001, month=2, values=None, units=None, name=None,
          lat=LAT, lon=LON, times=None):
    t = cmfd.month_times(year, month)
    if values is None:
        values = rawinputs.forcing_value(var, t, lat.size, lon.size)
    path = tmp_path / (name or f"{var}_CMFD_V0106_B-01_03hr_010deg_{year}{month:02d}.nc")
    cmfd.write_month(path, var, year, month, lat, lon, values, units=units)
    if times is not None:  # rewrite the time axis (same length)
        with netCDF4.Dataset(path, "a") as nc:
            nc["time"][:] = (times - np.datetime64("1900-01-01T00:00:00", "s")) / np.timedelta64(1, "h")
    return path


def read(path, var="temp", year=2001, month=2, **kw):
    return cmfd.read_month(path, var, year, month, grid=GRID, iy=IY, ix=IX, **kw)


def test_month_times_cover_the_month_every_3_hours():
    t = cmfd.month_times(2000, 2)  # leap year
    assert t.size == 29 * 8
    assert str(t[0]) == "2000-02-01T00:00:00" and str(t[-1]) == "2000-02-29T21:00:00"


def test_file_layout_is_cmfd(tmp_path):
    path = write(tmp_path)
    with netCDF4.Dataset(path) as nc:
        v = nc["temp"]
        assert v.dimensions == ("time", "lat", "lon") and v.dtype == np.float32
        assert v.units == "K" and v.long_name and v.missing_value == -32767
        assert nc["time"].units == "hours since 1900-01-01 00:00:00"
        assert nc["time"][0] == pytest.approx(
            (np.datetime64("2001-02-01") - np.datetime64("1900-01-01")) / np.timedelta64(1, "h"))


@pytest.mark.parametrize("var", list(cmfd.CMFD_VARS))
def test_read_converts_to_si(tmp_path, var):
    t = cmfd.month_times(2001, 2)
    path = write(tmp_path, var)
    got = read(path, var)
    want = rawinputs.forcing_value(var, t, 2, 3).reshape(t.size, -1).T.astype(np.float64)
    factor = 1 / 3600 if var == "prec" else 1.0
    assert got.dtype == np.float32 and got.shape == (6, t.size)
    np.testing.assert_allclose(got, want * factor, rtol=1e-6)


def test_read_selected_cells_in_given_order(tmp_path):
    path = write(tmp_path)
    got = cmfd.read_month(path, "temp", 2001, 2, grid=GRID, iy=np.array([1, 0]),
                          ix=np.array([2, 1]))
    assert got[0, 0] == pytest.approx(265.0 + 5) and got[1, 0] == pytest.approx(265.0 + 1)


def test_both_naming_schemes(tmp_path):
    old = write(tmp_path, name="temp_ITPCAS-CMFD_V0106_B-01_03hr_010deg_200102.nc")
    assert cmfd.month_file(tmp_path, "temp", 2001, 2) == old
    new = write(tmp_path)
    assert cmfd.month_file(tmp_path, "temp", 2001, 2) == new  # the current name first


@pytest.mark.parametrize("var,units", [("temp", "kelvin"), ("shum", "kg/kg"), ("wind", "m/s"),
                                       ("srad", "W/m2"), ("lrad", "W m**-2"), ("prec", "mm/h"),
                                       ("pres", "Pa")])
def test_unit_spellings_accepted(tmp_path, var, units):
    read(write(tmp_path, var, units=units), var)


def test_fill_value_outside_the_used_cells_is_fine(tmp_path):
    t = cmfd.month_times(2001, 2)
    v = rawinputs.forcing_value("temp", t, 2, 3)
    v[:, 1, 2] = np.nan
    path = write(tmp_path, values=v)
    got = cmfd.read_month(path, "temp", 2001, 2, grid=GRID, iy=np.array([0]), ix=np.array([0]))
    assert np.isfinite(got).all()


# --- bad inputs: each names the file and the problem ----------------------------------------


def check(exc_info, path, *words):
    msg = str(exc_info.value)
    assert str(path) in msg, msg
    for w in words:
        assert w in msg, msg


def test_missing_month_file(tmp_path):
    with pytest.raises(InputError) as e:
        cmfd.month_file(tmp_path, "prec", 1999, 7)
    check(e, tmp_path / "prec_CMFD_V0106_B-01_03hr_010deg_199907.nc", "missing", "prec",
          "1999-07", "ITPCAS-CMFD")


def test_missing_variable(tmp_path):
    path = write(tmp_path, "shum", name="temp_CMFD_V0106_B-01_03hr_010deg_200102.nc")
    with pytest.raises(InputError) as e:
        read(path, "temp")
    check(e, path, "temp", "missing", "shum")


@pytest.mark.parametrize("var,units,words", [
    ("temp", "degC", ("wrong units", "degC", "K")),
    ("temp", "degree_Celsius", ("wrong units", "K")),
    ("prec", "mm/day", ("wrong units", "mm day-1", "mm hr-1")),
    ("pres", "hPa", ("wrong units", "hPa", "Pa")),
    ("shum", "g/kg", ("wrong units", "g kg-1")),
    ("wind", "furlongs per fortnight", ("unrecognised units",)),
])
def test_wrong_units(tmp_path, var, units, words):
    path = write(tmp_path, var, units=units)
    with pytest.raises(InputError) as e:
        read(path, var)
    check(e, path, var, *words)


def test_temperature_in_celsius_labelled_kelvin_is_implausible(tmp_path):
    t = cmfd.month_times(2001, 2)
    path = write(tmp_path, values=rawinputs.forcing_value("temp", t, 2, 3) - 273.15)
    with pytest.raises(InputError) as e:
        read(path)
    check(e, path, "temp", "plausible range")


@pytest.mark.parametrize("bad", [np.nan, -32767.0])
def test_missing_values_at_used_cells(tmp_path, bad):
    t = cmfd.month_times(2001, 2)
    v = rawinputs.forcing_value("temp", t, 2, 3)
    v[17, 1, 2] = bad
    path = write(tmp_path, values=v)
    with pytest.raises(InputError) as e:
        read(path)
    check(e, path, "temp", "1 missing values", "time step 17", "lat 33.15", "lon 90.25")


def test_time_gap(tmp_path):
    t = cmfd.month_times(2001, 2)
    values = rawinputs.forcing_value("temp", t, 2, 3)[:-1]
    path = tmp_path / "temp_CMFD_V0106_B-01_03hr_010deg_200102.nc"
    cmfd.write_month(path, "temp", 2001, 2, LAT, LON, rawinputs.forcing_value("temp", t, 2, 3))
    # rebuild the file with one step (2001-02-10 06:00) left out
    keep = np.ones(t.size, bool)
    keep[9 * 8 + 2] = False
    with netCDF4.Dataset(path, "w") as nc:
        nc.createDimension("time", None), nc.createDimension("lat", 2), nc.createDimension("lon", 3)
        tv = nc.createVariable("time", "f8", ("time",))
        tv.units, tv.calendar = "hours since 1900-01-01 00:00:00", "standard"
        tv[:] = (t[keep] - np.datetime64("1900-01-01T00:00:00", "s")) / np.timedelta64(1, "h")
        for n, a in (("lat", LAT), ("lon", LON)):
            nc.createVariable(n, "f4", (n,))[:] = a
        v = nc.createVariable("temp", "f4", ("time", "lat", "lon"), fill_value=-32767.0)
        v.units = "K"
        v[:] = values
    with pytest.raises(InputError) as e:
        read(path)
    check(e, path, "time", "2001-02-10T03:00:00", "2001-02-10T09:00:00", "gap")


def test_wrong_time_step(tmp_path):
    t = cmfd.month_times(2001, 2)
    six_hourly = np.datetime64("2001-02-01T00:00:00", "s") + np.arange(t.size) * np.timedelta64(6, "h")
    path = write(tmp_path, times=six_hourly)
    with pytest.raises(InputError) as e:
        read(path)
    check(e, path, "time steps must be 3 h")


def test_wrong_month(tmp_path):
    path = write(tmp_path, month=3, name="temp_CMFD_V0106_B-01_03hr_010deg_200102.nc")
    with pytest.raises(InputError) as e:
        read(path)  # a March file under a February name
    check(e, path, "time axis does not cover 2001-02")


def test_wrong_grid(tmp_path):
    path = write(tmp_path, lat=LAT + 0.1)
    with pytest.raises(InputError) as e:
        read(path)
    check(e, path, "wrong grid", "33.1500", "expected the forcing grid")


def test_irregular_grid(tmp_path):
    path = write(tmp_path, lon=np.array([90.05, 90.15, 90.3]))
    with pytest.raises(InputError) as e:
        read(path)
    check(e, path, "lon", "steps of 0.1")


def test_corrupt_file(tmp_path):
    path = tmp_path / "temp_CMFD_V0106_B-01_03hr_010deg_200102.nc"
    path.write_bytes(b"this is not a NetCDF file" * 100)
    with pytest.raises(InputError) as e:
        read(path)
    check(e, path, "corrupt or truncated")


def test_truncated_file(tmp_path):
    path = write(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as e:
        read(path)
    check(e, path, "corrupt or truncated")

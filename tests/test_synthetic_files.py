"""The synthetic mini-QTP's files: exact CMFD / GeoTIFF formats, determinism, idempotence,
atomic writes, the manifest and the command line."""

from __future__ import annotations

import json
import os

import netCDF4
import numpy as np
import pytest
import rasterio
import xarray as xr
from rasterio.transform import Affine

import noahperm.demo_world.generator.writers as writers
from noahperm.cli import main as noahperm_main
from noahperm.core.errors import InputError
from noahperm.demo_world.generator import MANIFEST, demo_settings, generate, settings_hash
from noahperm.demo_world.generator.climate import VARIABLES
from noahperm.demo_world.generator.writers import CMFD_ATTRS, MAP_PATHS, forcing_path

ONE_YEAR = (1979, 1979)
UNITS = {"temp": "K", "shum": "kg kg-1", "pres": "Pa", "wind": "m s-1", "srad": "W m-2",
         "lrad": "W m-2", "prec": "mm hr-1"}
MAPS = {  # name -> (dtype, nodata, bands)
    "vegetation": ("uint8", 0, 1), "lai": ("float32", -9999.0, 1), "soil": ("uint8", 0, 18),
    "dem": ("float32", -9999.0, 1), "glacier": ("uint8", 255, 1), "lake": ("uint8", 255, 1),
}


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    d = tmp_path_factory.mktemp("raw")
    res = generate(None, d, years=ONE_YEAR, progress=False)
    assert res.written == 12 * 7 + 6 and res.skipped == 0
    return d


def _digest(path):
    return path.read_bytes()


def test_forcing_file_names(raw):
    names = sorted(p.name for p in (raw / "forcing").iterdir())
    assert names == sorted(f"{v}_CMFD_V0106_B-01_03hr_010deg_1979{m:02d}.nc"
                           for v in VARIABLES for m in range(1, 13))


@pytest.mark.parametrize("var", VARIABLES)
def test_forcing_format(raw, var):
    path = forcing_path(raw, var, 1979, 2)
    with xr.open_dataset(path) as ds:
        assert list(ds.data_vars) == [var]
        da = ds[var]
        assert da.dims == ("time", "lat", "lon") and da.dtype == np.float32
        assert da.attrs["units"] == UNITS[var] == CMFD_ATTRS[var][0]
        assert da.attrs["long_name"]
        assert da.encoding["_FillValue"] == -32767.0 and da.encoding["missing_value"] == -32767.0
        assert da.encoding["zlib"] and da.encoding["complevel"] > 0
        assert ds["time"].encoding["units"] == "hours since 1900-01-01 00:00:00"
        t = ds["time"].values
        assert t[0] == np.datetime64("1979-02-01T00") and t[-1] == np.datetime64("1979-02-28T21")
        assert (np.diff(t) == np.timedelta64(3, "h")).all() and t.size == 28 * 8
        np.testing.assert_allclose(ds["lat"].values, 33.05 + 0.1 * np.arange(8), atol=1e-5)
        np.testing.assert_allclose(ds["lon"].values, 90.05 + 0.1 * np.arange(10), atol=1e-5)
        assert ds["lat"].attrs["units"] == "degrees_north"
        assert ds["lon"].attrs["units"] == "degrees_east"
        assert np.isfinite(da.values).all()
    with netCDF4.Dataset(path) as nc:
        assert nc.variables["time"].dtype == np.float64
        assert nc.variables["time"][0] == pytest.approx(693240.0)  # (79 * 365 + 19 + 31) * 24 h


@pytest.mark.parametrize("name", list(MAPS))
def test_geotiff_format(raw, name):
    dtype, nodata, bands = MAPS[name]
    with rasterio.open(raw / MAP_PATHS[name]) as src:
        assert src.crs.to_epsg() == 4326
        assert src.transform.almost_equals(Affine(1 / 120, 0.0, 90.0, 0.0, -1 / 120, 33.8))
        assert (src.width, src.height, src.count) == (120, 96, bands)
        assert src.dtypes[0] == dtype and src.nodata == nodata
        data = src.read()
        assert not (data == nodata).any()  # the demo covers its grid
        if name == "soil":
            assert src.descriptions[0] == "layer 1 (0.000-0.045 m)"
            assert src.descriptions[17] == "layer 18 (13.200-15.200 m)"
        if name in ("glacier", "lake"):
            assert set(np.unique(data).tolist()) == {0, 1}


def test_files_are_deterministic(raw, tmp_path):
    cfg = {"years": [1979, 2018]}
    generate(cfg, tmp_path / "a", years=ONE_YEAR, progress=False)
    for rel in [f"forcing/{p.name}" for p in (raw / "forcing").iterdir()] + list(MAP_PATHS.values()):
        assert _digest(raw / rel) == _digest(tmp_path / "a" / rel), rel
    generate({"seed": 11}, tmp_path / "b", years=ONE_YEAR, progress=False)
    for v in VARIABLES:
        p = forcing_path(tmp_path / "a", v, 1979, 5)
        assert _digest(p) != _digest(forcing_path(tmp_path / "b", v, 1979, 5)), v


def test_workers_give_the_same_files(raw, tmp_path):
    generate(None, tmp_path, years=(1979, 1980), progress=False, workers=2)
    for v in VARIABLES:
        p = forcing_path(raw, v, 1979, 12)
        assert _digest(p) == _digest(forcing_path(tmp_path, v, 1979, 12))


def test_idempotent_and_repairing(tmp_path):
    generate(None, tmp_path, years=ONE_YEAR, progress=False)
    again = generate(None, tmp_path, years=ONE_YEAR, progress=False)
    assert again.written == 0 and again.skipped == 90
    victim = forcing_path(tmp_path, "lrad", 1979, 6)
    good = victim.read_bytes()
    victim.write_bytes(good[: len(good) // 2])  # truncated
    (tmp_path / MAP_PATHS["dem"]).unlink()
    fixed = generate(None, tmp_path, years=ONE_YEAR, progress=False)
    assert fixed.written == 2 and victim.read_bytes() == good
    assert generate(None, tmp_path, years=ONE_YEAR, progress=False, overwrite=True).written == 90
    changed = generate({"climate": {"warming_K_per_decade": 0.5}}, tmp_path, years=ONE_YEAR,
                       progress=False)
    assert changed.written == 90  # another settings hash: nothing reused


def test_interrupted_write_leaves_nothing(tmp_path, monkeypatch):
    def boom(times):
        raise KeyboardInterrupt

    monkeypatch.setattr(writers, "hours_since_1900", boom)
    with pytest.raises(KeyboardInterrupt):
        generate(None, tmp_path, years=ONE_YEAR, progress=False)
    assert list((tmp_path / "forcing").iterdir()) == []
    assert not (tmp_path / MANIFEST).exists()


def test_stale_temporaries_are_removed(tmp_path):
    (tmp_path / "forcing").mkdir()
    dead = tmp_path / "forcing" / ".temp_x.nc.999999999.0123456789ab.tmp"  # no such pid
    dead.write_bytes(b"partial")
    mine = tmp_path / "forcing" / f".temp_y.nc.{os.getppid()}.0123456789ab.tmp"  # alive
    mine.write_bytes(b"partial")
    generate(None, tmp_path, years=ONE_YEAR, progress=False)
    assert not dead.exists() and mine.exists()


def test_manifest(raw):
    m = json.loads((raw / MANIFEST).read_text())
    assert m["settings_hash"] == settings_hash(demo_settings(None))
    assert m["years_written"] == [1979, 1979] and m["variables"] == list(VARIABLES)
    assert m["vegetation_classes"]["9"] == {"name": "glacier", "usgs": 24}
    with netCDF4.Dataset(forcing_path(raw, "temp", 1979, 1)) as nc:
        assert nc.getncattr(writers.HASH_ATTR) == m["settings_hash"]


def test_settings_errors():
    with pytest.raises(InputError, match="demo.fine_res"):
        demo_settings({"fine_res": 0.03})
    with pytest.raises(InputError, match="demo.grid.nlon"):
        demo_settings({"demo": {"grid": {"nlon": 0}}})
    with pytest.raises(InputError, match="demo.years"):
        demo_settings({"years": [2000, 1990]})
    with pytest.raises(InputError, match="not within"):
        generate(None, "unused", years=(1970, 1980))


def test_command_line(tmp_path, capsys):
    def main(argv):
        return noahperm_main(["make_demo_inputs", *argv])

    assert main(["--help"]) == 0 and "--years" in capsys.readouterr().out
    cfg = json.dumps({"demo": {"grid": {"nlon": 3, "nlat": 2}, "years": [2000, 2001]}})
    assert main(["--config-json", cfg, "--out", str(tmp_path / "raw"), "--years", "2001",
                 "2001", "--quiet"]) == 0
    assert len(list((tmp_path / "raw" / "forcing").glob("*_200112.nc"))) == 7
    assert not list((tmp_path / "raw" / "forcing").glob("*_2000*.nc"))
    cfg = json.dumps({"demo": {"grid": {"nlon": -3}}})
    assert main(["--config-json", cfg, "--out", str(tmp_path / "bad"), "--quiet"]) == 2
    assert "demo.grid.nlon" in capsys.readouterr().err


def test_files_hold_the_generated_fields(raw):
    from noahperm.demo_world.generator import ClimateGenerator, build_world
    from noahperm.demo_world.generator.writers import round_mantissa

    fields = ClimateGenerator(build_world(demo_settings(None))).month(1979, 8)
    for v in VARIABLES:
        with xr.open_dataset(forcing_path(raw, v, 1979, 8)) as ds:
            stored = ds[v].values
        np.testing.assert_array_equal(stored, round_mantissa(fields[v]))
        np.testing.assert_allclose(stored, fields[v], rtol=3.1e-5, atol=0)

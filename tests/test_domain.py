"""The model domain: cells, classes, masks, TBOT, areas; bad maps leave no store."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import rawinputs
from noahperm.core.errors import InputError
from noahperm.core.zarrio import is_complete, open_complete
from noahperm.inputs import domain as dm
from noahperm.inputs import maps as lc

YEARS = (2000, 2000)


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    d = tmp_path_factory.mktemp("raw")
    rawinputs.write_maps(d)
    rawinputs.write_forcing(d, YEARS, months=[1], variables=["temp"])
    return d


def cfg(raw, **domain):
    c = rawinputs.config(raw, raw.parent, YEARS)
    c["domain"].update(domain)
    return c


@pytest.fixture(scope="module")
def store(raw, tmp_path_factory):
    out = tmp_path_factory.mktemp("res") / "domain.zarr"
    dm.build_domain(cfg(raw), out, fsync=False)
    return out


def test_cells_and_attributes(store):
    ds = open_complete(store, product="domain")
    assert ds.sizes == {"cell": 6, "layer": 18}
    # row-major from the south-west: lat ascending, then lon
    np.testing.assert_allclose(ds["lat"], [33.05] * 3 + [33.15] * 3)
    np.testing.assert_allclose(ds["lon"], [90.05, 90.15, 90.25] * 2)
    assert ds["iy"].values.tolist() == [0, 0, 0, 1, 1, 1]
    assert ds["ix"].values.tolist() == [0, 1, 2] * 2
    for name, var in ds.variables.items():
        assert var.attrs.get("long_name"), name
        assert var.attrs.get("units"), name
    assert ds["tbot"].attrs["units"] == "K" and ds["area"].attrs["units"] == "km2"
    assert ds.attrs["res"] == pytest.approx(0.1)
    grid = dm.grid_of(ds)
    np.testing.assert_allclose(grid.lat, [33.05, 33.15])


def test_classes_masks_and_tbot(store):
    ds = open_complete(store)
    assert ds["vegetation_source"].values.tolist() == [7, 2, 2, 2, 2, 2]
    assert ds["vegetation"].values.tolist() == [19, 7, 7, 7, 7, 7]  # via the config table
    assert ds["sparse"].values.tolist() == [True] + [False] * 5  # LAI 0.1 vs 1.5
    assert ds["sfcdif_option"].values.tolist() == [2] + [1] * 5
    np.testing.assert_allclose(ds["lai"], [0.1] + [1.5] * 5, rtol=1e-6)
    soil = ds["soil_class"].values
    assert (soil[:, :6] == 7).all() and (soil[:, 6:12] == 13).all() and (soil[:, 12:] == 14).all()
    assert ds["glacier"].values.tolist() == [False] * 5 + [True]
    assert not ds["lake"].values.any()
    assert ds["active"].values.tolist() == [True] * 5 + [False]
    elev = 4000.0 + 100.0 * np.arange(6)
    np.testing.assert_allclose(ds["elevation"], elev)
    np.testing.assert_allclose(ds["tbot"], 291.029 - 0.00406 * elev)
    np.testing.assert_allclose(ds["area"], lc.cell_area_km2(ds["lat"].values))
    np.testing.assert_allclose(ds["sldpth"].sum(), 15.2)


def test_default_tbot_matches_the_reference_cases():
    tb = dm.DEFAULT_TBOT
    assert dm.tbot_from_elevation(4650.0, **tb) == pytest.approx(272.15, abs=0.01)  # tgl
    assert dm.tbot_from_elevation(3800.0, **tb) == pytest.approx(275.6, abs=0.01)


def test_glacier_needs_a_majority_of_pixels(tmp_path, raw):
    r = tmp_path / "raw"
    shutil.copytree(raw, r)
    g = np.zeros((24, 36), np.uint8)
    g[:12, 24:] = 1  # cell (iy=1, ix=2): 144 of 144 pixels
    g[12:, :6] = 1  # cell (0, 0): 72 of 144 pixels, a tie: not glacier
    g[12:, 12:18] = 1
    g[12, 18] = 1  # cell (0, 1): 73 of 144 pixels: glacier
    g[13:, 35] = 255  # nodata pixels are left out: cell (0, 2) 0 of 11 valid pixels
    lc.write_raster(r / "masks/glacier_1km.tif", g, west=90.0, north=33.2, nodata=255)
    out = tmp_path / "domain.zarr"
    dm.build_domain(cfg(r), out, fsync=False)
    ds = open_complete(out)
    assert ds["glacier"].values.tolist() == [False, True, False, False, False, True]


def test_water_or_ice_vegetation_masks_the_cell(tmp_path, raw):
    r = tmp_path / "raw"
    shutil.copytree(raw, r)
    v = np.full((24, 36), 2, np.uint8)
    v[12:, 12:24] = 8  # cell (0, 1): water on all its pixels, but no lake in the lake mask
    v[:12, :5] = 9  # cell (1, 0): ice on 60 of 144 pixels, the most frequent class is 2
    lc.write_raster(r / "landcover/vegetation_1km.tif", v, west=90.0, north=33.2, nodata=0)
    c = cfg(r)
    c["domain"]["vegetation_classes"] += [{"code": 8, "usgs": 16}, {"code": 9, "usgs": 24}]
    out = tmp_path / "domain.zarr"
    dm.build_domain(c, out, fsync=False)
    ds = open_complete(out)
    assert ds["lake"].values.tolist() == [False, True, False, False, False, False]
    assert ds["glacier"].values.tolist() == [False] * 5 + [True]
    assert ds["active"].values.tolist() == [True, False, True, True, True, False]


def test_bbox_limits_the_domain(tmp_path, raw):
    out = tmp_path / "domain.zarr"
    box = {"lon_min": 90.1, "lon_max": 90.3, "lat_min": 33.0, "lat_max": 33.1}
    dm.build_domain(cfg(raw, bbox=box), out, fsync=False)
    ds = open_complete(out)
    np.testing.assert_allclose(ds["lon"], [90.15, 90.25])
    assert ds["ix"].values.tolist() == [1, 2]


# --- bad maps: a clear error and no store ---------------------------------------------------------


def fails(tmp_path, raw, edit, config=None):
    r = tmp_path / "raw"
    shutil.copytree(raw, r)
    edit(r)
    out = tmp_path / "domain.zarr"
    with pytest.raises(InputError) as e:
        dm.build_domain(config or cfg(r), out, fsync=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw"]  # nothing written
    return str(e.value)


def test_map_in_another_crs(tmp_path, raw):
    def edit(r):
        lc.write_raster(r / "topography/dem_1km.tif", np.ones((24, 36), np.float32),
                        west=90.0, north=33.2, nodata=-9999.0, crs="EPSG:32646")
    msg = fails(tmp_path, raw, edit)
    assert "dem_1km.tif" in msg and "EPSG:32646" in msg


def test_soil_stack_with_wrong_band_count(tmp_path, raw):
    def edit(r):
        lc.write_raster(r / "soil/soil_classes_1km.tif", np.full((4, 24, 36), 7, np.uint8),
                        west=90.0, north=33.2, nodata=0)
    msg = fails(tmp_path, raw, edit)
    assert "soil_classes_1km.tif" in msg and "4 bands; expected 18" in msg


def test_vegetation_code_missing_from_the_table(tmp_path, raw):
    def edit(r):
        v = np.full((24, 36), 2, np.uint8)
        v[:12, :12] = 42
        lc.write_raster(r / "landcover/vegetation_1km.tif", v, west=90.0, north=33.2, nodata=0)
    msg = fails(tmp_path, raw, edit)
    assert "vegetation_1km.tif" in msg and "[42]" in msg and "vegetation_classes" in msg


def test_soil_class_out_of_range(tmp_path, raw):
    def edit(r):
        s = np.full((18, 24, 36), 7, np.uint8)
        s[5] = 25
        lc.write_raster(r / "soil/soil_classes_1km.tif", s, west=90.0, north=33.2, nodata=0)
    msg = fails(tmp_path, raw, edit)
    assert "soil_classes_1km.tif" in msg and "[25]" in msg


def test_maps_off_the_forcing_grid(tmp_path, raw):
    def edit(r):
        lc.write_raster(r / "topography/dem_1km.tif", np.ones((24, 36), np.float32),
                        west=100.0, north=40.0, nodata=-9999.0)
    assert "no forcing-grid cell has DEM data" in fails(tmp_path, raw, edit)


def test_cli(tmp_path, raw, capsys):
    out = tmp_path / "d.zarr"
    import json

    from noahperm import cli

    assert cli.main(["prepare_domain", "--config-json", json.dumps(cfg(raw)),
                     "--out", str(out)]) == 0
    assert is_complete(out)
    c = cfg(raw)
    c["domain"]["vegetation_classes"] = [{"code": 2, "usgs": 7}]
    assert cli.main(["prepare_domain", "--config-json", json.dumps(c),
                     "--out", str(tmp_path / "e.zarr")]) == 2
    assert "[7] are not in config domain.vegetation_classes" in capsys.readouterr().err
    assert not (tmp_path / "e.zarr").exists()


def test_vegetation_lookup_forms():
    lut = dm.vegetation_lookup([{"code": 3, "usgs": 9}])
    assert lut[3] == 9 and lut[4] == 0
    assert dm.vegetation_lookup({5: {"usgs": 7}, "6": 19})[[5, 6]].tolist() == [7, 19]
    with pytest.raises(InputError, match="out of range"):
        dm.vegetation_lookup([{"code": 3, "usgs": 28}])

"""Maps: GeoTIFF readers and their checks, aggregation, nearest neighbour, cell areas."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import quad

from noahperm.core.errors import InputError
from noahperm.inputs import maps as lc

NODATA = 0


def raster(a, res=0.05, west=90.0, north=33.2, nodata=NODATA):
    a = np.asarray(a)
    return lc.Raster(Path("x.tif"), a[None] if a.ndim == 2 else a, nodata, west, north, res)


# --- majority and mean on hand-computable rasters (2 x 2 pixels per 0.1 deg block) ------------


def test_majority_blocks():
    a = [[3, 3, 5, 5],
         [3, 7, 5, 1],
         [2, 2, 4, 4],
         [1, 1, 6, 6]]
    b = lc.aggregate_majority(raster(np.array(a, np.uint8)))
    assert b.data.tolist() == [[[3, 5], [1, 4]]]  # rows north to south
    np.testing.assert_allclose(b.lat, [33.15, 33.05])
    np.testing.assert_allclose(b.lon, [90.05, 90.15])


def test_majority_ties_go_to_the_smallest_code():
    a = [[9, 4, 2, 8],
         [4, 9, 8, 2]]
    assert lc.aggregate_majority(raster(np.array(a, np.uint8))).data.tolist() == [[[4, 2]]]
    # a three-way tie among 12 x 12 pixels of the real resolution
    big = np.repeat(np.array([[5, 3, 7]], np.uint8), 48, axis=0).reshape(12, 12)
    r = lc.Raster(Path("x.tif"), big[None], 0, 90.0, 33.1, lc.FINE_RES)
    assert lc.aggregate_majority(r).data.tolist() == [[[3]]]


def test_majority_leaves_out_nodata():
    a = [[0, 0, 0, 0],
         [0, 6, 0, 0]]
    assert lc.aggregate_majority(raster(np.array(a, np.uint8))).data.tolist() == [[[6, 0]]]
    m = [[255, 255, 1, 0],  # a mask with nodata 255: 255 is not a class
         [255, 1, 0, 0]]
    b = lc.aggregate_majority(raster(np.array(m, np.uint8), nodata=255))
    assert b.data.tolist() == [[[1, 0]]]


def test_majority_partial_edge_block():
    a = [[1, 2, 2],
         [1, 1, 2]]  # the east block has one column of pixels
    assert lc.aggregate_majority(raster(np.array(a, np.uint8))).data.tolist() == [[[1, 2]]]


def test_mean_leaves_out_nodata():
    a = np.array([[1.0, 3.0, -9999, -9999],
                  [5.0, -9999, -9999, -9999]], np.float32)
    b = lc.aggregate_mean(raster(a, nodata=-9999.0))
    np.testing.assert_allclose(b.data[0, 0, 0], 3.0)
    assert np.isnan(b.data[0, 0, 1])


def test_majority_needs_integers():
    with pytest.raises(InputError, match="integers"):
        lc.aggregate_majority(raster(np.zeros((2, 2), np.float32)))


def test_pixel_size_must_divide_the_cell():
    with pytest.raises(InputError, match="does not divide"):
        lc.aggregate_mean(raster(np.zeros((3, 3), np.float32), res=0.03))


# --- nearest neighbour ---------------------------------------------------------------------------


def test_nearest_aligned_is_identity():
    src = np.array([33.35, 33.25, 33.15, 33.05])  # raster rows, north first
    np.testing.assert_array_equal(lc.nearest_index(src, [33.05, 33.15, 33.35]), [3, 2, 0])


def test_nearest_ties_go_south_and_west():
    lon = np.array([90.0, 90.1, 90.2])
    np.testing.assert_array_equal(lc.nearest_index(lon, [90.05, 90.15, 90.14, 90.16]),
                                  [0, 1, 1, 2])
    lat = np.array([33.2, 33.1, 33.0])  # descending (rows)
    np.testing.assert_array_equal(lc.nearest_index(lat, [33.05, 33.15]), [2, 1])


def test_nearest_outside_is_minus_one():
    lon = np.array([90.05, 90.15])
    np.testing.assert_array_equal(lc.nearest_index(lon, [89.94, 90.01, 90.2, 90.26]),
                                  [-1, 0, 1, -1])


def test_to_grid_offset_map():
    # map blocks centred at 90.0, 90.1, 90.2 (offset half a cell from the forcing grid)
    b = lc.Blocks(np.array([[[1, 2, 3]]], np.uint8), np.array([33.05]),
                  np.array([90.0, 90.1, 90.2]), 0)
    got = lc.to_grid(b, np.array([33.05, 33.15]), np.array([90.05, 90.15, 90.25]))
    assert got.tolist() == [[[1, 2, 3], [0, 0, 0]]]  # ties west; 33.15 is outside the map


# --- cell areas ---------------------------------------------------------------------------------


def exact_area(lat_s, lat_n, dlon):
    """Numerical integral of the WGS84 area element M N cos(phi) dphi dlambda [km2]."""
    a, f = lc.WGS84_A, lc.WGS84_F
    e2 = f * (2 - f)

    def element(phi):
        w = 1 - e2 * math.sin(phi) ** 2
        return a * (1 - e2) / w**1.5 * a / math.sqrt(w) * math.cos(phi)

    return quad(element, math.radians(lat_s), math.radians(lat_n), epsabs=0, epsrel=1e-13)[0] \
        * math.radians(dlon)


@pytest.mark.parametrize("lat", [0.05, 27.35, 33.05, 39.95, 89.95, -45.55])
def test_cell_area_matches_the_ellipsoid(lat):
    got = lc.cell_area_km2(lat)
    assert got == pytest.approx(exact_area(lat - 0.05, lat + 0.05, 0.1), rel=1e-9)


def test_cell_areas_sum_to_the_ellipsoid():
    lat = np.arange(-89.95, 90.0, 0.1)
    total = lc.cell_area_km2(lat).sum() * 3600
    authalic_radius = 6371.0071809  # km, WGS84
    assert total == pytest.approx(4 * math.pi * authalic_radius**2, rel=1e-9)
    # close to a sphere of the authalic radius at mid latitudes (< 0.5 %)
    sphere = authalic_radius**2 * math.radians(0.1) * (
        math.sin(math.radians(33.1)) - math.sin(math.radians(33.0)))
    assert lc.cell_area_km2(33.05) == pytest.approx(sphere, rel=5e-3)


# --- GeoTIFF readers ----------------------------------------------------------------------------


def write(tmp_path, a, name="m.tif", **kw):
    kw = {"west": 90.0, "north": 33.2, "nodata": 0, **kw}
    return lc.write_raster(tmp_path / name, a, **kw)


def test_read_round_trip(tmp_path):
    a = np.arange(24 * 36, dtype=np.float32).reshape(24, 36)
    r = lc.read_raster(write(tmp_path, a, nodata=-9999.0))
    assert r.data.shape == (1, 24, 36) and r.nodata == -9999.0
    assert (r.west, r.north) == (90.0, 33.2) and r.res == pytest.approx(1 / 120)
    np.testing.assert_array_equal(r.data[0], a)


def test_map_in_another_crs(tmp_path):
    path = write(tmp_path, np.ones((24, 24), np.uint8), crs="EPSG:3857")
    with pytest.raises(InputError) as e:
        lc.read_raster(path)
    assert str(path) in str(e.value) and "EPSG:3857" in str(e.value) \
        and "expected EPSG:4326" in str(e.value)


def test_soil_stack_with_wrong_band_count(tmp_path):
    path = write(tmp_path, np.ones((17, 24, 24), np.uint8), name="soil/soil_classes_1km.tif")
    with pytest.raises(InputError) as e:
        lc.read_map(tmp_path, "soil")
    assert str(path) in str(e.value) and "17 bands; expected 18" in str(e.value)


def test_wrong_pixel_size(tmp_path):
    path = write(tmp_path, np.ones((4, 4), np.uint8), res=1 / 40)
    with pytest.raises(InputError, match=r"pixel size .* expected 0.0083333333 deg \(30 arc"):
        lc.read_raster(path)


def test_nodata_must_be_set(tmp_path):
    path = write(tmp_path, np.ones((4, 4), np.uint8), nodata=None)
    with pytest.raises(InputError, match="no nodata value"):
        lc.read_raster(path)


def test_corrupt_and_missing_rasters(tmp_path):
    bad = tmp_path / "bad.tif"
    bad.write_bytes(b"II*\x00" + b"\x00" * 50)
    with pytest.raises(InputError, match="corrupt or truncated") as e:
        lc.read_raster(bad)
    assert str(bad) in str(e.value)
    path = write(tmp_path, np.arange(240 * 240, dtype=np.float32).reshape(240, 240) % 7,
                 nodata=-9999.0)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(InputError, match="corrupt or truncated"):
        lc.read_raster(path)
    with pytest.raises(InputError, match="map file missing"):
        lc.read_map(tmp_path, "dem")


def test_permafrost_map_area_excludes_glacier_and_lake_pixels(tmp_path):
    # a 24 x 24 pixel map (0.2 x 0.2 deg): permafrost in the north half, also under a glacier
    # (rows 0-3 of the west half) and a lake (rows 20-23, cols 0-3, not permafrost on the map)
    pf = np.zeros((24, 24), np.uint8)
    pf[:12] = 1
    pf[23, 23] = 255  # nodata
    glacier = np.zeros((24, 24), np.uint8)
    glacier[:4, :12] = 1
    lake = np.zeros((24, 24), np.uint8)
    lake[20:, :4] = 1
    kw = {"west": 90.0, "north": 33.2, "nodata": 255}
    lc.write_raster(tmp_path / "permafrost/permafrost_2010_1km.tif", pf, **kw)
    lc.write_raster(tmp_path / "masks/glacier_1km.tif", glacier, **kw)
    lc.write_raster(tmp_path / "masks/lake_1km.tif", lake, **kw)
    a = lc.permafrost_map_area(tmp_path)
    lat = 33.2 - (np.arange(24) + 0.5) * lc.FINE_RES
    pix = lc.cell_area_km2(lat, lc.FINE_RES, lc.FINE_RES)
    assert a["permafrost_km2"] == pytest.approx(pix[:4].sum() * 12 + pix[4:12].sum() * 24)
    assert a["excluded_km2"] == pytest.approx(pix[:4].sum() * 12)
    assert a["valid_km2"] == pytest.approx(
        pix.sum() * 24 - pix[:4].sum() * 12 - pix[20:].sum() * 4 - pix[23])
    assert lc.permafrost_map_area(tmp_path / "none") is None
    # the figure's reference line is this area (it counted the glacier's permafrost before)
    from noahperm.figures.permafrost_area import map_area_km2

    assert map_area_km2(tmp_path) == a["permafrost_km2"]

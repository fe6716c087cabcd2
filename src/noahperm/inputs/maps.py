"""Land-surface maps: rasterio readers, aggregation 1 km -> 0.1 deg, matching to the forcing grid.

The maps (``<raw_dir>/...``, see :data:`MAPS`) are GeoTIFFs in EPSG:4326 with 30 arc-second
(1/120 deg) north-up pixels and a nodata value. As in the paper (section 2.1) they are

1. aggregated to 0.1 deg in blocks of 12 x 12 pixels counted from the raster's top-left corner:
   *majority* for class maps (the most frequent class among the block's valid pixels; **ties go to
   the smallest class code** among the tied; nodata pixels are left out; a block with no valid
   pixel is nodata) and *mean* of the valid pixels for continuous fields (DEM, LAI);
2. matched to the forcing grid by *nearest neighbour*: each forcing cell takes the aggregated
   block whose centre is nearest to its own centre, per axis. When a forcing centre lies exactly
   halfway between two block centres (a map whose 0.1-deg blocks are offset by half a cell from
   the forcing grid) **the block to the south (west) is taken**. A forcing cell more than half a
   block outside the map is nodata.

For a map aligned with the forcing grid (edges on multiples of 0.1 deg, as CMFD cell centres are
at x.x5) each forcing cell is exactly one block and step 2 is the identity.

Cell areas (:func:`cell_area_km2`) are exact on the WGS84 ellipsoid (equal-area, through the
authalic latitude), for later area sums.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from noahperm.core import layout
from noahperm.core.errors import InputError

__all__ = [
    "FINE_RES",
    "MAPS",
    "permafrost_map_area",
    "MapSpec",
    "Raster",
    "read_raster",
    "read_map",
    "aggregate_majority",
    "aggregate_mean",
    "nearest_index",
    "to_grid",
    "cell_area_km2",
]

FINE_RES = 1.0 / 120.0  # deg, 30 arc-seconds
COARSE_RES = 0.1  # deg
_RES_RTOL = 1e-6


class MapSpec(NamedTuple):
    """Where a map lives under ``raw_dir`` and what it must look like."""

    relpath: str
    bands: int
    categorical: bool
    description: str


_MAP_FORMS = {  # name -> (bands, categorical, description); paths: noahperm.core.layout.MAPS
    "vegetation": (1, True, "vegetation classes (source codes; config domain.vegetation_classes)"),
    "lai": (1, False, "growing-season mean leaf area index [m2 m-2]"),
    "soil": (18, True, "soil classes, one band per model layer (top down), modified STAS 1..19"),
    "dem": (1, False, "elevation [m]"),
    "glacier": (1, True, "glacier mask (1 glacier, 0 not)"),
    "lake": (1, True, "lake mask (1 lake, 0 not)"),
    "permafrost": (1, True, "permafrost 2010 (1 permafrost, 0 not)"),
}
#: The maps of a raw-input directory (the layout the demo generator writes and users provide).
MAPS: dict[str, MapSpec] = {name: MapSpec(layout.MAPS[name], *form)
                            for name, form in _MAP_FORMS.items()}


@dataclass
class Raster:
    """A map read into memory: ``data`` (bands, rows, cols), north-up, EPSG:4326."""

    path: Path
    data: np.ndarray
    nodata: float
    west: float  # deg, left edge of column 0
    north: float  # deg, top edge of row 0
    res: float  # deg, pixel size

    @property
    def valid(self) -> np.ndarray:
        d = self.data
        if d.dtype.kind == "f":
            return np.isfinite(d) & (d != self.nodata)
        return d != self.nodata


def read_raster(path: str | Path, *, bands: int | None = None, res: float = FINE_RES) -> Raster:
    """Read a GeoTIFF and check it: EPSG:4326, north-up, pixel size ``res``, ``bands`` bands,
    nodata set. InputError naming the file otherwise (also for unreadable files)."""
    import rasterio
    from rasterio.errors import RasterioError

    path = Path(path)
    if not path.is_file():
        raise InputError("map file missing", path=path)
    with open(path, "rb"):  # an unreadable file: PermissionError naming it (not "corrupt")
        pass
    try:
        with rasterio.open(path) as src:
            crs = src.crs
            if crs is None:
                raise InputError("no CRS; expected EPSG:4326 (geographic lat/lon, WGS84)",
                                 path=path)
            if crs.to_epsg() != 4326:
                raise InputError(f"CRS is {crs.to_string()}; expected EPSG:4326 (geographic "
                                 "lat/lon, WGS84): reproject the map first", path=path)
            t = src.transform
            if t.b != 0 or t.d != 0 or t.a <= 0 or t.e >= 0:
                raise InputError(f"not a north-up raster (transform {tuple(t)[:6]})", path=path)
            if abs(t.a - res) > _RES_RTOL * res or abs(-t.e - res) > _RES_RTOL * res:
                raise InputError(f"pixel size {t.a:.8g} x {-t.e:.8g} deg; expected {res:.8g} deg "
                                 f"({res * 3600:g} arc-seconds)", path=path)
            if bands is not None and src.count != bands:
                raise InputError(f"{src.count} bands; expected {bands}", path=path)
            if src.nodata is None:
                raise InputError("no nodata value set", path=path)
            data = src.read()
            return Raster(path, data, float(src.nodata), float(t.c), float(t.f), float(t.a))
    except RasterioError as exc:
        raise InputError(f"cannot read GeoTIFF (corrupt or truncated?): {exc}",
                         path=path) from None


def read_map(raw_dir: str | Path, name: str) -> Raster:
    """Read map ``name`` of :data:`MAPS` from ``raw_dir`` with its checks."""
    spec = MAPS[name]
    return read_raster(Path(raw_dir) / spec.relpath, bands=spec.bands)


# --- step 1: aggregation to 0.1 deg blocks ------------------------------------------------------


class Blocks(NamedTuple):
    """Aggregated map: ``data`` (bands, nrow, ncol), row 0 north; block centres in deg."""

    data: np.ndarray
    lat: np.ndarray  # centres, descending (row order)
    lon: np.ndarray  # centres, ascending
    nodata: float


def _factor(r: Raster, coarse: float) -> int:
    f = coarse / r.res
    k = int(round(f))
    if k < 1 or abs(f - k) > 1e-6 * f:
        raise InputError(f"pixel size {r.res:.8g} deg does not divide {coarse} deg", path=r.path)
    return k


def _blocked(r: Raster, k: int, fill) -> np.ndarray:
    """(bands, nby, nbx, k*k) view of the raster padded with ``fill`` to whole blocks."""
    nb, ny, nx = r.data.shape
    nby, nbx = -(-ny // k), -(-nx // k)
    a = r.data
    if nby * k != ny or nbx * k != nx:
        a = np.full((nb, nby * k, nbx * k), fill, dtype=r.data.dtype)
        a[:, :ny, :nx] = r.data
    return a.reshape(nb, nby, k, nbx, k).transpose(0, 1, 3, 2, 4).reshape(nb, nby, nbx, k * k)


def _centres(r: Raster, k: int, nby: int, nbx: int, coarse: float):
    lat = r.north - (np.arange(nby) + 0.5) * k * r.res
    lon = r.west + (np.arange(nbx) + 0.5) * k * r.res
    return lat, lon


def majority_of(values: np.ndarray, valid: np.ndarray, nodata) -> np.ndarray:
    """Majority over the last axis of integer ``values`` (valid pixels only).

    Ties go to the smallest code among the tied; all-invalid -> ``nodata``.
    """
    lead = values.shape[:-1]
    v = values.reshape(-1, values.shape[-1]).astype(np.int64)
    ok = valid.reshape(v.shape)
    if (v[ok] < 0).any():
        raise ValueError("class codes must be non-negative integers")
    ncode = int(v[ok].max()) + 1 if ok.any() else 1
    rows = np.broadcast_to(np.arange(v.shape[0])[:, None], v.shape)
    counts = np.bincount((rows[ok] * ncode + v[ok]), minlength=v.shape[0] * ncode)
    counts = counts.reshape(v.shape[0], ncode)
    out = counts.argmax(axis=1)  # first maximum = smallest code among ties
    out = np.where(counts.sum(axis=1) > 0, out, nodata)
    return out.reshape(lead)


def aggregate_majority(r: Raster, coarse: float = COARSE_RES) -> Blocks:
    """Majority of each 0.1-deg block (class maps); see the module docstring for the rules."""
    if r.data.dtype.kind not in "iu":
        raise InputError(f"class map must hold integers, not {r.data.dtype}", path=r.path)
    k = _factor(r, coarse)
    vals = _blocked(r, k, r.nodata)
    out = np.empty(vals.shape[:3], dtype=r.data.dtype)
    for b in range(vals.shape[0]):  # band by band: bounded memory for the 18-band soil stack
        out[b] = majority_of(vals[b], vals[b] != r.nodata, r.nodata)
    lat, lon = _centres(r, k, out.shape[1], out.shape[2], coarse)
    return Blocks(out, lat, lon, r.nodata)


def aggregate_mean(r: Raster, coarse: float = COARSE_RES) -> Blocks:
    """Mean of the valid pixels of each 0.1-deg block (continuous fields); none valid -> NaN."""
    k = _factor(r, coarse)
    vals = _blocked(r, k, r.nodata).astype(np.float64)
    valid = np.isfinite(vals) & (vals != r.nodata)
    n = valid.sum(axis=-1)
    s = np.where(valid, vals, 0.0).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(n > 0, s / np.maximum(n, 1), np.nan)
    lat, lon = _centres(r, k, out.shape[1], out.shape[2], coarse)
    return Blocks(out, lat, lon, np.nan)


# --- step 2: nearest neighbour onto the forcing grid --------------------------------------------

_TIE_TOL = 1e-6  # in units of a block: closer to halfway than this counts as a tie


def nearest_index(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """For each coordinate in ``dst``, the index of the nearest of the regular ``src`` centres.

    ``src`` is regular (ascending or descending). Ties go to the smaller coordinate (south or
    west). Coordinates more than half a step outside ``src`` give -1.
    """
    src = np.asarray(src, dtype=np.float64)
    dst = np.asarray(dst, dtype=np.float64)
    n = src.size
    step = abs(src[1] - src[0]) if n > 1 else COARSE_RES
    u = (dst - src.min()) / step  # position among the ascending centres
    j = np.ceil(u - 0.5 - _TIE_TOL).astype(np.int64)  # nearest; exactly halfway -> the lower
    inside = (u >= -0.5 - _TIE_TOL) & (u <= n - 0.5 + _TIE_TOL)
    j = np.clip(j, 0, n - 1)
    if n > 1 and src[1] < src[0]:
        j = n - 1 - j  # descending source (raster rows run from the north)
    return np.where(inside, j, -1)


def to_grid(blocks: Blocks, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Nearest-neighbour values of ``blocks`` on the grid of cell centres ``lat`` x ``lon``.

    Returns (bands, lat.size, lon.size) (a new array); cells outside the map get
    ``blocks.nodata``.
    """
    iy = nearest_index(blocks.lat, lat)
    ix = nearest_index(blocks.lon, lon)
    out = blocks.data[:, np.clip(iy, 0, None)][:, :, np.clip(ix, 0, None)]
    outside = (iy[:, None] < 0) | (ix[None, :] < 0)
    out[:, outside] = blocks.nodata
    return out


# --- cell areas ---------------------------------------------------------------------------------

WGS84_A = 6378.137  # km, semi-major axis
WGS84_F = 1.0 / 298.257223563  # flattening


def _q(phi: np.ndarray, e: float) -> np.ndarray:
    """Snyder (1987) eq. 3-12: q(phi) = (1 - e^2) [sin/(1 - e^2 sin^2) - ln((1 - e sin)/(1 + e sin))/(2e)]."""
    s = np.sin(phi)
    return (1 - e * e) * (s / (1 - e * e * s * s) - np.log((1 - e * s) / (1 + e * s)) / (2 * e))


def cell_area_km2(lat, dlat: float = COARSE_RES, dlon: float = COARSE_RES) -> np.ndarray:
    """Area [km2] of lat/lon cells centred at ``lat`` [deg], ``dlat`` x ``dlon`` deg, on WGS84.

    Exact on the ellipsoid: A = a^2 / 2 * dlon * (q(phi_n) - q(phi_s)) (Snyder 1987, eq. 3-12,
    the authalic-latitude basis of equal-area projections); for the whole ellipsoid this gives
    4 pi R_q^2 with the authalic radius R_q = 6371.0072 km.
    """
    e = math.sqrt(WGS84_F * (2 - WGS84_F))
    lat = np.asarray(lat, dtype=np.float64)
    north = np.radians(np.clip(lat + dlat / 2, -90, 90))
    south = np.radians(np.clip(lat - dlat / 2, -90, 90))
    return 0.5 * WGS84_A**2 * math.radians(dlon) * (_q(north, e) - _q(south, e))


# --- the 2010 permafrost map's area --------------------------------------------------------------


def _mask_on(r: Raster, mask: Raster) -> np.ndarray:
    """(rows, cols) bool of ``r``'s pixels whose nearest ``mask`` pixel is 1 (outside: False)."""
    lat = r.north - (np.arange(r.data.shape[1]) + 0.5) * r.res
    lon = r.west + (np.arange(r.data.shape[2]) + 0.5) * r.res
    mlat = mask.north - (np.arange(mask.data.shape[1]) + 0.5) * mask.res
    mlon = mask.west + (np.arange(mask.data.shape[2]) + 0.5) * mask.res
    iy, ix = nearest_index(mlat, lat), nearest_index(mlon, lon)
    hit = (mask.data[0] == 1) & mask.valid[0]
    out = hit[np.clip(iy, 0, None)][:, np.clip(ix, 0, None)]
    out[(iy[:, None] < 0) | (ix[None, :] < 0)] = False
    return out


def permafrost_map_area(raw_dir: str | Path) -> dict[str, float] | None:
    """Area [km2] of the 2010 permafrost map's permafrost, glaciers and lakes excluded.

    The paper's 1.086e6 km2 (section 3.2) is the Cao map's permafrost area excluding glaciers
    and lakes; a real map may code permafrost under glacier or lake pixels, so every pixel that
    the glacier or lake mask (``masks/*_1km.tif``, value 1; nearest mask pixel to the map
    pixel's centre) marks is left out, whatever the map says. Pixel areas are exact on WGS84
    (:func:`cell_area_km2`). Returns ``permafrost_km2``, ``excluded_km2`` (permafrost pixels
    under glacier or lake) and ``valid_km2`` (map pixels with data, masks excluded), or None
    when there is no map. A missing mask file excludes nothing (logged).
    """
    import logging

    path = Path(raw_dir) / MAPS["permafrost"].relpath
    if not path.is_file():
        return None
    r = read_map(raw_dir, "permafrost")
    lat = r.north - (np.arange(r.data.shape[1]) + 0.5) * r.res
    pix = cell_area_km2(lat, r.res, r.res)[:, None]
    masked = np.zeros(r.data.shape[1:], bool)
    for name in ("glacier", "lake"):
        if (Path(raw_dir) / MAPS[name].relpath).is_file():
            masked |= _mask_on(r, read_map(raw_dir, name))
        else:
            logging.getLogger(__name__).warning("no %s mask: its pixels are not excluded "
                                                "from the map's area", name)
    valid = r.valid[0]
    pf = valid & (r.data[0] == 1)
    return {"permafrost_km2": float((pix * (pf & ~masked)).sum()),
            "excluded_km2": float((pix * (pf & masked)).sum()),
            "valid_km2": float((pix * (valid & ~masked)).sum())}


def write_raster(path: str | Path, data: np.ndarray, *, west: float, north: float,
                 nodata: float, res: float = FINE_RES, crs: str = "EPSG:4326") -> Path:
    """Write ``data`` (bands, rows, cols) or (rows, cols) as a north-up GeoTIFF (deflate)."""
    import rasterio
    from affine import Affine

    a = np.asarray(data)
    if a.ndim == 2:
        a = a[None]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    profile = {"driver": "GTiff", "width": a.shape[2], "height": a.shape[1], "count": a.shape[0],
               "dtype": a.dtype.name, "crs": crs, "transform": Affine(res, 0.0, west, 0.0, -res, north),
               "nodata": nodata, "compress": "deflate"}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(a)
    return path

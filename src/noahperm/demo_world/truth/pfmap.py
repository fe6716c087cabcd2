"""The truth's permafrost map of ``map_year`` (default 2010) at 1 km on the DEM's grid.

1. Cell index ``I_c`` [degC]: the coldest layer's annual maximum temperature over the map year
   and the year before, ``min_k max(Tmax_k(y-1), Tmax_k(y)) - 273.15``. ``I_c <= 0`` is exactly
   the model's permafrost class of year ``y`` (``noahperm.diagnostics.permafrost.classify``).
2. Sub-grid variability from elevation: pixel index ``I_p = I_c + Gamma (z_p - z_c)`` with the
   pixel's elevation ``z_p``, the cell's mean elevation ``z_c`` and ``Gamma`` =
   ``truth.map.lapse_K_per_km`` (default -5 K/km: a pixel 200 m above its cell's mean is 1 K
   colder). The "pixel-wise truth" is ``I_p <= 0``. Pixels of masked (glacier, lake) cells that
   are themselves neither glacier nor lake take the nearest active cell's ``I_c`` and ``z_c``.
3. Map error: a seeded, spatially correlated perturbation ``s n(x)``, ``n`` white noise smoothed
   with a Gaussian of ``noise_length_px`` pixels and scaled to unit variance; the map is
   ``I_p + s n <= 0``. ``s`` is found by bisection so that the map agrees with the pixel-wise
   truth on ``truth.map.agreement`` (default 85 %, the Cao map's accuracy) of the valid
   pixels, at most ``max_noise_K``.

Values: 1 permafrost, 0 not, 255 nodata (glacier or lake pixel, no elevation, outside the
domain). Stream ``SeedSequence([seed, 2])``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from noahperm.inputs import maps as lc
from noahperm.kernel.constants import TFREEZ

log = logging.getLogger(__name__)

NODATA = 255
STREAM_MAP = 2


def cell_index(tmax: np.ndarray, year_index: int) -> np.ndarray:
    """(ncell,) index [degC] from annual maxima tmax (ncell, nyear, nlayer) [K]."""
    if year_index < 1:
        raise ValueError("the map year needs the year before it in the run")
    both = np.maximum(tmax[:, year_index - 1], tmax[:, year_index])
    return both.min(axis=-1) - TFREEZ


def pixel_cells(dem: lc.Raster, domain) -> np.ndarray:
    """(rows, cols) position in the domain's cell list of the cell holding each pixel's
    centre (-1: no domain cell)."""
    res = float(domain.attrs["res"])
    lat0, lon0 = float(domain.attrs["grid_lat0"]), float(domain.attrs["grid_lon0"])
    nlat, nlon = int(domain.attrs["grid_nlat"]), int(domain.attrs["grid_nlon"])
    _, ny, nx = dem.data.shape
    lat = dem.north - (np.arange(ny) + 0.5) * dem.res
    lon = dem.west + (np.arange(nx) + 0.5) * dem.res
    iy = np.floor(np.round((lat - lat0) / res + 0.5, 9)).astype(int)
    ix = np.floor(np.round((lon - lon0) / res + 0.5, 9)).astype(int)
    lookup = np.full((nlat, nlon), -1, dtype=np.int64)
    lookup[domain["iy"].values, domain["ix"].values] = np.arange(domain.sizes["cell"])
    ok_y = (iy >= 0) & (iy < nlat)
    ok_x = (ix >= 0) & (ix < nlon)
    out = lookup[np.clip(iy, 0, nlat - 1)][:, np.clip(ix, 0, nlon - 1)]
    out[~ok_y, :] = -1
    out[:, ~ok_x] = -1
    return out


def _nearest_active(domain, cell_pos: np.ndarray) -> np.ndarray:
    """For each domain cell (position), the position of the nearest active cell (grid
    distance; ties to the smaller cell number)."""
    iy, ix = domain["iy"].values.astype(float), domain["ix"].values.astype(float)
    active = np.asarray(cell_pos)
    d2 = (iy[:, None] - iy[active][None]) ** 2 + (ix[:, None] - ix[active][None]) ** 2
    return active[np.argmin(d2, axis=1)]


def pixel_grid(raw_dir, domain):
    """(DEM raster, valid pixels (not glacier, lake or nodata), pixel -> cell position)."""
    dem = lc.read_map(raw_dir, "dem")
    valid = dem.valid[0].copy()
    for name in ("glacier", "lake"):
        m = lc.read_map(raw_dir, name)
        if m.data.shape != dem.data.shape:
            raise ValueError(f"{name} map and DEM differ in shape")
        valid &= m.data[0] != 1
    pos = pixel_cells(dem, domain)
    return dem, valid & (pos >= 0), pos


def pixel_index(dem, valid, pos, domain, cell_ids, index_c, lapse_K_per_km: float):
    """Pixel index [degC] (NaN where not valid) from the cell index of the active cells."""
    z = dem.data[0].astype(np.float64)
    cell_pos = np.searchsorted(domain["cell"].values, cell_ids)  # active cells' positions
    idx_of_pos = np.full(domain.sizes["cell"], np.nan)
    idx_of_pos[cell_pos] = index_c
    donor = _nearest_active(domain, cell_pos)
    zc = domain["elevation"].values.astype(float)
    src = donor[np.where(valid, pos, 0)]
    out = idx_of_pos[src] + lapse_K_per_km / 1000.0 * (z - zc[src])
    return np.where(valid, out, np.nan)


def perturbation(shape, seed: int, length_px: float) -> np.ndarray:
    """Unit-variance, spatially correlated noise (Gaussian-filtered white noise)."""
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(np.random.SeedSequence([int(seed), STREAM_MAP]))
    n = gaussian_filter(rng.standard_normal(shape), float(length_px), mode="reflect")
    return n / n.std()


def noise_scale(index: np.ndarray, noise: np.ndarray, target: float, max_sd: float):
    """(s, agreement): the noise sd giving ``target`` agreement with ``index <= 0``."""
    ok = np.isfinite(index)
    truth = index[ok] <= 0
    x, n = index[ok], noise[ok]

    def agree(s):
        return float(np.mean((x + s * n <= 0) == truth)) if x.size else 1.0

    if agree(max_sd) >= target:
        log.warning("map agreement %.3f at the largest perturbation %.2f K is above the "
                    "target %.3f", agree(max_sd), max_sd, target)
        return max_sd, agree(max_sd)
    lo, hi = 0.0, float(max_sd)
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        if agree(mid) >= target:
            lo = mid
        else:
            hi = mid
    return lo, agree(lo)


def make_map(grid, domain, cell_ids, tmax, year_index: int, settings: dict, out_path):
    """Write the map (atomically) and return a summary dict. ``grid``: :func:`pixel_grid`."""
    from noahperm.core.fileio import atomic_file

    ms = settings["map"]
    dem, valid, pos = grid
    index_c = cell_index(tmax, year_index)
    index = pixel_index(dem, valid, pos, domain, cell_ids, index_c, float(ms["lapse_K_per_km"]))
    noise = perturbation(index.shape, settings["seed"], float(ms["noise_length_px"]))
    s, agreement = noise_scale(index, noise, float(ms["agreement"]), float(ms["max_noise_K"]))
    ok = np.isfinite(index)
    pf = np.where(ok, (np.nan_to_num(index) + s * noise <= 0).astype(np.uint8), NODATA)
    pf = pf.astype(np.uint8)
    out_path = Path(out_path)
    with atomic_file(out_path, parents=True) as tmp:
        lc.write_raster(tmp, pf, west=dem.west, north=dem.north, nodata=NODATA, res=dem.res)
    summary = {"noise_sd_K": round(s, 4), "agreement_pixelwise": round(agreement, 4),
               "valid_pixels": int(ok.sum()), "permafrost_pixels": int((pf == 1).sum()),
               "permafrost_pixels_pixelwise_truth": int((index[ok] <= 0).sum())}
    log.info("permafrost map %s: perturbation sd %.2f K, %.1f %% agreement with the "
             "pixel-wise truth, %d of %d valid pixels permafrost", out_path, s,
             100 * agreement, summary["permafrost_pixels"], summary["valid_pixels"])
    return summary

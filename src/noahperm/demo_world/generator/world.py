"""The static world of the synthetic mini-QTP: grids, terrain, masks, vegetation, LAI, soil.

Two aligned grids (:func:`build_world`):

* the forcing grid: ``nlat x nlon`` cells of ``res`` degrees, south-west corner at
  (``lon_min``, ``lat_min``) (cell edges; centres at ``lon_min + (i + 0.5) res``);
* the map grid: pixels of ``fine_res`` (30 arc-seconds) covering it exactly,
  ``m = res / fine_res`` pixels (12 by default) per cell side, stored north-up (row 0 = north).

Position is measured by the north-west index ``s = (w + n) / 2`` in [0, 1], ``w`` and ``n`` the
fractional distances from the east and south edges: ``s = 0`` at the south-east corner, ``1`` at
the north-west corner. Everything that follows climate follows ``s`` and elevation:

* elevation: ``elev_se_m`` to ``elev_nw_m`` linear in ``s``, plus smooth random relief, two
  WNW-ESE ridges (sub-grid relief of a few hundred metres) and a massif near the NW corner;
* glaciers: the highest ``glacier_fraction`` of the land pixels (mostly on the massif);
* lakes: discs of ``lake_radii_px`` in low-relief basins, surface flattened to the lowest
  shore pixel; a radius of 6.5 pixels or more centred in a cell makes that cell majority lake;
* vegetation (:data:`VEGETATION_CLASSES`): from a moisture index (the precipitation
  climatology with patchy noise, wetter in hollows) and the annual air temperature;
* growing-season LAI: by class, thinning with elevation, with noise;
* soil (:data:`LAYER_THICKNESS_M`, 18 layers): a texture top (loam/silt loam where wet, sandy
  where arid) to 0.3-1.8 m, a sandy substrate with gravel lenses below it, mostly gravel below
  3-10 m, bedrock below a random depth that is shallower in the arid NW and on rough terrain
  (modified STAS classes, glacier 15 and lake 16 under the masks).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter

from noahperm.demo_world.generator.climate import annual_mean_temperature_C, annual_precipitation_mm

#: The study's 18 soil layers [m], 15.2 m in all (REFERENCE_MODEL.md section 1).
LAYER_THICKNESS_M = (0.045, 0.046, 0.075, 0.123, 0.204, 0.336, 0.554, 0.913, 0.904,
                     1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0)

#: Source vegetation classes of the vegetation map: code -> (name, USGS class of the kernel).
#: Code 0 is nodata. Goes into config ``domain.vegetation_classes``.
VEGETATION_CLASSES = {
    1: ("alpine swamp meadow", 17),  # Herbaceous Wetland
    2: ("alpine meadow", 7),  # Grassland
    3: ("alpine shrub meadow", 9),  # Mixed Shrubland/Grassland
    4: ("alpine shrubland", 8),  # Shrubland
    5: ("alpine steppe", 7),  # Grassland
    6: ("alpine desert steppe", 7),  # Grassland (sparse: LAI decides the exchange scheme)
    7: ("alpine desert", 19),  # Barren or Sparsely Vegetated
    8: ("subnival sparse vegetation", 19),  # Barren or Sparsely Vegetated
    9: ("glacier", 24),  # Snow or Ice
    10: ("lake", 16),  # Water Bodies
}
GLACIER_CODE, LAKE_CODE = 9, 10
#: Growing-season LAI [m2 m-2] of each class at 4500 m and a moisture index of 450 mm, before
#: noise (GIMMS-like magnitudes: meadows about 1, steppes about 0.3, deserts below 0.1).
_LAI = {1: 1.8, 2: 0.95, 3: 1.2, 4: 1.5, 5: 0.4, 6: 0.22, 7: 0.08, 8: 0.05, 9: 0.0, 10: 0.0}
#: Modified STAS classes used (SOILPARM.TBL, STAS block).
LOAM, SILT_LOAM, SANDY_LOAM, LOAMY_SAND, SAND, GRAVEL, BEDROCK = 7, 8, 9, 11, 12, 13, 14
GLACIER_SOIL, LAKE_SOIL, ORGANIC = 15, 16, 17

#: Shallowest depth [m] of the gravel lenses of the sandy substrate (generator version 5): the
#: plateau's active layer is 1-4 m thick, and a gravel (STAS 13) lens within it let a permafrost
#: cell thaw to 7-10 m in equilibrium (docs/demo_world.md, "The ground thermal regime").
GRAVEL_LENS_TOP_M = 3.3

# Independent random streams (SeedSequence entropy [seed, stream]).
_S_RELIEF, _S_RIDGE, _S_LAKE, _S_VEG, _S_SOIL = 101, 102, 103, 104, 105


@dataclass(frozen=True)
class World:
    """The generated static fields (see the module docstring). Maps are north-up
    ``(ny, nx)``; cell fields are ``(nlat, nlon)`` with latitude ascending, as in CMFD."""

    settings: dict
    m: int  # pixels per cell side
    lon: np.ndarray  # (nlon,) cell centres [deg E], ascending
    lat: np.ndarray  # (nlat,) cell centres [deg N], ascending
    dem: np.ndarray  # (ny, nx) float32 [m]
    glacier: np.ndarray  # (ny, nx) bool
    lake: np.ndarray  # (ny, nx) bool
    vegetation: np.ndarray  # (ny, nx) uint8, VEGETATION_CLASSES codes
    lai: np.ndarray  # (ny, nx) float32 [m2 m-2]
    soil: np.ndarray  # (18, ny, nx) uint8, STAS classes, layer 1 first
    cell_elevation: np.ndarray  # (nlat, nlon) mean pixel elevation [m]
    cell_nw_index: np.ndarray  # (nlat, nlon) s of the cell centre [-]

    @property
    def west(self) -> float:
        return self.settings["grid"]["lon_min"]

    @property
    def south(self) -> float:
        return self.settings["grid"]["lat_min"]

    @property
    def res(self) -> float:
        return self.settings["grid"]["res"]

    @property
    def fine_res(self) -> float:
        return self.res / self.m

    @property
    def north(self) -> float:
        return self.south + self.lat.size * self.res

    @property
    def east(self) -> float:
        return self.west + self.lon.size * self.res

    def coarse_mean(self, field: np.ndarray) -> np.ndarray:
        """Mean of a north-up pixel field over each cell, as ``(nlat, nlon)`` lat ascending."""
        ny, nx = field.shape
        blocks = field.reshape(ny // self.m, self.m, nx // self.m, self.m).astype(np.float64)
        return blocks.mean(axis=(1, 3))[::-1]


def nw_index(lon, lat, west: float, south: float, east: float, north: float):
    """North-west index ``s`` in [0, 1]: 0 at the south-east corner, 1 at the north-west."""
    w = (east - np.asarray(lon, dtype=np.float64)) / (east - west)
    n = (np.asarray(lat, dtype=np.float64) - south) / (north - south)
    return 0.5 * (w + n)


def layer_bounds(thickness=LAYER_THICKNESS_M) -> tuple[np.ndarray, np.ndarray]:
    """Top and bottom depth [m] of each layer."""
    bottom = np.cumsum(np.asarray(thickness, dtype=np.float64))
    return bottom - np.asarray(thickness), bottom


def smooth_noise(rng: np.random.Generator, shape, sigma: float) -> np.ndarray:
    """Gaussian-filtered white noise scaled to zero mean and unit standard deviation."""
    f = gaussian_filter(rng.standard_normal(shape), sigma=sigma, mode="reflect")
    sd = f.std()
    return (f - f.mean()) / (sd if sd > 0 else 1.0)


def _rng(seed: int, stream: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, stream]))


def _terrain(t: dict, s, xw, yn, seed: int) -> np.ndarray:
    """Elevation [m] on the pixel grid (north-up)."""
    ny, nx = s.shape
    rng = _rng(seed, _S_RELIEF)
    z = t["elev_se_m"] + (t["elev_nw_m"] - t["elev_se_m"]) * s
    z += t["noise_m"] * (0.85 * smooth_noise(rng, s.shape, t["noise_length_px"])
                         + 0.5 * smooth_noise(rng, s.shape, 1.5))
    rng = _rng(seed, _S_RIDGE)
    x = (1.0 - xw) * nx  # pixels from the west edge, eastward
    y = yn * ny  # pixels from the south edge, northward
    for yfrac in (0.30, 0.70):  # two ridges, trending WNW-ESE (15 deg south of east)
        y0 = (yfrac + rng.uniform(-0.05, 0.05)) * ny
        ang = np.deg2rad(-15.0 + rng.uniform(-5.0, 5.0))
        d = (y - y0) * np.cos(ang) - (x - 0.5 * nx) * np.sin(ang)  # distance across
        crest = t["ridge_height_m"] * (0.6 + 0.4 * np.tanh(smooth_noise(rng, s.shape, 15.0)))
        z += crest * np.exp(-0.5 * (d / t["ridge_width_px"]) ** 2)
    r2 = ((xw - 0.85) * nx) ** 2 + ((yn - 0.85) * ny) ** 2  # massif near the NW corner
    z += t["massif_height_m"] * np.exp(-0.5 * r2 / t["massif_width_px"] ** 2)
    return z


def _lakes(t: dict, z: np.ndarray, m: int, seed: int) -> np.ndarray:
    """Lake mask; lowers each lake's surface to its lowest pixel (in place on ``z``)."""
    ny, nx = z.shape
    nlat, nlon = ny // m, nx // m
    lake = np.zeros(z.shape, dtype=bool)
    if not t["lake_radii_px"]:
        return lake
    rng = _rng(seed, _S_LAKE)
    blocks = z.reshape(nlat, m, nlon, m)
    cmean, crelief = blocks.mean(axis=(1, 3)), blocks.std(axis=(1, 3))
    rows, cols = np.mgrid[0:nlat, 0:nlon]
    ok = cmean <= np.quantile(cmean, 0.7)  # basins: not among the highest cells
    if nlat >= 3 and nlon >= 3:
        ok &= (rows > 0) & (rows < nlat - 1) & (cols > 0) & (cols < nlon - 1)
    ok &= crelief <= np.quantile(crelief[ok], 0.6) if ok.any() else ok
    cand = list(zip(rows[ok], cols[ok], strict=True))
    order = rng.permutation(len(cand))
    jj, ii = np.mgrid[0:ny, 0:nx]
    shore = smooth_noise(rng, z.shape, 3.0)
    chosen: list[tuple[int, int]] = []
    for radius in t["lake_radii_px"]:
        pick = next((cand[k] for k in order
                     if all(max(abs(cand[k][0] - a), abs(cand[k][1] - b)) >= 2
                            for a, b in chosen)), None)
        if pick is None:
            break
        chosen.append(pick)
        cy = (pick[0] + 0.5) * m - 0.5 + rng.uniform(-0.5, 0.5)
        cx = (pick[1] + 0.5) * m - 0.5 + rng.uniform(-0.5, 0.5)
        r = np.hypot(jj - cy, ii - cx)
        one = r <= radius * (1.0 + 0.08 * shore)
        if one.any():
            z[one] = z[one].min()
            lake |= one
    return lake


def _vegetation(s, z, lake, glacier, moist, t_air, rng) -> np.ndarray:
    """Source vegetation class per pixel (see VEGETATION_CLASSES)."""
    tpi = z - gaussian_filter(z, 5.0, mode="reflect")  # topographic position [m]
    patch = smooth_noise(rng, z.shape, 3.0)
    v = np.full(z.shape, 7, dtype=np.uint8)  # alpine desert
    v[moist >= 160.0] = 6  # desert steppe
    v[moist >= 260.0] = 5  # steppe
    v[moist >= 380.0] = 2  # meadow
    v[(moist >= 380.0) & (z < 4300.0) & (patch > 0.3)] = 3  # shrub meadow
    v[(moist >= 480.0) & (z < 4050.0) & (patch > 0.0)] = 4  # shrubland on low SE slopes
    v[(moist >= 450.0) & (tpi < -15.0) & (patch < -0.6)] = 1  # swamp meadow in wet hollows
    v[t_air < -8.5] = 8  # subnival
    v[glacier] = GLACIER_CODE
    v[lake] = LAKE_CODE
    return v


def _lai(veg, z, moist, rng) -> np.ndarray:
    base = np.zeros(veg.shape)
    for code, val in _LAI.items():
        base[veg == code] = val
    thin = np.clip(1.0 - 0.3 * (z - 4500.0) / 1000.0, 0.4, 1.3) * np.clip(moist / 450.0, 0.5, 1.5)
    noise = np.exp(0.15 * smooth_noise(rng, veg.shape, 2.0))
    return (base * thin * noise).astype(np.float32)


def _soil(s, z, moist, veg, lake, glacier, rng) -> np.ndarray:
    """18-layer STAS class stack (layer, ny, nx).

    Four zones, top down: a fine top (texture from the moisture index) to ``d1`` (0.3-1.8 m,
    deeper where wetter); a sandy substrate (STAS sand with gravel lenses) to ``d2`` (2.5-8 m
    below ``d1``; its gravel lenses only below :data:`GRAVEL_LENS_TOP_M`, 3.3 m); mostly gravel
    with sand lenses below; bedrock below a random depth that is shallower in the arid NW and
    on rough terrain. Gravel stays mostly below the active layer:
    the table's gravel (13) drains to about 0.07 m3 m-3 of water and conducts heat well
    (about 2.5 W m-1 K-1 thawed), so a gravel active layer thaws to 6-14 m, while the sand (12)
    keeps 0.15-0.27 m3 m-3 (docs/demo_world.md, "The ground thermal regime").
    """
    shape = z.shape
    n = [smooth_noise(rng, shape, 4.0) for _ in range(6)]
    wet = np.clip((moist - 100.0) / 500.0, 0.0, 1.0)
    top = np.where(moist >= 380.0, np.where(n[0] > -0.5, LOAM, SILT_LOAM),
          np.where(moist >= 260.0, np.where(n[0] > -0.25, SANDY_LOAM, LOAM),
          np.where(moist >= 160.0, np.where(n[0] > 0.25, SANDY_LOAM, LOAMY_SAND),
                   np.where(n[0] > 0.0, LOAMY_SAND, SAND))))
    top = np.where(veg == 1, SILT_LOAM, top)
    d1 = np.clip(0.5 + 1.0 * wet + 0.2 * n[1], 0.3, 1.8)  # base of the fine top [m]
    d2 = d1 + np.clip(4.5 + 1.5 * n[2], 2.5, 8.0)  # base of the sandy substrate [m]
    rough = gaussian_filter(np.abs(z - gaussian_filter(z, 3.0, mode="reflect")), 3.0)
    rough = np.clip(rough / 60.0, 0.0, 1.0)
    d_rock = np.exp(np.log(12.0) + 0.5 * n[3]) * (1.25 - 0.5 * s) * (1.0 - 0.5 * rough)
    d_rock = np.maximum(d_rock, d1 + 0.3)
    top_d, bot_d = layer_bounds()
    mid = 0.5 * (top_d + bot_d)[:, None, None]
    lens = (n[4] > 0.8) & (mid >= GRAVEL_LENS_TOP_M)  # gravel lenses of the substrate
    stack = np.where(mid < d1, top,
            np.where(mid < d2, np.where(lens, GRAVEL, SAND),
                     np.where(n[5] > -0.8, GRAVEL, SAND)))
    stack = np.where((veg == 1) & (mid < 0.1), ORGANIC, stack)
    stack = np.where(mid >= d_rock, BEDROCK, stack)
    stack = np.where(glacier, GLACIER_SOIL, np.where(lake, LAKE_SOIL, stack))
    return stack.astype(np.uint8)


def build_world(settings: dict) -> World:
    """Generate the static world from complete settings (:func:`~.settings.demo_settings`)."""
    g, t, seed = settings["grid"], settings["terrain"], settings["seed"]
    m = int(round(g["res"] / settings["fine_res"]))
    nlon, nlat, res = g["nlon"], g["nlat"], g["res"]
    west, south = g["lon_min"], g["lat_min"]
    east, north = west + nlon * res, south + nlat * res
    ny, nx = nlat * m, nlon * m
    fr = res / m
    plon = west + (np.arange(nx) + 0.5) * fr
    plat = north - (np.arange(ny) + 0.5) * fr
    lon2, lat2 = np.meshgrid(plon, plat)
    xw = (east - lon2) / (east - west)
    yn = (lat2 - south) / (north - south)
    s = 0.5 * (xw + yn)

    z = _terrain(t, s, xw, yn, seed)
    lake = _lakes(t, z, m, seed)
    glacier = np.zeros(z.shape, dtype=bool)
    if t["glacier_fraction"] > 0.0 and (~lake).any():
        thr = np.quantile(z[~lake], 1.0 - t["glacier_fraction"])
        glacier = (z >= thr) & ~lake

    rng = _rng(seed, _S_VEG)
    moist = annual_precipitation_mm(s, settings["climate"]) * np.exp(
        0.15 * smooth_noise(rng, z.shape, 4.0))
    t_air = annual_mean_temperature_C(z, settings["climate"])
    veg = _vegetation(s, z, lake, glacier, moist, t_air, rng)
    lai = _lai(veg, z, moist, rng)
    soil = _soil(s, z, moist, veg, lake, glacier, _rng(seed, _S_SOIL))

    lon = west + (np.arange(nlon) + 0.5) * res
    lat = south + (np.arange(nlat) + 0.5) * res
    dem = z.astype(np.float32)
    cell_z = dem.reshape(nlat, m, nlon, m).astype(np.float64).mean(axis=(1, 3))[::-1]
    lon_c, lat_c = np.meshgrid(lon, lat)
    return World(settings=settings, m=m, lon=lon, lat=lat, dem=dem, glacier=glacier, lake=lake,
                 vegetation=veg, lai=lai, soil=soil, cell_elevation=cell_z,
                 cell_nw_index=nw_index(lon_c, lat_c, west, south, east, north))

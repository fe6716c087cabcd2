"""Where the truth's observation network lies: cells like the paper's network, a pixel in each.

Active-layer stations take the names, depths and periods of the Zhao et al. (2021) network
(:data:`TEMPLATES`, the first ``truth.network.active_layer_sites`` of them):

- ``TGL`` (location ``QT04 (TGL)``, 5-245 cm, 2007-04-01..2010-10-31, the CaliTGL site): an
  active cell that is permafrost through its period, dense grassland (USGS 7, not sparse),
  with the MAAT nearest ``tgl_maat_C`` (-4.7 degC, the paper's value);
- ``TSHAL`` (location ``TSH``, 30-180 cm, 2016-01-01..2018-12-31, the CaliTSH site): permafrost,
  sparse or barren, in the north-western half, MAAT nearest ``tsh_maat_C`` (-6.0 degC);
- the others: the remaining active cells drawn alternately from permafrost and non-permafrost
  cells of the map year.

If no cell meets a rule, the next looser one is used (dropping the vegetation, then the
permafrost condition), with a warning. Boreholes (``QTB01``...) are drawn alternately from
permafrost and non-permafrost (SFG) cells; cells are reused only when all have been used.
Each site lies at the centre of a random valid 1 km pixel of its cell (not glacier, lake or
nodata; not in the cell's outer ring of pixels), so never at the cell centre; coordinates to
4 decimals, checked to fall back into the same cell. A template period outside the simulated
years is moved to the run's last years (with a warning: short test runs only).
Stream ``SeedSequence([seed, 3])``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from noahperm.diagnostics.permafrost import PERMAFROST

log = logging.getLogger(__name__)

STREAM_NETWORK = 3
#: (sheet, location name, depths [cm], first day, last day) of the real network, clipped to
#: 2004-2018; the first two are the calibration sites.
TEMPLATES = (
    ("TGL", "QT04 (TGL)", (5, 10, 40, 105, 245), "2007-04-01", "2010-10-31"),
    ("TSHAL", "TSH", (30, 60, 120, 160, 180), "2016-01-01", "2018-12-31"),
    ("QT09", "QT09 (XDT)", (10, 40, 120, 160), "2011-01-01", "2018-12-31"),
    ("Ch06", "Ch06", (10, 50, 100, 180), "2005-01-01", "2018-12-31"),
    ("QT01", "QT01", (10, 50, 100, 180), "2004-01-01", "2013-12-31"),
    ("QT05", "QT05", (10, 50, 90, 210, 315), "2004-01-01", "2013-12-31"),
    ("ZNHAL", "ZNH", (10, 40), "2014-04-20", "2018-12-31"),
    ("Ch04", "Ch04 (LDH)", (15, 50, 95, 120), "2004-01-01", "2018-12-31"),
    ("QT03", "QT03", (10, 50, 90, 200, 240), "2004-01-01", "2014-12-31"),
    ("QT08", "QT08", (10, 40, 120, 200, 240), "2010-01-01", "2018-12-31"),
    ("Ch01", "Ch01", (10, 50, 100, 160), "2004-01-01", "2014-09-23"),
    ("AYKAL", "AYK", (10, 40, 110, 200, 260), "2014-05-29", "2018-08-15"),
)
CALIBRATION_SITES = ("TGL", "TSHAL")


@dataclass
class Site:
    """One station: ``column`` indexes the run's cells (``cell`` is the domain number)."""

    name: str
    kind: str  # active_layer | borehole
    column: int
    cell: int
    latitude: float
    longitude: float
    elevation_m: float
    location_name: str = ""
    depths_m: tuple = ()
    first: np.datetime64 | None = None
    last: np.datetime64 | None = None
    notes: list = field(default_factory=list)
    column_daily: int = -1  # index into the daily rerun's columns (active-layer sites)


@dataclass
class CellInfo:
    """Per active cell (run order): numbers, class of the map year, MAAT [degC], vegetation,
    sparse, north-west index (0 SE corner .. 1 NW corner) and frozen-ground class per year."""

    cell_ids: np.ndarray
    pos: np.ndarray  # positions in the domain's cell list
    permafrost: np.ndarray
    maat: np.ndarray
    veg: np.ndarray
    veg_source: np.ndarray
    sparse: np.ndarray
    nw: np.ndarray
    classes: np.ndarray
    years: tuple[int, int]


def cell_info(domain, cell_ids, classes, years, map_index, maat) -> CellInfo:
    pos = np.searchsorted(domain["cell"].values, cell_ids)
    lat, lon = domain["lat"].values[pos], domain["lon"].values[pos]

    def unit(x, flip=False):
        span = x.max() - x.min()
        u = (x - x.min()) / span if span > 0 else np.full(x.shape, 0.5)
        return 1 - u if flip else u

    nw = 0.5 * (unit(lon, flip=True) + unit(lat))
    return CellInfo(np.asarray(cell_ids), pos, classes[:, map_index] == PERMAFROST,
                    np.asarray(maat, float), domain["vegetation"].values[pos].astype(int),
                    domain["vegetation_source"].values[pos].astype(int), domain["sparse"].values[pos].astype(bool), nw, classes, years)


def _period(first: str, last: str, years: tuple[int, int], name: str):
    a, b = np.datetime64(first), np.datetime64(last)
    lo, hi = np.datetime64(f"{years[0]}-01-01"), np.datetime64(f"{years[1]}-12-31")
    a2, b2 = max(a, lo), min(b, hi)
    if a2 > b2:  # outside the run: move it to the run's end (short test runs)
        b2 = hi
        a2 = max(lo, hi - (b - a))
        log.warning("site %s: period %s..%s lies outside the simulated years %d-%d; moved "
                    "to %s..%s", name, first, last, years[0], years[1], a2, b2)
    return a2, b2


def _pick(info: CellInfo, tiers, score, exclude, name) -> int:
    for level, ok in enumerate(tiers):
        cand = np.flatnonzero(ok & ~np.isin(np.arange(ok.size), list(exclude)))
        if cand.size:
            if level:
                log.warning("site %s: no cell meets the first rule; rule %d used", name,
                            level + 1)
            return int(cand[np.lexsort((cand, score[cand]))[0]])
    return int(np.argmin(score))  # every cell excluded: share one


def _pf_through(info: CellInfo, a, b) -> np.ndarray:
    y0 = max(int(str(a)[:4]), info.years[0] + 1) - info.years[0]
    y1 = int(str(b)[:4]) - info.years[0]
    return (info.classes[:, y0:y1 + 1] == PERMAFROST).all(axis=1)


def choose_cells(info: CellInfo, net: dict, rng) -> list[tuple]:
    """[(template, column, first, last)] of the active-layer stations."""
    n_al = int(net["active_layer_sites"])
    temps = list(TEMPLATES[:n_al])
    for k in range(len(temps), n_al):  # beyond the real network: generic stations
        temps.append((f"AL{k + 1:02d}", f"AL{k + 1:02d}", (10, 50, 100, 180), "2004-01-01",
                      "2018-12-31"))
    n = info.cell_ids.size
    every = np.ones(n, bool)
    out = []
    a, b = _period(*temps[0][3:], info.years, temps[0][0])
    pf = _pf_through(info, a, b)
    tgl = _pick(info, [pf & (info.veg == 7) & ~info.sparse, pf & (info.veg != 19), pf, every],
                np.abs(info.maat - float(net["tgl_maat_C"])), set(), "TGL")
    out.append((temps[0], tgl, a, b))
    if n_al > 1:
        a, b = _period(*temps[1][3:], info.years, temps[1][0])
        pf = _pf_through(info, a, b)
        arid = info.sparse | (info.veg == 19)
        nw = info.nw >= np.median(info.nw)
        tsh = _pick(info, [pf & arid & nw, pf & arid, pf, every],
                    np.abs(info.maat - float(net["tsh_maat_C"])), {tgl}, "TSHAL")
        out.append((temps[1], tsh, a, b))
    used = {c for _, c, _, _ in out}
    pools = [list(rng.permutation(np.flatnonzero(info.permafrost))),
             list(rng.permutation(np.flatnonzero(~info.permafrost)))]
    for k, t in enumerate(temps[2:]):
        col = _draw_alternating(pools, k, used, rng, n)
        a, b = _period(*t[3:], info.years, t[0])
        out.append((t, col, a, b))
    return out


def _draw_alternating(pools, k, used, rng, n) -> int:
    """Next unused cell from pool k % 2 (else the other pool, else any cell again)."""
    for p in (pools[k % 2], pools[1 - k % 2]):
        while p:
            c = int(p.pop(0))
            if c not in used:
                used.add(c)
                return c
    return int(rng.integers(n))


def choose_borehole_cells(info: CellInfo, count: int, rng) -> list[int]:
    pools = [list(rng.permutation(np.flatnonzero(info.permafrost))),
             list(rng.permutation(np.flatnonzero(~info.permafrost)))]
    used: set = set()
    out = []
    for k in range(count):
        if not pools[0] and not pools[1]:  # all used: start over
            pools = [list(rng.permutation(np.flatnonzero(info.permafrost))),
                     list(rng.permutation(np.flatnonzero(~info.permafrost)))]
            used = set()
        out.append(_draw_alternating(pools, k, used, rng, info.cell_ids.size))
    return out


class PixelPicker:
    """Random valid pixels inside cells (not the outer ring), without repeats."""

    def __init__(self, dem, valid, pixel_pos, domain, rng):
        self.dem, self.pos, self.rng = dem, pixel_pos, rng
        self.valid = valid & (pixel_pos >= 0)
        ny, nx = valid.shape
        self.lat = dem.north - (np.arange(ny) + 0.5) * dem.res
        self.lon = dem.west + (np.arange(nx) + 0.5) * dem.res
        self.clat, self.clon = domain["lat"].values, domain["lon"].values
        self.half = 0.5 * float(domain.attrs["res"]) - 1.5 * dem.res
        self.taken: set = set()

    def __call__(self, cell_pos: int) -> tuple[float, float, float]:
        inner = ((np.abs(self.lat - self.clat[cell_pos]) < self.half)[:, None]
                 & (np.abs(self.lon - self.clon[cell_pos]) < self.half)[None, :])
        here = (self.pos == cell_pos) & self.valid
        for cand in (here & inner, here):
            rows, cols = np.nonzero(cand)
            free = [(r, c) for r, c in zip(rows, cols, strict=True) if (r, c) not in self.taken]
            if free:
                r, c = free[int(self.rng.integers(len(free)))]
                self.taken.add((r, c))
                return (round(float(self.lat[r]), 4), round(float(self.lon[c]), 4),
                        float(self.dem.data[0, r, c]))
        raise ValueError(f"cell at position {cell_pos} has no valid pixel")


def place_network(info: CellInfo, domain, dem, valid, pixel_pos, settings) -> list[Site]:
    """Every station (active-layer sites, then boreholes) with its pixel and period."""
    from noahperm.inputs.observations import assign_cells

    net = settings["network"]
    rng = np.random.default_rng(np.random.SeedSequence([int(settings["seed"]),
                                                        STREAM_NETWORK]))
    pick = PixelPicker(dem, valid, pixel_pos, domain, rng)
    sites = []
    for (name, loc, depths, _, _), col, a, b in choose_cells(info, net, rng):
        lat, lon, z = pick(int(info.pos[col]))
        sites.append(Site(name, "active_layer", col, int(info.cell_ids[col]), lat, lon, z, loc,
                          tuple(d / 100.0 for d in depths), a, b))
    for k, col in enumerate(choose_borehole_cells(info, int(net["boreholes"]), rng)):
        lat, lon, z = pick(int(info.pos[col]))
        sites.append(Site(f"QTB{k + 1:02d}", "borehole", col, int(info.cell_ids[col]), lat,
                          lon, z, depths_m=tuple(float(d) for d in net["borehole_depths_m"])))
    import pandas as pd

    check = assign_cells(pd.DataFrame({"latitude": [s.latitude for s in sites],
                                       "longitude": [s.longitude for s in sites]}), domain)
    for s, cell in zip(sites, check["cell"], strict=True):
        if int(cell) != s.cell:
            raise RuntimeError(f"site {s.name} at {s.latitude}, {s.longitude} falls in cell "
                               f"{cell}, not {s.cell}")
    return sites


def day_range(first, last) -> np.ndarray:
    return np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)

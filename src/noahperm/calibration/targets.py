"""What a calibration fits (paper section 2.5.1): the parameter keys of a target (Table S1
logic), the site target (mean NSE of daily soil temperature over the depths) and the map target
(Cohen's Kappa of the permafrost class over the sensitive region), each evaluating K candidate
sets in ONE call of the member engine (``noahperm.simulation.members.run_members``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from noahperm.calibration.objectives import cohen_kappa, mean_nse
from noahperm.core.errors import InputError
from noahperm.diagnostics.permafrost import PERMAFROST, classify, node_depths
from noahperm.model.parameters import BY_NAME

__all__ = ["MapTarget", "SiteTarget", "class_shares", "default_grid", "parameter_keys",
           "physical_values", "sensitive_region"]

#: The paper's ten sensitive parameters (section 3.1), the default of ``calibration.parameters``.
PAPER_PARAMETERS = ["SBETA", "FXEXP", "FRZK", "CZIL", "TBOT", "MAXSMC", "ALBEDOMIN",
                    "ALBEDOMAX", "EMISSMIN", "EMISSMAX"]


# ----------------------------------------------------------------------- parameter sets
def class_shares(domain, cells, soil_depth_m: float) -> tuple[pd.Series, pd.Series]:
    """Shares of the USGS vegetation classes of ``cells`` and of the soil classes of their
    layers whose top lies above ``soil_depth_m`` (weighted by layer thickness), each sorted by
    share (descending, ties by class)."""
    idx = np.searchsorted(domain["cell"].values, np.asarray(cells))
    veg = pd.Series(domain["vegetation"].values[idx]).value_counts(normalize=True)
    sld = domain["sldpth"].values.astype(float)
    top = np.concatenate([[0.0], np.cumsum(sld)[:-1]])
    shallow = top < soil_depth_m
    soil = domain["soil_class"].values[idx][:, shallow]
    w = np.broadcast_to(sld[shallow], soil.shape)
    s = pd.Series(w.ravel()).groupby(soil.ravel()).sum()
    s = s / s.sum()

    def order(x):
        x = x.rename_axis("cls").reset_index(name="share")
        x = x.sort_values(["share", "cls"], ascending=[False, True])
        return pd.Series(x["share"].to_numpy(), index=x["cls"].astype(int).to_numpy())

    return order(veg), order(s)


def parameter_keys(names: Sequence[str], domain, cells, *, min_share: float,
                   soil_depth_m: float) -> list[str]:
    """Table 1 keys calibrated for a target: universal and site parameters once; each
    vegetation parameter for every predominant vegetation class of the target's cells (share
    of the cells >= ``min_share``), each soil parameter for every predominant soil class
    (share of the layer thickness above ``soil_depth_m`` >= ``min_share``). Classes not
    listed keep their defaults (Table S1 logic)."""
    veg, soil = class_shares(domain, cells, soil_depth_m)
    vclasses = [int(c) for c, s in veg.items() if s >= min_share] or [int(veg.index[0])]
    sclasses = [int(c) for c, s in soil.items() if s >= min_share] or [int(soil.index[0])]
    keys = []
    for name in names:
        if name not in BY_NAME:
            raise InputError(f"unknown Table 1 parameter {name!r}", field="calibration.parameters")
        p = BY_NAME[name]
        if p.group == "vegetation":
            keys += [f"{name}@{c}" for c in vclasses]
        elif p.group == "soil":
            keys += [f"{name}@{c}" for c in sclasses]
        else:
            keys.append(name)
    return keys


def physical_values(keys: Sequence[str], u: np.ndarray) -> np.ndarray:
    """Table 1 values of normalised ``u`` (..., len(keys)): ``lo + u (hi - lo)`` (absolute
    value, relative change or offset by the parameter's kind)."""
    lo = np.array([BY_NAME[k.split("@")[0]].lo for k in keys])
    hi = np.array([BY_NAME[k.split("@")[0]].hi for k in keys])
    v = lo + np.asarray(u, dtype=float) * (hi - lo)
    integer = np.array([BY_NAME[k.split("@")[0]].name == "NROOT" for k in keys])
    return np.where(integer, np.rint(v), v)


def _table_defaults() -> dict[str, float]:
    from noahperm.model.columns import ColumnSpec, build_columns
    from noahperm.model.tables import load_tables

    cols = build_columns([ColumnSpec(vegtyp=7, soiltyp=7, stype=np.full(18, 7))], load_tables())
    return {p.name: float(cols.par[0, p.target]) for p in BY_NAME.values()
            if p.group == "universal"}


def default_grid(keys: Sequence[str], steps: int) -> np.ndarray:
    """The default model on the grid: relative changes and offsets 0 (the middle), universal
    parameters their table value's position (rounded to the grid)."""
    table = _table_defaults()
    out = []
    for k in keys:
        p = BY_NAME[k.split("@")[0]]
        u = (table[p.name] - p.lo) / (p.hi - p.lo) if p.group == "universal" else 0.5
        out.append(int(np.clip(np.rint(u * steps), 0, steps)))
    return np.array(out)


def sets_of(keys: Sequence[str], u: np.ndarray) -> list[dict[str, float]]:
    """Parameter sets (Table 1 key -> value) of the rows of ``u`` (K, len(keys))."""
    vals = physical_values(keys, np.atleast_2d(u))
    return [{k: float(v) for k, v in zip(keys, row, strict=True)} for row in vals]


# --------------------------------------------------------------------------- run protocol
@dataclass(frozen=True)
class Run:
    """How candidates are run: the member engine over ``cells`` from ``start`` (a
    ``members`` start object) over ``years``."""
    domain: object
    forcing: str
    sim_cfg: Mapping
    start: object
    years: tuple[int, int]
    day_offset_hours: float = 8.0


# --------------------------------------------------------------------------- site target
class SiteTarget:
    """Mean NSE over the depths of the daily soil temperature at one active-layer site.

    The observations of ``site`` in the observation store (kind active layer, degC) in the
    window [first, last] (days of the store's time base); the model's daily means at the
    site's cell interpolated linearly between layer nodes to each observed depth; days matched
    on the observed day; gaps (absent rows) skipped."""

    def __init__(self, obs, site: str, sld: np.ndarray):
        names = [str(s) for s in obs["site"].values]
        if site not in names:
            raise InputError(f"no site {site!r} in the observation store (sites: "
                             f"{', '.join(names)})", field="calibration.experiments.site")
        s = names.index(site)
        self.site = site
        self.cell = int(obs["cell"].values[s])
        if self.cell < 0:
            raise InputError(f"site {site} lies in no active cell", field=site)
        rows = obs["site_index"].values == s
        kind = obs["kind"].values[rows]
        al = kind == _active_layer_kind(obs)
        self.depth = obs["depth"].values[rows][al].astype(float)
        self.time = obs["time"].values[rows][al].astype("datetime64[D]")
        self.value = obs["value"].values[rows][al].astype(float)
        self.depths = np.unique(self.depth)
        self.nodes = node_depths(sld)

    def matrix(self, first, last):
        """(days, observed (ndepth, nday) degC with NaN gaps) of the window."""
        first, last = np.datetime64(first, "D"), np.datetime64(last, "D")
        days = np.arange(first, last + 1)
        out = np.full((self.depths.size, days.size), np.nan)
        sel = (self.time >= first) & (self.time <= last)
        di = np.searchsorted(self.depths, self.depth[sel])
        ti = (self.time[sel] - first).astype(int)
        out[di, ti] = self.value[sel]
        return days, out

    def simulated(self, daily_times, daily_stc, days):
        """Model (ndepth, nday) degC at the observed depths on ``days`` (NaN where the run
        has no such day). ``daily_stc``: (nday_model, nsoil) K of the site's column."""
        t = np.asarray(daily_times).astype("datetime64[D]")
        pos = np.searchsorted(t, days)
        ok = (pos < t.size) & (t[np.minimum(pos, t.size - 1)] == days)
        out = np.full((self.depths.size, days.size), np.nan)
        for i, z in enumerate(self.depths):
            j = int(np.clip(np.searchsorted(self.nodes, z) - 1, 0, self.nodes.size - 2))
            w = np.clip((z - self.nodes[j]) / (self.nodes[j + 1] - self.nodes[j]), 0.0, 1.0)
            prof = (1 - w) * daily_stc[:, j] + w * daily_stc[:, j + 1] - 273.15
            out[i, ok] = prof[pos[ok]]
        return out

    def run(self, run: Run, sets: Sequence[Mapping[str, float]]):
        """Daily (times, stc (K, nday, nsoil)) of each set at the site's cell."""
        from noahperm.simulation.members import run_members

        res = run_members(run.domain, run.forcing, list(sets), cells=[self.cell],
                          sim_cfg=run.sim_cfg, spinup=run.start, years=run.years, annual=False,
                          daily_cells=[0], day_offset_hours=run.day_offset_hours)
        times = res[0].transient.daily_times
        return times, np.stack([r.transient.daily_stc[0] for r in res])

    def objectives(self, run: Run, sets, windows: Sequence[tuple[str, str]]) -> np.ndarray:
        """(K, len(windows)) mean NSE of each set in each window, one engine call."""
        times, stc = self.run(run, sets)
        out = np.full((len(sets), len(windows)), np.nan)
        for w, (first, last) in enumerate(windows):
            days, obs = self.matrix(first, last)
            for k in range(len(sets)):
                out[k, w] = mean_nse(obs, self.simulated(times, stc[k], days))
        return out


def _active_layer_kind(obs) -> int:
    """The store's code of active-layer rows (attribute ``flag_meanings`` of ``kind``)."""
    attrs = obs["kind"].attrs
    meanings = str(attrs.get("flag_meanings", "")).split()
    values = list(np.atleast_1d(attrs.get("flag_values", [])))
    for m, v in zip(meanings, values, strict=False):
        if "active" in m:
            return int(v)
    return 0


# ---------------------------------------------------------------------------- map target
def map_classes(map_path, domain, cells) -> np.ndarray:
    """The permafrost map aggregated to the model grid: the majority of the valid 1 km pixels
    of each 0.1-degree cell (``inputs.maps.aggregate_majority``, nodata and masked pixels left
    out; the paper's aggregation), 1 permafrost, 0 not, -1 no valid pixel."""
    from noahperm.inputs.maps import aggregate_majority, nearest_index, read_raster

    r = read_raster(map_path)
    b = aggregate_majority(r)
    idx = np.searchsorted(domain["cell"].values, np.asarray(cells))
    iy = nearest_index(b.lat, domain["lat"].values[idx])
    ix = nearest_index(b.lon, domain["lon"].values[idx])
    v = b.data[0][np.clip(iy, 0, None), np.clip(ix, 0, None)].astype(int)
    bad = (iy < 0) | (ix < 0) | (v == int(b.nodata)) | (v > 1)
    return np.where(bad, -1, v)


def califree_classes(annual_path, cells, year: int) -> np.ndarray:
    """CaliFree's frozen-ground class of ``year`` at ``cells`` from its annual aggregates
    (``diagnostics.permafrost.classify``: year and previous year), 1 permafrost, 0 not."""
    from noahperm.core.zarrio import open_complete

    ds = open_complete(annual_path, product="annual")
    years = ds["year"].values
    if year - 1 not in years or year not in years:
        raise InputError(f"CaliFree's annual aggregates lack {year - 1}-{year}", path=annual_path)
    sel = ds.sel(year=[year - 1, year], cell=np.asarray(cells))
    cls = classify(sel["TMAX"].values, sel["TMIN"].values)[:, 1]
    return (cls == PERMAFROST).astype(int)


def sensitive_region(domain, cells, califree, mapped) -> np.ndarray:
    """Cells (domain numbers, ascending) where CaliFree's class disagrees with the map, plus
    the 3 x 3 neighbourhood (grid indices ix, iy) of each, among ``cells`` with a valid map."""
    cells = np.asarray(cells)
    idx = np.searchsorted(domain["cell"].values, cells)
    ix, iy = domain["ix"].values[idx], domain["iy"].values[idx]
    valid = mapped >= 0
    bad = valid & (califree != mapped)
    near = np.zeros(cells.size, dtype=bool)
    for x, y in zip(ix[bad], iy[bad], strict=True):
        near |= (np.abs(ix - x) <= 1) & (np.abs(iy - y) <= 1)
    return cells[near & valid]


class MapTarget:
    """Cohen's Kappa of the modelled permafrost class of ``year`` against the map over the
    sensitive region's cells."""

    def __init__(self, cells, mapped, year: int):
        self.cells = np.asarray(cells)
        self.mapped = np.asarray(mapped)
        self.year = int(year)

    def objectives(self, run: Run, sets) -> np.ndarray:
        from noahperm.simulation.members import run_members

        res = run_members(run.domain, run.forcing, list(sets), cells=self.cells,
                          sim_cfg=run.sim_cfg, spinup=run.start, years=run.years, annual=False,
                          class_years=[self.year])
        return np.array([cohen_kappa(self.mapped, (r.transient.classes[:, 0] == PERMAFROST)
                                     .astype(int)) for r in res])

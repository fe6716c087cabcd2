"""Site coordinates (``site_locations.csv``), site-name matching, and sites -> model cells.

``site_locations.csv`` has the layout of the Zhao et al. (2021) file: a header row
``Site Name,Latitude (°N),Longitude (°E),Vegetation,Soil Type``, then one row per site.
Headers are matched without their parenthesised units and case (``Latitude (°N)`` =
``latitude``); ``Site Name``, ``Latitude`` and ``Longitude`` are required, ``Vegetation``,
``Soil Type`` and ``Elevation`` (m) optional, other columns ignored. Coordinates are decimal
degrees (WGS 84), longitude in [-180, 180].

Names: a site name is ``NAME`` or ``NAME (ALIAS)`` (``QT04 (TGL)``); both ``NAME`` and ``ALIAS``
identify the row. The same identifier on several rows is allowed when their coordinates agree
within :data:`SAME_PLACE_DEG` (the real file lists ``TGL`` and ``QT04 (TGL)`` at the same place),
and is an error otherwise. A worksheet (or borehole site) name ``S`` is matched, ignoring case,
(1) to an identifier equal to ``S``, else (2) when ``S`` ends in ``AL`` (the network's suffix for
its "active layer" stations: ``TSHAL``, ``ZNHAL``, ``AYKAL``), to ``S`` without it. No match is an
error listing the known names.

Cells: the model grid is the regular forcing grid (cell centres every ``res`` degrees). A site
falls in the cell whose box ``[centre - res/2, centre + res/2)`` holds it, in latitude and in
longitude; a site on a box edge goes to the cell north or east of it. Its status is ``ok`` (an
active cell), ``masked`` (a domain cell with ``active`` false: glacier, lake, ...) or ``outside``
(no domain cell holds it; cell -1).
"""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from noahperm.core.errors import InputError

__all__ = ["read_site_locations", "match_location", "assign_cells", "SAME_PLACE_DEG"]

#: Two rows naming the same site must agree this closely in latitude and longitude [deg].
SAME_PLACE_DEG = 1e-3

_NAME_RE = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*(?:\(\s*([A-Za-z0-9_.-]+)\s*\))?\s*$")
_COLUMNS = {"site name": "name", "site": "name", "latitude": "latitude",
            "longitude": "longitude", "vegetation": "vegetation", "soil type": "soil_type",
            "elevation": "elevation_m"}


def _norm_header(h: str) -> str:
    h = re.sub(r"\(.*?\)", "", h)  # units in parentheses
    return " ".join(h.replace("_", " ").split()).lower()


def _float(text: str, lo: float, hi: float, path, line, field) -> float:
    try:
        v = float(text)
    except ValueError:
        raise InputError(f"not a number: {text!r}", path=path, line=line, field=field) from None
    if not (math.isfinite(v) and lo <= v <= hi):
        raise InputError(f"{v} outside [{lo}, {hi}]", path=path, line=line, field=field)
    return v


def read_site_locations(path: str | Path) -> pd.DataFrame:
    """Read a site-location CSV (layout in the module docstring).

    Returns a DataFrame with one row per identifier (a ``NAME (ALIAS)`` row gives two):
    ``key`` (upper case identifier), ``location_name`` (the name as written), ``latitude``,
    ``longitude`` [deg], ``elevation_m`` [m, NaN if not given], ``vegetation``, ``soil_type``
    (``""`` if not given), ``line`` (1-based line in the file). Raises ``InputError`` naming
    the file, line and column for a missing column, a bad name, a non-numeric or out-of-range
    coordinate, or one identifier at two different places.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("site location file not found", path=path)
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if header is None:
            raise InputError("empty file", path=path)
        cols: dict[str, int] = {}
        for j, h in enumerate(header):
            key = _COLUMNS.get(_norm_header(h))
            if key is not None and key not in cols:
                cols[key] = j
        missing = [k for k in ("name", "latitude", "longitude") if k not in cols]
        if missing:
            raise InputError(f"missing column(s) {missing} in header {header}", path=path, line=1)
        records = []
        for line, row in enumerate(reader, start=2):
            if not any(c.strip() for c in row):
                continue
            if len(row) < len(header):
                row = row + [""] * (len(header) - len(row))

            def cell(k: str, row=row) -> str:
                return row[cols[k]].strip() if k in cols else ""

            m = _NAME_RE.match(cell("name"))
            if m is None:
                raise InputError(f"site name {cell('name')!r} is not NAME or NAME (ALIAS)",
                                 path=path, line=line, field=header[cols["name"]])
            lat = _float(cell("latitude"), -90, 90, path, line, header[cols["latitude"]])
            lon = _float(cell("longitude"), -180, 180, path, line, header[cols["longitude"]])
            elev = (_float(cell("elevation_m"), -500, 9000, path, line,
                           header[cols["elevation_m"]]) if cell("elevation_m") else math.nan)
            for ident in filter(None, m.groups()):
                records.append({"key": ident.upper(), "location_name": cell("name"),
                                "latitude": lat, "longitude": lon, "elevation_m": elev,
                                "vegetation": cell("vegetation"),
                                "soil_type": cell("soil_type"), "line": line})
    out = pd.DataFrame.from_records(records, columns=[
        "key", "location_name", "latitude", "longitude", "elevation_m", "vegetation",
        "soil_type", "line"])
    # The same identifier twice: fine at the same place (keep the first row), else an error.
    for key, grp in out.groupby("key", sort=False):
        if len(grp) > 1:
            dlat = grp["latitude"].max() - grp["latitude"].min()
            dlon = grp["longitude"].max() - grp["longitude"].min()
            if max(dlat, dlon) > SAME_PLACE_DEG:
                lines = ", ".join(str(n) for n in grp["line"])
                raise InputError(f"site {key!r} appears on lines {lines} at different places",
                                 path=path, line=int(grp["line"].iloc[-1]))
    return out.drop_duplicates("key", keep="first").reset_index(drop=True)


def match_location(name: str, locations: pd.DataFrame, *, source: str | Path | None = None
                   ) -> pd.Series:
    """The row of ``locations`` (from :func:`read_site_locations`) for site ``name``.

    Rule: exact identifier (ignoring case), else ``name`` without a trailing ``AL``. Raises
    ``InputError`` (naming ``source`` if given) when neither matches.
    """
    keys = dict(zip(locations["key"], range(len(locations)), strict=True))
    up = name.strip().upper()
    candidates = [up] + ([up[:-2]] if up.endswith("AL") and len(up) > 2 else [])
    for cand in candidates:
        if cand in keys:
            return locations.iloc[keys[cand]]
    known = ", ".join(sorted(keys)) or "none"
    raise InputError(f"no location for site {name!r} in the site location file (known: {known})",
                     path=source, field=name)


def _grid_res(values: np.ndarray) -> float | None:
    u = np.unique(np.round(values, 9))
    d = np.diff(u)
    d = d[d > 1e-9]
    return float(np.round(d.min(), 9)) if d.size else None


def assign_cells(sites: pd.DataFrame, domain, *, res: float | None = None) -> pd.DataFrame:
    """The model cell each site falls in.

    Parameters
    ----------
    sites
        DataFrame with ``latitude`` and ``longitude`` [deg] (other columns kept).
    domain
        ``xarray.Dataset`` (or mapping of arrays) with ``lat``, ``lon`` [deg] per cell (1-D,
        dim ``cell``), optionally ``active`` (bool; missing = all active) and ``cell`` (the cell
        ids; missing = 0..n-1). The cells must lie on a regular grid.
    res
        Grid spacing [deg]; default: the domain's ``res`` attribute, else the smallest spacing
        between distinct cell-centre latitudes or longitudes, else 0.1.

    Returns
    -------
    pandas.DataFrame
        ``sites`` plus ``cell`` (int64 id, -1 if outside), ``cell_lat``, ``cell_lon`` (NaN if
        outside) and ``cell_status`` (``ok``, ``masked`` or ``outside``).
    """
    lat = np.asarray(domain["lat"], dtype=np.float64).ravel()
    lon = np.asarray(domain["lon"], dtype=np.float64).ravel()
    n = lat.size
    ids = np.asarray(domain["cell"]).ravel() if "cell" in domain else np.arange(n)
    active = (np.asarray(domain["active"], dtype=bool).ravel() if "active" in domain
              else np.ones(n, dtype=bool))
    if res is None:
        attrs = getattr(domain, "attrs", None) or {}
        spacings = [r for r in (_grid_res(lat), _grid_res(lon)) if r]
        res = attrs.get("res") or (min(spacings) if spacings else 0.1)
    res = float(res)
    if not (math.isfinite(res) and res > 0):
        raise InputError(f"grid spacing must be a positive number of degrees, got {res}")
    out = sites.copy()
    if n == 0:
        out["cell"], out["cell_lat"], out["cell_lon"] = -1, np.nan, np.nan
        out["cell_status"] = "outside"
        return out
    lat0, lon0 = lat.min(), lon.min()

    def index(x, x0):
        # floor((x - x0)/res + 1/2), rounded first so that an edge value is not split by
        # binary noise; an edge goes to the larger index (north / east).
        return np.floor(np.round((np.asarray(x, dtype=np.float64) - x0) / res + 0.5, 9))

    iy, ix = index(lat, lat0).astype(np.int64), index(lon, lon0).astype(np.int64)
    off = max(np.abs(lat - lat0 - iy * res).max(), np.abs(lon - lon0 - ix * res).max())
    if off > 1e-3 * res:
        raise InputError(f"domain cell centres are not on a regular {res} degree grid "
                         f"(off by up to {off:.3g} degree)")
    where = {(a, b): k for k, (a, b) in enumerate(zip(iy.tolist(), ix.tolist(), strict=True))}
    if len(where) < n:
        raise InputError("two domain cells have the same centre")
    cell, clat, clon, status = [], [], [], []
    for sy, sx in zip(index(out["latitude"], lat0), index(out["longitude"], lon0), strict=True):
        k = where.get((int(sy), int(sx))) if np.isfinite(sy) and np.isfinite(sx) else None
        if k is None:
            cell.append(-1), clat.append(np.nan), clon.append(np.nan), status.append("outside")
            continue
        cell.append(int(ids[k]))
        clat.append(lat[k])
        clon.append(lon[k])
        status.append("ok" if active[k] else "masked")
    out["cell"] = np.array(cell, dtype=np.int64)
    out["cell_lat"] = np.array(clat, dtype=np.float64)
    out["cell_lon"] = np.array(clon, dtype=np.float64)
    out["cell_status"] = status
    return out

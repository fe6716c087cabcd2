"""Borehole table: annual mean ground temperature by depth (noahperm's own CSV format).

Format (UTF-8 CSV, comma-separated, one header row; lines starting with ``#`` are comments;
column order free; header names case-insensitive)::

    site,latitude,longitude,elevation_m,year,depth_m,temperature_degC,region,note
    QTB06,35.62,94.06,4630,2012,10.0,-1.23,QTH,
    QTB06,35.62,94.06,4630,2012,15.0,-1.31,QTH,hand reading

Required columns:

* ``site``: borehole name, letters, digits, ``_ . -`` (no blanks);
* ``latitude``, ``longitude``: decimal degrees, WGS 84 (``lat``/``lon`` accepted as aliases);
* ``year``: calendar year of the mean (integer, 1800-2200);
* ``depth_m``: depth below the ground surface [m], > 0;
* ``temperature_degC``: annual (calendar-year) mean ground temperature [degC], within
  :data:`~noahperm.inputs.observations.workbook.PLAUSIBLE_DEGC`; never empty (leave the row out).

Optional columns: ``elevation_m`` [m a.s.l.] (empty = unknown), ``region`` (survey region, e.g.
``QTH``, ``Wenquan``; used to group sites), ``note`` (free text). Any other column is an error
(a misspelt optional column would otherwise be dropped silently). A site's latitude, longitude,
elevation and region must be the same on all its rows; a (site, year, depth_m) appears once.
"""

from __future__ import annotations

import csv
import difflib
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from noahperm.core.errors import InputError
from noahperm.inputs.observations.sites import SAME_PLACE_DEG
from noahperm.inputs.observations.workbook import PLAUSIBLE_DEGC

__all__ = [
    "read_boreholes",
    "write_boreholes",
    "empty_boreholes",
    "BOREHOLE_COLUMNS",
    "REQUIRED_COLUMNS",
]

REQUIRED_COLUMNS = ("site", "latitude", "longitude", "year", "depth_m", "temperature_degC")
#: All columns, in the order :func:`write_boreholes` writes them.
BOREHOLE_COLUMNS = ("site", "latitude", "longitude", "elevation_m", "year", "depth_m",
                    "temperature_degC", "region", "note")
_DTYPES = {"latitude": np.float64, "longitude": np.float64, "elevation_m": np.float64,
           "year": np.int64, "depth_m": np.float64, "temperature_degC": np.float64}
_ALIASES = {"lat": "latitude", "lon": "longitude"}
_SITE_RE = re.compile(r"^[A-Za-z0-9_.-]+$")


def _number(text, path, line, field, lo, hi, *, integer=False) -> float:
    try:
        v = int(text) if integer else float(text)
    except ValueError:
        kind = "an integer" if integer else "a number"
        raise InputError(f"not {kind}: {text!r}", path=path, line=line, field=field) from None
    if not (math.isfinite(v) and lo <= v <= hi):
        raise InputError(f"{v} outside [{lo}, {hi}]", path=path, line=line, field=field)
    return v


def _header(header: list[str], path: Path) -> dict[str, int]:
    canon = {c.lower(): c for c in BOREHOLE_COLUMNS}
    cols: dict[str, int] = {}
    for j, h in enumerate(header):
        key = h.strip().lower()
        name = canon.get(_ALIASES.get(key, key))
        if name is None:
            hint = difflib.get_close_matches(key, list(canon) + list(_ALIASES), n=1)
            extra = f" (did you mean {canon.get(_ALIASES.get(hint[0], hint[0]))!r}?)" if hint \
                else f" (allowed: {', '.join(BOREHOLE_COLUMNS)})"
            raise InputError(f"unknown column {h!r}{extra}", path=path, line=1, field=h)
        if name in cols:
            raise InputError(f"column {name!r} appears twice", path=path, line=1, field=h)
        cols[name] = j
    missing = [c for c in REQUIRED_COLUMNS if c not in cols]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}", path=path, line=1)
    return cols


def read_boreholes(path: str | Path) -> pd.DataFrame:
    """Read and validate a borehole CSV (format in the module docstring).

    Returns a DataFrame with the columns :data:`BOREHOLE_COLUMNS` (``elevation_m`` NaN and
    ``region``/``note`` ``""`` where not given), sorted by site, year, depth. Raises
    :class:`~noahperm.core.errors.InputError` naming the file, line and column of the first problem.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("borehole file not found", path=path)
    lo_t, hi_t = PLAUSIBLE_DEGC
    records = []
    with open(path, newline="", encoding="utf-8-sig") as fh:
        # Comment lines dropped, line numbers kept (a field may not span lines).
        numbered = [(n, t) for n, t in enumerate(fh, start=1) if not t.lstrip().startswith("#")]
    rows = [next(csv.reader([t]), []) for _, t in numbered]
    if not rows:
        raise InputError("empty file: no header row", path=path)
    cols = _header(rows[0], path)
    first: dict[tuple, int] = {}
    site_rows: dict[str, tuple[int, dict]] = {}
    for (line, _), row in zip(numbered[1:], rows[1:], strict=True):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(rows[0]):
            raise InputError(f"{len(row)} fields, the header has {len(rows[0])}",
                             path=path, line=line)

        def get(name, row=row):
            return row[cols[name]].strip() if name in cols else ""

        rec = {"site": get("site")}
        if not _SITE_RE.match(rec["site"]):
            raise InputError(f"bad site name {rec['site']!r} (letters, digits, _ . - only)",
                             path=path, line=line, field="site")
        rec["latitude"] = _number(get("latitude"), path, line, "latitude", -90, 90)
        rec["longitude"] = _number(get("longitude"), path, line, "longitude", -180, 180)
        rec["elevation_m"] = (_number(get("elevation_m"), path, line, "elevation_m", -500, 9000)
                              if get("elevation_m") else math.nan)
        rec["year"] = int(_number(get("year"), path, line, "year", 1800, 2200, integer=True))
        rec["depth_m"] = _number(get("depth_m"), path, line, "depth_m", 1e-9, 2000)
        rec["temperature_degC"] = _number(get("temperature_degC"), path, line,
                                          "temperature_degC", lo_t, hi_t)
        rec["region"] = get("region")
        rec["note"] = get("note")
        key = (rec["site"], rec["year"], rec["depth_m"])
        if key in first:
            raise InputError(f"site {key[0]} year {key[1]} depth {key[2]} m already given on "
                             f"line {first[key]}", path=path, line=line)
        first[key] = line
        if rec["site"] in site_rows:
            line0, rec0 = site_rows[rec["site"]]
            for f, tol in (("latitude", SAME_PLACE_DEG), ("longitude", SAME_PLACE_DEG),
                           ("elevation_m", 0.5), ("region", None)):
                a, b = rec0[f], rec[f]
                same = a == b if tol is None else (
                    (math.isnan(a) and math.isnan(b)) or abs(a - b) <= tol)
                if not same:
                    raise InputError(f"{b!r} differs from {a!r} on line {line0} for the same "
                                     f"site {rec['site']!r}", path=path, line=line, field=f)
        else:
            site_rows[rec["site"]] = (line, rec)
        records.append(rec)
    out = pd.DataFrame.from_records(records, columns=list(BOREHOLE_COLUMNS)).astype(_DTYPES)
    return out.sort_values(["site", "year", "depth_m"], ignore_index=True)


def empty_boreholes() -> pd.DataFrame:
    """The table of :func:`read_boreholes` with no rows."""
    return pd.DataFrame({c: pd.Series([], dtype=_DTYPES.get(c, object))
                         for c in BOREHOLE_COLUMNS})


def write_boreholes(table: pd.DataFrame, path: str | Path) -> Path:
    """Write ``table`` (columns :data:`REQUIRED_COLUMNS`, optional ones if present) as a
    borehole CSV that :func:`read_boreholes` reads back unchanged."""
    path = Path(path)
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"missing column(s) {missing}")
    cols = [c for c in BOREHOLE_COLUMNS if c in table.columns]
    out = table[cols].copy()
    if "elevation_m" in out:
        out["elevation_m"] = out["elevation_m"].map(lambda v: "" if pd.isna(v) else repr(float(v)))
    for c in ("latitude", "longitude", "depth_m", "temperature_degC"):
        out[c] = out[c].map(lambda v: repr(float(v)))
    out.to_csv(path, index=False, lineterminator="\n")
    return path

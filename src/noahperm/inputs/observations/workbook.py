"""Reader of the active-layer workbook (layout of Zhao et al. 2021, ESSD 13, 4207-4218).

Layout: one worksheet per site, named after the site (``QT04``, ``TSHAL``, ...). Row 1 is the
header: ``Year``, ``Month``, ``Day`` (any order, any case), then one column per depth; every
further row is one day, with the daily mean ground temperature [degC] under each depth and empty
cells for gaps.

Depth headers follow this grammar (case-insensitive, blanks around the parts allowed)::

    header := number unit [ ["_" | "-"] "GT" ]
    number := digits [ "." digits ]
    unit   := "cm" | "m"

so ``10cmGT``, ``50 cm``, ``2.4m``, ``30 cm GT`` and ``120cm_GT`` are read; anything else
(``GT10``, ``50``, ``10cmST``, ``5 in``) is an :class:`~noahperm.core.errors.InputError` naming the
file, the sheet and the column. Depths are returned in metres, positive downward.

Columns with an empty header are allowed only when all their cells are empty (the real ``AYKAL``
sheet has three such columns). Rows that are entirely empty are skipped. Everything else is
checked: Year/Month/Day present and integral, a real calendar date, one row per date, numeric
values (empty or NaN = gap) within :data:`PLAUSIBLE_DEGC` (a value outside is almost surely a
missing-value sentinel such as -999 or a temperature in kelvin).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import zipfile
from numbers import Integral, Real
from pathlib import Path

import numpy as np
import pandas as pd

from noahperm.core.errors import InputError

__all__ = [
    "read_active_layer_workbook",
    "parse_depth_header",
    "empty_table",
    "PLAUSIBLE_DEGC",
    "TABLE_COLUMNS",
]

log = logging.getLogger(__name__)

#: Accepted range of a daily mean ground temperature [degC] (inclusive).
PLAUSIBLE_DEGC = (-70.0, 70.0)

#: Columns of the tidy table returned by :func:`read_active_layer_workbook`.
TABLE_COLUMNS = ("site", "depth_m", "time", "value_degC")

_DEPTH_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(cm|m)\s*(?:[_-]?\s*gt)?\s*$", re.IGNORECASE)
_DATE_COLUMNS = ("year", "month", "day")
_UNIT_M = {"cm": 0.01, "m": 1.0}


def parse_depth_header(header: object) -> float | None:
    """Depth [m] of a depth column header, or ``None`` when it does not follow the grammar."""
    if not isinstance(header, str):
        return None
    m = _DEPTH_RE.match(header)
    if m is None:
        return None
    # Round away binary noise (0.1 * 0.01 and the like): depths are given to a tenth of a mm.
    return round(float(m.group(1)) * _UNIT_M[m.group(2).lower()], 6)


def _col_letter(j: int) -> str:
    """Spreadsheet column name of 0-based column ``j`` (0 -> A, 26 -> AA)."""
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


def _where(sheet: str, row: int | None = None, col: int | None = None, header=None) -> str:
    parts = [f"sheet {sheet!r}"]
    if row is not None:
        parts.append(f"row {row}")
    if col is not None:
        parts.append(f"column {_col_letter(col)}" + ("" if header is None else f" ({header!r})"))
    return ", ".join(parts)


def _open_workbook(path: Path):
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    if not path.is_file():
        raise InputError("workbook not found", path=path)
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise InputError(f"not a readable .xlsx workbook ({exc})", path=path) from None


def _header(path: Path, sheet: str, header_row: tuple) -> tuple[dict[str, int], list]:
    """Map year/month/day to their column and list (column, depth_m, header) of the rest."""
    date_cols: dict[str, int] = {}
    depths: list[tuple[int, float, str]] = []
    seen: dict[float, str] = {}
    for j, h in enumerate(header_row):
        if h is None or (isinstance(h, str) and not h.strip()):
            continue  # checked for data later
        key = h.strip().lower() if isinstance(h, str) else None
        if key in _DATE_COLUMNS:
            if key in date_cols:
                raise InputError(f"column {key.title()!r} appears twice",
                                 path=path, field=_where(sheet, 1, j, h))
            date_cols[key] = j
            continue
        depth = parse_depth_header(h)
        if depth is None:
            raise InputError(
                "unknown column header: expected Year, Month, Day or a depth such as "
                "'10cmGT', '50 cm' or '2.4 m'", path=path, field=_where(sheet, 1, j, h))
        if depth in seen:
            raise InputError(f"depth {depth} m appears twice ({seen[depth]!r} and {h!r})",
                             path=path, field=_where(sheet, 1, j, h))
        seen[depth] = h
        depths.append((j, depth, h))
    missing = [c.title() for c in _DATE_COLUMNS if c not in date_cols]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)} (header row 1 must name Year, "
                         "Month and Day)", path=path, field=_where(sheet))
    return date_cols, depths


def _integral(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real) and math.isfinite(value) and float(value).is_integer():
        return int(value)
    return None


def _value(value: object) -> float | None | str:
    """Float, ``None`` for a gap, or the string ``"bad"`` for a non-numeric cell."""
    if value is None:
        return None
    if isinstance(value, str):
        return None if not value.strip() else "bad"
    if isinstance(value, bool) or not isinstance(value, Real):
        return "bad"
    v = float(value)
    return None if math.isnan(v) else v


def _read_sheet(path: Path, ws) -> pd.DataFrame:
    rows = ws.iter_rows(values_only=True)
    try:
        return _read_rows(path, ws.title, rows)
    finally:
        rows.close()  # release the zip member now, also on error (else the file stays open)


def _read_rows(path: Path, sheet: str, rows) -> pd.DataFrame:
    header_row = next(rows, None)
    if header_row is None or all(v is None for v in header_row):
        raise InputError("empty sheet: no header row", path=path, field=_where(sheet))
    date_cols, depths = _header(path, sheet, header_row)
    named = set(date_cols.values()) | {j for j, _, _ in depths}
    lo, hi = PLAUSIBLE_DEGC

    dates: list[dt.date] = []
    values: list[list[float]] = []  # per depth column, NaN for gaps
    first_row: dict[dt.date, int] = {}
    for i, row in enumerate(rows, start=2):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row):
            continue
        for j, v in enumerate(row):
            if j not in named and v is not None and not (isinstance(v, str) and not v.strip()):
                raise InputError(f"value {v!r} in a column without a header",
                                 path=path, field=_where(sheet, i, j))
        ymd = []
        for key in _DATE_COLUMNS:
            j = date_cols[key]
            raw = row[j] if j < len(row) else None
            n = _integral(raw)
            if n is None:
                what = "missing" if raw is None else f"not an integer: {raw!r}"
                raise InputError(f"{key.title()} {what}", path=path,
                                 field=_where(sheet, i, j, header_row[j]))
            ymd.append(n)
        try:
            date = dt.date(*ymd)
        except ValueError:
            raise InputError(f"invalid date {ymd[0]}-{ymd[1]:02d}-{ymd[2]:02d}",
                             path=path, field=_where(sheet, i)) from None
        if date in first_row:
            raise InputError(f"duplicate date {date.isoformat()} (also row {first_row[date]})",
                             path=path, field=_where(sheet, i))
        first_row[date] = i
        vals = []
        for j, _depth, h in depths:
            v = _value(row[j] if j < len(row) else None)
            if v == "bad":
                raise InputError(f"non-numeric value {row[j]!r}", path=path,
                                 field=_where(sheet, i, j, h))
            if v is not None and not lo <= v <= hi:
                raise InputError(
                    f"ground temperature {v!r} degC outside the plausible range [{lo}, {hi}] "
                    "(a missing-value sentinel, or not degC?)", path=path,
                    field=_where(sheet, i, j, h))
            vals.append(np.nan if v is None else v)
        dates.append(date)
        values.append(vals)

    if not dates:
        log.warning("%s: sheet %r has a header but no data rows", path, sheet)
    time = np.array(dates, dtype="datetime64[D]")
    arr = np.array(values, dtype=np.float64).reshape(len(dates), len(depths))
    frames = []
    for k, (_j, depth, _h) in enumerate(depths):
        ok = ~np.isnan(arr[:, k])
        frames.append(pd.DataFrame({
            "site": sheet,
            "depth_m": depth,
            "time": time[ok].astype("datetime64[ns]"),
            "value_degC": arr[ok, k],
        }))
    if not frames:
        log.warning("%s: sheet %r has no depth columns", path, sheet)
        return empty_table()
    return pd.concat(frames, ignore_index=True)


def empty_table() -> pd.DataFrame:
    """The table of :func:`read_active_layer_workbook` with no rows."""
    return pd.DataFrame({
        "site": pd.Series([], dtype=object),
        "depth_m": pd.Series([], dtype=np.float64),
        "time": pd.Series([], dtype="datetime64[ns]"),
        "value_degC": pd.Series([], dtype=np.float64),
    })


def read_active_layer_workbook(path: str | Path) -> pd.DataFrame:
    """Read every worksheet of an active-layer workbook into one tidy table.

    Parameters
    ----------
    path
        ``.xlsx`` file in the layout described in the module docstring.

    Returns
    -------
    pandas.DataFrame
        Columns ``site`` (the sheet name), ``depth_m`` [m, positive down], ``time`` (the day,
        ``datetime64[ns]`` at 00:00, no time of day), ``value_degC`` (daily mean ground
        temperature [degC], as in the file; :func:`noahperm.inputs.observations.degc_to_kelvin`
        converts). One row per non-empty cell, sorted by sheet order, depth, time. Gaps are
        absent rows, never NaN.

    Raises
    ------
    InputError
        Naming the file, the sheet, and where known the row and column, for: an unreadable
        file, an unknown or duplicate column header, a missing Year/Month/Day column, a
        non-integral or missing Year/Month/Day, an invalid date, a duplicate date, a
        non-numeric or implausible value, a value under a header-less column.
    """
    path = Path(path)
    wb = _open_workbook(path)
    try:
        if not wb.worksheets:
            raise InputError("workbook has no worksheets", path=path)
        frames = [_read_sheet(path, ws) for ws in wb.worksheets]
    finally:
        wb.close()
    out = pd.concat(frames, ignore_index=True) if frames else empty_table()
    order = {s: k for k, s in enumerate(dict.fromkeys(out["site"]))}
    out = out.sort_values(["site", "depth_m", "time"], key=lambda c: c.map(order)
                          if c.name == "site" else c, kind="stable", ignore_index=True)
    return out[list(TABLE_COLUMNS)]

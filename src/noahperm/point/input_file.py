"""Reader of the reference driver's point input: namelist, initial state and forcing records.

The file format is the one of the authors' offline driver (``simple_driver.F`` with
``module_ascii_io.F``; see ``REFERENCE_MODEL.md`` section 4 and a case's ``CASE.md``):

1. a Fortran namelist ``&METADATA_NAMELIST ... /`` with the configuration and the initial state;
2. free text, then a line that starts with ``<Forcing>`` (case-insensitive, leading blanks allowed);
3. one record per line, Fortran format ``(I4.4,4(1x,I2.2),8(F17.10))``: year month day hour minute,
   wind speed [m s-1], wind direction [deg, unused], air temperature [K], relative humidity [%],
   surface pressure [hPa], downward shortwave [W m-2], downward longwave [W m-2],
   precipitation [kg m-2 s-1].

:func:`read_point_input` returns a :class:`PointInput` whose ``forcing`` array holds, per model
step and in the slot order of :mod:`noahperm.kernel.layout`, exactly the values the driver hands
to ``SFLX`` (the longwave before the emissivity factor, which the kernel applies). The derived
values reproduce the driver bit for bit (checked against ``state_hp.txt`` of both reference cases):

* ``SFCPRS = p * 1.E2`` and ``rhf = RH * 1.E-2`` (multiplications, as in the Fortran);
* ``es`` from ``EsFuncT`` (Rogers and Yau, latent heat ``2.501e6 - (4187 - 1870) (T - 273.15)``),
  ``e = p es rhf / (p - es (1 - rhf))``, ``q = 0.622 e / (p - 0.378 e)`` written as
  ``(eps*e)/(p-(1.0-eps)*e)``; ``q < 1e-6 -> 1e-6``; ``q >= qs -> 0.99 qs`` with
  ``qs = eps es / (p - (1 - eps) es)``.  RH is thus treated as a ratio of mixing ratios, not of
  vapour pressures.  ``math.exp`` (the C library's ``exp``, as gfortran) is used for ``es``;
* ``SHDFAC = month_d(Shdfac_monthly, date)``: monthly values valid on the 15th, linear in the day
  of month only (the hour is ignored), leap years by ``nfeb``.

Time matching follows ``read_forcing_text``: the step at model time ``t`` uses the record stamped
``t``; without one, it interpolates linearly between the last record before ``t`` and the first
after it with ``f = (t_after - t) / (t_after - t_before)`` as ``before*f + after*(1-f)`` for every
field except precipitation, which keeps the earlier record's value. Records before ``startdate``
are read and skipped (they must still be well formed); nothing after the first record at or after
``enddate`` is read, as in the driver.

Where the driver is silent we stop with :class:`~noahperm.core.errors.InputError` naming the file, the
line and the field: the driver ends its time loop without a message on a read error or a premature
end of file, reads fields without a decimal point as ``x * 1e-10`` (``F17.10``), turns a blank line
into a record of zeros, and interpolates silently across missing records. We require the records
used by the run (from the last one at or before ``startdate`` to the first one at or after
``enddate``) to be evenly spaced, and all records read to be strictly increasing in time. Blank
lines are skipped. As an extension the records may also be free-format (13 whitespace-separated
numbers) where they do not follow the fixed columns; the reference driver cannot read such files.

``loop_for_a_while > 0`` is refused: in the driver it repeats ``startdate .. enddate - dt``
(``loop_for_a_while + 1`` passes, the ``enddate`` step itself is never run, and the file must end
before ``enddate``). Spin-up is done by noahperm's spin-up stage instead.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

from noahperm.core.errors import InputError
from noahperm.kernel import layout as L

__all__ = ["PointInput", "read_point_input", "month_d", "month_weights", "rh_to_q",
           "FORCING_FIELDS"]

# ----------------------------------------------------------------------------------------------
# Data structure
# ----------------------------------------------------------------------------------------------


@dataclass
class PointInput:
    """Everything a point run needs, in SI units, read from one input file.

    Scalars and arrays of the namelist keep the driver's variable names (lower case). Units:
    ``dt`` [s], ``sldpth`` [m], ``stc`` [K], ``smc``/``sh2o`` [m3 m-3], ``t1`` [K], ``cmc`` [m],
    ``snowh`` [m], ``sneqv`` [m], ``tbot`` [K], ``snoalb``/``shdmin``/``shdmax`` [-], ``zlvl`` and
    ``zlvl_wind`` [m AGL]; monthly arrays hold 12 values valid on the 15th of each month.

    ``times`` [datetime64[m], UTC] holds one model time per step, ``startdate`` to ``enddate``
    inclusive; ``forcing`` (nsteps, ``layout.NFORC``) the step's forcing in ``layout.F_*`` order;
    ``forcing_lines`` the 1-based line of the record each step used (the earlier one when
    interpolated). ``albedo_init``/``z0brd_init`` are the driver's initial ALBEDO and Z0
    (``month_d`` at ``startdate``); ``alb_monthly_step``/``lai_step`` are given only when
    ``usemonalb``/``rdlai2d`` are true. ``ice`` is 0 for land and -1 for a glacial point
    (``vegtyp == glacial_veg_category``), which the driver hands to ``SFLX_GLACIAL``.
    """

    path: Path
    nsoil: int
    startdate: np.datetime64
    enddate: np.datetime64
    dt: float
    loop_for_a_while: int
    sldpth: np.ndarray
    stc: np.ndarray
    smc: np.ndarray
    sh2o: np.ndarray
    stype: np.ndarray
    t1: float
    cmc: float
    snowh: float
    sneqv: float
    tbot: float
    soiltyp: int
    vegtyp: int
    urban_veg_category: int
    glacial_veg_category: int
    slopetyp: int
    snoalb: float
    zlvl: float
    zlvl_wind: float
    shdmin: float
    shdmax: float
    usemonalb: bool
    rdlai2d: bool
    sfcdif_option: int
    iz0tlnd: int
    albedo_monthly: np.ndarray
    shdfac_monthly: np.ndarray
    z0brd_monthly: np.ndarray
    lai_monthly: np.ndarray
    latitude: float
    longitude: float
    forcing_timestep: int | None
    ice: int
    output_dir: str
    landuse_dataset: str
    times: np.ndarray
    forcing: np.ndarray
    forcing_lines: np.ndarray
    forcing_interval: float
    albedo_init: float
    z0brd_init: float
    alb_monthly_step: np.ndarray | None = None
    lai_step: np.ndarray | None = None

    @property
    def nsteps(self) -> int:
        return int(self.times.shape[0])

    @property
    def zsoil(self) -> np.ndarray:
        """Depth of each layer's bottom [m], negative below the surface (Noah's ZSOIL)."""
        return -np.cumsum(self.sldpth)


# ----------------------------------------------------------------------------------------------
# Driver arithmetic (bit-for-bit)
# ----------------------------------------------------------------------------------------------

_NDAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _nfeb(year):
    """Days in February as ``nfeb`` of kwm_date_utilities (Gregorian plus a 3600-year rule)."""
    year = np.asarray(year)
    leap = (year % 4 == 0) & ((year % 100 != 0) | ((year % 400 == 0) & (year % 3600 != 0)))
    return np.where(leap, 29, 28)


def month_d(a12, year, month, day):
    """Value of 12 mid-month values on a given day, as the driver's ``month_d``.

    ``a12`` holds the values valid on the 15th of January..December; ``year``, ``month``, ``day``
    may be arrays. For day < 15 the weight of the current month is
    ``(ndays(prev) - 15 + day) / ndays(prev)``, for day > 15 the weight of the next month is
    ``(day - 15) / ndays(month)``; the hour is not used.
    """
    a12 = np.asarray(a12, dtype=np.float64)
    y, m, d = np.broadcast_arrays(np.asarray(year), np.asarray(month), np.asarray(day))
    before = d < 15
    prevm = np.where(before, (m - 2) % 12 + 1, m)
    postm = np.where(before, m, m % 12 + 1)
    ndays_prev = np.where(prevm == 2, _nfeb(y), _NDAYS[prevm - 1])
    num = np.where(before, ndays_prev - 15 + d, d - 15)
    factor = num.astype(np.float64) / ndays_prev.astype(np.float64)
    val = a12[prevm - 1] * (1.0 - factor) + a12[postm - 1] * factor
    val = np.where(d == 15, a12[m - 1], val)
    return val[()] if val.ndim == 0 else val


def month_weights(times):
    """Indices and weight of ``month_d`` at datetime64 ``times``: (i0, i1, w) such that the
    value is ``a12[i0] * (1 - w) + a12[i1] * w`` (0-based month indices); for many series at
    once (e.g. one row of 12 values per model cell)."""
    t = np.asarray(times, dtype="datetime64[D]")
    months = t.astype("datetime64[M]")
    y = months.astype(np.int64) // 12 + 1970
    m = months.astype(np.int64) % 12 + 1
    d = (t - months).astype(np.int64) + 1
    before = d < 15
    prevm = np.where(before, (m - 2) % 12 + 1, m)
    postm = np.where(before, m, m % 12 + 1)
    ndays_prev = np.where(prevm == 2, _nfeb(y), _NDAYS[prevm - 1])
    num = np.where(before, ndays_prev - 15 + d, d - 15)
    w = num.astype(np.float64) / ndays_prev.astype(np.float64)
    return prevm - 1, postm - 1, w


def _month_d_times(a12, times):
    """``month_d`` at datetime64 times."""
    t = np.asarray(times, dtype="datetime64[D]")
    months = t.astype("datetime64[M]")
    year = months.astype(np.int64) // 12 + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (t - months).astype(np.int64) + 1
    return np.asarray(month_d(a12, year, month, day), dtype=np.float64)


def rh_to_q(sfctmp, sfcprs, rhf):
    """Specific humidity [kg kg-1] from T [K], p [Pa] and RH as a fraction, as the driver
    (``noahperm.kernel.humidity.rh_to_specific_humidity``: operation order, constants and
    bounds of ``read_forcing_text``, NCEP v2.7.1 branch); arrays or scalars. Compiled code of
    the build the point run uses (:func:`noahperm.point.aot.point_kernels`: AOT or JIT, the
    same function, bit for bit)."""
    from noahperm.point.aot import point_kernels

    rh_to_specific_humidity = point_kernels().rh_to_specific_humidity

    t, p, r = np.broadcast_arrays(*(np.asarray(x, dtype=np.float64)
                                    for x in (sfctmp, sfcprs, rhf)))
    q = rh_to_specific_humidity(np.ascontiguousarray(t).ravel(),
                                np.ascontiguousarray(p).ravel(),
                                np.ascontiguousarray(r).ravel())
    return q.reshape(t.shape) if t.ndim else float(q[0])


# ----------------------------------------------------------------------------------------------
# Namelist
# ----------------------------------------------------------------------------------------------

_REAL, _INT, _LOGICAL, _STR = "real", "integer", "logical", "string"

# key (lower case) -> (display name, type, size: None scalar / int fixed / -100 up to 100)
_KEYS = {
    "startdate": ("startdate", _STR, None),
    "enddate": ("enddate", _STR, None),
    "loop_for_a_while": ("loop_for_a_while", _INT, None),
    "output_dir": ("output_dir", _STR, None),
    "latitude": ("Latitude", _REAL, None),
    "longitude": ("Longitude", _REAL, None),
    "forcing_timestep": ("Forcing_Timestep", _INT, None),
    "noahlsm_timestep": ("Noahlsm_Timestep", _INT, None),
    "sea_ice_point": ("Sea_ice_point", _LOGICAL, None),
    "soil_layer_thickness": ("Soil_layer_thickness", _REAL, -100),
    "soil_temperature": ("Soil_Temperature", _REAL, -100),
    "soil_moisture": ("Soil_Moisture", _REAL, -100),
    "soil_liquid": ("Soil_Liquid", _REAL, -100),
    "soil_htype": ("Soil_htype", _INT, -100),
    "skin_temperature": ("Skin_Temperature", _REAL, None),
    "canopy_water": ("Canopy_water", _REAL, None),
    "snow_depth": ("Snow_depth", _REAL, None),
    "snow_equivalent": ("Snow_equivalent", _REAL, None),
    "deep_soil_temperature": ("Deep_Soil_Temperature", _REAL, None),
    "dynamic_vegetation": ("dynamic_vegetation", _INT, None),
    "landuse_dataset": ("Landuse_dataset", _STR, None),
    "soil_type_index": ("Soil_type_index", _INT, None),
    "vegetation_type_index": ("Vegetation_type_index", _INT, None),
    "urban_veg_category": ("Urban_veg_category", _INT, None),
    "glacial_veg_category": ("glacial_veg_category", _INT, None),
    "slope_type_index": ("Slope_type_index", _INT, None),
    "max_snow_albedo": ("Max_snow_albedo", _REAL, None),
    "air_temperature_level": ("Air_temperature_level", _REAL, None),
    "wind_level": ("Wind_level", _REAL, None),
    "green_vegetation_min": ("Green_Vegetation_Min", _REAL, None),
    "green_vegetation_max": ("Green_Vegetation_Max", _REAL, None),
    "usemonalb": ("Usemonalb", _LOGICAL, None),
    "rdlai2d": ("Rdlai2d", _LOGICAL, None),
    "use_urban_module": ("use_urban_module", _LOGICAL, None),
    "sfcdif_option": ("sfcdif_option", _INT, None),
    "iz0tlnd": ("iz0tlnd", _INT, None),
    "albedo_monthly": ("Albedo_monthly", _REAL, 12),
    "shdfac_monthly": ("Shdfac_monthly", _REAL, 12),
    "z0brd_monthly": ("Z0brd_monthly", _REAL, 12),
    "lai_monthly": ("lai_monthly", _REAL, 12),
}

_OPTIONAL = {
    "loop_for_a_while": 0,
    "output_dir": ".",
    "latitude": math.nan,
    "longitude": math.nan,
    "forcing_timestep": None,
    "sea_ice_point": False,
    "dynamic_vegetation": 2,
    "landuse_dataset": "",
    "usemonalb": False,
    "rdlai2d": False,
    "use_urban_module": False,
    "sfcdif_option": 0,
    "iz0tlnd": 0,
    "lai_monthly": None,
}

_REAL_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eEdD][+-]?\d+)?$")
_INT_RE = re.compile(r"^[+-]?\d+$")
_NAME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)(?:\(\s*(\d+)\s*\))?$")


@dataclass
class _Tok:
    kind: str  # "word", "str", "=", ","
    text: str
    line: int
    first: bool = False  # first token on its line


def _tokenize_namelist(lines, start, path):
    """Tokens of the namelist body after the group name on line index ``start``.

    Returns (tokens, index of the line with the terminating '/').
    """
    toks: list[_Tok] = []
    i = start
    first = lines[start]
    col = first.lower().index("&metadata_namelist") + len("&metadata_namelist")
    while i < len(lines):
        s = lines[i]
        lineno = i + 1
        j = col if i == start else 0
        n = len(s)
        while j < n:
            c = s[j]
            if c in " \t\r":
                j += 1
            elif c == "!":
                break
            elif c == "/":
                return toks, i
            elif c in "=,":
                toks.append(_Tok(c, c, lineno, not s[:j].strip()))
                j += 1
            elif c in "'\"":
                k = j + 1
                buf = []
                while True:
                    if k >= n:
                        raise InputError(
                            "unterminated quoted string",
                            path=path,
                            line=lineno,
                            field="&METADATA_NAMELIST",
                        )
                    if s[k] == c:
                        if k + 1 < n and s[k + 1] == c:
                            buf.append(c)
                            k += 2
                            continue
                        break
                    buf.append(s[k])
                    k += 1
                toks.append(_Tok("str", "".join(buf), lineno, not s[:j].strip()))
                j = k + 1
            else:
                k = j
                while k < n and s[k] not in " \t\r=,!/'\"":
                    k += 1
                word = s[j:k]
                if word.lower() in ("&end", "$end"):
                    return toks, i
                toks.append(_Tok("word", word, lineno, not s[:j].strip()))
                j = k
        i += 1
    raise InputError(
        f"no terminating '/' found for the namelist group started on line {start + 1}",
        path=path,
        line=len(lines),
        field="&METADATA_NAMELIST",
    )


def _split_items(toks, path):
    """Group tokens into (name, subscript, name_line, [(value_text or None, is_str, line)])."""
    items = []
    k = 0
    n = len(toks)
    while k < n:
        t = toks[k]
        if t.kind != "word" or k + 1 >= n or toks[k + 1].kind != "=":
            raise InputError(
                f"expected 'name = value', found {t.text!r}",
                path=path,
                line=t.line,
                field="&METADATA_NAMELIST",
            )
        m = _NAME_RE.match(t.text)
        if not m:
            raise InputError(
                f"{t.text!r} is not a valid namelist name", path=path, line=t.line, field=t.text
            )
        name, sub = m.group(1).lower(), m.group(2)
        k += 2
        groups: list[list[_Tok]] = [[]]
        while k < n:
            t2 = toks[k]
            if t2.kind == "word" and k + 1 < n and toks[k + 1].kind == "=":
                break
            if t2.kind == "=":
                raise InputError(
                    "unexpected '='", path=path, line=t2.line, field=_KEYS.get(name, (t.text,))[0]
                )
            if t2.kind == ",":
                groups.append([])
            else:
                groups[-1].append(t2)
            k += 1
        values = []
        for gi, g in enumerate(groups):
            if not g:
                if 0 < gi < len(groups) - 1 or (gi == 0 and len(groups) > 1):
                    values.append((None, False, t.line, False))  # null: element unchanged
                continue
            for v in g:
                rep = re.match(r"^(\d+)\*(.*)$", v.text) if v.kind == "word" else None
                if rep:
                    count = int(rep.group(1))
                    rest = rep.group(2)
                    values.extend([(rest if rest else None, False, v.line, False)] * count)
                else:
                    values.append((v.text, v.kind == "str", v.line, v.first))
        items.append((name, int(sub) if sub else None, t.line, t.text, values))
    return items


def _convert(text, is_str, typ, path, line, field):
    if typ == _STR:
        return text
    if is_str:
        raise InputError(
            f"expected a {typ} value, found the string {text!r}", path=path, line=line, field=field
        )
    if typ == _REAL:
        if not _REAL_RE.match(text):
            raise InputError(
                f"cannot read {text!r} as a real number", path=path, line=line, field=field
            )
        return float(text.replace("d", "e").replace("D", "e"))
    if typ == _INT:
        if not _INT_RE.match(text):
            raise InputError(
                f"cannot read {text!r} as an integer", path=path, line=line, field=field
            )
        return int(text)
    m = re.match(r"^\.?([tTfF])", text)
    if not m:
        raise InputError(
            f"cannot read {text!r} as a logical (.TRUE. or .FALSE.)",
            path=path,
            line=line,
            field=field,
        )
    return m.group(1).lower() == "t"


def _unterminated(val, disp, path):
    text, _is_str, vline, _first = val
    shown = text if len(text) <= 24 else text[:21] + "..."
    raise InputError(
        f"line {vline} ({shown!r}) is not a value of {disp}: the '/' that ends the "
        "namelist is missing before it",
        path=path,
        line=vline,
        field="&METADATA_NAMELIST",
    )


def _convert_value(val, typ, path, key_line, disp):
    """Convert one value; a bad first token of a continuation line means a missing '/'."""
    text, is_str, vline, first = val
    try:
        return _convert(text, is_str, typ, path, vline, disp)
    except InputError:
        if first and vline != key_line:
            _unterminated(val, disp, path)
        raise


def _parse_namelist(lines, path):
    """Parse the namelist. Returns (values, key_lines, start_index, end_index)."""
    start = None
    for i, s in enumerate(lines):
        st = s.strip().lower()
        if st.startswith("&metadata_namelist") and (
            len(st) == 18 or not (st[18].isalnum() or st[18] == "_")
        ):
            start = i
            break
    if start is None:
        raise InputError(
            "no namelist group '&METADATA_NAMELIST' found; the file must begin with "
            "the driver's namelist",
            path=path,
            line=1,
            field="&METADATA_NAMELIST",
        )
    toks, end = _tokenize_namelist(lines, start, path)
    items = _split_items(toks, path)

    values: dict = {}
    key_lines: dict = {}
    for name, sub, line, spelled, vals in items:
        if name not in _KEYS:
            close = difflib.get_close_matches(name, list(_KEYS), n=1)
            hint = f" (did you mean {_KEYS[close[0]][0]!r}?)" if close else ""
            raise InputError(f"unknown namelist key{hint}", path=path, line=line, field=spelled)
        disp, typ, size = _KEYS[name]
        if name in key_lines:
            raise InputError(
                f"given twice (first on line {key_lines[name]})", path=path, line=line, field=disp
            )
        key_lines[name] = line
        if size is None:
            if sub is not None and sub != 1:
                raise InputError(
                    "is a scalar and takes no subscript", path=path, line=line, field=disp
                )
            real_vals = [v for v in vals if v[0] is not None]
            if len(vals) > 1 and vals[1][3] and vals[1][2] != line:
                _unterminated(vals[1], disp, path)
            if len(vals) > 1 or not vals:
                raise InputError(
                    f"expects one value, found {len(vals)}", path=path, line=line, field=disp
                )
            if real_vals:
                values[name] = _convert_value(real_vals[0], typ, path, line, disp)
            continue
        cap = abs(size)
        offset = (sub or 1) - 1
        arr: list = [None] * offset
        for val in vals:
            arr.append(None if val[0] is None else _convert_value(val, typ, path, line, disp))
        if len(arr) > cap:
            raise InputError(
                f"has {len(arr)} values, at most {cap} allowed", path=path, line=line, field=disp
            )
        while arr and arr[-1] is None:
            arr.pop()
        if None in arr:
            raise InputError(
                f"element {arr.index(None) + 1} is not set", path=path, line=line, field=disp
            )
        if size > 0 and len(arr) != size:
            raise InputError(
                f"needs {size} values (one per month), found {len(arr)}",
                path=path,
                line=line,
                field=disp,
            )
        values[name] = arr
    return values, key_lines, start, end


def _check_range(x, lo, hi, name, path, line, unit="", lo_open=False, hi_open=False, hint=""):
    x = x.item() if hasattr(x, "item") else x
    ok = math.isfinite(x)
    if ok and lo is not None:
        ok = x > lo if lo_open else x >= lo
    if ok and hi is not None:
        ok = x < hi if hi_open else x <= hi
    if not ok:
        raise InputError(
            f"{x!r}{' ' + unit if unit else ''} is outside the allowed range "
            f"{_interval(lo, hi, lo_open, hi_open)}{hint}",
            path=path,
            line=line,
            field=name,
        )


def _interval(lo, hi, lo_open, hi_open):
    a = "(-inf" if lo is None else ("(" if lo_open else "[") + f"{lo:g}"
    b = "inf)" if hi is None else f"{hi:g}" + (")" if hi_open else "]")
    return f"{a}, {b}"


def _parse_date(text, path, line, field):
    if not re.fullmatch(r"\d{12}", text.strip()):
        raise InputError(
            f"{text!r} is not a date of the form YYYYMMDDHHmm", path=path, line=line, field=field
        )
    s = text.strip()
    try:
        d = datetime(int(s[:4]), int(s[4:6]), int(s[6:8]), int(s[8:10]), int(s[10:12]))
    except ValueError as exc:
        raise InputError(
            f"{text!r} is not a valid date ({exc})", path=path, line=line, field=field
        ) from None
    return np.datetime64(d, "m")


def _check_namelist(v, kl, start, path):
    """Type-level checks done, now presence and plausibility. Returns typed dict."""
    for key, (disp, _typ, _size) in _KEYS.items():
        if key not in v:
            if key in _OPTIONAL:
                v[key] = _OPTIONAL[key]
            else:
                raise InputError(
                    "required namelist key is missing", path=path, line=start + 1, field=disp
                )
            kl.setdefault(key, start + 1)

    def rng(key, lo, hi, unit="", **kw):
        _check_range(v[key], lo, hi, _KEYS[key][0], path, kl[key], unit, **kw)

    start_t = _parse_date(v["startdate"], path, kl["startdate"], "startdate")
    end_t = _parse_date(v["enddate"], path, kl["enddate"], "enddate")
    dt = v["noahlsm_timestep"]
    if dt <= 0 or dt % 60:
        raise InputError(
            f"{dt} s: the time step must be a positive whole number of minutes",
            path=path,
            line=kl["noahlsm_timestep"],
            field="Noahlsm_Timestep",
        )
    if end_t <= start_t:
        raise InputError(
            f"enddate {end_t} is not after startdate {start_t} (the driver runs no step)",
            path=path,
            line=kl["enddate"],
            field="enddate",
        )
    span = int((end_t - start_t) / np.timedelta64(1, "m"))
    if span % (dt // 60):
        raise InputError(
            f"enddate - startdate = {span} min is not a whole number of time steps "
            f"({dt // 60} min)",
            path=path,
            line=kl["enddate"],
            field="enddate",
        )
    if v["loop_for_a_while"] < 0:
        raise InputError(
            "must be 0", path=path, line=kl["loop_for_a_while"], field="loop_for_a_while"
        )
    if v["loop_for_a_while"] > 0:
        raise InputError(
            f"{v['loop_for_a_while']}: repeating the forcing (the driver's spin-up loop, which "
            "runs startdate..enddate-dt loop_for_a_while+1 times) is not supported by the point "
            "reader; set it to 0 and use noahperm's spin-up stage instead",
            path=path,
            line=kl["loop_for_a_while"],
            field="loop_for_a_while",
        )
    if v["sea_ice_point"]:
        raise InputError(
            ".TRUE. is not supported: the driver (and noahperm) run land points only",
            path=path,
            line=kl["sea_ice_point"],
            field="Sea_ice_point",
        )
    if v["use_urban_module"]:
        raise InputError(
            ".TRUE. is not supported: there is no urban canopy model",
            path=path,
            line=kl["use_urban_module"],
            field="use_urban_module",
        )

    nsoil = len(v["soil_layer_thickness"])
    for key in ("soil_temperature", "soil_moisture", "soil_liquid", "soil_htype"):
        if len(v[key]) != nsoil:
            raise InputError(
                f"has {len(v[key])} layer values but Soil_layer_thickness (line "
                f"{kl['soil_layer_thickness']}) has {nsoil}",
                path=path,
                line=kl[key],
                field=_KEYS[key][0],
            )
    sldpth = np.array(v["soil_layer_thickness"], dtype=np.float64)
    stc = np.array(v["soil_temperature"], dtype=np.float64)
    smc = np.array(v["soil_moisture"], dtype=np.float64)
    sh2o = np.array(v["soil_liquid"], dtype=np.float64)
    stype = np.array(v["soil_htype"], dtype=np.int64)
    for k in range(nsoil):
        _check_range(
            sldpth[k],
            0.0,
            None,
            f"Soil_layer_thickness({k + 1})",
            path,
            kl["soil_layer_thickness"],
            "m",
            lo_open=True,
        )
        _check_range(
            stc[k],
            150.0,
            350.0,
            f"Soil_Temperature({k + 1})",
            path,
            kl["soil_temperature"],
            "K",
            lo_open=True,
        )
        _check_range(
            smc[k], 0.0, 1.0, f"Soil_Moisture({k + 1})", path, kl["soil_moisture"], "m3 m-3"
        )
        _check_range(sh2o[k], 0.0, None, f"Soil_Liquid({k + 1})", path, kl["soil_liquid"], "m3 m-3")
        if sh2o[k] > smc[k]:
            raise InputError(
                f"liquid water {sh2o[k]!r} exceeds the total soil water "
                f"Soil_Moisture({k + 1}) = {smc[k]!r}",
                path=path,
                line=kl["soil_liquid"],
                field=f"Soil_Liquid({k + 1})",
            )
        _check_range(
            stype[k],
            1,
            19,
            f"Soil_htype({k + 1})",
            path,
            kl["soil_htype"],
            hint=" (soil classes of SOILPARM.TBL)",
        )
    rng("skin_temperature", 150.0, 350.0, "K", lo_open=True)
    rng("deep_soil_temperature", 150.0, 350.0, "K", lo_open=True)
    rng("canopy_water", 0.0, None, "m")
    rng("snow_depth", 0.0, None, "m")
    rng("snow_equivalent", 0.0, None, "m")
    if v["snow_equivalent"] > 0 and (
        v["snow_depth"] <= 0 or v["snow_equivalent"] / v["snow_depth"] > 1.0
    ):
        raise InputError(
            f"snow density Snow_equivalent / Snow_depth = {v['snow_equivalent']!r} / "
            f"{v['snow_depth']!r} exceeds 1 (denser than water)",
            path=path,
            line=kl["snow_equivalent"],
            field="Snow_equivalent",
        )
    rng("soil_type_index", 1, 19, hint=" (soil classes of SOILPARM.TBL)")
    rng("vegetation_type_index", 1, 27, hint=" (USGS vegetation classes)")
    rng("urban_veg_category", 1, 27)
    rng("glacial_veg_category", 1, 27)
    rng("slope_type_index", 1, 9, hint=" (slope classes of GENPARM.TBL)")
    rng("max_snow_albedo", 0.0, 1.0)
    rng("air_temperature_level", 0.0, None, "m", lo_open=True)
    rng("wind_level", 0.0, None, "m", lo_open=True)
    rng("green_vegetation_min", 0.0, 1.0)
    rng("green_vegetation_max", 0.0, 1.0)
    if v["green_vegetation_max"] < v["green_vegetation_min"]:
        raise InputError(
            "is lower than Green_Vegetation_Min",
            path=path,
            line=kl["green_vegetation_max"],
            field="Green_Vegetation_Max",
        )
    if v["sfcdif_option"] not in (0, 1, 2):
        raise InputError(
            f"{v['sfcdif_option']} is not one of 0, 1, 2",
            path=path,
            line=kl["sfcdif_option"],
            field="sfcdif_option",
        )
    if v["iz0tlnd"] not in (0, 1):
        raise InputError(
            f"{v['iz0tlnd']} is not 0 or 1", path=path, line=kl["iz0tlnd"], field="iz0tlnd"
        )
    monthly_rng = {
        "albedo_monthly": (0.0, 1.0, False),
        "shdfac_monthly": (0.0, 1.0, False),
        "z0brd_monthly": (0.0, None, True),
        "lai_monthly": (0.0, None, False),
    }
    if v["rdlai2d"] and v["lai_monthly"] is None:
        raise InputError(
            "required when Rdlai2d is .TRUE.", path=path, line=start + 1, field="lai_monthly"
        )
    if v["lai_monthly"] is None:
        v["lai_monthly"] = [math.nan] * 12
    elif not v["rdlai2d"]:
        monthly_rng.pop("lai_monthly")  # read but unused, as in the driver
    for key, (lo, hi, lo_open) in monthly_rng.items():
        for k, x in enumerate(v[key]):
            _check_range(x, lo, hi, f"{_KEYS[key][0]}({k + 1})", path, kl[key], lo_open=lo_open)
    v.update(
        startdate=start_t,
        enddate=end_t,
        sldpth=sldpth,
        stc=stc,
        smc=smc,
        sh2o=sh2o,
        stype=stype,
        nsoil=nsoil,
    )
    return v


# ----------------------------------------------------------------------------------------------
# Forcing records
# ----------------------------------------------------------------------------------------------

FORCING_FIELDS = (
    "year",
    "month",
    "day",
    "hour",
    "minute",
    "wind speed",
    "wind direction",
    "air temperature",
    "relative humidity",
    "surface pressure",
    "downward shortwave",
    "downward longwave",
    "precipitation",
)
_UNITS = ("m s-1", "degrees", "K", "%", "hPa", "W m-2", "W m-2", "kg m-2 s-1")
_DATE_COLS = ((0, 4), (5, 7), (8, 10), (11, 13), (14, 16))
_VAL_COLS = tuple((16 + 17 * k, 33 + 17 * k) for k in range(8))
_WIDTH = 152
# per value field: (lower, lower open, upper, upper open); None = unbounded (finite always)
_RANGES = (
    (0.0, False, None, False),  # wind speed >= 0
    (None, False, None, False),  # wind direction: any finite value (unused)
    (150.0, True, 350.0, False),  # 150 K < T <= 350 K
    (0.0, False, 110.0, False),  # 0 <= RH <= 110 %
    (100.0, False, 1100.0, False),  # 100 <= p <= 1100 hPa
    (0.0, False, None, False),  # SW >= 0
    (0.0, True, None, False),  # LW > 0
    (0.0, False, None, False),  # precipitation >= 0
)


def _values_ok(vals):
    """Boolean (n, 8): value inside its allowed range (and finite)."""
    ok = np.isfinite(vals)
    for k, (lo, lo_open, hi, hi_open) in enumerate(_RANGES):
        x = vals[:, k]
        if lo is not None:
            ok[:, k] &= (x > lo) if lo_open else (x >= lo)
        if hi is not None:
            ok[:, k] &= (x < hi) if hi_open else (x <= hi)
    return ok


def _value_message(k, x):
    lo, lo_open, hi, hi_open = _RANGES[k]
    unit = _UNITS[k]
    if not math.isfinite(x):
        return f"{x!r} is not a finite number"
    msg = f"{x!r} {unit} is outside the allowed range {_interval(lo, hi, lo_open, hi_open)} {unit}"
    if k == 2 and -100.0 < x < 60.0:
        msg += " (the file needs kelvin, not degrees Celsius)"
    if k == 4 and 1.0e4 <= x <= 1.1e5:
        msg += " (the file needs hPa, not Pa)"
    return msg


def _float_token(tok):
    t = tok.replace("d", "e").replace("D", "e")
    if not _REAL_RE.match(t):
        return None
    return float(t)


def _parse_fixed(s, lineno, path):
    """Fixed columns: (ints, vals) or (None, InputError). Raises where the driver would misread."""
    ints = [int(s[a:b]) for a, b in _DATE_COLS]
    vals = []
    for k, (a, b) in enumerate(_VAL_COLS):
        name = FORCING_FIELDS[5 + k]
        cols = f"columns {a + 1}-{b}"
        raw = s[a:b]
        tok = raw.strip()
        if not tok:
            if len(s) <= a:
                problem = (
                    f"record is truncated: the line ends at column {len(s)}, before this "
                    f"field ({cols})"
                )
            else:
                problem = f"empty field ({cols})"
            return None, InputError(problem, path=path, line=lineno, field=name)
        if len(tok.split()) > 1:
            return None, InputError(
                f"{raw!r} in {cols} is not one number: values are not aligned with the fixed "
                "columns of format (I4.4,4(1x,I2.2),8(F17.10))",
                path=path,
                line=lineno,
                field=name,
            )
        x = _float_token(tok)
        if x is None:
            return None, InputError(
                f"cannot read {tok!r} ({cols}) as a number", path=path, line=lineno, field=name
            )
        if "." not in tok and x != 0.0:
            raise InputError(
                f"{tok!r} ({cols}) has no decimal point: the reference driver's "
                f"F17.10 format would read it as {x * 1e-10:g}; write {tok}.0",
                path=path,
                line=lineno,
                field=name,
            )
        vals.append(x)
    return (ints, vals), None


def _parse_free(s, lineno, path):
    """Whitespace-separated: (ints, vals) or (None, InputError)."""
    toks = s.split()
    if len(toks) != 13:
        return None, InputError(
            f"has {len(toks)} fields, expected 13 (year month day hour minute and 8 values, "
            "format (I4.4,4(1x,I2.2),8(F17.10)))",
            path=path,
            line=lineno,
            field="forcing record",
        )
    ints = []
    for k in range(5):
        if not toks[k].isdigit():
            return None, InputError(
                f"cannot read {toks[k]!r} as an integer",
                path=path,
                line=lineno,
                field=FORCING_FIELDS[k],
            )
        ints.append(int(toks[k]))
    vals = []
    for k in range(8):
        x = _float_token(toks[5 + k])
        if x is None:
            return None, InputError(
                f"cannot read {toks[5 + k]!r} as a number",
                path=path,
                line=lineno,
                field=FORCING_FIELDS[5 + k],
            )
        vals.append(x)
    return (ints, vals), None


def _parse_record_line(s, lineno, path):
    """Slow path: one record line -> (5 ints, 8 floats), or InputError naming the field.

    Fixed columns first (as the driver reads); failing that, 13 whitespace-separated numbers.
    A line whose date and first value sit in the fixed columns is diagnosed by its columns.
    """
    looks_fixed = (
        all(s[a:b].strip().isdigit() for a, b in _DATE_COLS) and len(s[16:33].split()) == 1
    )
    err_fixed = None
    if looks_fixed:
        res, err_fixed = _parse_fixed(s, lineno, path)
        if res is not None:
            return res
    res, err_free = _parse_free(s, lineno, path)
    if res is not None:
        return res
    raise err_fixed if err_fixed is not None else err_free


def _record_minutes(ints, lineno, path):
    y, mo, d, h, mi = ints
    for k, (x, lo, hi) in enumerate(((mo, 1, 12), (h, 0, 23), (mi, 0, 59))):
        if not lo <= x <= hi:
            field = ("month", "hour", "minute")[k]
            raise InputError(f"{x} is outside {lo}..{hi}", path=path, line=lineno, field=field)
    try:
        t = datetime(y, mo, d, h, mi)
    except ValueError as exc:
        raise InputError(
            f"{y:04d}-{mo:02d}-{d:02d} is not a valid date ({exc})",
            path=path,
            line=lineno,
            field="day",
        ) from None
    return int(np.datetime64(t, "m").astype(np.int64))


def _fmt_min(m):
    return str(np.datetime64(int(m), "m")).replace("T", " ")


def _order_error(prev_t, prev_line, t, lineno, path):
    if t == prev_t:
        raise InputError(
            f"duplicate record for {_fmt_min(t)} (also on line {prev_line})",
            path=path,
            line=lineno,
            field="date",
        )
    raise InputError(
        f"record for {_fmt_min(t)} is out of chronological order: it follows "
        f"{_fmt_min(prev_t)} (line {prev_line})",
        path=path,
        line=lineno,
        field="date",
    )


def _records_slow(lines, first, end_min, path):
    """Line by line, stopping after the first record at or after ``end_min``."""
    times, vals, lnos = [], [], []
    for i in range(first, len(lines)):
        s = lines[i]
        if not s.strip():
            continue
        lineno = i + 1
        ints, v = _parse_record_line(s, lineno, path)
        t = _record_minutes(ints, lineno, path)
        if times and t <= times[-1]:
            _order_error(times[-1], lnos[-1], t, lineno, path)
        ok = _values_ok(np.array([v]))[0]
        if not ok.all():
            k = int(np.argmin(ok))
            raise InputError(
                _value_message(k, v[k]), path=path, line=lineno, field=FORCING_FIELDS[5 + k]
            )
        times.append(t)
        vals.append(v)
        lnos.append(lineno)
        if t >= end_min:
            break
    return (
        np.array(times, dtype=np.int64),
        np.array(vals, dtype=np.float64).reshape(-1, 8),
        np.array(lnos, dtype=np.int64),
    )


def _records_fast(lines, first, end_min):
    """Vectorised parse of well-formed fixed-column files; None if anything looks off."""
    body = lines[first:]
    keep = [i for i, s in enumerate(body) if s.strip()]
    if not keep:
        return None
    sel = [body[i] for i in keep]
    if min(len(s) for s in sel) < _WIDTH:
        return None
    try:
        raw = np.array(sel, dtype=f"S{_WIDTH}")
    except UnicodeEncodeError:
        return None
    b = raw.view(np.uint8).reshape(len(sel), _WIDTH)
    digits = b - 48
    ints = []
    for a, e in _DATE_COLS:
        d = digits[:, a:e]
        if (d > 9).any():  # uint8 wraps below '0'
            return None
        ints.append((d.astype(np.int64) * (10 ** np.arange(e - a - 1, -1, -1))).sum(axis=1))
    y, mo, d, h, mi = ints
    if ((mo < 1) | (mo > 12) | (d < 1) | (h > 23) | (mi > 59)).any():
        return None
    months = ((y - 1970) * 12 + mo - 1).astype("datetime64[M]")
    days = months.astype("datetime64[D]") + (d - 1)
    if (days.astype("datetime64[M]") != months).any():
        return None
    tmin = days.astype("datetime64[m]").astype(np.int64) + h * 60 + mi
    vals = np.empty((len(sel), 8))
    for k, (a, e) in enumerate(_VAL_COLS):
        fld = b[:, a:e]
        sp = fld == 32
        seen = np.maximum.accumulate(~sp, axis=1)
        if (sp & seen).any() or not (fld == 46).any(axis=1).all():
            return None  # inner blank or no decimal point
        try:
            vals[:, k] = np.ascontiguousarray(fld).view(f"S{e - a}").ravel().astype(np.float64)
        except ValueError:
            return None
    lnos = np.array(keep, dtype=np.int64) + first + 1
    hit = np.nonzero(tmin >= end_min)[0]
    cut = int(hit[0]) + 1 if hit.size else len(sel)
    tmin, vals, lnos = tmin[:cut], vals[:cut], lnos[:cut]
    if (np.diff(tmin) <= 0).any() or not _values_ok(vals).all():
        return None
    return tmin, vals, lnos


def _match_times(rec_t, rec_v, rec_l, start_min, end_min, dt_min, nlines, path):
    """Per-step values as read_forcing_text; returns (values (n,8), lines, interval [min])."""
    if rec_t.size == 0:
        raise InputError(
            "no forcing records after the <Forcing> line",
            path=path,
            line=nlines,
            field="forcing record",
        )
    if rec_t[0] > start_min:
        raise InputError(
            f"the first record is for {_fmt_min(rec_t[0])}, after startdate {_fmt_min(start_min)}",
            path=path,
            line=int(rec_l[0]),
            field="date",
        )
    if rec_t[-1] < end_min:
        nmiss = (end_min - rec_t[-1]) // dt_min
        raise InputError(
            f"premature end of forcing: the last record is for "
            f"{_fmt_min(rec_t[-1])}, before enddate {_fmt_min(end_min)} "
            f"({nmiss} model step(s) without forcing)",
            path=path,
            line=int(rec_l[-1]),
            field="date",
        )
    i0 = int(np.searchsorted(rec_t, start_min, side="right")) - 1
    used_t = rec_t[i0:]
    gaps = np.diff(used_t)
    interval = 0
    if gaps.size:
        uniq, counts = np.unique(gaps, return_counts=True)
        interval = int(uniq[np.argmax(counts)])
        bad = np.nonzero(gaps != interval)[0]
        if bad.size:
            j = int(bad[0]) + i0 + 1
            g = int(gaps[bad[0]])
            prev = f"{_fmt_min(rec_t[j - 1])} (line {rec_l[j - 1]})"
            if g > interval and g % interval == 0:
                msg = (
                    f"gap in the forcing: {g // interval - 1} record(s) missing between "
                    f"{prev} and {_fmt_min(rec_t[j])}; the forcing interval is "
                    f"{interval} min"
                )
            else:
                msg = (
                    f"irregular forcing interval: {g} min from {prev} to "
                    f"{_fmt_min(rec_t[j])}, while the interval is {interval} min elsewhere"
                )
            raise InputError(msg, path=path, line=int(rec_l[j]), field="date")
    n = (end_min - start_min) // dt_min + 1
    t = start_min + dt_min * np.arange(n, dtype=np.int64)
    ia = np.searchsorted(rec_t, t, side="left")  # first record >= t
    exact = rec_t[ia] == t
    ib = np.where(exact, ia, ia - 1)
    idts = (t - rec_t[ib]).astype(np.float64)
    idts2 = (rec_t[ia] - rec_t[ib]).astype(np.float64)
    frac = np.where(exact, 1.0, (idts2 - idts) / np.where(exact, 1.0, idts2))[:, None]
    interp = rec_v[ib] * frac + rec_v[ia] * (1.0 - frac)
    out = np.where(exact[:, None], rec_v[ia], interp)
    out[:, 7] = rec_v[ib, 7]  # precipitation: earlier record, not interpolated
    return out, rec_l[ib], interval


# ----------------------------------------------------------------------------------------------
# Entry point
# ----------------------------------------------------------------------------------------------


def read_point_input(path) -> PointInput:
    """Read a point input file of the reference driver (namelist + forcing records).

    Raises :class:`~noahperm.core.errors.InputError` (``"<file>:<line>: <field>: <problem>"``) for
    any problem with the file; see the module docstring for the rules.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror or exc})", path=path) from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    values, key_lines, start, end = _parse_namelist(lines, path)
    v = _check_namelist(values, key_lines, start, path)

    first = None
    for i in range(end + 1, len(lines)):
        if lines[i].lstrip(" ").upper().startswith("<FORCING>"):
            first = i + 1
            break
    if first is None:
        raise InputError(
            "no line starting with '<Forcing>' after the namelist (it must precede "
            "the forcing records)",
            path=path,
            line=max(len(lines), 1),
            field="<Forcing>",
        )

    dt_min = v["noahlsm_timestep"] // 60
    start_min = int(v["startdate"].astype(np.int64))
    end_min = int(v["enddate"].astype(np.int64))
    rec = _records_fast(lines, first, end_min)
    if rec is None:
        rec = _records_slow(lines, first, end_min, path)
    raw, lines_used, interval = _match_times(*rec, start_min, end_min, dt_min, len(lines), path)

    times = (start_min + dt_min * np.arange(raw.shape[0], dtype=np.int64)).astype("datetime64[m]")
    sfctmp = raw[:, 2]
    sfcprs = raw[:, 4] * 1.0e2
    forcing = np.empty((raw.shape[0], L.NFORC), dtype=np.float64)
    forcing[:, L.F_SFCSPD] = raw[:, 0]
    forcing[:, L.F_SFCTMP] = sfctmp
    forcing[:, L.F_Q2] = rh_to_q(sfctmp, sfcprs, raw[:, 3] * 1.0e-2)
    forcing[:, L.F_SFCPRS] = sfcprs
    forcing[:, L.F_SOLDN] = raw[:, 5]
    forcing[:, L.F_LWDN] = raw[:, 6]
    forcing[:, L.F_PRCP] = raw[:, 7]
    forcing[:, L.F_SHDFAC] = _month_d_times(v["shdfac_monthly"], times)

    start_arr = np.array([v["startdate"]])
    return PointInput(
        path=path,
        nsoil=v["nsoil"],
        startdate=v["startdate"],
        enddate=v["enddate"],
        dt=float(v["noahlsm_timestep"]),
        loop_for_a_while=int(v["loop_for_a_while"]),
        sldpth=v["sldpth"],
        stc=v["stc"],
        smc=v["smc"],
        sh2o=v["sh2o"],
        stype=v["stype"],
        t1=float(v["skin_temperature"]),
        cmc=float(v["canopy_water"]),
        snowh=float(v["snow_depth"]),
        sneqv=float(v["snow_equivalent"]),
        tbot=float(v["deep_soil_temperature"]),
        soiltyp=int(v["soil_type_index"]),
        vegtyp=int(v["vegetation_type_index"]),
        urban_veg_category=int(v["urban_veg_category"]),
        glacial_veg_category=int(v["glacial_veg_category"]),
        slopetyp=int(v["slope_type_index"]),
        snoalb=float(v["max_snow_albedo"]),
        zlvl=float(v["air_temperature_level"]),
        zlvl_wind=float(v["wind_level"]),
        shdmin=float(v["green_vegetation_min"]),
        shdmax=float(v["green_vegetation_max"]),
        usemonalb=bool(v["usemonalb"]),
        rdlai2d=bool(v["rdlai2d"]),
        sfcdif_option=int(v["sfcdif_option"]),
        iz0tlnd=int(v["iz0tlnd"]),
        albedo_monthly=np.array(v["albedo_monthly"], dtype=np.float64),
        shdfac_monthly=np.array(v["shdfac_monthly"], dtype=np.float64),
        z0brd_monthly=np.array(v["z0brd_monthly"], dtype=np.float64),
        lai_monthly=np.array(v["lai_monthly"], dtype=np.float64),
        latitude=float(v["latitude"]),
        longitude=float(v["longitude"]),
        forcing_timestep=v["forcing_timestep"],
        ice=-1 if v["vegetation_type_index"] == v["glacial_veg_category"] else 0,
        output_dir=v["output_dir"],
        landuse_dataset=v["landuse_dataset"],
        times=times,
        forcing=forcing,
        forcing_lines=lines_used,
        forcing_interval=float(interval * 60),
        albedo_init=float(_month_d_times(v["albedo_monthly"], start_arr)[0]),
        z0brd_init=float(_month_d_times(v["z0brd_monthly"], start_arr)[0]),
        alb_monthly_step=_month_d_times(v["albedo_monthly"], times) if v["usemonalb"] else None,
        lai_step=_month_d_times(v["lai_monthly"], times) if v["rdlai2d"] else None,
    )

"""Reader of CMFD (China Meteorological Forcing Dataset, He et al. 2020) monthly NetCDF files.

File layout (what the real dataset and the demo generator write):

* one file per variable and month, ``{var}_CMFD_V0106_B-01_03hr_010deg_{YYYYMM}.nc`` or the older
  ``{var}_ITPCAS-CMFD_V0106_B-01_03hr_010deg_{YYYYMM}.nc``, in ``<raw_dir>/forcing/``;
* the variable is named like the file prefix, dims ``(time, lat, lon)``; ``lat`` and ``lon`` are
  1-D ascending cell centres 0.1 deg apart; ``time`` is CF-encoded (``hours since 1900-01-01
  00:00:00``, UTC), every 3 h from 00:00 of the first day to 21:00 of the last day of the month;
  missing data are ``_FillValue``/``missing_value`` (-32767 in CMFD), which netCDF4 masks.

Variables, their CMFD units and the canonical (kernel) names and SI units they become:

=====  ===========  ========  ============  ===============================================
CMFD   CMFD units   name      SI units      conversion
=====  ===========  ========  ============  ===============================================
temp   K            SFCTMP    K             none
shum   kg kg-1      Q2        kg kg-1       none
pres   Pa           SFCPRS    Pa            none
wind   m s-1        SFCSPD    m s-1         none
srad   W m-2        SOLDN     W m-2         none
lrad   W m-2        LWDN      W m-2         none
prec   mm hr-1      PRCP      kg m-2 s-1    / 3600 (1 mm of water = 1 kg m-2), then
                                            :func:`step_precipitation`
=====  ===========  ========  ============  ===============================================

Time conventions (the CMFD documentation, He et al. 2020, and its data description): ``temp``,
``shum``, ``pres`` and ``wind`` are instantaneous at the time stamp ``t``; ``srad`` and ``lrad``
are 3-hour means centred on it, over ``[t - 1.5 h, t + 1.5 h]``; ``prec`` is the mean over the
preceding 3 hours, ``[t - 3 h, t]``. The model step labelled ``t`` is taken to be the 3 hours
centred on ``t`` (``[t - 1.5 h, t + 1.5 h]``): its air state is the instantaneous record at
its middle, its radiation the centred record as it is, and its precipitation the mean rate
over the same 3 hours, which the records give as ``(prec(t) + prec(t + 3 h)) / 2`` (each
record covers half of the step). So precipitation is neither late nor early with respect to
the temperature that decides its phase (FFROZP), and water is conserved (every record is
split between the two steps it overlaps). See ``docs/inputs.md``.

Each variable must be in its CMFD unit; the usual spellings of that unit are accepted
(``kg/kg``, ``m/s``, ``W/m2``, ``mm/h`` ...). A file in another unit (temp in degC, prec in mm/day,
pres in hPa, ...) is rejected rather than converted: such a file is not a CMFD file and its
labels cannot be trusted. Every problem raises :class:`~noahperm.core.errors.InputError` naming the
file, the variable and what is wrong.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from noahperm.core import layout
from noahperm.core.errors import InputError
from noahperm.core.variables import attrs

__all__ = [
    "CMFD_VARS",
    "FILE_PATTERNS",
    "VarSpec",
    "month_file",
    "step_precipitation",
    "month_times",
    "read_grid",
    "read_month",
    "check_grid",
]

#: File name patterns, preferred first; ``{var}`` and ``{ym}`` (YYYYMM) are filled in.
FILE_PATTERNS = layout.FORCING_FILE_PATTERNS

STEP_HOURS = 3
GRID_RES = 0.1  # deg
_GRID_TOL = 1e-4  # deg: coordinates are float32 in the files


class VarSpec(NamedTuple):
    """One CMFD variable: its canonical name, units, conversion and checks."""

    name: str  # canonical (kernel) name, noahperm.kernel.layout.FORCING_NAMES
    cmfd_units: str  # the unit the CMFD files use
    spellings: frozenset  # normalised spellings accepted for cmfd_units
    wrong: dict  # normalised spelling of a known other unit -> its description
    factor: float  # SI value = file value * factor
    units: str  # SI units (UDUNITS spelling)
    long_name: str
    standard_name: str
    cell_methods: str
    valid_range: tuple[float, float]  # plausible range in SI units


def _norm(units: str) -> str:
    """Lower case, ``**``/``^`` dropped, ``.`` and ``*`` as spaces, whitespace collapsed."""
    u = str(units).strip().lower().replace("**", "").replace("^", "")
    u = re.sub(r"[.*]", " ", u)
    return re.sub(r"\s+", " ", u).strip()


def _spec(var: str, name: str, spellings, wrong: dict, factor: float,
          valid_range: tuple[float, float]) -> VarSpec:
    """A :class:`VarSpec` whose units, names and cell methods come from the variable registry
    (``noahperm.core.variables``: store ``cmfd`` for the file, ``forcing`` for the SI form)."""
    raw, si = attrs(var, "cmfd"), attrs(name, "forcing")
    return VarSpec(name, raw["units"], frozenset(spellings), wrong, factor, si["units"],
                   si["long_name"], si["standard_name"], si["cell_methods"], valid_range)


CMFD_VARS: dict[str, VarSpec] = {
    "temp": _spec(
        "temp", "SFCTMP",
        {"k", "kelvin", "kelvins", "degk", "deg k", "degrees_k", "degree_k",
         "degrees k", "degree_kelvin", "degrees_kelvin"},
        {"degc": "degC", "deg c": "degC", "c": "degC", "celsius": "degC", "degree_c": "degC",
         "degrees_c": "degC", "degree_celsius": "degC", "degrees_celsius": "degC",
         "degree celsius": "degC", "°c": "degC", "degf": "degF", "°f": "degF"},
        1.0, (150.0, 350.0),
    ),
    "shum": _spec(
        "shum", "Q2",
        {"kg kg-1", "kg/kg", "1"},
        {"g/kg": "g kg-1", "g kg-1": "g kg-1", "%": "percent (relative humidity?)"},
        1.0, (0.0, 0.1),
    ),
    "pres": _spec(
        "pres", "SFCPRS", {"pa", "pascal", "pascals"},
        {"hpa": "hPa", "mb": "mbar", "mbar": "mbar", "millibar": "mbar", "kpa": "kPa",
         "atm": "atm"},
        1.0, (3.0e4, 1.1e5),
    ),
    "wind": _spec(
        "wind", "SFCSPD",
        {"m s-1", "m/s", "m sec-1", "meter second-1", "meters second-1",
         "metre second-1", "metres second-1", "meters per second",
         "metres per second", "m per s"},
        {"km/h": "km h-1", "km h-1": "km h-1", "kt": "knots", "knots": "knots",
         "knot": "knots"},
        1.0, (0.0, 100.0),
    ),
    "srad": _spec(
        "srad", "SOLDN",
        {"w m-2", "w/m2", "w/m-2", "w m2-1", "watt m-2", "watts m-2",
         "watt/m2", "watts/m2", "watts per square meter", "watts per square metre"},
        {"mj m-2 d-1": "MJ m-2 d-1", "mj/m2/d": "MJ m-2 d-1", "j m-2": "J m-2",
         "j/m2": "J m-2", "mj m-2": "MJ m-2"},
        1.0, (0.0, 1500.0),
    ),
    "lrad": _spec(
        "lrad", "LWDN",
        {"w m-2", "w/m2", "w/m-2", "w m2-1", "watt m-2", "watts m-2",
         "watt/m2", "watts/m2", "watts per square meter", "watts per square metre"},
        {"mj m-2 d-1": "MJ m-2 d-1", "mj/m2/d": "MJ m-2 d-1", "j m-2": "J m-2",
         "j/m2": "J m-2", "mj m-2": "MJ m-2"},
        1.0, (0.0, 800.0),
    ),
    "prec": _spec(
        "prec", "PRCP",
        {"mm hr-1", "mm h-1", "mm/hr", "mm/h", "mm hour-1", "mm/hour",
         "mm per hour", "kg m-2 h-1", "kg m-2 hr-1", "kg/m2/h", "kg/m2/hr"},
        {"mm/day": "mm day-1", "mm day-1": "mm day-1", "mm d-1": "mm day-1",
         "mm/d": "mm day-1", "mm": "mm (an amount, not a rate)",
         "mm/3h": "mm (3 h)-1", "mm 3h-1": "mm (3 h)-1", "mm/3hr": "mm (3 h)-1",
         "kg m-2 s-1": "kg m-2 s-1", "mm s-1": "mm s-1", "mm/s": "mm s-1",
         "m": "m (an amount, not a rate)", "m s-1": "m s-1", "m/s": "m s-1"},
        1.0 / 3600.0, (0.0, 500.0 / 3600.0),
    ),
}


def step_precipitation(records: np.ndarray, next_record: np.ndarray | None = None
                       ) -> np.ndarray:
    """Mean precipitation rate of each model step from CMFD ``prec`` records.

    ``records`` (..., nstep) are the records ``prec(t_i)``, each the mean rate over
    ``[t_i - 3 h, t_i]``; the step labelled ``t_i`` covers ``[t_i - 1.5 h, t_i + 1.5 h]``, whose
    mean rate is ``(prec(t_i) + prec(t_i + 3 h)) / 2``. ``next_record`` (...) is the record
    after the last one (the first of the next month); ``None`` (the end of the data) repeats
    the last record (the rate of the last 1.5 hours is taken as that of the 3 hours before).
    Units are kept; the result is float64.
    """
    p = np.asarray(records, dtype=np.float64)
    nxt = p[..., -1] if next_record is None else np.asarray(next_record, dtype=np.float64)
    later = np.concatenate([p[..., 1:], nxt[..., None]], axis=-1)
    return 0.5 * (p + later)


def month_file(forcing_dir: str | Path, var: str, year: int, month: int) -> Path:
    """Path of the monthly file of ``var``; either naming scheme. InputError if neither exists."""
    d = Path(forcing_dir)
    ym = f"{year:04d}{month:02d}"
    names = [pat.format(var=var, ym=ym) for pat in FILE_PATTERNS]
    for name in names:
        if (d / name).is_file():
            return d / name
    raise InputError(
        f"missing CMFD month file for {var} {year:04d}-{month:02d} (looked for {' or '.join(names)})",
        path=d / names[0],
    )


def month_times(year: int, month: int) -> np.ndarray:
    """The expected 3-hourly times of a month, ``datetime64[s]``, 00:00 first to 21:00 last day."""
    ndays = calendar.monthrange(year, month)[1]
    start = np.datetime64(f"{year:04d}-{month:02d}-01T00:00:00", "s")
    return start + np.arange(ndays * 24 // STEP_HOURS) * np.timedelta64(STEP_HOURS * 3600, "s")


@dataclass(frozen=True)
class Grid:
    """A regular lat/lon grid of cell centres [deg], both ascending."""

    lat: np.ndarray
    lon: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return (self.lat.size, self.lon.size)

    def describe(self) -> str:
        return (f"lat {self.lat[0]:.4f}..{self.lat[-1]:.4f} ({self.lat.size}), "
                f"lon {self.lon[0]:.4f}..{self.lon[-1]:.4f} ({self.lon.size})")


def _open(path: Path):
    import netCDF4

    with open(path, "rb"):  # an unreadable file: PermissionError naming it (not "corrupt")
        pass
    try:
        return netCDF4.Dataset(path, "r")
    except (OSError, RuntimeError, ValueError) as exc:
        raise InputError(f"cannot open NetCDF file (corrupt or truncated?): {exc}", path=path) from None


def _axis(nc, name: str, path: Path) -> np.ndarray:
    if name not in nc.variables:
        raise InputError(f"coordinate variable {name!r} missing", path=path, field=name)
    a = np.asarray(nc.variables[name][:], dtype=np.float64)
    if a.ndim != 1 or a.size < 1 or not np.isfinite(a).all():
        raise InputError("must be a 1-D array of finite cell centres", path=path, field=name)
    if a.size > 1:
        step = np.diff(a)
        if not (np.abs(step - GRID_RES) < _GRID_TOL).all():
            raise InputError(
                f"cell centres must ascend in steps of {GRID_RES} deg "
                f"(got steps {step.min():.5f}..{step.max():.5f})", path=path, field=name)
    return np.round(a, 6)  # float32 in the files: snap to 1e-6 deg


def read_grid(path: str | Path) -> Grid:
    """The lat/lon grid of a CMFD file (validated: 1-D, ascending, 0.1 deg apart)."""
    path = Path(path)
    with _open(path) as nc:
        try:
            return Grid(_axis(nc, "lat", path), _axis(nc, "lon", path))
        except (OSError, RuntimeError) as exc:
            raise InputError(f"cannot read (corrupt or truncated?): {exc}", path=path) from None


def check_grid(grid: Grid, expected: Grid, path: Path) -> None:
    """InputError unless ``grid`` equals ``expected`` (within 1e-4 deg)."""
    same = grid.shape == expected.shape and np.allclose(grid.lat, expected.lat, atol=_GRID_TOL) \
        and np.allclose(grid.lon, expected.lon, atol=_GRID_TOL)
    if not same:
        raise InputError(
            f"wrong grid: {grid.describe()}; expected the forcing grid {expected.describe()}",
            path=path, field="lat/lon")


def _check_units(var: str, spec: VarSpec, units, path: Path) -> None:
    if units is None:
        raise InputError(f"no 'units' attribute (expected {spec.cmfd_units!r})", path=path,
                         field=var)
    n = _norm(units)
    if n in spec.spellings:
        return
    if n in spec.wrong:
        raise InputError(
            f"wrong units {units!r} ({spec.wrong[n]}); CMFD {var} must be in {spec.cmfd_units}",
            path=path, field=var)
    raise InputError(f"unrecognised units {units!r}; CMFD {var} must be in {spec.cmfd_units}",
                     path=path, field=var)


def _check_time(nc, year: int, month: int, path: Path) -> None:
    import cftime

    if "time" not in nc.variables:
        raise InputError("coordinate variable 'time' missing", path=path, field="time")
    tv = nc.variables["time"]
    units = getattr(tv, "units", None)
    if units is None or "since" not in str(units):
        raise InputError(f"time has no CF units ('hours since ...'), got {units!r}", path=path,
                         field="time")
    try:
        raw = np.asarray(tv[:], dtype=np.float64)
        dates = cftime.num2date(raw, units, getattr(tv, "calendar", "standard"),
                                only_use_cftime_datetimes=False, only_use_python_datetimes=True)
        t = np.array(dates, dtype="datetime64[s]")
    except (ValueError, TypeError) as exc:
        raise InputError(f"cannot decode time: {exc}", path=path, field="time") from None
    want = month_times(year, month)
    if t.shape == want.shape and (t == want).all():
        return
    if t.size > 1 and not (np.diff(t) == np.timedelta64(STEP_HOURS * 3600, "s")).all():
        bad = int(np.flatnonzero(np.diff(t) != np.timedelta64(STEP_HOURS * 3600, "s"))[0])
        raise InputError(
            f"time steps must be {STEP_HOURS} h: step {bad} goes from {t[bad]} to {t[bad + 1]} "
            f"(a gap or a wrong time step); expected {want.size} steps {want[0]} .. {want[-1]}",
            path=path, field="time")
    missing = np.setdiff1d(want, t)
    extra = np.setdiff1d(t, want)
    what = []
    if missing.size:
        what.append(f"{missing.size} missing (first {missing[0]})")
    if extra.size:
        what.append(f"{extra.size} outside the month (first {extra[0]})")
    raise InputError(
        f"time axis does not cover {year:04d}-{month:02d} every {STEP_HOURS} h: {t.size} steps "
        f"{t[0] if t.size else '-'} .. {t[-1] if t.size else '-'}, expected {want.size} "
        f"{want[0]} .. {want[-1]}; " + ", ".join(what),
        path=path, field="time")


def read_month(
    path: str | Path,
    var: str,
    year: int,
    month: int,
    *,
    grid: Grid,
    iy: np.ndarray,
    ix: np.ndarray,
) -> np.ndarray:
    """Read one CMFD month file at the cells ``(iy, ix)`` of ``grid``, in SI units.

    Parameters
    ----------
    path
        The month file of ``var`` (see :func:`month_file`).
    var
        CMFD variable name (``temp``, ``shum``, ``pres``, ``wind``, ``srad``, ``lrad``, ``prec``).
    year, month
        The month the file must cover (3-hourly, 00:00 first day .. 21:00 last day, UTC).
    grid
        The forcing grid the file must be on (lat/lon cell centres).
    iy, ix
        Row (lat) and column (lon) indices of the wanted cells on ``grid``.

    Returns
    -------
    float32 array (ncell, nstep) in the SI unit of ``CMFD_VARS[var].units``.

    Raises InputError for: an unreadable (corrupt, truncated) file, a missing variable or
    coordinate, wrong dims, wrong or unknown units, a time axis that is not the month every 3 h
    (gaps, wrong steps), a grid other than ``grid``, missing values (fill value or NaN) at any
    used cell, values outside the plausible range.
    """
    path = Path(path)
    spec = CMFD_VARS[var]
    iy = np.asarray(iy, dtype=np.int64)
    ix = np.asarray(ix, dtype=np.int64)
    with _open(path) as nc:
        try:
            if var not in nc.variables:
                have = ", ".join(sorted(nc.variables)) or "none"
                raise InputError(f"variable {var!r} missing (the file has: {have})", path=path,
                                 field=var)
            v = nc.variables[var]
            if tuple(v.dimensions) != ("time", "lat", "lon"):
                raise InputError(f"dims {tuple(v.dimensions)}, expected ('time', 'lat', 'lon')",
                                 path=path, field=var)
            _check_units(var, spec, getattr(v, "units", None), path)
            got = Grid(_axis(nc, "lat", path), _axis(nc, "lon", path))
            check_grid(got, grid, path)
            _check_time(nc, year, month, path)
            # Read the bounding window of the wanted cells only (a hyperslab), then pick cells.
            y0, y1 = int(iy.min()), int(iy.max()) + 1
            x0, x1 = int(ix.min()), int(ix.max()) + 1
            v.set_auto_maskandscale(True)
            win = v[:, y0:y1, x0:x1]
        except (OSError, RuntimeError, IndexError) as exc:
            raise InputError(f"cannot read {var} (corrupt or truncated file?): {exc}", path=path,
                             field=var) from None
    mask = np.ma.getmaskarray(win)[:, iy - y0, ix - x0]
    data = np.ma.getdata(win)[:, iy - y0, ix - x0].astype(np.float64)
    bad = mask | ~np.isfinite(data)
    if bad.any():
        t, c = np.argwhere(bad)[0]
        raise InputError(
            f"{int(bad.sum())} missing values (fill value or NaN) at model cells, first at time "
            f"step {t} (lat {grid.lat[iy[c]]:.2f}, lon {grid.lon[ix[c]]:.2f})",
            path=path, field=var)
    data *= spec.factor
    lo, hi = spec.valid_range
    if data.min() < lo or data.max() > hi:
        raise InputError(
            f"values {data.min():.6g}..{data.max():.6g} {spec.units} (after conversion from "
            f"{spec.cmfd_units}) outside the plausible range {lo:g}..{hi:g} {spec.units} "
            "(wrong units or a corrupt file?)", path=path, field=var)
    return np.ascontiguousarray(data.T, dtype=np.float32)


def write_month(
    path: str | Path,
    var: str,
    year: int,
    month: int,
    lat: np.ndarray,
    lon: np.ndarray,
    values: np.ndarray,
    *,
    units: str | None = None,
    fill_value: float = -32767.0,
) -> Path:
    """Write one month file in the CMFD layout (the inverse of :func:`read_month`).

    ``values`` (nstep, nlat, nlon) are in the CMFD unit of ``var`` (``units`` overrides the
    attribute, for tests); NaN is written as the fill value. Times: :func:`month_times`, encoded
    as float64 ``hours since 1900-01-01 00:00:00``.
    """
    import netCDF4

    spec = CMFD_VARS[var]
    t = month_times(year, month)
    values = np.asarray(values)
    if values.shape != (t.size, len(lat), len(lon)):
        raise ValueError(f"values shape {values.shape}, expected {(t.size, len(lat), len(lon))}")
    hours = (t - np.datetime64("1900-01-01T00:00:00", "s")) / np.timedelta64(1, "h")
    path = Path(path)
    with netCDF4.Dataset(path, "w", format="NETCDF4") as nc:
        nc.createDimension("time", None)
        nc.createDimension("lat", len(lat))
        nc.createDimension("lon", len(lon))
        tv = nc.createVariable("time", "f8", ("time",))
        tv.units = "hours since 1900-01-01 00:00:00"
        tv.calendar = "standard"
        tv.long_name = "time"
        tv[:] = hours
        for name, axis, units_ in (("lat", lat, "degrees_north"), ("lon", lon, "degrees_east")):
            v = nc.createVariable(name, "f4", (name,))
            v.units = units_
            v.long_name = "latitude" if name == "lat" else "longitude"
            v[:] = np.asarray(axis, dtype=np.float32)
        v = nc.createVariable(var, "f4", ("time", "lat", "lon"), zlib=True, complevel=4,
                              fill_value=np.float32(fill_value))
        v.units = units if units is not None else spec.cmfd_units
        v.long_name = attrs(var, "cmfd")["long_name"]
        v.missing_value = np.float32(fill_value)
        v[:] = np.ma.masked_invalid(values.astype(np.float32))
    return path

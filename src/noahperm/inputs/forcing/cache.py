"""The forcing cache ``results/inputs/forcing.zarr``: CMFD forcing on the model cells (cell x time).

Variables: the kernel's forcing names (``noahperm.kernel.layout.FORCING_NAMES`` without SHDFAC,
which the driver computes) in SI units, float32, Zstandard-compressed, chunks of
``chunk_cells`` cells x 2920 steps (365 days of 3-hourly steps; calendar years do not align with
chunks in leap years, which costs nothing but an extra chunk read per year). Coordinates:
``cell`` (the domain's cell numbers of the active cells), ``time`` (UTC, 3-hourly, CF
``hours since 1900-01-01``), ``lat``/``lon`` per cell.

Building (:func:`build_forcing_cache`): month by month, all seven variables of one month are read
at the active cells (a hyperslab of the cells' bounding window per file) and checked
(:mod:`.cmfd`); specific humidity is bounded as the reference driver bounds it
(``noahperm.kernel.humidity``); precipitation records become the steps' mean rates
(:func:`.cmfd.step_precipitation`: a month is completed when the next month's first record is
read; the last month uses the record after the period if its file exists); months are buffered until a time chunk is complete (or the buffer exceeds
``max_buffer_mb``) and then written into their time slice of a store laid out in full
beforehand, so each chunk is written about once. Memory is bounded by one month of the domain
window plus the buffer, independent of the period length. All files are located before the
first is read (a missing one is reported at once, with the count of the others). The store is
written through :func:`noahperm.core.zarrio.atomic_zarr`: any error leaves no store behind (and an
old complete store untouched).

Reading: :func:`open_forcing` (a complete store only) and :func:`iter_forcing`, which yields
float64 blocks (ncell, nstep, NFORC - 1) in kernel layout order, one calendar year at a time.
"""

from __future__ import annotations

import logging
import time as _time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from noahperm.core import layout as raw_layout
from noahperm.core.errors import InputError
from noahperm.core.variables import attrs as var_attrs
from noahperm.core.zarrio import atomic_zarr, check_cf_attrs, open_complete
from noahperm.inputs.forcing import cmfd
from noahperm.kernel import layout

__all__ = ["FORCING_VARS", "STEPS_PER_CHUNK", "build_forcing_cache", "open_forcing",
           "iter_forcing", "ForcingBlock", "forcing_times"]

log = logging.getLogger("noahperm.inputs.forcing.cache")  # also when run as __main__

#: Store variables in kernel layout order (FORCING_NAMES without SHDFAC).
FORCING_VARS = layout.FORCING_NAMES[: layout.NFORC - 1]
#: CMFD variable of each store variable.
_CMFD_OF = {spec.name: var for var, spec in cmfd.CMFD_VARS.items()}
STEPS_PER_CHUNK = 365 * 24 // cmfd.STEP_HOURS  # 2920
TIME_UNITS = "hours since 1900-01-01 00:00:00"


def forcing_times(y0: int, y1: int) -> np.ndarray:
    """3-hourly UTC times from ``y0``-01-01 00:00 to ``y1``-12-31 21:00, ``datetime64[ns]``."""
    start = np.datetime64(f"{y0:04d}-01-01T00:00", "ns")
    stop = np.datetime64(f"{y1 + 1:04d}-01-01T00:00", "ns")
    return np.arange(start, stop, np.timedelta64(cmfd.STEP_HOURS, "h"))


def _template(cells, lat, lon, times, chunk_cells, attrs):
    import dask.array as da
    import xarray as xr

    shape = (cells.size, times.size)
    chunks = (min(chunk_cells, cells.size), min(STEPS_PER_CHUNK, times.size))
    data = {}
    for name in FORCING_VARS:
        var = _CMFD_OF[name]
        data[name] = (("cell", "time"), da.zeros(shape, dtype=np.float32, chunks=chunks),
                      var_attrs(name, "forcing",
                                source=f"CMFD {var} [{cmfd.CMFD_VARS[var].cmfd_units}]"))
    ds = xr.Dataset(data, coords={
        "cell": ("cell", cells, var_attrs("cell", "forcing")),
        "time": ("time", times, var_attrs("time", "forcing")),
        "lat": ("cell", lat, var_attrs("lat", "forcing")),
        "lon": ("cell", lon, var_attrs("lon", "forcing")),
    }, attrs=attrs)
    check_cf_attrs(ds)
    from zarr.codecs import ZstdCodec

    enc = {name: {"chunks": chunks, "compressors": (ZstdCodec(level=3),), "_FillValue": None}
           for name in FORCING_VARS}
    enc["time"] = {"units": TIME_UNITS, "calendar": "proleptic_gregorian", "dtype": "int64"}
    return ds, enc


class _Buffer:
    """Months of all variables (nvar, ncell, nstep) collected until a time chunk is complete."""

    def __init__(self, store: Path, chunk_steps: int, max_mb: float):
        self.store, self.chunk, self.max_bytes = store, chunk_steps, max_mb * 2**20
        self.parts: list[np.ndarray] = []
        self.start = 0  # time index of the first buffered step

    def add(self, month: np.ndarray) -> None:
        self.parts.append(month)
        n = sum(p.shape[2] for p in self.parts)
        boundary = (self.start // self.chunk + 1) * self.chunk
        if self.start + n >= boundary:
            self._write(boundary - self.start)
        elif sum(p.nbytes for p in self.parts) > self.max_bytes:
            self._write(n)

    def flush(self) -> int:
        """Write what is left; return the number of steps written in all."""
        n = sum(p.shape[2] for p in self.parts)
        if n:
            self._write(n)
        return self.start

    def _write(self, n: int) -> None:
        import xarray as xr

        data = np.concatenate(self.parts, axis=2) if len(self.parts) > 1 else self.parts[0]
        ds = xr.Dataset({name: (("cell", "time"), data[j, :, :n])
                         for j, name in enumerate(FORCING_VARS)})
        ds.to_zarr(self.store, region={"time": slice(self.start, self.start + n)},
                   consolidated=False)
        self.parts = [data[:, :, n:]] if n < data.shape[2] else []
        self.start += n


def _month_files(fdir: Path, months) -> dict:
    """(var, year, month) -> path of every file needed; InputError listing the missing ones."""
    files, missing = {}, []
    for y, m in months:
        for var in cmfd.CMFD_VARS:
            try:
                files[var, y, m] = cmfd.month_file(fdir, var, y, m)
            except InputError as exc:
                missing.append(exc)
    if missing:
        first = missing[0]
        more = f" (and {len(missing) - 1} more missing files)" if len(missing) > 1 else ""
        raise InputError(first.problem + more, path=first.path)
    return files


def _with_step_precipitation(month: np.ndarray, jp: int, next_record) -> np.ndarray:
    """``month`` (nvar, ncell, nstep) with its precipitation records replaced by the steps'
    mean rates (:func:`cmfd.step_precipitation`)."""
    month[jp] = cmfd.step_precipitation(month[jp], next_record)
    return month


def _bound_humidity(month: np.ndarray) -> int:
    """Bound ``Q2`` of ``month`` (nvar, ncell, nstep) in place as the reference driver bounds
    its humidity (``noahperm.kernel.humidity``: at least 1e-6, below saturation at the step's
    SFCTMP and SFCPRS); returns the number of values changed."""
    from noahperm.kernel.humidity import bound_specific_humidity

    jq, jt, jp = (FORCING_VARS.index(n) for n in ("Q2", "SFCTMP", "SFCPRS"))
    q, n = bound_specific_humidity(month[jq].astype(np.float64).ravel(),
                                   month[jt].astype(np.float64).ravel(),
                                   month[jp].astype(np.float64).ravel())
    if n:
        month[jq] = q.reshape(month[jq].shape)
    return int(n)


def _next_precipitation(fdir: Path, y1: int, grid, iy, ix) -> np.ndarray | None:
    """The first ``prec`` record after the cached period (00:00 of 1 January ``y1 + 1``), if
    its file is there (the last step's second half); None otherwise."""
    try:
        path = cmfd.month_file(fdir, "prec", y1 + 1, 1)
    except InputError:
        log.info("no prec file of %d-01: the last step's precipitation repeats the last "
                 "record for its second half", y1 + 1)
        return None
    return cmfd.read_month(path, "prec", y1 + 1, 1, grid=grid, iy=iy, ix=ix)[:, 0]


def build_forcing_cache(
    raw_dir: str | Path,
    domain_path: str | Path,
    out_path: str | Path,
    *,
    years: Sequence[int],
    chunk_cells: int = 512,
    config_hash: str | None = None,
    progress: bool = True,
    fsync: bool = True,
    max_buffer_mb: float = 256.0,
) -> Path:
    """Build the forcing cache of the active cells of ``domain_path`` for ``years`` [y0, y1].

    Parameters
    ----------
    raw_dir
        Raw-input directory; the CMFD files are in ``raw_dir/forcing``.
    domain_path
        A complete ``domain.zarr`` (cells, ``active``, ``iy``/``ix``, forcing-grid attributes).
    out_path
        The store to write (atomically).
    years
        First and last year (inclusive).
    chunk_cells
        Cells per chunk.
    config_hash
        Recorded in the attributes and the completion marker.
    progress
        Show a tqdm progress bar (months).
    fsync
        fsync the store before it is renamed into place.
    max_buffer_mb
        Months are buffered in memory and written once a time chunk is full, so that each
        chunk is written once; the buffer is also written when it exceeds this size [MB] (the
        memory bound: about this plus one month of the domain's forcing window).
    """
    from tqdm import tqdm

    raw_dir = Path(raw_dir)
    fdir = raw_dir / raw_layout.FORCING_DIR
    y0, y1 = int(years[0]), int(years[-1])
    if y1 < y0:
        raise InputError(f"forcing.years: last year {y1} before first year {y0}",
                         field="forcing.years")
    from noahperm.inputs.domain import grid_of

    dom = open_complete(domain_path, product="domain")
    try:
        grid = grid_of(dom)
        act = dom["active"].values.astype(bool)
        cells = dom["cell"].values[act].astype(np.int32)
        iy, ix = dom["iy"].values[act], dom["ix"].values[act]
        lat, lon = dom["lat"].values[act], dom["lon"].values[act]
    finally:
        dom.close()
    if cells.size == 0:
        raise InputError("the domain has no active cell", path=domain_path)
    times = forcing_times(y0, y1)
    attrs = {
        "Conventions": "CF-1.8",
        "product": "forcing",
        "title": "CMFD forcing on the active model cells, SI units",
        "source": "CMFD V0106 3-hourly 0.1 deg monthly NetCDF (He et al. 2020)",
        "source_dir": str(fdir),
        "source_files": f"{cmfd.FILE_PATTERNS[0].replace('{ym}', '{YYYYMM}')} (or ITPCAS-CMFD), "
                        f"var in {', '.join(cmfd.CMFD_VARS)}, YYYYMM {y0}01..{y1}12 "
                        f"({7 * 12 * (y1 - y0 + 1)} files)",
        "domain": str(domain_path),
        "time_convention": "step t covers [t - 1.5 h, t + 1.5 h]: temp, shum, pres, wind "
                           "instantaneous at t; srad, lrad the CMFD means centred on t; prec "
                           "the mean of the CMFD records at t and t + 3 h (each the mean over "
                           "the preceding 3 h)",
        "config_hash": config_hash or "",
    }
    ds, enc = _template(cells, lat, lon, times, chunk_cells, attrs)
    months = [(y, m) for y in range(y0, y1 + 1) for m in range(1, 13)]
    files = _month_files(fdir, months)
    t_start = _time.perf_counter()
    log.info("building %s: %d active cells, %d steps (%d-%d), chunks %s", out_path, cells.size,
             times.size, y0, y1, enc[FORCING_VARS[0]]["chunks"])
    with atomic_zarr(out_path, product="forcing", fsync=fsync,
                     marker_info={"config_hash": config_hash or "", "years": [y0, y1]}) as tmp:
        ds.to_zarr(tmp, mode="w", compute=False, encoding=enc, consolidated=False)
        buf = _Buffer(tmp, STEPS_PER_CHUNK, max_buffer_mb)
        jp = FORCING_VARS.index("PRCP")
        pending = None  # the previous month: its last step needs this month's first record
        n_bounded = 0
        for y, m in tqdm(months, desc="forcing months", unit="month", disable=not progress,
                         mininterval=2.0):
            month = np.empty((len(FORCING_VARS), cells.size, cmfd.month_times(y, m).size),
                             dtype=np.float32)
            for j, name in enumerate(FORCING_VARS):
                var = _CMFD_OF[name]
                month[j] = cmfd.read_month(files[var, y, m], var, y, m, grid=grid, iy=iy, ix=ix)
            n_bounded += _bound_humidity(month)
            if pending is not None:
                buf.add(_with_step_precipitation(pending, jp, month[jp, :, 0]))
            pending = month
            if m == 12:
                log.info("year %d read (%.1f s)", y, _time.perf_counter() - t_start)
        buf.add(_with_step_precipitation(pending, jp, _next_precipitation(fdir, y1, grid,
                                                                          iy, ix)))
        if n_bounded:
            log.info("specific humidity bounded (q >= 1e-6, q < qs) at %d of %d values",
                     n_bounded, cells.size * times.size)
        k = buf.flush()
        assert k == times.size, (k, times.size)
    log.info("wrote %s in %.1f s", out_path, _time.perf_counter() - t_start)
    return Path(out_path)


def open_forcing(path: str | Path):
    """Open a complete forcing cache (xarray.Dataset, lazy, no dask)."""
    return open_complete(path, product="forcing")


class ForcingBlock(NamedTuple):
    """One block of :func:`iter_forcing`: ``times`` (nstep,) and ``data`` (ncell, nstep, 7)."""

    times: np.ndarray
    data: np.ndarray


def iter_forcing(store, cells=None, t0=None, t1=None) -> Iterator[ForcingBlock]:
    """Yield the forcing of ``cells`` over [t0, t1) one calendar year at a time.

    Parameters
    ----------
    store
        An open forcing cache (:func:`open_forcing`) or its path.
    cells
        Domain cell numbers (default: all cells of the store), in the order wanted.
    t0, t1
        Start (inclusive) and end (exclusive) times, anything ``numpy.datetime64`` takes
        (default: the whole record).

    Yields :class:`ForcingBlock` with ``data`` float64, C-contiguous, (ncell, nstep, NFORC - 1),
    the last axis in kernel layout order (``F_SFCSPD`` ... ``F_PRCP``).
    """
    ds = open_forcing(store) if isinstance(store, str | Path) else store
    all_cells = ds["cell"].values
    if cells is None:
        pos = np.arange(all_cells.size)
    else:
        cells = np.asarray(cells)
        order = np.argsort(all_cells)
        j = np.searchsorted(all_cells[order], cells)
        j = np.clip(j, 0, all_cells.size - 1)
        missing = cells[all_cells[order][j] != cells]
        if missing.size:
            raise InputError(f"cells {missing[:10].tolist()} are not in the forcing cache "
                             "(inactive or outside the domain)", field="cells")
        pos = order[j]
    times = ds["time"].values
    a = 0 if t0 is None else int(np.searchsorted(times, np.datetime64(t0, "ns")))
    b = times.size if t1 is None else int(np.searchsorted(times, np.datetime64(t1, "ns")))
    years = times.astype("datetime64[Y]")
    while a < b:
        e = min(b, int(np.searchsorted(years, years[a], side="right")))
        out = np.empty((pos.size, e - a, len(FORCING_VARS)), dtype=np.float64)
        sel = ds.isel(cell=pos, time=slice(a, e))
        for k, name in enumerate(FORCING_VARS):
            out[:, :, k] = sel[name].values
        yield ForcingBlock(times[a:e], out)
        a = e

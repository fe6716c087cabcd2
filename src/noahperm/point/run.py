"""Point runs: the reference driver's input format in, NetCDF out.

``noahperm point INPUT --out OUT.nc [--tables DIR] [--mode reference|consistent]
[--complevel N] [--timings]``
reads a file in the format of the authors' single-column driver
(``noahperm.point.input_file``), runs the column kernel over every step of it (one column, every
step kept; :mod:`noahperm.point.driver`, bit for bit the parallel driver's column) and writes
NetCDF with units and long names (``noahperm.core.variables``). The initial state is what the
reference driver sets up: the namelist's soil state, skin temperature, canopy water and snow;
ALBEDO and Z0 from the monthly tables at the start date; EMISSI = 0.96;
CH = CM = 1e-4; Q1 and (unless sfcdif_option = 1) Z0BRD "not yet computed".

Start-up matters for a point run (the physics of a 5-year 3-hourly run takes well under a
second), so this path imports only what it needs: numpy, the compiled kernel and netCDF4; no
xarray, pandas or dask (``tests/test_point_speed.py``). The compiled kernel is the AOT build
when it is there and current, and then Numba is not imported at all; otherwise the JIT build
(Numba, its compiled code loaded from the on-disk cache): :mod:`noahperm.point.aot`. The kernel
is loaded when the run starts, not when this module is imported, so that ``--timings`` can tell
the phases apart.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from noahperm.core.errors import InputError
from noahperm.kernel import layout as L
from noahperm.model.columns import ColumnSpec, build_columns
from noahperm.model.tables import Tables, load_tables
from noahperm.point.input_file import PointInput, read_point_input

log = logging.getLogger(__name__)


@dataclass
class PointResult:
    """Every step of a point run: times (nstep,), state (nstep, NSTATE + 3 nsoil), diag
    (nstep, NDIAG) in layout order; nsoil; status and fail_step of the column."""

    times: np.ndarray
    state: np.ndarray
    diag: np.ndarray
    nsoil: int
    status: int
    fail_step: int

    def soil(self, name: str) -> np.ndarray:
        """(nstep, nsoil) array of ``STC``, ``SMC`` or ``SH2O``."""
        j = {"STC": 0, "SMC": 1, "SH2O": 2}[name]
        a = L.NSTATE + j * self.nsoil
        return self.state[:, a:a + self.nsoil]

    def scalar(self, name: str) -> np.ndarray:
        """(nstep,) series of a state variable (``T1``...) or a diagnostic (``SHEAT``...)."""
        if name in L.STATE_NAMES:
            return self.state[:, L.STATE_NAMES.index(name)]
        return self.diag[:, L.DIAG_NAMES.index(name)]


def column_spec(inp: PointInput) -> ColumnSpec:
    """The kernel's column description of a point input."""
    return ColumnSpec(vegtyp=inp.vegtyp, soiltyp=inp.soiltyp, stype=inp.stype,
                      slopetyp=inp.slopetyp, shdmin=inp.shdmin, shdmax=inp.shdmax,
                      snoalb=inp.snoalb, zlvl=inp.zlvl, zlvl_wind=inp.zlvl_wind, tbot=inp.tbot,
                      sfcdif_option=inp.sfcdif_option, iz0tlnd=inp.iz0tlnd,
                      urban_veg_category=inp.urban_veg_category)


def initial_state(inp: PointInput) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The reference driver's state before step 1: (sstate, stc, smc, sh2o)."""
    from noahperm.point.aot import point_kernels

    BADVAL = point_kernels().BADVAL  # noqa: N806 (the kernel's constant)

    s = np.zeros(L.NSTATE)
    s[L.S_T1] = inp.t1
    s[L.S_CMC] = inp.cmc
    s[L.S_SNOWH] = inp.snowh
    s[L.S_SNEQV] = inp.sneqv
    s[L.S_SNOTIME1] = 0.0
    s[L.S_RIBB] = 0.0
    s[L.S_Z0] = inp.z0brd_init
    s[L.S_Z0BRD] = inp.z0brd_init if inp.sfcdif_option == 1 else BADVAL
    s[L.S_ALBEDO] = inp.albedo_init
    s[L.S_EMISSI] = 0.96
    s[L.S_CH] = 1.0e-4
    s[L.S_CM] = 1.0e-4
    s[L.S_Q1] = BADVAL
    return s, inp.stc.astype(float).copy(), inp.smc.astype(float).copy(), inp.sh2o.astype(float).copy()


def _check_supported(inp: PointInput) -> None:
    if inp.ice != 0:
        raise InputError("glacial points (SFLX_GLACIAL) are not modelled: the study masks "
                         "glacier cells", path=inp.path, field="Vegetation_type_index")
    if inp.usemonalb:
        raise InputError("Usemonalb = .TRUE. (monthly background albedo) is not supported; "
                         "the study derives albedo from the green fraction", path=inp.path,
                         field="Usemonalb")
    if inp.rdlai2d:
        raise InputError("Rdlai2d = .TRUE. (monthly LAI) is not supported; the study derives "
                         "LAI from the green fraction", path=inp.path, field="Rdlai2d")


def _mark(timings, name: str) -> None:
    if timings is not None:
        timings.mark(name)


def load_kernel(args: tuple):
    """The compiled point driver for the types of ``args``, of the build the point run uses
    (:func:`noahperm.point.aot.point_kernels`): the AOT module (loaded already), or Numba's
    overload for ``args`` loaded from the on-disk cache (or compiled and cached on the first
    run), so that the call itself only runs. Pure Python under ``NUMBA_DISABLE_JIT=1``."""
    from noahperm.point.aot import point_kernels

    return point_kernels().load_run_column(args)


def run_point(inp: PointInput, tables: Tables | None = None, mode: str = "reference",
              timings=None) -> PointResult:
    """Run the column kernel over every step of ``inp``; keep every step.

    ``timings`` (a :class:`noahperm.point.timings.Phases`, optional) gets the phases
    ``tables/columns``, ``kernel load`` and ``run``."""
    _check_supported(inp)
    tables = tables if tables is not None else load_tables()
    cols = build_columns([column_spec(inp)], tables, mode)
    nsoil = inp.nsoil
    nstep = inp.nsteps
    forcing = np.ascontiguousarray(inp.forcing, dtype=np.float64)
    zsoil = np.ascontiguousarray(inp.zsoil, dtype=np.float64)
    tstate = np.full((nstep, L.NSTATE + 3 * nsoil), np.nan)
    tdiag = np.full((nstep, L.NDIAG), np.nan)
    _mark(timings, "tables/columns")
    s, stc, smc, sh2o = initial_state(inp)  # loads the kernel's build (BADVAL)
    args = (s, stc, smc, sh2o, forcing, cols.par[0], cols.soilp[0], cols.stype[0],
            cols.soilidx[0], zsoil, float(inp.dt), tstate, tdiag)
    kernel = load_kernel(args)
    _mark(timings, "kernel load")
    status, fail = kernel(*args)
    _mark(timings, "run")
    return PointResult(times=inp.times, state=tstate, diag=tdiag, nsoil=nsoil,
                       status=int(status), fail_step=int(fail))


# Variables written by ``noahperm point`` (those with a registry entry).
SOIL_OUT = ("STC", "SMC", "SH2O")
SCALAR_OUT = ("T1", "CMC", "SNOWH", "SNEQV", "ALBEDO", "EMISSI", "CH", "Q1", "SHEAT", "ETA",
              "SSOIL", "ETP", "EC", "EDIR", "ETT", "ESNOW", "RUNOFF1", "RUNOFF2", "RUNOFF3",
              "SNCOVR", "SNOMLT", "SOILM")


def result_variables(res: PointResult) -> dict[str, np.ndarray]:
    """The output variables of a point run, by registry name."""
    from noahperm.core.variables import VARIABLES

    out = {name: res.soil(name) for name in SOIL_OUT}
    for name in SCALAR_OUT:
        if name in VARIABLES:
            out[name] = res.scalar(name)
    return out


def main(args, timings=None) -> int:
    """``noahperm point``: read, run, write; returns the exit code.

    ``timings`` (a :class:`noahperm.point.timings.Phases`, optional) gets the phases
    ``read input``, ``tables/columns``, ``kernel load``, ``run`` and ``write``."""
    t0 = time.perf_counter()
    inp = read_point_input(args.input)
    _mark(timings, "read input")
    tables = load_tables(args.tables) if getattr(args, "tables", None) else load_tables()
    mode = getattr(args, "mode", "reference") or "reference"
    res = run_point(inp, tables, mode, timings)
    from noahperm.point.aot import point_kernels

    k = point_kernels()
    if timings is not None:
        timings.note("build", f"{k.build} ({k.reason})")
    STATUS_OK, STATUS_SNOW_DENSITY, STATUS_NONFINITE = (  # noqa: N806 (the kernel's codes)
        k.STATUS_OK, k.STATUS_SNOW_DENSITY, k.STATUS_NONFINITE)
    if res.status != STATUS_OK:
        step = res.fail_step
        when = str(res.times[step]) if 0 <= step < res.times.size else "?"
        what = {STATUS_SNOW_DENSITY: "snow density SNEQV/SNOWH exceeded 1",
                STATUS_NONFINITE: "the state became NaN or infinite"}
        what = what.get(res.status, "unknown failure")
        raise InputError(f"the model failed at step {step + 1} ({when}): {what}; "
                         "no output written", path=inp.path)
    from noahperm.core.variables import write_point_netcdf

    attrs = {
        "title": "noahperm point run",
        "source": "noahperm column kernel (Numba port of the modified Noah LSM v3.4.1, "
                  "nanzt/noahtibet-ef)",
        "input_file": str(Path(args.input).resolve()),
        "soil_parameter_mode": mode,
        "tables": str(args.tables) if getattr(args, "tables", None) else "bundled",
        "time_step_s": float(inp.dt),
        "Conventions": "CF-1.8",
    }
    complevel = getattr(args, "complevel", None)
    write_point_netcdf(args.out, res.times, inp.sldpth, result_variables(res), attrs,
                       complevel=0 if complevel is None else complevel)
    _mark(timings, "write")
    if not getattr(args, "quiet", False):
        print(f"noahperm point: {inp.nsteps} steps x {inp.nsoil} layers in "
              f"{time.perf_counter() - t0:.1f} s -> {args.out}")
    return 0

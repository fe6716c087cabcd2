"""What makes ``noahperm point`` fast must not change what it computes or writes.

* the point run imports no xarray, pandas, dask or matplotlib (checked in a fresh process);
* its NetCDF file is the one the former xarray writer wrote (kept below as the reference):
  same dimensions, variables, values, attributes and encoding;
* its single-column driver (``noahperm.point.driver.run_column``) gives bit for bit the traces,
  status and failing step of the parallel driver ``run_columns``.

No timings are asserted here (``benchmarks/bench_point.py`` measures them).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import netCDF4
import numpy as np
import pytest

from noahperm.core.variables import COORDINATES, VARIABLES, layer_coordinates, var_attrs
from noahperm.core.variables import write_point_netcdf as write_new
from noahperm.demo_world.point_site import example_input_text
from noahperm.kernel import layout as L
from noahperm.point.input_file import read_point_input
from noahperm.point.run import result_variables, run_point

REPO = Path(__file__).resolve().parents[1]
FORBIDDEN = ("xarray", "pandas", "dask", "distributed", "matplotlib")


@pytest.fixture(scope="module")
def demo_input(tmp_path_factory) -> Path:
    """The demo's synthetic point file, cut to 20 days."""
    text = example_input_text(years=1)
    text = re.sub(r'enddate\s*=\s*"\d+"', 'enddate = "200101202100"', text)
    lines = text.splitlines(keepends=True)
    first = next(i for i, ln in enumerate(lines) if ln.lstrip().upper().startswith("<FORCING>"))
    path = tmp_path_factory.mktemp("speed") / "demo.in"
    path.write_text("".join(lines[: first + 1 + 8 * 20]))
    return path


# ------------------------------------------------------------------------------------------
# imports
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("build", ["jit", "aot"])
def test_point_run_imports_no_xarray_pandas_dask_matplotlib(demo_input, tmp_path, build,
                                                           request):
    """Neither build imports xarray, pandas, dask or matplotlib; the AOT build not even Numba
    (nor llvmlite)."""
    out = tmp_path / "point.nc"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")])
    env["NOAHPERM_POINT_BUILD"] = build
    if build == "aot":
        env["NOAHPERM_AOT_DIR"] = str(request.getfixturevalue("aot_dir"))
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "noahperm", "point", str(demo_input),
         "--out", str(out), "--quiet", "--timings"],
        env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert out.is_file()
    imported = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:") and "|" in line}
    assert "numpy" in imported and "netCDF4" in imported  # the parsing works
    bad = sorted(m for m in imported if m.split(".")[0] in FORBIDDEN)
    assert not bad, f"the point run imported {bad}"
    jit_modules = sorted(m for m in imported if m.split(".")[0] in ("numba", "llvmlite"))
    if build == "jit":
        assert "numba" in imported
    else:
        assert not jit_modules, f"the AOT point run imported {jit_modules[:5]}"
    assert re.search(rf"^  build: {build} \(", proc.stderr, re.M), proc.stderr[-2000:]
    for phase in ("imports", "read input", "kernel load", "run", "write", "total"):
        assert re.search(rf"^  {phase}\s+\d+\.\d{{3}}$", proc.stderr, re.M), phase


# ------------------------------------------------------------------------------------------
# NetCDF: the same file as the former xarray writer
# ------------------------------------------------------------------------------------------


def write_xarray(path, times, sldpth, outputs, attrs=None, complevel=0):
    """The former ``write_point_netcdf`` (xarray), verbatim but for the atomic rename and the
    zlib level, now a parameter (it was 4; 0: no compression, the default now)."""
    import xarray as xr

    t = np.asarray(times).astype("datetime64[ns]")
    coords = layer_coordinates(sldpth)
    ds = xr.Dataset(coords={"time": ("time", t)})
    ds["time"].attrs.update(
        standard_name="time", long_name="model time of the step (UTC)", axis="T"
    )
    for name, values in coords.items():
        ds.coords[name] = (VARIABLES[name].dims, values, var_attrs(name))
    ds["depth"].attrs.update(positive="down", axis="Z")
    ds["zsoil"].attrs.update(positive="up")
    for name, arr in outputs.items():
        ds[name] = (VARIABLES[name].dims, np.asarray(arr, dtype=np.float64), var_attrs(name))
    gattrs = {"Conventions": "CF-1.8"}
    gattrs.update({k: (int(v) if isinstance(v, bool) else v)
                   for k, v in (attrs or {}).items() if v is not None})
    ds.attrs.update(gattrs)
    t0 = np.datetime_as_string(ds["time"].values[0], unit="s").replace("T", " ")
    encoding = {"time": {"units": f"seconds since {t0}", "calendar": "proleptic_gregorian",
                         "dtype": "int64", "_FillValue": None}}
    for name in COORDINATES:
        encoding[name] = {"_FillValue": None}
    for name in outputs:
        encoding[name] = ({"zlib": True, "complevel": complevel, "_FillValue": np.nan}
                          if complevel else {"zlib": False, "_FillValue": np.nan})
    ds.to_netcdf(path, mode="w", format="NETCDF4", engine="netcdf4", encoding=encoding)
    return Path(path)


def _describe(path):
    """Everything in the file, in file order: global attributes, dimensions, and per variable
    its dims, dtype, attributes (ordered, with types), filters, chunking, fill and values."""
    out = {}
    with netCDF4.Dataset(path) as nc:
        out["format"] = nc.data_model
        out["global"] = [(k, repr(nc.getncattr(k))) for k in nc.ncattrs()]
        out["dims"] = [(k, len(d), d.isunlimited()) for k, d in nc.dimensions.items()]
        out["vars"] = []
        for name, v in nc.variables.items():
            v.set_auto_maskandscale(False)
            vals = v[...]
            attrs = [(k, type(v.getncattr(k)).__name__, repr(v.getncattr(k)))
                     for k in v.ncattrs()]
            out["vars"].append((name, v.dimensions, str(v.dtype), attrs, v.filters(),
                                v.chunking(), v.endian(), vals.tobytes()))
    return out


def _assert_same_file(new, ref):
    a, b = _describe(new), _describe(ref)
    assert a["format"] == b["format"] == "NETCDF4"
    assert a["global"] == b["global"]
    assert a["dims"] == b["dims"]
    assert [v[0] for v in a["vars"]] == [v[0] for v in b["vars"]]
    for va, vb in zip(a["vars"], b["vars"], strict=True):
        assert va[:7] == vb[:7], va[0]
        assert va[7] == vb[7], f"{va[0]}: values differ"  # bit for bit (NaN included)


def _small_outputs(nt, nl, rng):
    out = {"STC": 260.0 + rng.random((nt, nl)), "SMC": rng.random((nt, nl)),
           "T1": 270.0 + rng.random(nt), "SHEAT": rng.normal(size=nt)}
    out["STC"][1, 0] = np.nan
    out["T1"][-1] = np.nan
    return out


@pytest.mark.parametrize("start,step,outputs,attrs", [
    ("2001-01-01T00:00", 3, "layered", {"title": "t", "flag": True, "n": 3, "x": 1.5,
                                        "skip": None, "arr": [1.0, 2.0]}),
    ("1999-07-15T09:30", 1, "scalar", {}),  # reference not at midnight; no layered output
    ("2010-03-01T00:00", 24, "layered", {"names": ["a", "b"], "coordinates": "kept"}),
])
@pytest.mark.parametrize("complevel", [0, 1, 4])
def test_writer_same_file_as_xarray(tmp_path, start, step, outputs, attrs, complevel):
    rng = np.random.default_rng(1)
    times = np.datetime64(start) + np.arange(7) * np.timedelta64(step, "h")
    sldpth = [0.05, 0.1, 0.2]
    out = _small_outputs(7, 3, rng)
    if outputs == "scalar":
        out = {k: v for k, v in out.items() if v.ndim == 1}
    new = write_new(tmp_path / "new.nc", times, sldpth, out, attrs, complevel=complevel)
    ref = write_xarray(tmp_path / "ref.nc", times, sldpth, out, attrs, complevel=complevel)
    _assert_same_file(new, ref)
    with netCDF4.Dataset(new) as nc:  # the outputs' filters: what --complevel asks
        f = nc["T1"].filters()
        assert (f["zlib"], f["shuffle"], f["complevel"]) == (
            (True, True, complevel) if complevel else (False, False, 0))
        assert nc["T1"].chunking() == ("contiguous" if not complevel else nc["T1"].chunking())


def test_writer_refuses_a_bad_complevel(tmp_path):
    times = np.datetime64("2001-01-01T00:00") + np.arange(3) * np.timedelta64(3, "h")
    for bad in (-1, 10, 1.5):
        with pytest.raises(ValueError, match="complevel"):
            write_new(tmp_path / "x.nc", times, [0.1], {"T1": np.zeros(3)}, complevel=bad)


def test_xarray_reads_the_same_dataset(tmp_path, demo_input):
    """The file as xarray decodes it (values, attributes, encoding) equals the former one."""
    import xarray as xr

    inp = read_point_input(demo_input)
    res = run_point(inp)
    outs = result_variables(res)
    attrs = {"title": "noahperm point run", "time_step_s": float(inp.dt)}
    new = write_new(tmp_path / "new.nc", res.times, inp.sldpth, outs, attrs)
    ref = write_xarray(tmp_path / "ref.nc", res.times, inp.sldpth, outs, attrs)
    with xr.open_dataset(new) as a, xr.open_dataset(ref) as b:
        xr.testing.assert_identical(a, b)
        for name in a.variables:
            ea = sorted((k, repr(v)) for k, v in a[name].encoding.items() if k != "source")
            eb = sorted((k, repr(v)) for k, v in b[name].encoding.items() if k != "source")
            assert ea == eb, name  # repr: NaN fill values compare equal
    _assert_same_file(new, ref)


@pytest.mark.reference
def test_tgl_case_same_file_as_xarray(tmp_path):
    """The 5-year tgl reference case, written both ways; the files are byte for byte equal too
    with the netCDF4/HDF5 build of the lock (reported, not required)."""
    import cases

    c = cases.case("tgl")
    res = cases.free_run("tgl")
    attrs = {"title": "noahperm point run", "input_file": str(c.dir / "forcing_main.in"),
             "soil_parameter_mode": "reference", "tables": "bundled",
             "time_step_s": float(c.inp.dt), "Conventions": "CF-1.8"}
    outs = result_variables(res)
    new = write_new(tmp_path / "new.nc", res.times, c.inp.sldpth, outs, attrs)
    ref = write_xarray(tmp_path / "ref.nc", res.times, c.inp.sldpth, outs, attrs)
    _assert_same_file(new, ref)
    if new.read_bytes() != ref.read_bytes():
        print("\ntgl: same content, but not byte-identical files")


def test_writer_rejects_what_it_cannot_store(tmp_path):
    times = np.datetime64("2001-01-01T00:00") + np.arange(3) * np.timedelta64(3, "h")
    with pytest.raises(ValueError, match="layer coordinate"):
        write_new(tmp_path / "x.nc", times, [0.1], {"zsoil": np.zeros(1)})
    with pytest.raises(ValueError, match="whole seconds"):
        write_new(tmp_path / "x.nc", times.astype("M8[ms]") + np.arange(3), [0.1],
                  {"T1": np.zeros(3)})
    with pytest.raises(ValueError, match="NaT"):
        write_new(tmp_path / "x.nc", np.array(["2001-01-01", "NaT"], dtype="M8[s]"), [0.1],
                  {"T1": np.zeros(2)})
    with pytest.raises(ValueError, match="non-empty"):
        write_new(tmp_path / "x.nc", np.array([], dtype="M8[s]"), [0.1], {})
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_new(tmp_path / "no" / "x.nc", times, [0.1], {"T1": np.zeros(3)})
    assert os.listdir(tmp_path) == []


# ------------------------------------------------------------------------------------------
# the point driver is the parallel driver's column, bit for bit
# ------------------------------------------------------------------------------------------


def _run_columns(inp):
    """``run_columns`` on the point run's column (as the point run did before)."""
    from noahperm.kernel.driver import new_aggregates, no_daily, run_columns
    from noahperm.model.columns import build_columns
    from noahperm.model.tables import load_tables
    from noahperm.point.run import column_spec, initial_state

    cols = build_columns([column_spec(inp)], load_tables(), "reference")
    s, stc, smc, sh2o = initial_state(inp)
    nstep, nsoil = inp.nsteps, inp.nsoil
    agg, _ = new_aggregates(1, 1, nsoil)
    status = np.zeros(1, dtype=np.int64)
    fail = np.full(1, -1, dtype=np.int64)
    tstate = np.full((nstep, 1, L.NSTATE + 3 * nsoil), np.nan)
    tdiag = np.full((nstep, 1, L.NDIAG), np.nan)
    sstate = s[None].copy()
    run_columns(sstate, stc[None].copy(), smc[None].copy(), sh2o[None].copy(),
                np.ascontiguousarray(inp.forcing[None], dtype=np.float64), cols.par, cols.soilp,
                cols.stype, cols.soilidx, inp.zsoil[None].astype(np.float64), float(inp.dt),
                np.full(nstep, -1, dtype=np.int64), agg, *no_daily(nsoil), status, fail,
                tstate, tdiag)
    return tstate[:, 0], tdiag[:, 0], int(status[0]), int(fail[0])


def _assert_bitwise(res, ref):
    state, diag, status, fail = ref
    assert (res.status, res.fail_step) == (status, fail)
    assert res.state.tobytes() == state.tobytes()
    assert res.diag.tobytes() == diag.tobytes()


def test_point_driver_is_the_parallel_drivers_column(demo_input):
    inp = read_point_input(demo_input)
    res = run_point(inp)
    assert res.status == 0 and np.isfinite(res.state).all()
    _assert_bitwise(res, _run_columns(inp))


def test_point_driver_failure_as_the_parallel_driver(demo_input):
    """A step that fails (NaN forcing from step 30 on) leaves the same traces, status and step."""
    inp = read_point_input(demo_input)
    forcing = inp.forcing.copy()
    forcing[30:, L.F_SFCTMP] = np.nan
    bad = type(inp)(**{**inp.__dict__, "forcing": forcing})
    res = run_point(bad)
    assert res.status != 0 and res.fail_step == 30
    assert np.isnan(res.state[30:]).all() and np.isfinite(res.state[:30]).all()
    _assert_bitwise(res, _run_columns(bad))


@pytest.mark.reference
@pytest.mark.parametrize("name", ["tgl", "sfg"])
def test_point_driver_reference_cases(name):
    import cases

    c = cases.case(name)
    _assert_bitwise(cases.free_run(name), _run_columns(c.inp))

"""The ahead-of-time build of the point kernel (``noahperm.point.aot``): same results as the JIT
build bit for bit, refused when stale, never fatal when missing or broken.

The AOT module is compiled once per session from the current sources into a temporary folder
(fixture ``aot_dir`` in conftest.py), never into the package. The Fortran reference tests run
on the JIT build (conftest sets ``NOAHPERM_POINT_BUILD=jit``); the bitwise equality below
carries their guarantees over to the AOT build.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import netCDF4
import numpy as np
import pytest

from noahperm.point import aot
from noahperm.point.input_file import read_point_input
from noahperm.point.run import run_point

REPO = Path(__file__).resolve().parents[1]


def _use(monkeypatch, build: str, directory: Path | None) -> None:
    monkeypatch.setenv(aot.BUILD_ENV, build)
    if directory is None:
        monkeypatch.delenv(aot.DIR_ENV, raising=False)
    else:
        monkeypatch.setenv(aot.DIR_ENV, str(directory))


def _bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a).view(np.uint8)


def _run(monkeypatch, build, directory, path, mode="reference"):
    _use(monkeypatch, build, directory)
    assert aot.point_kernels().build == build
    inp = read_point_input(path)  # the humidity (Q2 of the forcing) of this build
    return inp, run_point(inp, mode=mode)


def _edited_copy(src_dir: Path, dst_dir: Path, key: str, value: str) -> Path:
    """A copy of the AOT module whose embedded metadata field ``key`` (a string) is edited:
    its last character changed; the code itself is unchanged."""
    dst_dir.mkdir(parents=True, exist_ok=True)
    src = aot.aot_path(src_dir)
    data = bytearray(src.read_bytes())
    entry = f'"{key}": "{value}"'.encode()
    assert data.count(entry) == 1  # the metadata is embedded verbatim, once
    i = data.index(entry) + len(entry) - 2
    data[i:i + 1] = b"0" if data[i:i + 1] != b"0" else b"1"
    dst = aot.aot_path(dst_dir)
    dst.write_bytes(bytes(data))
    return dst


def _stale_copy(src_dir: Path, dst_dir: Path) -> Path:
    """A copy of the AOT module whose embedded source digest is edited (one hex digit), as if
    it had been compiled from other sources."""
    return _edited_copy(src_dir, dst_dir, "source_digest", aot.aot_digest())


# ------------------------------------------------------------------------------------------
# bit for bit
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name,mode", [("tgl", "reference"), ("sfg", "reference"),
                                       ("tgl", "consistent")])
def test_aot_equals_jit_bit_for_bit_on_reference_cases(aot_dir, shared_dir, monkeypatch, name,
                                                       mode):
    """Every step of the 5-year reference cases: forcing humidity, state and diagnostic
    traces, status, identical to the last bit (NaN included)."""
    import refdata

    d = refdata.unpack_case(name, cache_dir=REPO / ".cache" / "refdata")
    path = d / "forcing_main.in"
    inp_j, jit = _run(monkeypatch, "jit", None, path, mode)
    inp_a, res = _run(monkeypatch, "aot", aot_dir, path, mode)
    assert np.array_equal(_bits(inp_a.forcing), _bits(inp_j.forcing))
    assert (res.status, res.fail_step) == (jit.status, jit.fail_step) == (0, -1)
    assert np.array_equal(_bits(res.state), _bits(jit.state))
    assert np.array_equal(_bits(res.diag), _bits(jit.diag))
    assert np.isfinite(res.state).all()


def test_aot_humidity_equals_jit_over_the_domain(aot_dir, monkeypatch):
    """``rh_to_specific_humidity`` over a grid of T, p, RH covering both bounds and NaN."""
    t, p, r = np.meshgrid(np.linspace(200.0, 320.0, 61), np.linspace(3.0e4, 1.05e5, 23),
                          np.linspace(-0.1, 1.2, 27), indexing="ij")
    t, p, r = (np.ascontiguousarray(x.ravel()) for x in (t, p, r))
    t[5] = np.nan
    q_aot = aot.load_aot(aot.aot_path(aot_dir)).rh_to_specific_humidity(t, p, r)
    q_jit = aot.load_jit("test").rh_to_specific_humidity(t, p, r)
    assert np.array_equal(_bits(q_aot), _bits(q_jit))
    with pytest.raises(TypeError, match="float64"):
        aot.load_aot(aot.aot_path(aot_dir)).rh_to_specific_humidity(t.astype(np.float32), p, r)


def test_aot_point_command_writes_the_jit_file(aot_dir, tmp_path):
    """``noahperm point`` in fresh processes: the AOT build's NetCDF holds the JIT build's
    values and attributes (``input_file`` aside: the same input here)."""
    from noahperm.demo_world.point_site import example_input_text

    src = tmp_path / "demo.in"
    src.write_text(example_input_text(years=1))
    files = {}
    for build in ("jit", "aot"):
        env = dict(os.environ, NOAHPERM_POINT_BUILD=build, NOAHPERM_AOT_DIR=str(aot_dir))
        env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")])
        files[build] = tmp_path / f"{build}.nc"
        proc = subprocess.run([sys.executable, "-m", "noahperm", "point", str(src), "--out",
                               str(files[build]), "--timings"], env=env, capture_output=True,
                              text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert f"build: {build} (" in proc.stderr
    with netCDF4.Dataset(files["jit"]) as a, netCDF4.Dataset(files["aot"]) as b:
        assert list(a.variables) == list(b.variables)
        assert {k: repr(a.getncattr(k)) for k in a.ncattrs()} == {
            k: repr(b.getncattr(k)) for k in b.ncattrs()}
        for name in a.variables:
            va, vb = a[name], b[name]
            va.set_auto_maskandscale(False)
            vb.set_auto_maskandscale(False)
            assert va[...].tobytes() == vb[...].tobytes(), name


# ------------------------------------------------------------------------------------------
# staleness and fallbacks
# ------------------------------------------------------------------------------------------


def test_stale_module_is_refused(aot_dir, tmp_path, monkeypatch, caplog):
    """An edited digest (not an edited source): ``load_aot`` refuses it, ``auto`` falls back
    to the JIT build with a WARNING saying so, ``aot`` is an error."""
    stale_dir = tmp_path / "stale"
    _stale_copy(aot_dir, stale_dir)
    with pytest.raises(aot.AotError, match="stale"):
        aot.load_aot(aot.aot_path(stale_dir))
    aot.load_aot(aot.aot_path(aot_dir))  # the unedited module is accepted
    _use(monkeypatch, "auto", stale_dir)
    with caplog.at_level(logging.INFO, logger="noahperm.point.aot"):
        k = aot.point_kernels()
    assert k.build == "jit" and "stale" in k.reason
    msgs = [r for r in caplog.records if r.name == "noahperm.point.aot"]
    assert len(msgs) == 1 and msgs[0].levelno == logging.WARNING
    assert "stale" in msgs[0].getMessage() and "JIT" in msgs[0].getMessage()
    _use(monkeypatch, "aot", stale_dir)
    with pytest.raises(aot.AotError, match="stale"):
        aot.point_kernels()


def test_module_of_another_numba_is_refused(aot_dir, tmp_path):
    import numba

    other = tmp_path / "other"
    _edited_copy(aot_dir, other, "numba", numba.__version__)
    assert aot.installed_numba_version() == numba.__version__
    with pytest.raises(aot.AotError, match=f"compiled by Numba .*, Numba {numba.__version__} "
                                           "is installed"):
        aot.load_aot(aot.aot_path(other))


def test_stale_module_point_command_runs_jit_and_says_so(aot_dir, tmp_path):
    from noahperm.demo_world.point_site import example_input_text

    stale_dir = tmp_path / "stale"
    _stale_copy(aot_dir, stale_dir)
    src = tmp_path / "demo.in"
    src.write_text(example_input_text(years=1))
    env = dict(os.environ, NOAHPERM_POINT_BUILD="auto", NOAHPERM_AOT_DIR=str(stale_dir))
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")])
    proc = subprocess.run([sys.executable, "-m", "noahperm", "point", str(src), "--out",
                           str(tmp_path / "p.nc"), "--quiet", "--timings"], env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "WARNING noahperm.point.aot: point kernel: using the JIT build" in proc.stderr
    assert "is stale" in proc.stderr
    assert "  build: jit (the AOT build" in proc.stderr


def test_missing_module_falls_back_to_jit_with_one_info_line(tmp_path, monkeypatch, caplog):
    _use(monkeypatch, "auto", tmp_path / "empty")
    with caplog.at_level(logging.INFO, logger="noahperm.point.aot"):
        k = aot.point_kernels()
        aot.point_kernels()  # chosen once: no second line
    assert k.build == "jit" and "no AOT build" in k.reason
    msgs = [r for r in caplog.records if r.name == "noahperm.point.aot"]
    assert len(msgs) == 1 and msgs[0].levelno == logging.INFO
    _use(monkeypatch, "aot", tmp_path / "empty")
    with pytest.raises(aot.AotError, match="no AOT build"):
        aot.point_kernels()


def test_broken_module_falls_back_to_jit(tmp_path, monkeypatch):
    broken = aot.aot_path(tmp_path)
    broken.write_bytes(b"not a shared object")
    with pytest.raises(aot.AotError, match="cannot be loaded"):
        aot.load_aot(broken)
    _use(monkeypatch, "auto", tmp_path)
    assert aot.point_kernels().build == "jit"


def test_unknown_build_choice_is_an_error(monkeypatch):
    from noahperm.core.errors import InputError

    _use(monkeypatch, "fast", None)
    with pytest.raises(InputError, match="NOAHPERM_POINT_BUILD: 'fast': expected auto, jit"):
        aot.point_kernels()


def test_aot_run_column_refuses_wrong_arrays(aot_dir):
    """The extension module would read any array's memory as float64: the wrapper checks."""
    k = aot.load_aot(aot.aot_path(aot_dir))
    n, ns = 2, 3
    good = [np.zeros(13), np.zeros(ns), np.zeros(ns), np.zeros(ns), np.zeros((n, 9)),
            np.zeros(40), np.zeros((ns, 12)), np.zeros(ns, dtype=np.int64), np.zeros(12),
            np.zeros(ns), 1800.0, np.zeros((n, 22)), np.zeros((n, 40))]
    for i, bad in [(4, np.zeros((n, 9), dtype=np.float32)), (7, np.zeros(ns)),
                   (6, np.zeros((12, ns)).T), (10, 1800), (0, np.zeros((1, 13)))]:
        args = list(good)
        args[i] = bad
        with pytest.raises(TypeError, match=f"argument {i}"):
            k.run_column(*args)


def test_build_command_failure_is_not_fatal(tmp_path, monkeypatch, capsys):
    """No compiler (or any build error): the build command reports it and exits 0 (point runs
    use the JIT build); with ``--check`` it exits 1."""
    import noahperm.point.aot_build as ab

    def no_compiler(*args, **kwargs):
        raise OSError("gcc: command not found")

    monkeypatch.setattr(ab, "build", no_compiler)
    assert aot.main(["build", "--dir", str(tmp_path)]) == 0
    assert "AOT build failed (OSError: gcc: command not found)" in capsys.readouterr().err
    assert aot.main(["build", "--dir", str(tmp_path), "--check"]) == 1


def test_build_command_skips_a_current_build(aot_dir, tmp_path, capsys):
    shutil.copy(aot.aot_path(aot_dir), aot.aot_path(tmp_path))
    assert aot.main(["build", "--dir", str(tmp_path)]) == 0
    assert "AOT build current" in capsys.readouterr().out


def test_embedded_metadata(aot_dir):
    k = aot.load_aot(aot.aot_path(aot_dir))
    import numba

    from noahperm.kernel._jit import JIT_OPTIONS

    assert k.info["source_digest"] == aot.aot_digest()
    from noahperm.kernel import SOURCE_DIGEST

    assert k.info["kernel_source_digest"] == SOURCE_DIGEST
    assert k.info["numba"] == numba.__version__
    assert k.info["options"] == {"fastmath": JIT_OPTIONS["fastmath"],
                                 "error_model": JIT_OPTIONS["error_model"]}
    assert k.info["options"] == {"fastmath": False, "error_model": "numpy"}
    jit = aot.load_jit("test")
    assert (k.BADVAL, k.STATUS_OK, k.STATUS_SNOW_DENSITY, k.STATUS_NONFINITE) == (
        jit.BADVAL, jit.STATUS_OK, jit.STATUS_SNOW_DENSITY, jit.STATUS_NONFINITE)

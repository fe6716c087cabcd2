"""``noahperm point`` end to end: a good input gives NetCDF with units; bad input ends with a
clear error naming the file, line and field, a non-zero exit, and no output file left behind.

Inputs are the demo's synthetic point file (``noahperm.demo_world.point_site``), corrupted line by line, so
these tests need nothing outside the repository.
"""

from __future__ import annotations

import re

import pytest
import xarray as xr

from noahperm.cli import main
from noahperm.demo_world.point_site import example_input_text

FIRST_RECORD = 49  # line of the first forcing record in the demo file (1-based)


@pytest.fixture(scope="module")
def good_lines():
    lines = example_input_text(years=1).splitlines(keepends=True)
    assert lines[FIRST_RECORD - 1].startswith("2001 01 01 00 00")
    return lines


def _short(lines, ndays=10):
    """The file with its period cut to ``ndays`` days (faster runs)."""
    end = f"2001{1:02d}{ndays:02d}2100"
    out = [re.sub(r'enddate\s*=\s*"\d+"', f'enddate = "{end}"', ln) for ln in lines]
    return out[: FIRST_RECORD - 1 + 8 * ndays]


def _field(line: str, k: int, value: str) -> str:
    """Replace field k (0 = wind speed ... 7 = precipitation) of a fixed-format record."""
    a = 16 + 17 * k
    return line[:a] + value.rjust(17) + line[a + 17:]


def _namelist_line(lines, key):
    for i, ln in enumerate(lines):
        if ln.strip().lower().startswith(key.lower()):
            return i
    raise KeyError(key)


def run(tmp_path, lines, capsys):
    inp = tmp_path / "case.in"
    inp.write_text("".join(lines))
    out = tmp_path / "case.nc"
    code = main(["point", str(inp), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    return code, err, out, inp


def test_good_input_writes_netcdf(tmp_path, good_lines, capsys):
    code, err, out, _ = run(tmp_path, _short(good_lines), capsys)
    assert code == 0, err
    ds = xr.open_dataset(out)
    assert ds["STC"].dims == ("time", "layer") and ds.sizes["layer"] == 18
    for name in ("STC", "SMC", "SH2O", "SNOWH", "SNEQV", "EC", "EDIR", "ETT", "ETP", "T1",
                 "SHEAT", "ETA", "SSOIL"):
        assert ds[name].attrs["units"] and ds[name].attrs["long_name"], name
    assert ds["STC"].attrs["units"] == "K"
    assert ds.sizes["time"] == 80
    ds.close()


def test_timings_on_stderr(tmp_path, good_lines, capsys):
    inp = tmp_path / "case.in"
    inp.write_text("".join(_short(good_lines)))
    code = main(["point", str(inp), "--out", str(tmp_path / "case.nc"), "--quiet", "--timings"])
    err = capsys.readouterr().err
    assert code == 0, err
    phases = re.findall(r"^  (\S.*?)\s+(\d+\.\d{3})$", err, re.M)
    names = [name for name, _ in phases]
    assert names == ["start-up", "imports", "read input", "tables/columns", "kernel load", "run",
                     "write", "total"], err
    seconds = [float(v) for _, v in phases]
    assert abs(sum(seconds[:-1]) - seconds[-1]) < 0.01  # the phases add up to the total


def _broken_namelist(lines):
    out = list(lines)
    i = _namelist_line(out, "/")
    del out[i]  # no terminating slash
    return out


def _layer_mismatch(lines):
    out = list(lines)
    i = _namelist_line(out, "Soil_Temperature")
    out[i] = out[i].rstrip("\n").rsplit(None, 1)[0] + "\n"  # 17 values instead of 18
    return out


def _swap(lines):
    out = list(lines)
    a = FIRST_RECORD + 10
    out[a - 1], out[a] = out[a], out[a - 1]
    return out


def _gap(lines):
    out = list(lines)
    del out[FIRST_RECORD + 20]
    return out


def _record(k, value, offset=5):
    def f(lines):
        out = list(lines)
        i = FIRST_RECORD - 1 + offset
        out[i] = _field(out[i].rstrip("\n"), k, value) + "\n"
        return out
    return f


def _snow_density(lines):
    out = list(lines)
    i = _namelist_line(out, "Snow_depth")
    out[i] = " Snow_depth            = 0.001000\n"  # SWE 0.003 m in 1 mm of snow
    return out


CASES = {
    # name: (corruption, expected line or None, field pattern)
    "broken namelist": (_broken_namelist, None, r"namelist|/"),
    "layer-count mismatch": (_layer_mismatch, None, r"Soil_Temperature"),
    "records out of order": (_swap, FIRST_RECORD + 11, r"time|date|order"),
    "gap in records": (_gap, None, r"time|date|gap|missing"),
    "non-numeric field": (_record(2, "abc"), FIRST_RECORD + 5, r"temperature"),
    "temperature <= 150 K": (_record(2, "140.0000000000"), FIRST_RECORD + 5, r"temperature"),
    "negative precipitation": (_record(7, "-0.0010000000"), FIRST_RECORD + 5, r"precip"),
    "RH over 110 %": (_record(3, "120.0000000000"), FIRST_RECORD + 5, r"humidity"),
    "snow density over 1": (_snow_density, None, r"Snow_depth|Snow_equivalent|density"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input(name, tmp_path, good_lines, capsys):
    corrupt, line, field = CASES[name]
    lines = corrupt(_short(good_lines))
    # an output from an earlier good run must not be replaced by garbage either
    code, err, out, inp = run(tmp_path, lines, capsys)
    assert code != 0
    assert "noahperm point: error:" in err
    assert inp.name in err, err
    assert re.search(field, err, re.IGNORECASE), err
    if line is not None:
        assert f":{line}:" in err, err
    else:
        assert re.search(r":\d+:", err), err  # some line number
    assert not out.exists()
    assert not list(tmp_path.glob("*.nc*")), list(tmp_path.iterdir())


def test_bad_input_keeps_earlier_output(tmp_path, good_lines, capsys):
    code, _, out, _ = run(tmp_path, _short(good_lines), capsys)
    assert code == 0
    before = out.read_bytes()
    code, err, out, _ = run(tmp_path, _record(2, "140.0000000000")(_short(good_lines)), capsys)
    assert code == 2 and out.read_bytes() == before

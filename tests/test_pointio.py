"""Point input reader (noahperm.point.input_file) and the NetCDF writer (noahperm.core.variables).

Derived forcing is compared bit for bit with the driver-derived columns of ``state_hp.txt``;
broken copies of the reference input check that every error names file, line and field.
"""

from __future__ import annotations

import math
import os
import re

import numpy as np
import pytest

import refdata
from noahperm.core.errors import InputError
from noahperm.core.variables import VARIABLES, write_point_netcdf
from noahperm.kernel import layout as L
from noahperm.point import input_file as pointio
from noahperm.point.input_file import month_d, read_point_input, rh_to_q

NSTEP_REF = 14608
NSOIL_REF = 18


# ----------------------------------------------------------------------------------------------
# fixtures
# ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def case_dirs(tmp_path_factory):
    return {name: refdata.unpack_case(name, tmp_path_factory) for name in ("tgl", "sfg")}


@pytest.fixture(scope="session")
def inputs(case_dirs):
    return {name: read_point_input(d / "forcing_main.in") for name, d in case_dirs.items()}


@pytest.fixture(scope="session")
def dumps(case_dirs):
    return {name: refdata.read_state_hp(d / "state_hp.txt") for name, d in case_dirs.items()}


@pytest.fixture(scope="session")
def tgl_lines(case_dirs):
    return (case_dirs["tgl"] / "forcing_main.in").read_text().split("\n")[:-1]


def _forcing_index(lines):
    return next(i for i, s in enumerate(lines) if s.lstrip().upper().startswith("<FORCING>"))


@pytest.fixture(scope="session")
def small_lines(tgl_lines):
    """The tgl input cut to 2 days (16 records, enddate 2001-01-02 21:00)."""
    f = _forcing_index(tgl_lines)
    head = [
        re.sub(r'enddate\s*=\s*"\d+"', 'enddate = "200101022100"', s) for s in tgl_lines[: f + 1]
    ]
    return head + tgl_lines[f + 1 : f + 17]


def _write(tmp_path, lines, name="case.in"):
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n")
    return p


def _rec_line(lines, k):
    """1-based line number of forcing record k (0-based) in ``lines``."""
    return _forcing_index(lines) + 2 + k


def _set_value(line, k, text):
    """Replace value field k (0 = wind speed ... 7 = precipitation) by ``text`` (17 columns)."""
    a = 16 + 17 * k
    return line[:a] + f"{text:>17}" + line[a + 17 :]


def _set_key(lines, key, value):
    pat = re.compile(rf"^(\s*{key}\s*=).*$", re.IGNORECASE)
    assert any(pat.match(s) for s in lines), key
    return [pat.sub(lambda m: f"{m.group(1)} {value}", s) for s in lines]


def _key_line(lines, key):
    return 1 + next(i for i, s in enumerate(lines) if re.match(rf"^\s*{key}\s*=", s, re.I))


def _record(t, vals):
    t = np.datetime64(t, "m").astype(object)
    return f"{t.year:04d} {t.month:02d} {t.day:02d} {t.hour:02d} {t.minute:02d}" + "".join(
        f"{v:17.10f}" for v in vals
    )


# ----------------------------------------------------------------------------------------------
# reference inputs
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["tgl", "sfg"])
def test_counts_and_times(inputs, case):
    inp = inputs[case]
    assert inp.nsteps == NSTEP_REF
    assert inp.nsoil == NSOIL_REF
    assert inp.forcing.shape == (NSTEP_REF, L.NFORC)
    assert inp.forcing.dtype == np.float64
    assert inp.times[0] == np.datetime64("2001-01-01T00:00")
    assert inp.times[-1] == np.datetime64("2005-12-31T21:00")
    assert (np.diff(inp.times) == np.timedelta64(180, "m")).all()
    assert inp.dt == 10800.0 and inp.forcing_interval == 10800.0
    assert inp.sldpth.sum() == pytest.approx(15.2)
    np.testing.assert_allclose(inp.zsoil[-1], -15.2)
    # one record per step, each on its own line, in order
    assert (np.diff(inp.forcing_lines) == 1).all()
    assert inp.alb_monthly_step is None and inp.lai_step is None
    assert inp.ice == 0 and inp.loop_for_a_while == 0


def test_tgl_namelist_fields(inputs):
    inp = inputs["tgl"]
    assert (inp.soiltyp, inp.vegtyp, inp.slopetyp) == (7, 7, 3)
    assert (inp.urban_veg_category, inp.glacial_veg_category) == (1, 24)
    assert list(inp.stype) == [7] * 6 + [12] * 5 + [13] * 7
    assert (inp.snoalb, inp.zlvl, inp.zlvl_wind) == (0.75, 2.0, 10.0)
    assert (inp.shdmin, inp.shdmax, inp.tbot) == (0.02, 0.32, 272.15)
    assert (inp.usemonalb, inp.rdlai2d, inp.sfcdif_option, inp.iz0tlnd) == (False, False, 2, 0)
    assert (inp.latitude, inp.longitude, inp.forcing_timestep) == (33.07, 91.94, 10800)
    assert inp.shdfac_monthly[7] == 0.32 and inp.lai_monthly.shape == (12,)


@pytest.mark.parametrize("case", ["tgl", "sfg"])
def test_derived_forcing_equals_state_hp(inputs, dumps, case):
    """Q2, SFCPRS, SFCTMP, SFCSPD, PRCP, SOLDN (and SHDFAC) exactly as the driver made them."""
    inp, dump = inputs[case], dumps[case]
    n = len(dump)  # two years
    assert n == 5840
    f = inp.forcing[:n]
    for name, slot in [
        ("Q2", L.F_Q2),
        ("SFCPRS", L.F_SFCPRS),
        ("SFCTMP", L.F_SFCTMP),
        ("SFCSPD", L.F_SFCSPD),
        ("PRCP", L.F_PRCP),
        ("SOLDN", L.F_SOLDN),
    ]:
        np.testing.assert_array_equal(f[:, slot], dump[name], err_msg=name)
    # FFROZP as the driver derives it
    ffrozp = np.where((f[:, L.F_PRCP] > 0) & (f[:, L.F_SFCTMP] < 273.15), 1.0, 0.0)
    np.testing.assert_array_equal(ffrozp, dump["FFROZP"])
    # LWDN is the raw forcing longwave: the model sees it times the previous step's emissivity
    np.testing.assert_array_equal(f[:, L.F_LWDN] * dump.prev("EMISSI"), dump["LWDN"])
    if case == "tgl":
        np.testing.assert_array_equal(f[:, L.F_SHDFAC], dump["SHDFAC"])
    else:
        # barren (USGS 19): SFLX zeroes the green fraction; the driver passes month_d's 0.01
        # (0.01 (1 - w) + 0.01 w, which is 0.01 only to the last bit)
        assert inp.vegtyp == 19
        np.testing.assert_allclose(f[:, L.F_SHDFAC], 0.01, rtol=1e-15, atol=0)
        np.testing.assert_array_equal(dump["SHDFAC"], 0.0)


@pytest.mark.parametrize("case", ["tgl", "sfg"])
def test_initial_state_equals_init_line(inputs, dumps, case):
    inp, dump = inputs[case], dumps[case]
    init = dict(zip(dump.names, dump.init, strict=False))  # names go on to diagnostics
    assert inp.t1 == init["T1"] and inp.cmc == init["CMC"]
    assert inp.snowh == init["SNOWH"] and inp.sneqv == init["SNEQV"]
    assert inp.albedo_init == init["ALBEDO"]
    assert inp.z0brd_init == init["Z0"]
    k = len(refdata.STATE_SCALARS)
    ns = inp.nsoil
    np.testing.assert_array_equal(inp.stc, dump.init[k : k + ns])
    np.testing.assert_array_equal(inp.smc, dump.init[k + ns : k + 2 * ns])
    np.testing.assert_array_equal(inp.sh2o, dump.init[k + 2 * ns : k + 3 * ns])


def test_reference_file_takes_the_fast_path(case_dirs, monkeypatch):
    def no_slow(*args):
        raise AssertionError("slow path used")

    monkeypatch.setattr(pointio, "_records_slow", no_slow)
    assert read_point_input(case_dirs["tgl"] / "forcing_main.in").nsteps == NSTEP_REF


def test_fast_and_slow_paths_agree(tgl_lines, inputs):
    f = _forcing_index(tgl_lines)
    end = int(inputs["tgl"].enddate.astype(np.int64))
    fast = pointio._records_fast(tgl_lines, f + 1, end)
    slow = pointio._records_slow(tgl_lines, f + 1, end, "x")
    assert fast is not None
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(a, b)


# ----------------------------------------------------------------------------------------------
# driver arithmetic
# ----------------------------------------------------------------------------------------------
def test_month_d():
    a = np.arange(1.0, 13.0)  # January = 1 ... December = 12
    assert month_d(a, 2001, 1, 15) == 1.0
    assert month_d(a, 2001, 1, 1) == 12.0 * (1.0 - 17.0 / 31.0) + 1.0 * (17.0 / 31.0)
    assert month_d(a, 2001, 12, 31) == 12.0 * (1.0 - 16.0 / 31.0) + 1.0 * (16.0 / 31.0)
    # February has 29 days in 2004: the weight of March on Feb 29 is 14/29
    assert month_d(a, 2004, 2, 29) == 2.0 * (1.0 - 14.0 / 29.0) + 3.0 * (14.0 / 29.0)
    assert month_d(a, 2001, 3, 1) == 2.0 * (1.0 - 14.0 / 28.0) + 3.0 * (14.0 / 28.0)
    np.testing.assert_array_equal(month_d(a, [2001, 2001], [6, 7], [15, 15]), [6.0, 7.0])


def test_rh_to_q_bounds():
    # saturated air is capped at 0.99 qs; dry air floored at 1e-6
    t, p = 280.0, 90000.0
    es = 611.2 * math.exp((2.501e6 - 2317.0 * (t - 273.15)) * (1 / 273.15 - 1 / t) / 461.5)
    qs = 0.622 * es / (p - 0.378 * es)
    assert rh_to_q(t, p, 1.05) == pytest.approx(0.99 * qs, rel=1e-14)
    assert rh_to_q(t, p, 0.0) == 1e-6
    assert 0 < rh_to_q(t, p, 0.5) < qs


# ----------------------------------------------------------------------------------------------
# time matching
# ----------------------------------------------------------------------------------------------
def _synthetic(small_lines, t0, interval_h, n, start, end):
    """Records every ``interval_h`` hours from ``t0``, distinct values, distinct precipitation."""
    f = _forcing_index(small_lines)
    head = _set_key(small_lines[: f + 1], "startdate", f'"{start}"')
    head = _set_key(head, "enddate", f'"{end}"')
    recs = []
    for k in range(n):
        t = np.datetime64(t0) + np.timedelta64(interval_h * k, "h")
        vals = [
            2.0 + k,
            180.0 + k,
            250.0 + 0.5 * k,
            40.0 + k,
            580.0 + k,
            10.0 * k,
            200.0 + k,
            1e-5 * (k + 1),
        ]
        recs.append(_record(t, vals))
    return head + recs


def test_interpolation_twice_the_step(small_lines, tmp_path):
    lines = _synthetic(small_lines, "2001-01-01T00:00", 6, 5, "200101010000", "200101020000")
    inp = read_point_input(_write(tmp_path, lines))
    assert inp.nsteps == 9 and inp.forcing_interval == 6 * 3600
    f = inp.forcing
    # steps at record times take the record; steps between are halfway, precipitation held
    for step in range(9):
        k, odd = divmod(step, 2)
        if odd:
            t = (250.0 + 0.5 * k) * 0.5 + (250.0 + 0.5 * (k + 1)) * (1.0 - 0.5)
            p = ((580.0 + k) * 0.5 + (580.0 + k + 1) * 0.5) * 1.0e2
            rh = ((40.0 + k) * 0.5 + (40.0 + k + 1) * 0.5) * 1.0e-2
            assert f[step, L.F_SFCSPD] == (2.0 + k) * 0.5 + (3.0 + k) * 0.5
            assert f[step, L.F_SOLDN] == 10.0 * k * 0.5 + 10.0 * (k + 1) * 0.5
        else:
            t, p, rh = 250.0 + 0.5 * k, (580.0 + k) * 1.0e2, (40.0 + k) * 1.0e-2
        assert f[step, L.F_SFCTMP] == t
        assert f[step, L.F_SFCPRS] == p
        assert f[step, L.F_Q2] == rh_to_q(t, p, rh)
        # the earlier record's precipitation (as written with 10 decimals)
        assert f[step, L.F_PRCP] == float(f"{1e-5 * (k + 1):.10f}")
    assert list(inp.forcing_lines[:4]) == [_rec_line(lines, k) for k in (0, 0, 1, 1)]


def test_interpolation_start_between_records(small_lines, tmp_path):
    """Records every 9 h; the run starts 3 h after the first record (driver's fraction)."""
    lines = _synthetic(small_lines, "2001-01-01T00:00", 9, 4, "200101010300", "200101020300")
    inp = read_point_input(_write(tmp_path, lines))
    frac = (540.0 - 180.0) / 540.0
    assert inp.forcing[0, L.F_SFCTMP] == 250.0 * frac + 250.5 * (1.0 - frac)
    assert inp.forcing[0, L.F_PRCP] == 1e-5
    assert inp.forcing[2, L.F_SFCTMP] == 250.5  # 09:00 is a record time


def test_records_before_startdate_are_skipped(tgl_lines, tmp_path):
    lines = _set_key(tgl_lines, "startdate", '"200101020000"')
    inp = read_point_input(_write(tmp_path, lines))
    assert inp.times[0] == np.datetime64("2001-01-02T00:00")
    assert inp.nsteps == NSTEP_REF - 8
    assert inp.forcing_lines[0] == _rec_line(lines, 8)
    assert inp.forcing[0, L.F_SFCTMP] == float(lines[_rec_line(lines, 8) - 1][50:67])
    # nothing after enddate is read: garbage there is ignored
    lines2 = _set_key(tgl_lines, "enddate", '"200101012100"') + ["garbage after enddate"]
    assert read_point_input(_write(tmp_path, lines2, "b.in")).nsteps == 8


def test_free_format_records_and_namelist_variants(small_lines, tmp_path):
    f = _forcing_index(small_lines)
    recs = [" ".join(s.split()) for s in small_lines[f + 1 :]]  # free format, single blanks
    head = [s.replace(".FALSE.", ".false.") for s in small_lines[: f + 1]]
    head = _set_key(head, "Albedo_monthly", "12*0.21, ! repeat count and a comment")
    ref = read_point_input(_write(tmp_path, small_lines, "ref.in"))
    inp = read_point_input(_write(tmp_path, head + [""] + recs, "free.in"))
    np.testing.assert_array_equal(inp.forcing, ref.forcing)
    np.testing.assert_array_equal(inp.albedo_monthly, ref.albedo_monthly)
    assert inp.usemonalb is False


# ----------------------------------------------------------------------------------------------
# bad input: every message names file, line and field
# ----------------------------------------------------------------------------------------------
def _case_truncated_file(ls):
    return ls[: _rec_line(ls, 10)], _rec_line(ls, 10), "date", "premature end"


def _case_corrupt_temperature(ls):
    i = _rec_line(ls, 5)
    ls[i - 1] = _set_value(ls[i - 1], 2, "abc")
    return ls, i, "air temperature", "cannot read"


def _case_swapped_records(ls):
    i = _rec_line(ls, 3)
    ls[i - 1], ls[i] = ls[i], ls[i - 1]
    return ls, i + 1, "date", "out of chronological order"


def _case_deleted_record(ls):
    i = _rec_line(ls, 7)
    del ls[i - 1]
    return ls, i, "date", "gap"


def _case_duplicate_record(ls):
    i = _rec_line(ls, 6)
    ls.insert(i, ls[i - 1])
    return ls, i + 1, "date", "duplicate"


def _value_case(k, value, field, fragment, rec=2):
    def make(ls):
        i = _rec_line(ls, rec)
        ls[i - 1] = _set_value(ls[i - 1], k, value)
        return ls, i, field, fragment

    return make


def _key_case(key, value, field, fragment):
    def make(ls):
        return _set_key(ls, key, value), _key_line(ls, key), field, fragment

    return make


def _case_missing_key(ls):
    i = _key_line(ls, "Wind_level")
    del ls[i - 1]
    return ls, 1, "Wind_level", "missing"


def _case_unknown_key(ls):
    i = _key_line(ls, "Wind_level")
    ls.insert(i, " Soil_Temprature = 1.0")
    return ls, i + 1, "Soil_Temprature", "unknown"


def _case_layer_mismatch(ls):
    i = _key_line(ls, "Soil_Temperature")
    ls[i - 1] = ls[i - 1].rsplit(None, 1)[0]
    return ls, i, "Soil_Temperature", "17 layer values"


def _case_no_forcing_tag(ls):
    f = _forcing_index(ls)
    ls[f] = "Forcing follows"
    return ls, len(ls), "<Forcing>", "no line"


def _case_no_namelist(ls):
    ls[0] = "METADATA"
    return ls, 1, "&METADATA_NAMELIST", "no namelist"


def _case_no_terminator(ls):
    i = next(k for k, s in enumerate(ls) if s.strip() == "/")
    del ls[i]
    return ls, i + 1, "&METADATA_NAMELIST", "'/'"


def _case_record_without_field(ls):
    i = _rec_line(ls, 4)
    ls[i - 1] = ls[i - 1][:135]
    return ls, i, "precipitation", "truncated"


def _case_free_record_wrong_count(ls):
    i = _rec_line(ls, 4)
    ls[i - 1] = "2001 01 01 12 00 1.0 2.0 250.0 40.0 580.0 0.0 200.0"
    return ls, i, "forcing record", "12 fields"


def _case_bad_month(ls):
    i = _rec_line(ls, 0)
    ls[i - 1] = ls[i - 1][:5] + "13" + ls[i - 1][7:]
    return ls, i, "month", "outside"


def _case_no_decimal_point(ls):
    i = _rec_line(ls, 1)
    ls[i - 1] = _set_value(ls[i - 1], 0, "5")
    return ls, i, "wind speed", "decimal point"


def _case_starts_late(ls):
    del ls[_rec_line(ls, 0) - 1]
    return ls, _rec_line(ls, 0), "date", "after startdate"


BAD_CASES = {
    "truncated file": _case_truncated_file,
    "corrupt temperature": _case_corrupt_temperature,
    "swapped records": _case_swapped_records,
    "deleted record": _case_deleted_record,
    "duplicate record": _case_duplicate_record,
    "T = 140 K": _value_case(2, "140.0000000000", "air temperature", "outside"),
    "T in Celsius": _value_case(2, "-12.0000000000", "air temperature", "Celsius"),
    "negative precipitation": _value_case(7, "-0.0000100000", "precipitation", "outside"),
    "RH = 120": _value_case(3, "120.0000000000", "relative humidity", "outside"),
    "pressure in Pa": _value_case(4, "58391.0000000000", "surface pressure", "hPa"),
    "negative wind": _value_case(0, "-1.0000000000", "wind speed", "outside", rec=15),
    "negative shortwave": _value_case(5, "-3.0000000000", "downward shortwave", "outside"),
    "zero longwave": _value_case(6, "0.0000000000", "downward longwave", "outside"),
    "NaN longwave": _value_case(6, "NaN", "downward longwave", "cannot read"),
    "snow density > 1": _key_case("Snow_equivalent", "0.05", "Snow_equivalent", "density"),
    "missing key": _case_missing_key,
    "unknown key": _case_unknown_key,
    "layer mismatch": _case_layer_mismatch,
    "SH2O > SMC": _key_case("Soil_Liquid", "0.5" + "  0.1" * 17, "Soil_Liquid(1)", "exceeds"),
    "SMC > 1": _key_case("Soil_Moisture", "1.2" + "  0.3" * 17, "Soil_Moisture(1)", "outside"),
    "soil class 25": _key_case("Soil_htype", "7 7 25" + " 7" * 15, "Soil_htype(3)", "outside"),
    "vegetation class 30": _key_case(
        "Vegetation_type_index", "30", "Vegetation_type_index", "outside"
    ),
    "slope type 10": _key_case("Slope_type_index", "10", "Slope_type_index", "outside"),
    "soil type 0": _key_case("Soil_type_index", "0", "Soil_type_index", "outside"),
    "unparsable value": _key_case("Skin_Temperature", "252.5x", "Skin_Temperature", "cannot read"),
    "integer expected": _key_case("Slope_type_index", "3.0", "Slope_type_index", "integer"),
    "loop_for_a_while": _key_case("loop_for_a_while", "2", "loop_for_a_while", "spin-up"),
    "time step not minutes": _key_case("Noahlsm_Timestep", "10801", "Noahlsm_Timestep", "minutes"),
    "bad startdate": _key_case("startdate", '"2001013100"', "startdate", "YYYYMMDDHHmm"),
    "no <Forcing> line": _case_no_forcing_tag,
    "no namelist": _case_no_namelist,
    "no terminating slash": _case_no_terminator,
    "record without last field": _case_record_without_field,
    "free record, 12 fields": _case_free_record_wrong_count,
    "month 13": _case_bad_month,
    "no decimal point": _case_no_decimal_point,
    "forcing starts after startdate": _case_starts_late,
}


def test_small_base_file_is_valid(small_lines, tmp_path):
    inp = read_point_input(_write(tmp_path, small_lines))
    assert inp.nsteps == 16


@pytest.mark.parametrize("name", list(BAD_CASES))
def test_bad_input(small_lines, tmp_path, name):
    lines, line, field, fragment = BAD_CASES[name](list(small_lines))
    path = _write(tmp_path, lines, "broken_input.in")
    with pytest.raises(InputError) as info:
        read_point_input(path)
    err = info.value
    msg = str(err)
    assert isinstance(err, ValueError)
    assert err.path == str(path) and "broken_input.in" in msg
    assert err.line == line, msg
    assert f"broken_input.in:{line}: " in msg
    assert err.field == field and field in msg
    assert fragment in msg, msg


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="nothere.in"):
        read_point_input(tmp_path / "nothere.in")


# ----------------------------------------------------------------------------------------------
# NetCDF writer
# ----------------------------------------------------------------------------------------------
def _outputs(nt, nl):
    rng = np.random.default_rng(1)
    return {
        "STC": 260 + rng.random((nt, nl)),
        "SH2O": rng.random((nt, nl)) * 0.3,
        "T1": 250 + rng.random(nt),
        "SHEAT": rng.normal(size=nt),
    }


def test_registry_is_complete():
    needed = (
        "STC SMC SH2O SNOWH SNEQV EC EDIR ETT ETP ESNOW T1 SHEAT ETA SSOIL RUNOFF1 "
        "RUNOFF2 RUNOFF3 SNCOVR ALBEDO CH SNOMLT SOILM Q1 zsoil depth sldpth"
    ).split()
    for name in needed:
        info = VARIABLES[name]
        assert info.units and info.long_name and info.dims
    assert VARIABLES["STC"].dims == ("time", "layer")
    assert VARIABLES["T1"].dims == ("time",)
    units, long_name, dims, std = VARIABLES["STC"]
    assert (units, std) == ("K", "soil_temperature")


def test_write_point_netcdf_round_trip(tmp_path):
    import xarray as xr

    times = np.datetime64("2001-01-01T00:00") + np.arange(5) * np.timedelta64(3, "h")
    sldpth = np.array([0.045, 0.046, 0.075])
    out = _outputs(5, 3)
    path = write_point_netcdf(
        tmp_path / "point.nc", times, sldpth, out, {"title": "test", "flag": True}
    )
    assert sorted(os.listdir(tmp_path)) == ["point.nc"]
    with xr.open_dataset(path) as ds:
        assert dict(ds.sizes) == {"time": 5, "layer": 3}
        np.testing.assert_array_equal(ds["time"].values, times.astype("datetime64[ns]"))
        for name, arr in out.items():
            np.testing.assert_array_equal(ds[name].values, arr)
            assert ds[name].attrs["units"] == VARIABLES[name].units
            assert ds[name].attrs["long_name"] == VARIABLES[name].long_name
        assert ds["STC"].dims == ("time", "layer")
        assert ds["STC"].attrs["standard_name"] == "soil_temperature"
        np.testing.assert_allclose(ds["zsoil"].values, [-0.045, -0.091, -0.166])
        np.testing.assert_allclose(ds["depth"].values, [0.0225, 0.068, 0.1285])
        assert ds["depth"].attrs["units"] == "m"
        assert ds.attrs["title"] == "test" and ds.attrs["Conventions"] == "CF-1.8"
        assert "since" in ds["time"].encoding["units"]


def test_write_point_netcdf_rejects_unregistered(tmp_path):
    times = np.datetime64("2001-01-01T00:00") + np.arange(2) * np.timedelta64(3, "h")
    with pytest.raises(KeyError, match="NOT_A_VAR"):
        write_point_netcdf(tmp_path / "x.nc", times, [0.1], {"NOT_A_VAR": np.zeros(2)}, {})
    with pytest.raises(ValueError, match="shape"):
        write_point_netcdf(tmp_path / "x.nc", times, [0.1], {"STC": np.zeros((2, 2))}, {})
    assert os.listdir(tmp_path) == []


def test_write_point_netcdf_is_atomic(tmp_path, monkeypatch):
    from noahperm.core import variables

    times = np.datetime64("2001-01-01T00:00") + np.arange(4) * np.timedelta64(3, "h")
    target = tmp_path / "point.nc"
    target.write_bytes(b"previous result")
    real = variables._write_point_file
    written = []

    def failing(path, *args, **kwargs):
        real(path, *args, **kwargs)  # a complete temporary file exists ...
        written.append(path)
        raise OSError("disk full")  # ... and then the write fails

    monkeypatch.setattr(variables, "_write_point_file", failing)
    with pytest.raises(OSError, match="disk full"):
        write_point_netcdf(target, times, [0.1, 0.2], _outputs(4, 2), {})
    assert written and not os.path.exists(written[0])
    assert os.listdir(tmp_path) == ["point.nc"]
    assert target.read_bytes() == b"previous result"


def test_monthly_albedo_and_lai_options(small_lines, tmp_path):
    lines = _set_key(small_lines, "Usemonalb", ".TRUE.")
    lines = _set_key(lines, "Rdlai2d", "T")
    lines = _set_key(lines, "Albedo_monthly", "0.2 0.3" + " 0.2" * 10)
    inp = read_point_input(_write(tmp_path, lines))
    assert inp.usemonalb and inp.rdlai2d
    # 1 and 2 January: between 15 December (0.2) and 15 January (0.2) -> 0.2 to the last bit
    np.testing.assert_allclose(inp.alb_monthly_step, 0.2, rtol=1e-15)
    np.testing.assert_allclose(inp.lai_step, 1.0, rtol=1e-15)
    assert inp.alb_monthly_step.shape == inp.lai_step.shape == (inp.nsteps,)
    # Rdlai2d needs lai_monthly
    no_lai = [s for s in lines if not s.lstrip().lower().startswith("lai_monthly")]
    with pytest.raises(InputError, match="lai_monthly"):
        read_point_input(_write(tmp_path, no_lai, "nolai.in"))


def test_glacial_point_is_flagged(small_lines, tmp_path):
    inp = read_point_input(_write(tmp_path, _set_key(small_lines, "Vegetation_type_index", "24")))
    assert inp.ice == -1

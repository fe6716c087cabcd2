"""The embedded demo: its weather (the demo world's generator at the site), ``noahperm demo`` and
its run's physics."""

from __future__ import annotations

import argparse

import numpy as np
import pytest

from noahperm import cli
from noahperm.demo_world import point_site as demo
from noahperm.kernel import layout as L
from noahperm.kernel.constants import TFREEZ
from noahperm.point.input_file import read_point_input

# --------------------------------------------------------------------------------------------
# (a) the weather: the demo world's generator at the site
# --------------------------------------------------------------------------------------------


def test_generator_is_deterministic(tmp_path):
    a = demo.write_example_input(tmp_path / "a.in", years=1, seed=7)
    b = demo.write_example_input(tmp_path / "b.in", years=1, seed=7)
    c = demo.write_example_input(tmp_path / "c.in", years=1, seed=8)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    assert a.read_text() == demo.example_input_text(years=1, seed=7)
    # the soil's initial state does not depend on the seed (the skin temperature, the first
    # air temperature, does)
    def head(p):
        text = p.read_text().split("<Forcing>")[0].replace("seed 8", "seed 7")
        return [s for s in text.splitlines() if "Skin_Temperature" not in s]

    assert head(a) == head(c)


def test_weather_is_the_demo_worlds_generator():
    from noahperm.demo_world.generator import demo_settings
    from noahperm.demo_world.generator.climate import point_series

    f = demo.site_forcing(years=1, seed=7)
    g = point_series(demo_settings({"seed": 7, "years": [2001, 2001]}), demo.SITE["latitude"],
                     demo.SITE["longitude"], demo.SITE["elevation_m"], demo.SITE["nw_index"])
    assert (f["times"] == g["times"]).all()
    for a, b, divisor in (("tair", "temp", 1.0), ("rh", "rh", 1.0), ("pres", "pres", 100.0),
                          ("sw", "srad", 1.0), ("lw", "lrad", 1.0), ("wind", "wind", 1.0),
                          ("prcp", "prec", 3600.0)):  # hPa, kg m-2 s-1 from Pa, mm h-1
        assert np.array_equal(f[a], g[b] / divisor), a
    # demo.climate settings pass through: a colder reference temperature shifts the air
    # temperature and nothing else of the temperature model
    cold = demo.site_forcing(years=1, seed=7, t_ref_C=0.5)
    assert np.allclose(f["tair"] - cold["tair"], 0.5)
    assert np.array_equal(f["cloud"], cold["cloud"])


def test_records_follow_the_fortran_format(tmp_path):
    path = demo.write_example_input(tmp_path / "x.in", years=1)
    lines = path.read_text().splitlines()
    first = next(i for i, s in enumerate(lines) if s.startswith("<Forcing>")) + 1
    recs = lines[first:]
    assert len(recs) == 365 * 8
    for s in (recs[0], recs[1234], recs[-1]):
        assert len(s) == 16 + 8 * 17  # (I4.4,4(1x,I2.2),8(F17.10))
        for k in range(8):
            field = s[16 + 17 * k: 33 + 17 * k]
            assert field[-11] == "." and field.strip()
    assert recs[0].startswith("2001 01 01 00 00")
    assert recs[-1].startswith("2001 12 31 21 00")


def _monthly(inp, values, how=np.mean):
    month = inp.times.astype("datetime64[M]").astype(np.int64) % 12 + 1
    return np.array([how(values[month == m]) for m in range(1, 13)])


@pytest.mark.parametrize("seed", [demo.DEFAULT_SEED, 1])
def test_generator_climate(tmp_path, seed):
    years = 2
    inp = read_point_input(demo.write_example_input(tmp_path / "x.in", years=years, seed=seed))
    f = inp.forcing
    assert inp.nsteps == 8 * 730 and inp.dt == 10800.0 and inp.nsoil == 18
    tair = f[:, L.F_SFCTMP] - TFREEZ
    assert -4.5 <= tair.mean() <= -3.5  # about -4 degC at 4650 m
    tm = _monthly(inp, tair)
    assert tm.argmin() in (0, 1, 11) and tm.argmax() in (5, 6, 7)
    assert 18.0 <= tm.max() - tm.min() <= 26.0  # seasonal amplitude 11.5 K
    # diurnal cycle: warmest in the local afternoon (06-09 UTC), coldest before sunrise
    hour = (inp.times - inp.times.astype("datetime64[D]")).astype(np.int64) // 60
    th = np.array([tair[hour == h].mean() for h in range(0, 24, 3)])
    assert th.argmax() in (2, 3) and th.argmin() in (6, 7, 0)
    assert 9.0 <= th.max() - th.min() <= 15.0

    mm = f[:, L.F_PRCP] * inp.dt
    assert 320.0 <= mm.sum() / years <= 400.0  # about 350 mm per year
    pm = _monthly(inp, mm, np.sum)
    assert pm[5:9].sum() / pm.sum() >= 0.5  # June-September monsoon
    assert (mm > 0).mean() < 0.2  # events, not drizzle

    sw = f[:, L.F_SOLDN]
    assert 180.0 <= sw.mean() <= 230.0
    assert sw.max() < 1361.0
    assert np.all(sw[(hour == 15) | (hour == 18)] == 0.0)  # 21-03 local solar time: night
    lw = f[:, L.F_LWDN]
    assert 200.0 <= lw.mean() <= 260.0
    assert 560e2 <= f[:, L.F_SFCPRS].mean() <= 610e2
    assert 3.0 <= f[:, L.F_SFCSPD].mean() <= 5.5


def test_initial_state_is_permafrost(tmp_path):
    inp = read_point_input(demo.write_example_input(tmp_path / "x.in", years=1))
    assert tuple(inp.sldpth) == demo.SLDPTH
    assert tuple(inp.stype) == demo.SOIL_HTYPE
    assert (inp.stc < TFREEZ).all()
    assert inp.stc[0] < TFREEZ - 8.0  # cold top on 1 January
    assert abs(inp.stc[-1] - (TFREEZ - 1.0)) < 0.3  # about -1 degC at depth
    ice = inp.smc - inp.sh2o
    assert (ice > 0).all() and ice[7:11].min() > 0.2  # ice-rich sand at the permafrost table
    assert (inp.vegtyp, inp.soiltyp, inp.sfcdif_option) == (7, 7, 2)


# --------------------------------------------------------------------------------------------
# (b) the command, (c) the run's physics
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    code = cli.main(["demo", "--out", str(out), "--years", "1"])
    return out, code


def test_demo_help_shows_years(capsys):
    assert cli.main(["demo", "--help"]) == 0
    assert "--years" in capsys.readouterr().out


def test_demo_command_writes_outputs(demo_run):
    import xarray as xr

    out, code = demo_run
    assert code == 0
    assert (out / "example_point.in").read_text() == demo.example_input_text(years=1)
    with xr.open_dataset(out / "point.nc") as ds:
        assert ds.sizes["time"] == 365 * 8 and ds.sizes["layer"] == 18
        assert ds["STC"].attrs["units"] == "K"
        assert ds["STC"].attrs["long_name"]
        assert ds["SNEQV"].attrs["units"] == "m"
    png = (out / "soil_temperature.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 20_000
    log_text = (out / "logs" / "demo.log").read_text()
    assert "point.nc" in log_text and "soil_temperature.png" in log_text


def test_demo_reuses_identical_input(tmp_path, capsys):
    args = argparse.Namespace(out=tmp_path, years=1)
    assert demo.main(args) == 0
    inp = tmp_path / "example_point.in"
    mtime = inp.stat().st_mtime_ns
    capsys.readouterr()
    assert demo.main(args) == 0
    out = capsys.readouterr().out
    assert "reusing" in out and str((tmp_path / "point.nc").resolve()) in out
    assert inp.stat().st_mtime_ns == mtime
    assert "reusing" in (tmp_path / "logs" / "demo.log").read_text()


def test_demo_run_is_physically_sensible(demo_run):
    import xarray as xr

    out, code = demo_run
    assert code == 0
    with xr.open_dataset(out / "point.nc") as ds:
        stc = ds["STC"].values
        depth = ds["depth"].values
        sneqv = ds["SNEQV"].values
        month = ds["time"].dt.month.values
        times = ds["time"].values
    assert np.isfinite(stc).all()
    # permafrost: below 3 m the ground never thaws
    assert stc[:, depth > 3.0].max() < TFREEZ
    # the top layer thaws in summer and is frozen in winter
    summer = (month >= 6) & (month <= 8)
    winter = (month == 1) | (month == 2) | (month == 12)
    assert stc[summer, 0].max() > TFREEZ + 5.0
    assert stc[winter, 0].max() < TFREEZ
    # an active layer of 1-3 m
    (alt,) = demo.yearly_active_layer(stc, depth, times).values()
    assert 1.0 <= alt <= 3.0
    # snow in winter (the cold season), none left in mid-summer
    cold = (month <= 4) | (month >= 10)
    assert sneqv[cold].max() > 1e-3
    assert sneqv[month == 7].max() < 5e-3


def test_yearly_active_layer_is_the_diagnostics_alt():
    depth = np.array([0.5, 1.5, 2.5])
    year = TFREEZ + np.array([[5.0, 1.0, -1.0], [-3.0, -2.0, -1.5]])
    stc = np.concatenate([year, year - 10.0, year + 10.0])
    times = np.array(["2001-01-01", "2001-07-01", "2002-01-01", "2002-07-01", "2003-01-01",
                      "2003-07-01"], dtype="datetime64[h]")
    alt = demo.yearly_active_layer(stc, depth, times)
    assert list(alt) == [2001, 2002, 2003]
    assert alt[2001] == pytest.approx(2.0) and alt[2002] == 0.0 and np.isnan(alt[2003])

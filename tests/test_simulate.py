"""Spin-up and transient engine (noahperm.simulate) on small in-memory cases.

Three columns driven by the demo's synthetic weather (1979-1984) shifted by -2, 0 and +3 K.
Checks: convergence bookkeeping, independence of block size and thread count, bit-for-bit
resumption after an interruption (spin-up and transient), annual and daily aggregates.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

from noahperm import simulate as S
from noahperm.columns import ColumnSpec, build_columns
from noahperm.demo import example_input_text
from noahperm.kernel import layout as L
from noahperm.pointio import read_point_input
from noahperm.tables import load_tables

SHIFT = np.array([-2.0, 0.0, 3.0])


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    path = tmp_path_factory.mktemp("sim") / "site.in"
    path.write_text(example_input_text(years=6, start_year=1979))
    inp = read_point_input(path)
    data = np.repeat(inp.forcing[None, :, : L.NFORC - 1], SHIFT.size, axis=0).copy()
    data[:, :, L.F_SFCTMP] += SHIFT[:, None]
    source = S.ArrayForcing(inp.times, data)
    specs = [ColumnSpec(vegtyp=7, soiltyp=7, stype=inp.stype, shdmin=0.02, shdmax=0.32,
                        tbot=272.15 + sh) for sh in SHIFT]
    cols = build_columns(specs, load_tables())
    model = S.Model(cols, inp.zsoil, np.repeat(inp.shdfac_monthly[None], SHIFT.size, 0),
                    [f"column {i}" for i in range(SHIFT.size)])
    return model, source, inp


def fresh_state(model, source):
    t_air = source.data[:, :, L.F_SFCTMP].mean(axis=1)
    return S.initial_state(model.cols, model.zsoil, t_air + 2.0)


SETTINGS = S.SpinupSettings(cycle_years=(1979, 1980), max_years=12, min_years=4,
                            tol_temperature_K=0.05, tol_ice_mm=5.0, stable_cycles=1,
                            block_cells=3)


def test_initial_state_is_documented_profile(case):
    model, source, _ = case
    st = fresh_state(model, source)
    assert st.stc.shape == (3, 18)
    # linear from surface temperature to TBOT at ZBOT (-40 m): monotone towards TBOT
    assert np.all(np.sign(np.diff(st.stc, axis=1)) == np.sign(st.stc[:, -1:] - st.stc[:, :1]))
    frozen = st.stc < S.T0
    assert (st.sh2o[frozen] < st.smc[frozen]).all() and (st.sh2o[~frozen] == st.smc[~frozen]).all()


def test_spinup_table_and_block_independence(case):
    model, source, _ = case
    a = fresh_state(model, source)
    tab = S.spinup(model, a, source, SETTINGS)
    assert tab["years"].min() >= 4 and tab["years"].max() <= 12
    assert (tab["years"] % 2 == 0).all()
    conv = tab["converged"]
    assert (tab["dT_K"][conv] < 0.05).all() and (tab["dice_mm"][conv] < 5.0).all()
    b = fresh_state(model, source)
    tab_b = S.spinup(model, b, source, S.SpinupSettings(**{**SETTINGS.__dict__, "block_cells": 1}))
    for x, y in zip(a.arrays(), b.arrays(), strict=True):
        assert np.array_equal(x, y)
    assert np.array_equal(tab["years"], tab_b["years"])


def test_thread_count_does_not_change_results(case):
    model, source, _ = case
    out = []
    for n in (1, min(2, numba.config.NUMBA_NUM_THREADS)):
        numba.set_num_threads(n)
        st = fresh_state(model, source)
        S.transient(model, st, source, (1979, 1979))
        out.append(st)
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    for x, y in zip(out[0].arrays(), out[1].arrays(), strict=True):
        assert np.array_equal(x, y)


class Boom(Exception):
    pass


def test_spinup_resumes_bit_for_bit(case, tmp_path, monkeypatch):
    model, source, _ = case
    ref = fresh_state(model, source)
    ref_tab = S.spinup(model, ref, source, SETTINGS)
    cfg = {"test": "spinup"}
    calls = {"n": 0}
    real = S.run_chunk

    def flaky(*args, **kw):
        calls["n"] += 1
        if calls["n"] == 5:  # in the third cycle
            raise Boom()
        return real(*args, **kw)

    monkeypatch.setattr(S, "run_chunk", flaky)
    st = fresh_state(model, source)
    with pytest.raises(Boom):
        S.spinup(model, st, source, SETTINGS, S.Checkpoints(tmp_path, cfg))
    assert (tmp_path / "spinup_block00000_progress.npz").is_file()
    monkeypatch.setattr(S, "run_chunk", real)
    st = fresh_state(model, source)
    tab = S.spinup(model, st, source, SETTINGS, S.Checkpoints(tmp_path, cfg))
    for x, y in zip(ref.arrays(), st.arrays(), strict=True):
        assert np.array_equal(x, y)
    assert np.array_equal(tab["years"], ref_tab["years"])
    # a checkpoint of another configuration is not used
    st2 = fresh_state(model, source)
    S.spinup(model, st2, source, SETTINGS, S.Checkpoints(tmp_path, {"other": 1}))
    assert np.array_equal(st2.stc, ref.stc)


def test_transient_aggregates_daily_and_resume(case, tmp_path, monkeypatch):
    model, source, _ = case
    st = fresh_state(model, source)
    res = S.transient(model, st, source, (1979, 1981), daily_columns=[1])
    assert res.annual.shape == (3, 3, 9, 18)
    tmin, tmax, tmean = res.annual[:, :, 0], res.annual[:, :, 1], res.annual[:, :, 2]
    assert (tmin <= tmean).all() and (tmean <= tmax).all()
    assert (res.annual[:, :, 6] >= 0).all()  # ice >= 0
    assert (tmean[0] < tmean[2]).all()  # the colder column is colder
    # daily means of the daily column average to its annual mean (step counts per day equal)
    days = res.daily_times.astype("datetime64[Y]").astype(int) + 1970
    for iy, y in enumerate(res.years):
        dm = res.daily_stc[0, days == y].mean(axis=0)
        assert np.allclose(dm, tmean[1, iy], rtol=0, atol=1e-9)
    # interrupted after the second year, resumed: identical results
    cfg = {"test": "transient"}
    calls = {"n": 0}
    real = S.run_chunk

    def flaky(*args, **kw):
        calls["n"] += 1
        if calls["n"] == 5:  # year 3 (two run_chunk calls per year: cells, daily column)
            raise Boom()
        return real(*args, **kw)

    monkeypatch.setattr(S, "run_chunk", flaky)
    st2 = fresh_state(model, source)
    with pytest.raises(Boom):
        S.transient(model, st2, source, (1979, 1981), daily_columns=[1],
                    checkpoints=S.Checkpoints(tmp_path, cfg))
    monkeypatch.setattr(S, "run_chunk", real)
    st2 = fresh_state(model, source)
    res2 = S.transient(model, st2, source, (1979, 1981), daily_columns=[1],
                       checkpoints=S.Checkpoints(tmp_path, cfg))
    assert np.array_equal(res.annual, res2.annual)
    assert np.array_equal(res.daily_stc, res2.daily_stc)
    for x, y in zip(st.arrays(), st2.arrays(), strict=True):
        assert np.array_equal(x, y)


def test_failure_names_the_column_and_time(case):
    model, source, _ = case
    st = fresh_state(model, source)
    bad = S.ArrayForcing(source.times, source.data.copy())
    bad.data[2, 100, L.F_SFCTMP] = np.nan
    with pytest.raises(S.SimulationError, match=r"column 2 failed at 1979-01-13"):
        S.transient(model, st, bad, (1979, 1979))

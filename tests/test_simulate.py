"""Spin-up and transient engine (noahperm.simulation.engine) on small in-memory cases.

Three columns driven by the demo's synthetic weather (1979-1984) shifted by -2, 0 and +3 K.
Checks: convergence bookkeeping, independence of block size and thread count, bit-for-bit
resumption after an interruption (spin-up and transient), checkpoints of another configuration
ignored, annual and daily aggregates.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

from noahperm.demo_world.point_site import example_input_text
from noahperm.kernel import layout as L
from noahperm.kernel.constants import TFREEZ
from noahperm.model.columns import ColumnSpec, build_columns
from noahperm.model.tables import load_tables
from noahperm.point.input_file import read_point_input
from noahperm.simulation import engine as S

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
                            tol_temperature_K=0.05, tol_ice_mm=5.0, stable_cycles=1)
COLD = S.ColdSpinup(2.0)


def spin(model, source, start=COLD, block_cells=3, checkpoints=None):
    return S.spinup(model, source, SETTINGS, start, block_cells, checkpoints)


def test_initial_state_is_documented_profile(case):
    model, source, _ = case
    st = fresh_state(model, source)
    assert st.stc.shape == (3, 18)
    # linear from surface temperature to TBOT at ZBOT (-40 m): monotone towards TBOT
    assert np.all(np.sign(np.diff(st.stc, axis=1)) == np.sign(st.stc[:, -1:] - st.stc[:, :1]))
    frozen = st.stc < TFREEZ
    assert (st.sh2o[frozen] < st.smc[frozen]).all() and (st.sh2o[~frozen] == st.smc[~frozen]).all()


def test_cold_start_is_initial_state_of_the_cycle_mean_air_temperature(case):
    """The cold spin-up's initial state is made per block from the cycle years' forcing the
    block reads: the same bits as the initial state of the whole domain's cycle-mean air
    temperature (the old recipe, which read a year of every cell at once)."""
    model, source, _ = case
    t_air = np.zeros(model.ncol)
    for y in range(SETTINGS.cycle_years[0], SETTINGS.cycle_years[1] + 1):
        _, data = source.read(np.arange(model.ncol), y)
        t_air += data[:, :, L.F_SFCTMP].mean(axis=1)
    t_air /= 2
    warm = S.WarmSpinup(S.initial_state(model.cols, model.zsoil, t_air + 2.0))
    a, tab_a = spin(model, source, COLD, block_cells=1)
    b, tab_b = spin(model, source, warm, block_cells=3)
    for x, y in zip(a.arrays(), b.arrays(), strict=True):
        assert np.array_equal(x, y)
    assert np.array_equal(tab_a["years"], tab_b["years"])


def test_spinup_table_and_block_independence(case):
    model, source, _ = case
    a, tab = spin(model, source)
    assert tab["years"].min() >= 4 and tab["years"].max() <= 12
    assert (tab["years"] % 2 == 0).all()
    conv = tab["converged"]
    assert conv.any()
    assert (tab["dT_K"][conv] < 0.05).all() and (tab["dice_mm"][conv] < 5.0).all()
    b, tab_b = spin(model, source, block_cells=1)
    for x, y in zip(a.arrays(), b.arrays(), strict=True):
        assert np.array_equal(x, y)
    assert np.array_equal(tab["years"], tab_b["years"])


def test_thread_count_does_not_change_results(case):
    """1 thread against 2 threads (the count is restored whatever happens)."""
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip(f"only {numba.config.NUMBA_NUM_THREADS} Numba thread available "
                    "(NUMBA_NUM_THREADS): cannot compare 1 with 2 threads")
    model, source, _ = case
    before = numba.get_num_threads()
    out = []
    try:
        for n in (1, 2):
            numba.set_num_threads(n)
            assert numba.get_num_threads() == n
            st = fresh_state(model, source)
            res = S.transient(model, st, source, (1979, 1979), daily_columns=[0, 2])
            out.append((st, res))
    finally:
        numba.set_num_threads(before)
    assert numba.get_num_threads() == before
    for x, y in zip(out[0][0].arrays(), out[1][0].arrays(), strict=True):
        assert np.array_equal(x, y)
    assert np.array_equal(out[0][1].annual, out[1][1].annual)
    assert np.array_equal(out[0][1].daily_stc, out[1][1].daily_stc)


class Boom(Exception):
    pass


def flaky_run_chunk(monkeypatch, fail_at):
    """Make the ``fail_at``-th call of engine.run_chunk raise Boom."""
    calls = {"n": 0}
    real = S.run_chunk

    def flaky(*args, **kw):
        calls["n"] += 1
        if calls["n"] == fail_at:
            raise Boom()
        return real(*args, **kw)

    monkeypatch.setattr(S, "run_chunk", flaky)
    return real


def test_spinup_resumes_bit_for_bit(case, tmp_path, monkeypatch):
    model, source, _ = case
    ref, ref_tab = spin(model, source)
    cfg = {"test": "spinup"}
    real = flaky_run_chunk(monkeypatch, 5)  # in the third cycle
    with pytest.raises(Boom):
        spin(model, source, checkpoints=S.Checkpoints(tmp_path, cfg))
    assert (tmp_path / "spinup_block00000_progress.npz").is_file()
    monkeypatch.setattr(S, "run_chunk", real)
    st, tab = spin(model, source, checkpoints=S.Checkpoints(tmp_path, cfg))
    for x, y in zip(ref.arrays(), st.arrays(), strict=True):
        assert np.array_equal(x, y)
    assert np.array_equal(tab["years"], ref_tab["years"])


def test_checkpoint_of_another_configuration_is_not_used(case, tmp_path, monkeypatch):
    """An interrupted run leaves checkpoints; a run of another configuration (another initial
    surface offset) in the same directory must ignore them and give its own results. (Were the
    configuration hash not checked, it would resume from the other run's state and end with
    that run's results.)"""
    model, source, _ = case

    def batch(start, ck=None):
        [m] = S.run_batch(model, source, start=start, settings=SETTINGS, years=None,
                          block_cells=3, checkpoint_dir=ck)
        return m

    other = S.ColdSpinup(6.0)
    ref_other = batch(other)
    assert not np.array_equal(ref_other.state.stc, batch(COLD).state.stc)  # precondition
    real = flaky_run_chunk(monkeypatch, 5)  # the COLD run stops in its third cycle
    with pytest.raises(Boom):
        batch(COLD, tmp_path)
    assert (tmp_path / "spinup_block00000_progress.npz").is_file()
    monkeypatch.setattr(S, "run_chunk", real)
    res = batch(other, tmp_path)
    for x, y in zip(ref_other.state.arrays(), res.state.arrays(), strict=True):
        assert np.array_equal(x, y)
    assert np.array_equal(res.spinup_table["years"], ref_other.spinup_table["years"])


def test_checkpoint_of_another_code_version_is_not_used(case, tmp_path, monkeypatch, caplog):
    """The code version (a hash of the kernel's, the engine's and the model's sources) is part
    of every checkpoint's identity: after an edit of the physics an old checkpoint is ignored,
    never resumed."""
    import logging

    model, source, _ = case

    def batch():
        [m] = S.run_batch(model, source, start=COLD, settings=SETTINGS, years=None,
                          block_cells=3, checkpoint_dir=tmp_path)
        return m

    assert len(S.CODE_VERSION) == 16
    batch()  # leaves its checkpoints (the stage's caller removes them after writing)
    with caplog.at_level(logging.INFO, logger="noahperm.simulation.engine"):
        batch()
    assert "resumed from its checkpoint" in caplog.text
    caplog.clear()
    monkeypatch.setattr(S, "CODE_VERSION", "0" * 16)  # as after an edit of the kernel
    with caplog.at_level(logging.INFO, logger="noahperm.simulation.engine"):
        batch()
    assert "resumed" not in caplog.text and "ignoring checkpoint" in caplog.text


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
    assert res.daily_stc.shape == (1, 1096, 18)
    days = res.daily_times.astype("datetime64[Y]").astype(int) + 1970
    for iy, y in enumerate(res.years):
        dm = res.daily_stc[0, days == y].mean(axis=0)
        assert np.allclose(dm, tmean[1, iy], rtol=0, atol=1e-9)
    # interrupted in the third year, resumed: identical results
    cfg = {"test": "transient"}
    real = flaky_run_chunk(monkeypatch, 3)  # one driver call per year (one block)
    st2 = fresh_state(model, source)
    with pytest.raises(Boom):
        S.transient(model, st2, source, (1979, 1981), daily_columns=[1],
                    checkpoints=S.Checkpoints(tmp_path, cfg))
    assert (tmp_path / "transient_1980.npz").is_file()
    assert not (tmp_path / "transient_1981.npz").exists()
    monkeypatch.setattr(S, "run_chunk", real)
    st2 = fresh_state(model, source)
    res2 = S.transient(model, st2, source, (1979, 1981), daily_columns=[1],
                       checkpoints=S.Checkpoints(tmp_path, cfg))
    assert np.array_equal(res.annual, res2.annual)
    assert np.array_equal(res.daily_stc, res2.daily_stc)
    assert np.array_equal(res.daily_sh2o, res2.daily_sh2o)
    assert np.array_equal(res.daily_times, res2.daily_times)
    for x, y in zip(st.arrays(), st2.arrays(), strict=True):
        assert np.array_equal(x, y)
    # daily means spooled to the checkpoint files: the same values
    st3 = fresh_state(model, source)
    res3 = S.transient(model, st3, source, (1979, 1981), daily_columns=[1],
                       checkpoints=S.Checkpoints(tmp_path / "spool", cfg), spool_daily=True)
    assert np.array_equal(res.daily_stc, res3.daily_stc)
    assert np.array_equal(res.daily_sh2o, res3.daily_sh2o)


def test_failure_names_the_column_and_time(case):
    model, source, _ = case
    st = fresh_state(model, source)
    bad = S.ArrayForcing(source.times, source.data.copy())
    bad.data[2, 100, L.F_SFCTMP] = np.nan
    with pytest.raises(S.SimulationError, match=r"column 2 failed at 1979-01-13"):
        S.transient(model, st, bad, (1979, 1979))

"""The member engine (noahperm.simulation.engine.run_batch, the core of
noahperm.simulation.members.run_members) on constructed columns.

Three cells driven by the demo's synthetic weather (1979-1984) shifted by -3, 0 and +3 K, and
parameter sets of Table 1 applied to them (K members x 3 cells, member-major). Checks:

(a) a warm spin-up from the default model's equilibrium, with perturbed parameters, ends
    within the equilibrium tolerance of a cold spin-up of the same parameters (and in fewer
    years; both printed);
(b) results are bitwise independent of the number of members run together, of the block size
    and of the thread count;
(c) daily means from the driver's single pass equal those of the old second pass over the
    daily columns bit for bit, and do not change the annual aggregates; the classes of given
    years equal ``classify`` over the whole run.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

from noahperm.demo_world.point_site import example_input_text
from noahperm.diagnostics.permafrost import classify
from noahperm.kernel import layout as L
from noahperm.kernel.driver import (
    A_TMAX,
    A_TMIN,
    A_TSUM,
    A_WSUM,
    finish_aggregates,
    new_aggregates,
)
from noahperm.model.columns import ColumnSpec, build_columns
from noahperm.model.parameters import apply_parameters
from noahperm.model.tables import load_tables
from noahperm.point.input_file import read_point_input
from noahperm.simulation import engine as S

SHIFT = np.array([-3.0, 0.0, 3.0])  # no cell near a regime change (multiple equilibria)
#: perturbed parameters that leave every cell's frozen/unfrozen regime as it is (see (a))
PERTURBED = {"CSOIL": 2.6e6, "SBETA": -1.5, "CZIL": 0.3, "SALP": 3.0, "FXEXP": 1.5}
OTHERS = ({}, {"TBOT": 0.5, "CSOIL": 2.0e6, "RS@7": 0.2})
EQUILIBRIUM = S.SpinupSettings(cycle_years=(1979, 1980), max_years=400, min_years=4,
                               tol_temperature_K=0.01, tol_ice_mm=1.0, stable_cycles=2)
SHORT = S.SpinupSettings(cycle_years=(1979, 1980), max_years=8, min_years=4,
                         tol_temperature_K=0.05, tol_ice_mm=5.0, stable_cycles=1)
COLD = S.ColdSpinup(2.0)


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    path = tmp_path_factory.mktemp("engine") / "site.in"
    path.write_text(example_input_text(years=6, start_year=1979))
    inp = read_point_input(path)
    data = np.repeat(inp.forcing[None, :, : L.NFORC - 1], SHIFT.size, axis=0).copy()
    data[:, :, L.F_SFCTMP] += SHIFT[:, None]
    specs = [ColumnSpec(vegtyp=7, soiltyp=7, stype=inp.stype, shdmin=0.02, shdmax=0.32,
                        tbot=272.15 + sh) for sh in SHIFT]
    cols = build_columns(specs, load_tables())
    green = np.repeat(inp.shdfac_monthly[None], SHIFT.size, 0)
    return cols, inp.zsoil, green, S.ArrayForcing(inp.times, data)


def members(case, param_sets) -> S.Model:
    """The model of ``param_sets`` x the 3 cells, member-major."""
    cols, zsoil, green, _ = case
    return S.Model.concat([
        S.Model(apply_parameters(cols, p) if p else cols, zsoil, green,
                [f"cell {i}" for i in range(SHIFT.size)]) for p in param_sets])


def cycle_means(model, state, source, settings):
    """Cycle-mean layer temperature [K] and column ice [mm] of one more cycle from ``state``."""
    res = S.transient(model, state.copy(), source, settings.cycle_years)
    tmean = res.annual[:, :, A_TSUM].mean(axis=1)
    dz = -np.diff(np.concatenate([[0.0], model.zsoil]))
    ice = res.annual[:, :, 8].mean(axis=1) @ dz * 1000.0  # IMEAN
    return tmean, ice


def test_warm_spinup_reaches_the_cold_equilibrium(case):
    source = case[3]
    [base] = S.run_batch(members(case, [{}]), source, start=COLD, settings=EQUILIBRIUM)
    model = members(case, [PERTURBED])
    [cold] = S.run_batch(model, source, start=COLD, settings=EQUILIBRIUM)
    [warm] = S.run_batch(model, source, start=S.WarmSpinup(base.state), settings=EQUILIBRIUM)
    print(f"\nyears to equilibrium per cell: default (cold) {base.spinup_table['years']}, "
          f"perturbed cold {cold.spinup_table['years']}, perturbed warm from the default's "
          f"equilibrium {warm.spinup_table['years']}")
    assert cold.spinup_table["converged"].all() and warm.spinup_table["converged"].all()
    assert warm.spinup_table["years"].sum() < cold.spinup_table["years"].sum()
    t_cold, ice_cold = cycle_means(model, cold.state, source, EQUILIBRIUM)
    t_warm, ice_warm = cycle_means(model, warm.state, source, EQUILIBRIUM)
    d_t = np.abs(t_warm - t_cold).max(axis=1)
    d_ice = np.abs(ice_warm - ice_cold)
    print(f"warm - cold: largest layer difference of the cycle-mean temperature {d_t} K, "
          f"of the cycle-mean column ice {d_ice} mm")
    assert (d_t < EQUILIBRIUM.tol_temperature_K).all()
    assert (d_ice < EQUILIBRIUM.tol_ice_mm).all()
    # the start state of one member's cells is tiled over a batch of members
    [_, warm2] = S.run_batch(members(case, [{}, PERTURBED]), source,
                             start=S.WarmSpinup(base.state), settings=EQUILIBRIUM)
    for x, y in zip(warm.state.arrays(), warm2.state.arrays(), strict=True):
        assert np.array_equal(x, y)


def run(case, param_sets, block_cells, threads):
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(threads)
        return S.run_batch(members(case, param_sets), case[3], start=COLD, settings=SHORT,
                           years=(1980, 1983), daily_cells=[2, 0], class_years=[1981, 1983],
                           block_cells=block_cells)
    finally:
        numba.set_num_threads(before)


def same(a: S.MemberResult, b: S.MemberResult):
    for k in a.spinup_table:
        assert np.array_equal(a.spinup_table[k], b.spinup_table[k], equal_nan=True), k
    for s, t in ((a.spun_up, b.spun_up), (a.state, b.state)):
        for x, y in zip(s.arrays(), t.arrays(), strict=True):
            assert np.array_equal(x, y)
    ta, tb = a.transient, b.transient
    assert np.array_equal(ta.annual, tb.annual)
    assert np.array_equal(ta.classes, tb.classes)
    assert np.array_equal(ta.daily_times, tb.daily_times)
    assert np.array_equal(ta.daily_stc, tb.daily_stc)
    assert np.array_equal(ta.daily_sh2o, tb.daily_sh2o)


@pytest.mark.parametrize("block_cells,threads", [(512, 1), (1, 1), (4, 2)])
def test_results_do_not_depend_on_members_blocks_or_threads(case, block_cells, threads):
    """A member alone (one thread, one block) against the same member second in a batch of 3
    (blocks of ``block_cells`` columns, ``threads`` threads)."""
    if threads > numba.config.NUMBA_NUM_THREADS:
        pytest.skip(f"only {numba.config.NUMBA_NUM_THREADS} Numba thread(s) available")
    [alone] = run(case, [PERTURBED], 512, 1)
    batch = run(case, [OTHERS[0], PERTURBED, OTHERS[1]], block_cells, threads)
    assert len(batch) == 3
    assert alone.transient.daily_stc.shape == (2, 4 * 365 + 1, 18)
    assert alone.transient.classes.shape == (3, 2)
    same(alone, batch[1])
    # the other members are other runs
    assert not np.array_equal(batch[0].state.stc, batch[1].state.stc)


def test_daily_means_of_the_single_pass_equal_the_second_pass(case):
    """Daily means at columns 2 and 0 from the driver's second accumulator (one pass over all
    columns) against the old way: the daily columns run again, separately, with day periods."""
    cols, zsoil, green, source = case
    model = members(case, [{}])
    t_air = source.data[:, :, L.F_SFCTMP].mean(axis=1)
    start = S.initial_state(cols, zsoil, t_air + 2.0)
    years = (1979, 1981)
    daily = np.array([2, 0])
    res = S.transient(model, start.copy(), source, years, daily_columns=daily)
    plain = S.transient(model, start.copy(), source, years)
    assert np.array_equal(res.annual, plain.annual)  # the daily pass changes nothing else
    # the reference: the old second pass over the daily columns
    sub = model.subset(daily)
    st = start.take(daily)
    ref_t, ref_w, ref_days = [], [], []
    for y in range(years[0], years[1] + 1):
        times, data = source.read(daily, y)
        f8 = S.with_green_fraction(data, times, sub.green_monthly)
        uday, period = np.unique(times.astype("datetime64[D]"), return_inverse=True)
        agg, count = new_aggregates(daily.size, uday.size, zsoil.size)
        S.run_chunk(sub, st, f8, times, period.astype(np.int64), agg, count)
        a = finish_aggregates(agg, count)
        ref_days.append(uday)
        ref_t.append(a[:, :, A_TSUM])
        ref_w.append(a[:, :, A_WSUM])
    assert np.array_equal(res.daily_times, np.concatenate(ref_days))
    assert np.array_equal(res.daily_stc, np.concatenate(ref_t, axis=1))
    assert np.array_equal(res.daily_sh2o, np.concatenate(ref_w, axis=1))


def test_classes_of_given_years_equal_classify_over_the_run(case):
    cols, zsoil, green, source = case
    model = members(case, [{}, {"TBOT": -1.5}])
    t_air = np.tile(source.data[:, :, L.F_SFCTMP].mean(axis=1), 2)
    start = S.initial_state(model.cols, zsoil, t_air + 2.0)
    full = S.transient(model, start.copy(), source, (1979, 1984),
                       class_years=range(1979, 1985))
    expect = classify(full.annual[:, :, A_TMAX], full.annual[:, :, A_TMIN])
    assert np.array_equal(full.classes, expect)
    assert len(np.unique(expect[:, 1:])) > 1  # not a trivial case
    some = S.transient(model, start.copy(), source, (1979, 1984), class_years=[1984, 1981],
                       annual=False)
    assert some.annual is None
    assert np.array_equal(some.classes, expect[:, [5, 2]])
    with pytest.raises(ValueError, match="outside the run"):
        S.transient(model, start.copy(), source, (1979, 1980), class_years=[1985])


@pytest.mark.parametrize("text, field, problem", [
    ("[1, 2]", None, "JSON object"),
    ("{bad json", None, "not valid JSON"),
    ('{"SATDK_5": "x"}', "SATDK_5", "not a number"),
    ('{"NO_SUCH_PARAMETER": 1.0}', "NO_SUCH_PARAMETER", "unknown parameter"),
    ('{"CZIL": 1e9}', "CZIL", "outside the range"),
])
def test_bad_parameter_sets_are_input_errors_naming_file_and_key(tmp_path, text, field, problem):
    from noahperm.core.errors import InputError
    from noahperm.simulation.members import load_parameter_set

    path = tmp_path / "set.json"
    path.write_text(text)
    with pytest.raises(InputError, match=problem) as exc:
        load_parameter_set(path)
    assert str(path) in str(exc.value)
    if field:
        assert field in str(exc.value)


def test_day_of_steps_utc_and_beijing_time():
    t = np.arange(np.datetime64("2000-12-31T12:00"), np.datetime64("2001-01-01T12:00"),
                  np.timedelta64(3, "h"))
    # the step labelled t ends at t + 1.5 h: in UTC the day of 21:00 is its own
    assert S.day_of_steps(t).tolist() == [np.datetime64("2000-12-31", "D")] * 4 + \
        [np.datetime64("2001-01-01", "D")] * 4
    # UTC+8: the states at 16:30 UTC (00:30 local) and later belong to the next day
    bj = S.day_of_steps(t, 8.0)
    assert bj[:1].tolist() == [np.datetime64("2000-12-31", "D")]
    assert (bj[1:] == np.datetime64("2001-01-01", "D")).all()


def test_local_daily_means_join_across_years_and_equal_a_continuous_run(case):
    """Days of UTC+8 straddle the calendar years the engine runs one at a time: their parts
    are joined, incomplete days (first and last of the run) left out, and the result equals
    the means of one continuous run over the local days."""
    cols, zsoil, green, source = case
    model = members(case, [{}])
    t_air = source.data[:, :, L.F_SFCTMP].mean(axis=1)
    start = S.initial_state(cols, zsoil, t_air + 2.0)
    years = (1979, 1980)
    daily = np.array([1, 2])
    res = S.transient(model, start.copy(), source, years, daily_columns=daily,
                      day_offset_hours=8.0)
    utc = S.transient(model, start.copy(), source, years, daily_columns=daily)
    assert np.array_equal(res.annual, utc.annual)
    # reference: one chunk over both years, steps grouped by local day
    sub, st = model.subset(daily), start.take(daily)
    parts = [source.read(daily, y) for y in range(years[0], years[1] + 1)]
    times = np.concatenate([p[0] for p in parts])
    data = np.concatenate([p[1] for p in parts], axis=1)
    f8 = S.with_green_fraction(data, times, sub.green_monthly)
    uday, period = np.unique(S.day_of_steps(times, 8.0), return_inverse=True)
    agg, count = new_aggregates(daily.size, uday.size, zsoil.size)
    S.run_chunk(sub, st, f8, times, period.astype(np.int64), agg, count)
    a = finish_aggregates(agg, count)
    full = count == 8
    assert not full[0] and not full[-1] and full[1:-1].all()  # 1979-01-01 local: 7 steps
    assert np.array_equal(res.daily_times, uday[full])
    assert np.datetime64("1980-01-01") in res.daily_times  # the day across the years
    np.testing.assert_allclose(res.daily_stc, a[:, full, A_TSUM], rtol=1e-13)
    np.testing.assert_allclose(res.daily_sh2o, a[:, full, A_WSUM], rtol=1e-13)

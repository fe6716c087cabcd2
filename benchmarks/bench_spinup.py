"""Plain spin-up against a long plain cycling: years needed, distance left, drift left.

For each set of columns, two plain spin-ups from the same cold start (the engine's
``spinup``, config ``simulation.spinup`` of ``--run-dir``):

* ``long``: ``--long-years`` (500, as the paper) with no early stop;
* ``test``: with the configured equilibrium test (0.01 K and 1 mm per 5-year cycle, two
  cycles in a row) and at most ``--long-years``.

Printed per column: the years the test needs; the largest difference of its state from the
long run's (layer temperature [K], column ice [mm]); and the change of the long run's column
ice over its last ``--window`` cycles [mm] with the rest of its drift if that change decays
geometrically at the ratio ``rho`` of the last two windows (``d rho / (1 - rho)``, printed
where ``0 < rho < 1`` and the change exceeds 0.5 mm, above the cycles' noise): how far the long
run itself is from the fixed point. Then totals: simulated column-years of
the test and of the long run, and the columns within 0.05 K and 1 mm of the long run.

``--offsets``: further long runs from cold starts with other surface offsets
(``simulation.initial_surface_offset_K`` is the first): per column, their column ice, drift over
the last window and the largest difference of their ends from the first's. Columns whose ends
differ from it by more than 0.05 K or 1 mm, or whose long run still drifts by more than 0.5 mm over the last window, have
no single 500-year state to compare with: the cycle map has more than one fixed point there, or
500 years do not reach one. The totals are then given for the other columns ("settled") too.

For the columns whose ends differ by more than 1 mm, the layer whose ice differs most is printed
with each end's total water, ice and temperature at the end of the run (31 December).

``--tol-ice``: the test with these column-ice tolerances [mm per cycle] instead of the
configured one, each printed as years needed and the count within 0.05 K and 1 mm.

``--test-offsets``: the test (first tolerance) also from cold starts with these offsets: years
needed, how many end within 0.05 K and 1 mm of the first long run and of any long run, the
slowest columns, and the years if each column took the better of the starts.

``--history CYCLES`` (instead of all the above): that many cycles of plain cycling from the
cold start, and for some columns (``--history-columns``) each layer's porosity, field capacity
and Clapp-Hornberger b, its total water at chosen cycle ends, its warmest temperature over the
last ``--window`` cycles and the change of its total water over the last four windows; then the
layers that are perennially frozen, short of saturation by more than 0.05 m3 m-3 and no longer
changing: the frozen layers that keep the water they held when they froze.

Column sets: ``constructed`` (four columns on the demo's synthetic weather: cold permafrost,
warm permafrost near 0 degC with ice, seasonal frost, a talik over permafrost) and ``demo``
(the active cells of a demo run's domain and forcing caches, default parameters).

    python benchmarks/bench_spinup.py --run-dir <a demo run, after snakemake> [--sets ...]
        [--offsets 2 6] [--tol-ice 1 0.2 0.1] [--test-offsets -2 0 2]
    python benchmarks/bench_spinup.py --run-dir <a demo run> --history 100
        [--history-columns 'cell 0' 'warm permafrost' ...]

docs/performance.md ("Accelerated spin-up") gives the figures and what they mean for the
accelerated spin-up of issue 10.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import yaml

from noahperm.core.config import check
from noahperm.demo_world.point_site import example_input_text
from noahperm.kernel import layout as L
from noahperm.kernel.driver import A_TMAX
from noahperm.model.columns import ColumnSpec, build_columns
from noahperm.model.tables import load_tables
from noahperm.point.input_file import read_point_input
from noahperm.simulation import engine as S

#: constructed columns: (name, shift of the air temperature [K], TBOT [K])
CONSTRUCTED = (("cold permafrost", -4.0, 268.15), ("warm permafrost", -0.8, 272.65),
               ("seasonal frost", 3.0, 276.15), ("talik", 1.5, 270.15))
#: soil class of every layer of the constructed columns (loam)
LOAM = 7


def ice_mm(smc, sh2o, zsoil) -> np.ndarray:
    """Column ice [mm] of total and liquid water (..., nsoil) [m3 m-3]: summed over the last
    axis."""
    dz = -np.diff(np.concatenate([[0.0], zsoil]))
    return ((smc - sh2o) * dz).sum(axis=-1) * 1000.0


def column_ice_mm(state: S.State, zsoil) -> np.ndarray:
    """(ncol,) column ice [mm]."""
    return ice_mm(state.smc, state.sh2o, zsoil)


def constructed(tmp: Path, kernel: str):
    """(model, forcing source, labels) of the constructed columns, 1979-1983."""
    path = tmp / "site.in"
    path.write_text(example_input_text(years=5, start_year=1979))
    inp = read_point_input(path)
    n = len(CONSTRUCTED)
    data = np.repeat(inp.forcing[None, :, : L.NFORC - 1], n, axis=0).copy()
    for i, (_, shift, _) in enumerate(CONSTRUCTED):
        data[i, :, L.F_SFCTMP] += shift
    specs = [ColumnSpec(vegtyp=7, soiltyp=LOAM, stype=np.full(inp.stype.size, LOAM),
                        shdmin=0.02, shdmax=0.32, tbot=tb) for _, _, tb in CONSTRUCTED]
    labels = [c[0] for c in CONSTRUCTED]
    model = S.Model(build_columns(specs, load_tables()), inp.zsoil,
                    np.repeat(inp.shdfac_monthly[None], n, 0), labels, kernel=kernel)
    return model, S.ArrayForcing(inp.times, data), labels


def demo(run_dir: Path, sim_cfg):
    """(model, forcing source, labels) of a demo run's active cells (default parameters)."""
    from noahperm.core.zarrio import open_complete
    from noahperm.simulation.members import build_members

    domain = open_complete(run_dir / "results/inputs/domain.zarr", product="domain")
    model, cell_ids = build_members(domain, sim_cfg, [{}], None)
    source = S.ZarrForcing(run_dir / "results/inputs/forcing.zarr", cell_ids)
    return model, source, [f"cell {c}" for c in cell_ids]


def spin(model, source, settings, start):
    t0 = time.perf_counter()
    state, table = S.spinup(model, source, settings, start, block_cells=512)
    return state, table, time.perf_counter() - t0


def plain(cycle_years, years):
    """Plain cycling for ``years`` years, no early stop."""
    return S.SpinupSettings(cycle_years, years, years, 1e-12, 1e-12, 1)


def long_run(model, source, cycle_years, years, window_years, offset):
    """The long plain cycling from a cold start: (end state, column ice change [mm] over the
    last window, over the window before it, seconds)."""
    prev2, _, s1 = spin(model, source, plain(cycle_years, years - 2 * window_years),
                        S.ColdSpinup(offset))
    prev, _, s2 = spin(model, source, plain(cycle_years, window_years), S.WarmSpinup(prev2))
    end, _, s3 = spin(model, source, plain(cycle_years, window_years), S.WarmSpinup(prev))
    ice = [column_ice_mm(s, model.zsoil) for s in (prev2, prev, end)]
    return end, ice[2] - ice[1], ice[1] - ice[0], s1 + s2 + s3


def history(model, source, cycle_years, cycles, offset):
    """Plain cycling, cycle by cycle, from the cold start with surface offset ``offset`` [K]:
    (smc, sh2o, stc) at the end of cycles 1..``cycles``, each (cycles, ncol, nsoil)
    [m3 m-3, m3 m-3, K], and each cycle's highest layer temperature tmax (cycles, ncol, nsoil)
    [K] (NaN for cycle 1).

    Cycle 1 is the engine's ``spinup`` (the cold start is its); every later cycle is the
    engine's ``transient`` over the cycle years from the previous cycle's end: the same steps
    as the spin-up's cycles, bit for bit (tests/test_spinup_history.py).
    """
    ny = cycle_years[1] - cycle_years[0] + 1
    state, _, _ = spin(model, source, plain(cycle_years, ny), S.ColdSpinup(offset))
    shape = (cycles, model.ncol, model.zsoil.size)
    smc, sh2o, stc, tmax = (np.full(shape, np.nan) for _ in range(4))
    for c in range(cycles):
        if c:
            res = S.transient(model, state, source, cycle_years)
            tmax[c] = res.annual[:, :, A_TMAX, :].max(axis=1)
        smc[c], sh2o[c], stc[c] = state.smc, state.sh2o, state.stc
    return smc, sh2o, stc, tmax


def history_report(label, k, hist, zsoil, porosity, window, extra=None) -> str:
    """The layers of column ``k`` over the history ``hist`` (of ``history``): total water at
    chosen cycle ends, the warmest temperature of the last ``window`` cycles, and the change of
    total water over the last ``4 * window`` cycles; then the layers that are perennially
    frozen, stationary and short of saturation, with their total water, porosity and liquid
    water at the end [m3 m-3]. ``extra``: {heading: (ncol, nsoil) array}, printed after the
    porosity, one column each (e.g. field capacity and the Clapp-Hornberger b)."""
    smc, sh2o, _, tmax = hist
    n = smc.shape[0]
    extra = extra or {}
    top = np.concatenate([[0.0], zsoil[:-1]])
    show = [c for c in (1, 2, 3, 6, 10, 20, 30, 40, 60, 80) if c < n] + [n]
    last = max(1, n - window)
    warm = np.nanmax(tmax[last:, k], axis=0) - 273.15
    span = min(n - 1, 4 * window)
    change = smc[-1, k] - smc[-1 - span, k]
    head = f"{'layer m':>12s} {'poros.':>6s}" + "".join(f" {h:>6s}" for h in extra)
    lines = [f"\n### {label}: {n} cycles of plain cycling from the cold start",
             f"{head} | total water [m3 m-3] at the end of cycles "
             + " ".join(f"{c:d}" for c in show)
             + f" | warmest, last {n - last} cycles [degC] | change, last {span} cycles"]
    for j in range(zsoil.size):
        more = "".join(f" {v[k, j]:6.3f}" for v in extra.values())
        lines.append(f"{-top[j]:5.2f}-{-zsoil[j]:5.2f} {porosity[k, j]:6.3f}{more} | "
                     + " ".join(f"{smc[c - 1, k, j]:.3f}" for c in show)
                     + f" | {warm[j]:+7.2f} | {change[j]:+.4f}")
    ice = ice_mm(smc[:, k], sh2o[:, k], zsoil)
    lines.append(f"{'column ice mm':>19s} | " + " ".join(f"{ice[c - 1]:.0f}" for c in show))
    dry = (warm < 0.0) & (np.abs(change) < 0.001) & (smc[-1, k] < porosity[k] - 0.05)
    lines.append("perennially frozen, total water changing by less than 0.001 over the last "
                 f"{span} cycles, at least 0.05 below porosity: "
                 + (", ".join(f"{-top[j]:.2f}-{-zsoil[j]:.2f} m ({smc[-1, k, j]:.3f} of "
                              f"{porosity[k, j]:.3f}, liquid {sh2o[-1, k, j]:.3f})"
                              for j in np.flatnonzero(dry))
                    or "none"))
    return "\n".join(lines)


def distance(a: S.State, b: S.State, zsoil):
    """(ncol,) largest layer temperature difference [K] and column ice difference [mm]."""
    return (np.abs(a.stc - b.stc).max(axis=1),
            np.abs(column_ice_mm(a, zsoil) - column_ice_mm(b, zsoil)))


def layer_line(k, states, zsoil) -> str:
    """The layer of column k whose ice differs most between ``states``: its depths, and per
    state its total water [m3 m-3], ice [mm] and temperature at the run's end [degC]."""
    top = np.concatenate([[0.0], zsoil[:-1]])
    ice = np.array([(s.smc[k] - s.sh2o[k]) * (top - zsoil) * 1000.0 for s in states])
    j = int(np.argmax(ice.max(axis=0) - ice.min(axis=0)))
    parts = [f"{s.smc[k, j]:.3f}, {ice[i, j]:.0f} mm, {s.stc[k, j] - 273.15:+.3f} C"
             for i, s in enumerate(states)]
    return (f"{'':16s} layer {-top[j]:.2f}-{-zsoil[j]:.2f} m (water, ice, temperature at the "
            f"end): " + "; ".join(parts))


def print_history(name, labels, model, hist, args, offset, ny, secs) -> None:
    """The ``--history`` report of one column set."""
    ice = ice_mm(hist[0], hist[1], model.zsoil)
    if args.history_columns:
        pick = [labels.index(c) for c in args.history_columns if c in labels]
    else:
        late = np.abs(ice[-1] - ice[min(3, ice.shape[0] - 1)])
        pick = list(np.argsort(-late, kind="stable")[:3])
    print(f"\n## {name}: {args.history} cycles ({args.history * ny} years) of plain cycling "
          f"from the cold start (surface offset {offset:g} K), {len(labels)} columns, "
          f"{secs:.1f} s")
    soilp = model.cols.soilp
    extra = {"fieldc": soilp[:, :, L.SP_REFSMC], "b": soilp[:, :, L.SP_BB]}
    for k in pick:
        print(history_report(labels[k], int(k), hist, model.zsoil, soilp[:, :, L.SP_MAXSMC],
                             args.window, extra))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run-dir", type=Path, default=Path("."),
                    help="a demo run: its config/config.yaml and results/inputs caches")
    ap.add_argument("--sets", nargs="+", choices=["constructed", "demo"],
                    default=["constructed", "demo"])
    ap.add_argument("--long-years", type=int, default=500)
    ap.add_argument("--window", type=int, default=10, help="cycles of the drift windows")
    ap.add_argument("--offsets", type=float, nargs="*", default=[],
                    help="surface offsets [K] of further cold starts of the long run")
    ap.add_argument("--tol-ice", type=float, nargs="*", default=[],
                    help="column-ice tolerances of the test [mm per cycle] (default: config)")
    ap.add_argument("--test-offsets", type=float, nargs="*", default=[],
                    help="surface offsets [K] of further cold starts of the test (first "
                         "tolerance)")
    ap.add_argument("--history", type=int, default=0, metavar="CYCLES",
                    help="instead: this many cycles of plain cycling, the layers of some "
                         "columns cycle by cycle")
    ap.add_argument("--history-columns", nargs="+", default=[], metavar="LABEL",
                    help="columns of --history (labels as printed, e.g. 'cell 0'; default: "
                         "the three whose column ice changes most after cycle 4)")
    args = ap.parse_args(argv)
    cfg = check(yaml.safe_load((args.run_dir / "config/config.yaml").read_text()))
    sim = cfg["simulation"]
    test = S.SpinupSettings.from_config(sim)
    test.max_years = args.long_years
    ny = test.cycle_years[1] - test.cycle_years[0] + 1
    wy = args.window * ny
    offsets = [float(sim["initial_surface_offset_K"])] + list(args.offsets)
    tolerances = args.tol_ice or [test.tol_ice_mm]
    for name in args.sets:
        if args.history:
            with tempfile.TemporaryDirectory() as tmp:
                model, source, labels = (constructed(Path(tmp), sim["kernel"])
                                         if name == "constructed" else demo(args.run_dir, sim))
                t0 = time.perf_counter()
                hist = history(model, source, test.cycle_years, args.history, offsets[0])
                secs = time.perf_counter() - t0
            print_history(name, labels, model, hist, args, offsets[0], ny, secs)
            continue
        with tempfile.TemporaryDirectory() as tmp:
            model, source, labels = (constructed(Path(tmp), sim["kernel"]) if name == "constructed"
                                     else demo(args.run_dir, sim))
            tests = [spin(model, source, replace(test, tol_ice_mm=t), S.ColdSpinup(offsets[0]))
                     for t in tolerances]
            longs = [long_run(model, source, test.cycle_years, args.long_years, wy, off)
                     for off in offsets]
            first = replace(test, tol_ice_mm=tolerances[0])
            others = [spin(model, source, first, S.ColdSpinup(off)) for off in args.test_offsets]
        n = len(labels)
        long, d_last, d_before, _ = longs[0]
        ice_l = column_ice_mm(long, model.zsoil)
        with np.errstate(divide="ignore", invalid="ignore"):
            rho = d_last / d_before
        st_t, tab, _ = tests[0]
        dt, di = distance(st_t, long, model.zsoil)
        print(f"\n## {name}: {n} columns; test {test.tol_temperature_K} K and "
              f"{tolerances[0]} mm per {ny}-year cycle, {test.stable_cycles} cycles in a row; "
              f"long run {args.long_years} years, drift windows of {wy} years")
        print(f"{'column':16s} {'test a':>7s} {'dT K':>7s} {'dI mm':>7s} | long run: "
              f"{'ice mm':>7s} {'last dI':>8s} {'rest':>7s}")
        print(f"{'':16s} {'':7s} {'':7s} {'':7s} | {'':9s} {'':7s} {'(window)':>8s} {'':7s}")
        for k, lab in enumerate(labels):
            rest = (f"{d_last[k] * rho[k] / (1 - rho[k]):7.1f}"
                    if 0 < rho[k] < 1 and abs(d_last[k]) > 0.5 else
                    f"{'-':>7s}")
            print(f"{lab:16s} {tab['years'][k]:6d}{' ' if tab['converged'][k] else '*'} "
                  f"{dt[k]:7.4f} {di[k]:7.2f} | {'':9s} {ice_l[k]:7.0f} {d_last[k]:8.3f} {rest}")
        settled = np.abs(d_last) <= 0.5
        if len(offsets) > 1:
            print(f"\nlong runs from cold starts with surface offsets {offsets} K:")
            print(f"{'column':16s} " + " ".join(f"{'ice@' + format(o, 'g'):>8s}" for o in offsets)
                  + " | " + " ".join(f"{'drift@' + format(o, 'g'):>8s}" for o in offsets)
                  + f" | {'max dT K':>8s} {'max dI mm':>9s}")
            spread_t = np.zeros(n)
            spread_i = np.zeros(n)
            for other, d_other, _, _ in longs[1:]:
                a, b = distance(other, long, model.zsoil)
                spread_t, spread_i = np.maximum(spread_t, a), np.maximum(spread_i, b)
                settled &= np.abs(d_other) <= 0.5
            settled &= (spread_t <= 0.05) & (spread_i <= 1.0)
            ices = [column_ice_mm(lr[0], model.zsoil) for lr in longs]
            for k, lab in enumerate(labels):
                if not settled[k]:
                    print(f"{lab:16s} " + " ".join(f"{i[k]:8.1f}" for i in ices) + " | "
                          + " ".join(f"{lr[1][k]:8.2f}" for lr in longs)
                          + f" | {spread_t[k]:8.4f} {spread_i[k]:9.2f}")
                    if spread_i[k] > 1.0:
                        print(layer_line(k, [lr[0] for lr in longs], model.zsoil))
            print(f"(the other {int(settled.sum())} columns: every end within 0.05 K and 1 mm of the first, "
                  f"drift at most 0.5 mm per window)")
        print(f"long run: {n * args.long_years} column-years per start "
              f"({sum(lr[3] for lr in longs):.1f} s for {len(offsets)} starts); {int(settled.sum())}"
              f"/{n} columns settled (drift at most 0.5 mm per window"
              f"{', every end within 0.05 K and 1 mm of the first' if len(offsets) > 1 else ''})")
        for tol, (st_t, tab, secs) in zip(tolerances, tests, strict=True):
            dt, di = distance(st_t, long, model.zsoil)
            ok = (dt <= 0.05) & (di <= 1.0)
            yrs = tab["years"]
            print(f"test {tol:g} mm: {int(yrs.sum())} column-years ({secs:.1f} s), "
                  f"{int(tab['converged'].sum())}/{n} converged, years median "
                  f"{np.median(yrs):.0f}, max {yrs.max()}; ratio "
                  f"{n * args.long_years / yrs.sum():.1f}x; within 0.05 K and 1 mm of the long "
                  f"run: {int(ok.sum())}/{n} (largest {dt.max():.4f} K, {di.max():.2f} mm); "
                  f"settled columns: {int(ok[settled].sum())}/{int(settled.sum())} within, "
                  f"ratio {int(settled.sum()) * args.long_years / max(1, yrs[settled].sum()):.1f}x")
        if others:
            ends = [lr[0] for lr in longs]
            best = tests[0][1]["years"].copy()
            for off, (st_o, tab_o, _) in zip(args.test_offsets, others, strict=True):
                near = [distance(st_o, e, model.zsoil) for e in ends]
                ok_first = (near[0][0] <= 0.05) & (near[0][1] <= 1.0)
                ok_any = np.any([(a <= 0.05) & (b <= 1.0) for a, b in near], axis=0)
                yrs = tab_o["years"]
                best = np.minimum(best, yrs)
                slow = np.argsort(-yrs, kind="stable")[:6]
                print(f"test {tolerances[0]:g} mm from offset {off:g} K: {int(yrs.sum())} "
                      f"column-years; within the long run from {offsets[0]:g} K: "
                      f"{int(ok_first.sum())}/{n}, within one of the long runs: "
                      f"{int(ok_any.sum())}/{n}; slowest: "
                      + ", ".join(f"{labels[c]} {yrs[c]}" for c in slow))
            print(f"the better start for each column: {int(best.sum())} column-years, "
                  f"{tests[0][1]['years'].sum() / best.sum():.2f}x fewer than from "
                  f"{offsets[0]:g} K alone")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The default equilibrium test ends where the paper's 500-year plain cycling ends.

The paper spins up with 500 years of 1979-1983 (section 2.3); the paper's config
(config/paper.yaml) stops each column earlier, with the equilibrium test of
``simulation.spinup`` and the schema's default tolerances. On the constructed columns of
``benchmarks/bench_spinup.py`` that have one settled 500-year state (cold permafrost, warm
permafrost near 0 degC with ice, seasonal frost; not the talik, which still drifts after 500
years), the test must stop within 0.05 K in every layer and 1 mm of column ice of that state
(issue 10's criterion). With the former default, 1 mm per cycle, the warm permafrost column
stopped 1.03 mm away. The fast kernel build runs them (the point is the spin-up, not the
arithmetic); docs/performance.md ("The test against 500 years") gives the demo's figures.
"""

from __future__ import annotations

import numpy as np
import pytest

import benchmark_module
from noahperm.simulation import engine as S

SETTLED = ("cold permafrost", "warm permafrost", "seasonal frost")


@pytest.fixture(scope="module")
def columns(tmp_path_factory):
    bench = benchmark_module.load("bench_spinup")
    model, source, labels = bench.constructed(tmp_path_factory.mktemp("spinup"), "fast")
    keep = np.array([labels.index(name) for name in SETTLED])
    return bench, model.subset(keep), S.ArrayForcing(source.times, source.data[keep])


def test_default_test_ends_within_tolerance_of_500_years(columns):
    bench, model, source = columns
    test = S.SpinupSettings.from_config({})
    assert test.tol_ice_mm == 0.2
    cold = S.ColdSpinup(4.0)
    stopped, table = S.spinup(model, source, test, cold, block_cells=512)
    long, _ = S.spinup(model, source, bench.plain(test.cycle_years, 500), cold, block_cells=512)
    d_t, d_ice = bench.distance(stopped, long, model.zsoil)
    years = table["years"]
    print(f"years {years.tolist()} of 500; largest dT {d_t.tolist()} K, dice {d_ice.tolist()} mm")
    assert table["converged"].all()
    assert (years <= 200).all()
    assert (d_t <= 0.05).all(), d_t
    assert (d_ice <= 1.0).all(), d_ice

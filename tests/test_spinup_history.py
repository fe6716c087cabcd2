"""``bench_spinup.py --history``: plain cycling cycle by cycle, and its report.

The history is what docs/performance.md ("What is slow") reads the slow processes of the
spin-up from, so it must be the spin-up's own path: its cycles after the first run through the
engine's ``transient``, and must end bit for bit where ``spinup`` ends after as many years.
"""

from __future__ import annotations

import numpy as np
import pytest

import benchmark_module
from noahperm.simulation import engine as S


@pytest.fixture(scope="module")
def bench():
    return benchmark_module.load("bench_spinup")


def test_history_is_the_spinup_path(bench, tmp_path):
    model, source, labels = bench.constructed(tmp_path, "fast")
    keep = np.array([labels.index("warm permafrost"), labels.index("talik")])
    model, source = model.subset(keep), S.ArrayForcing(source.times, source.data[keep])
    cycles = (1979, 1983)
    smc, sh2o, stc, tmax = bench.history(model, source, cycles, 3, 4.0)
    for c, years in ((0, 5), (2, 15)):
        ref, _ = S.spinup(model, source, bench.plain(cycles, years), S.ColdSpinup(4.0),
                          block_cells=512)
        np.testing.assert_array_equal(smc[c], ref.smc)
        np.testing.assert_array_equal(sh2o[c], ref.sh2o)
        np.testing.assert_array_equal(stc[c], ref.stc)
    assert np.isnan(tmax[0]).all()
    # the warmest temperature of a cycle is at least the temperature at its end
    assert (tmax[1:] >= stc[1:]).all()


def test_history_report_finds_frozen_stationary_unsaturated_layers(bench):
    """A hand-made history of one column, three layers, 12 cycles (window 2, so the change is
    taken over the last 8 cycles): layer 0 thaws every summer, layer 1 is frozen and
    stationary at 0.10 of porosity 0.30, layer 2 frozen but still filling (0.02 in 8 cycles)."""
    n = 12
    zsoil = np.array([-0.5, -1.0, -2.0])
    smc = np.zeros((n, 1, 3))
    smc[:, 0, 0] = 0.25
    smc[:, 0, 1] = 0.10
    smc[:, 0, 2] = 0.20 + 0.0025 * np.arange(n)
    sh2o = smc * 0.1
    stc = np.full((n, 1, 3), 270.0)
    tmax = np.full((n, 1, 3), 272.0)
    tmax[:, 0, 0] = 280.0
    tmax[0] = np.nan
    porosity = np.array([[0.30, 0.30, 0.30]])
    text = bench.history_report("col", 0, (smc, sh2o, stc, tmax), zsoil, porosity, window=2,
                                extra={"b": np.array([[4.0, 5.0, 6.0]])})
    last = text.splitlines()[-1]
    assert "last 8 cycles" in last
    assert "0.50-1.00 m (0.100 of 0.300, liquid 0.010)" in last
    assert "0.00-0.50" not in last and "1.00-2.00" not in last
    # the rows: warmest of the last 2 cycles and the change over the last 8
    assert " 0.50- 1.00  0.300  5.000 | 0.100" in text
    assert "-1.15 | +0.0000" in text and "+6.85 | +0.0000" in text and "+0.0200" in text

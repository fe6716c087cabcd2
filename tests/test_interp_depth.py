"""``stage.interp_depth``: the sites' daily profiles interpolated to a probe's depth for all
days at once, bit for bit what ``np.interp`` gives day by day (inside, at nodes, outside)."""

from __future__ import annotations

import numpy as np

from noahperm.simulation.stage import interp_depth


def test_interp_depth_is_np_interp_bit_for_bit():
    rng = np.random.default_rng(1)
    depth = np.cumsum(rng.uniform(0.02, 2.0, 18))
    prof = rng.normal(size=(200, 18)) * 10.0 + 270.0
    xs = [*rng.uniform(-0.5, depth[-1] + 1.0, 100), *depth, 0.0, depth[-1] + 5.0]
    for x in xs:
        ref = np.array([np.interp(x, depth, p) for p in prof])
        assert np.array_equal(interp_depth(x, depth, prof), ref), x


def test_interp_depth_by_hand():
    depth = np.array([0.5, 1.5, 3.0])
    prof = np.array([[1.0, 3.0, 6.0], [0.0, -2.0, -2.0]])
    assert np.array_equal(interp_depth(1.0, depth, prof), [2.0, -1.0])
    assert np.array_equal(interp_depth(0.1, depth, prof), [1.0, 0.0])    # above the first node
    assert np.array_equal(interp_depth(9.0, depth, prof), [6.0, -2.0])   # below the last
    assert np.array_equal(interp_depth(1.5, depth, prof), [3.0, -2.0])   # at a node

"""``noahperm.core.cost``: the kernel time and a job's wall-time limit, by hand."""

from __future__ import annotations

import pytest

from noahperm.core import cost


def test_kernel_seconds_by_hand():
    # 1000 column-years x 2920 steps x 4.53 us on 2 cores = 6.6138 s
    assert cost.kernel_seconds(1000, 2, "reference") == pytest.approx(1000 * 2920 * 4.53e-6 / 2)
    assert cost.kernel_seconds(1000, 1, "fast") < cost.kernel_seconds(1000, 1, "reference")


def test_runtime_minutes_floor_and_safety():
    assert cost.runtime_minutes(1.0) == cost.FLOOR_MIN             # seconds of work: the floor
    # 25,000 cells x 500 years on 8 threads: 20,669 s of kernel, x3 = 1034 min (rounded up)
    assert cost.runtime_minutes(25_000 * 500, 8) == 1034
    assert cost.runtime_minutes(25_000 * 500, 8, floor=2000) == 2000


def test_box_cells():
    assert cost.box_cells({"lon_min": 90.1, "lon_max": 90.9, "lat_min": 33.0,
                           "lat_max": 33.6}) == 48

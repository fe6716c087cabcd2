"""What a run costs: the measured speed of the kernel, and the wall-time limit a job asks for.

One source for the figures that the rules' ``runtime`` resources (workflow/rules/common.smk,
``runtime_*``; a cluster executor turns them into the job's time limit, e.g. SLURM's
``--time``) and the scale projection (``benchmarks/scale_projection.py``, docs/scale.md) rest on.

- :data:`STEPS_PER_YEAR`: 3-hourly model steps in a year (CMFD's time step, 10800 s).
- :data:`US_PER_COLUMN_STEP`: microseconds per column-step of one core, per kernel build,
  measured side by side with the Fortran on this machine class (docs/performance.md: the tgl
  case, quiet machine, ``benchmarks/bench_kernel.py``): reference 4.53, fast 3.54.
- :data:`PLATEAU_CELLS`: land cells of the Qinghai-Tibet Plateau on the 0.1 degree grid (about
  25,000, paper section 2.1), the domain's size when a config does not bound it.

A job's limit is ``max(floor, safety * kernel time)``, with the kernel time
``column_years * STEPS_PER_YEAR * us * 1e-6 / threads`` and a safety factor for I/O, a slower
or shared node and the compilation of a cold cache (:func:`runtime_minutes`). Standard library
only: the workflow imports it while it is parsed.
"""

from __future__ import annotations

import math

#: 3-hourly model steps per year [a-1].
STEPS_PER_YEAR = 2920
#: One core's time per column-step [us], by kernel build (docs/performance.md).
US_PER_COLUMN_STEP = {"reference": 4.53, "fast": 3.54}
#: Land cells of the plateau at 0.1 degree [-] (the paper's domain).
PLATEAU_CELLS = 25_000
#: One core's time to read, regrid and write one cell-year of forcing [s] (the demo's
#: prepare_forcing: 80 cells x 40 years in 13-16 s, docs/performance.md).
SECONDS_PER_CELL_YEAR_INPUTS = 0.005
#: Safety factor of a job's time limit over its kernel time [-].
SAFETY = 3.0
#: Least time limit of any job [min].
FLOOR_MIN = 10


def kernel_seconds(column_years: float, threads: int = 1, build: str = "reference") -> float:
    """Kernel wall time [s] of ``column_years`` on ``threads`` cores."""
    return (column_years * STEPS_PER_YEAR * US_PER_COLUMN_STEP[build] * 1e-6
            / max(1, int(threads)))


def runtime_minutes(column_years: float, threads: int = 1, build: str = "reference",
                    floor: int = FLOOR_MIN) -> int:
    """A job's wall-time limit [min]: ``max(floor, SAFETY x kernel time)``, rounded up."""
    return max(int(floor), math.ceil(SAFETY * kernel_seconds(column_years, threads, build) / 60))


def box_cells(bbox: dict, res: float = 0.1) -> int:
    """Cells of a lon/lat box [deg] on a grid of ``res`` degrees (an upper bound of its land
    cells)."""
    nlon = round((float(bbox["lon_max"]) - float(bbox["lon_min"])) / res)
    nlat = round((float(bbox["lat_max"]) - float(bbox["lat_min"])) / res)
    return max(1, nlon * nlat)

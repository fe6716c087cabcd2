"""Cached access to the Fortran reference cases (``shared/reference``) for the kernel tests.

Each case is unpacked once into ``<repo>/.cache/refdata`` and parsed once per test session;
the free run of our kernel over the whole case is also computed once and shared.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

import refdata
from noahperm.point.input_file import PointInput, read_point_input
from noahperm.point.run import PointResult, run_point

CACHE = Path(__file__).resolve().parents[1] / ".cache" / "refdata"
CASES = ("tgl", "sfg")


@dataclass
class Case:
    name: str
    dir: Path
    inp: PointInput
    dump: refdata.StateDump  # state_hp.txt: full state after every step of the first 2 years
    out: refdata.DriverOutput  # output_O2.txt: the primary reference, 5 years


@cache
def case(name: str) -> Case:
    d = refdata.unpack_case(name, cache_dir=CACHE)
    return Case(name, d, read_point_input(d / "forcing_main.in"),
                refdata.read_state_hp(d / "state_hp.txt"), refdata.read_output(d / "output_O2.txt"))


@cache
def free_run(name: str, mode: str = "reference") -> PointResult:
    return run_point(case(name).inp, mode=mode)


def monthly_means(times: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Calendar-month means of x (nstep, ...) over the months of ``times``."""
    months = times.astype("datetime64[M]")
    return np.array([x[months == m].mean(axis=0) for m in np.unique(months)])


def annual_sums(times: np.ndarray, x: np.ndarray) -> np.ndarray:
    years = times.astype("datetime64[Y]")
    return np.array([x[years == y].sum(axis=0) for y in np.unique(years)])

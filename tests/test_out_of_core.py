"""Out-of-core result stages (issue 14, item 4): a run by tiny blocks of cells on two dask
threads gives the products of a run in one block, and the benchmark runs and prints.

The stores are the benchmark's synthetic ones (``benchmarks/bench_out_of_core.py``: smooth
seeded profiles with permafrost, seasonally frozen and unfrozen cells), small.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import benchmark_module
from noahperm.core.zarrio import open_complete

NCELL, NYEAR = 23, 8
ONE = 10_000  # cells per block: all in one
TINY = 3      # cells per block: eight blocks, the last one short


def _bench():
    return benchmark_module.load("bench_out_of_core")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The synthetic annual.zarr, diagnosed in one block (the reference) and three members
    made from it, with observations at some cells."""
    from noahperm.diagnostics.stage import diagnose

    b = _bench()
    work = tmp_path_factory.mktemp("ooc")
    b.write_domain(work / "domain.zarr", NCELL)
    b.write_annual(work / "annual.zarr", NCELL, NYEAR, block=5)
    out = work / "diagnose"
    diagnose(work / "annual.zarr", work / "domain.zarr", out / "permafrost.zarr",
             out / "area.csv", out / "regional_means.csv", block_cells=ONE)
    b.write_members(work, 3, 4)
    b.write_observed(work / "observed.csv", NCELL, NYEAR, nsite=8)
    return work, b


def _same_store(a, b):
    a, b = open_complete(a).load(), open_complete(b).load()
    assert sorted(a.variables) == sorted(b.variables)
    for v in a.variables:
        assert a[v].dtype == b[v].dtype, v
        assert np.array_equal(a[v].values, b[v].values,
                              equal_nan=a[v].dtype.kind == "f"), v
        assert a[v].attrs == b[v].attrs, v


def test_the_synthetic_run_has_every_class(run):
    work, b = run
    cls = open_complete(work / "diagnose/permafrost.zarr")["class"].values
    assert {1, 2} <= set(np.unique(cls[:, 1:])) and (cls[:, 0] == -1).all()
    assert (open_complete(work / "annual.zarr")["depth"].values > 0).all()
    for m in b.member_dirs(work):
        pf = open_complete(m / "permafrost.zarr")
        assert (pf["lat"].values > 0).all() and (pf["area"].values > 0).all()
        assert np.isfinite(pf["GT10m"].values).mean() > 0.5
    enc = xr.open_zarr(work / "annual.zarr")["TMIN"].encoding
    assert enc["chunks"][1:] == (NYEAR, 18)  # by cell: every year and layer in a chunk


def test_diagnose_by_tiny_blocks_equals_one_block(run, tmp_path):
    from noahperm.diagnostics.stage import diagnose

    work, _ = run
    diagnose(work / "annual.zarr", work / "domain.zarr", tmp_path / "permafrost.zarr",
             tmp_path / "area.csv", tmp_path / "regional_means.csv", block_cells=TINY,
             threads=2)
    _same_store(work / "diagnose/permafrost.zarr", tmp_path / "permafrost.zarr")
    assert open_complete(tmp_path / "permafrost.zarr")["ALT"].encoding["chunks"] == (TINY, NYEAR)
    for f in ("area.csv", "regional_means.csv"):
        a, b = pd.read_csv(work / "diagnose" / f), pd.read_csv(tmp_path / f)
        assert list(a.columns) == list(b.columns) and len(a) == NYEAR
        # sums over blocks: the same to round-off (the order of the additions differs)
        np.testing.assert_allclose(b.to_numpy(float), a.to_numpy(float), rtol=1e-12,
                                   atol=0, equal_nan=True)
    means = pd.read_csv(tmp_path / "regional_means.csv")
    assert np.isfinite(means["ALT_m"].iloc[1:]).all() and (means["n_permafrost"] > 0).any()


def test_trends_and_validation_by_tiny_blocks_equal_one_block(run, tmp_path):
    from noahperm.trends.stage import run_trends
    from noahperm.validation.stage import run_validate

    work, b = run
    dirs = b.member_dirs(work)
    for tag, chunk, threads in (("one", ONE, 1), ("tiny", TINY, 2)):
        run_trends("E", [d / "area.csv" for d in dirs], [d / "regional_means.csv" for d in dirs],
                   [d / "permafrost.zarr" for d in dirs], tmp_path / tag / "trends",
                   periods={"P": (1980, YEARS_LAST)}, min_years=3, chunk_cells=chunk,
                   threads=threads)
        run_validate(work / "observed.csv",
                     {"E": [d / "permafrost.zarr" for d in dirs],
                      "F": [dirs[0] / "permafrost.zarr"]},
                     tmp_path / tag / "validation", min_rate_years=3, chunk_cells=chunk,
                     threads=threads)
    _same_store(tmp_path / "one/trends/trend_maps.zarr", tmp_path / "tiny/trends/trend_maps.zarr")
    maps = open_complete(tmp_path / "tiny/trends/trend_maps.zarr")
    assert np.isfinite(maps["GT10m_slope"].values).sum() > NCELL // 2
    assert maps["GT10m_slope"].encoding["chunks"] == (1, NCELL)  # a map is one chunk
    for f in ("trends/series.csv", "trends/trends.csv", "validation/metrics.csv",
              "validation/ranking.csv", "validation/pairs.csv"):
        a = (tmp_path / "one" / f).read_text()
        assert a == (tmp_path / "tiny" / f).read_text(), f
    pairs = pd.read_csv(tmp_path / "one/validation/pairs.csv")
    assert len(pairs) > 0 and set(pairs["experiment"]) == {"E", "F"}


YEARS_LAST = 1979 + NYEAR - 1


def test_the_benchmark_runs_and_prints(capsys):
    b = _bench()
    assert b.main(["--cells", "40", "--years", "5", "--members", "2", "--threads", "1",
                   "--chunk-cells", "16"]) == 0
    out = capsys.readouterr().out
    assert "bytes per cell-year" in out
    for stage in ("diagnose", "trends", "ensemble_summary", "validate"):
        line = next(x for x in out.splitlines() if x.split(":")[0].strip() == stage)
        assert "peak RSS" in line and "MB" in line
        rss = float(line.split("peak RSS")[1].split("MB")[0])
        assert 20 < rss < 2048  # a real process's resident memory, in MB


def test_an_annual_store_without_tmin_is_refused(run, tmp_path):
    from noahperm.core.errors import InputError
    from noahperm.core.zarrio import atomic_zarr
    from noahperm.diagnostics.stage import diagnose

    work, _ = run
    ds = open_complete(work / "annual.zarr").drop_vars("TMIN")
    for v in ds.variables.values():
        v.encoding = {}
    with atomic_zarr(tmp_path / "annual.zarr", product="annual", fsync=False) as t:
        ds.to_zarr(t, mode="w", consolidated=False)
    with pytest.raises(InputError, match="TMIN"):
        diagnose(tmp_path / "annual.zarr", work / "domain.zarr", tmp_path / "pf.zarr",
                 tmp_path / "a.csv", tmp_path / "m.csv")
    assert not (tmp_path / "pf.zarr").exists()

"""benchmarks/scale_projection.py on the paper's configuration, with a given kernel speed and
given result-stage measurements (no measurement here: quick)."""

from __future__ import annotations

import json

import pytest

import benchmark_module

STAGES = [{"stage": "diagnose", "cells": 1000, "years": 40, "members": 13, "threads": 2,
           "seconds": 2.0, "peak_rss_MB": 300.0},
          {"stage": "trends", "cells": 1000, "years": 40, "members": 13, "threads": 2,
           "seconds": 4.0, "peak_rss_MB": 250.0},
          {"stage": "validate", "cells": 1000, "years": 40, "members": 13, "threads": 2,
           "seconds": 3.0, "peak_rss_MB": 200.0}]


@pytest.fixture(scope="module")
def proj():
    return benchmark_module.load("scale_projection")


def test_the_projection_prints_the_papers_table(proj, tmp_path, capsys):
    js = tmp_path / "stages.json"
    js.write_text("some output\n" + json.dumps(STAGES) + "\n")
    assert proj.main(["--kernel-us", "4.5", "--stages-json", str(js), "--json"]) == 0
    out = capsys.readouterr().out
    rows = {r["stage"]: r for r in json.loads(out.strip().splitlines()[-1])}
    assert "10 nodes x 32 cores" in out and "total" in out
    members = 1 + 3 * 13  # CaliFree and the three ensembles
    sim = rows["simulate (1979-2018)"]
    assert sim["jobs"] == members
    assert sim["column_steps"][0] == members * 25_000 * 40 * 2920
    assert sim["core_hours"][0] == pytest.approx(sim["column_steps"][0] * 4.5e-6 / 3600)
    spin = rows["spinup (cold, per member)"]
    assert spin["column_steps"] == [members * 25_000 * y * 2920 for y in (10, 500)]
    assert rows["sensitivity_chunk"]["jobs"] == 271
    assert rows["sensitivity_chunk"]["column_steps"][1] == 27_100 * 3 * (500 + 32) * 2920
    assert rows["calibrate CaliMAP"]["column_steps"][0] == 500 * 13_000 * 4 * 2920
    # the result stages scale the measurement: diagnose 2 s x 2 threads per 1000 cells
    d = rows["diagnose"]
    assert d["core_hours"][0] == pytest.approx(2.0 * 2 * 25 * members / 3600)
    assert d["peak_MB"] == 300.0
    # storage: annual.zarr of every member dominates the simulate row
    assert sim["storage_GB"] == pytest.approx(members * (25_000 * 40 * 935 + 26e6
                                                         + 25_000 * 62 * 8) / 1e9)
    # one node: the 271 chunk jobs run in 9 waves of 32 instead of one wave on 320 cores
    assert proj.main(["--kernel-us", "4.5", "--stages-json", str(js), "--nodes", "1",
                      "--json"]) == 0
    one = {r["stage"]: r for r in json.loads(capsys.readouterr().out.strip().splitlines()[-1])}
    chunk = rows["sensitivity_chunk"]
    assert chunk["wall_h"][1] == pytest.approx(chunk["core_hours"][1] / 271)
    assert one["sensitivity_chunk"]["wall_h"][1] == pytest.approx(chunk["core_hours"][1] / 32)

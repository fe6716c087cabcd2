"""The default demo (config/config.yaml) end to end, and what its CaliFree run must show.

Runs the whole default DAG through Snakemake in a temporary directory (about 2.5 minutes on
2 cores, plus about 2 for the sensitivity stage): the demo inputs, the twin truth, spin-up,
1979-2018 run, diagnostics, figure and tables, and the sensitivity analysis. Then: the permafrost area shrinks over 1980-2018 with the warming; the north-west's
late-1990s cooling shows as a colder north-west and a shallower north-west active layer than
in the years around it; the 2010 map's area is in the figure's table; the truth's 2010 extent
differs from the default model's.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from noahperm.figures.permafrost_area import sen_slope

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    wd = tmp_path_factory.mktemp("demo_dag")
    res = subprocess.run([sys.executable, "-m", "snakemake", "--snakefile",
                          str(REPO / "Snakefile"), "--directory", str(wd), "--configfile",
                          str(REPO / "config/config.yaml"), "--cores", "2"],
                         capture_output=True, text=True, timeout=1800)
    assert res.returncode == 0, (res.stdout + res.stderr)[-6000:]
    return wd


def test_permafrost_area_shrinks(demo):
    df = pd.read_csv(demo / "results/tables/CaliFree_default_permafrost_area.csv")
    a = df["permafrost_area_km2"].to_numpy()
    assert df["year"].iloc[0] == 1980 and df["year"].iloc[-1] == 2018
    assert a[-1] < a[0]
    assert sen_slope(a) < 0
    # the warming: MAAT rises
    assert sen_slope(df["maat_degC"].to_numpy()) > 0.02


def test_northwest_late_1990s_cooling_is_visible(demo):
    df = pd.read_csv(demo / "results/tables/CaliFree_default_permafrost_area.csv").set_index("year")
    for col in ("nw_maat_degC", "nw_alt_m"):
        cool = df.loc[1997:2000, col].mean()
        around = pd.concat([df.loc[1991:1994, col], df.loc[2001:2004, col]]).mean()
        assert cool < around, col
    # the north-west cools relative to the domain, the domain as a whole does not
    rel = df["nw_maat_degC"] - df["maat_degC"]
    assert rel.loc[1997:2000].mean() < rel.loc[[*range(1991, 1995), *range(2001, 2005)]].mean() - 0.2


def test_map_value_and_truth_differ_from_default(demo):
    df = pd.read_csv(demo / "results/tables/CaliFree_default_permafrost_area.csv")
    map2010 = df.loc[df["year"] == 2010, "map2010_permafrost_area_km2"].iloc[0]
    model2010 = df.loc[df["year"] == 2010, "permafrost_area_km2"].iloc[0]
    assert np.isfinite(map2010) and map2010 > 0
    assert abs(map2010 - model2010) / model2010 > 0.1
    truth = json.loads((demo / "resources/demo/truth/true_parameters.json").read_text())
    assert truth and "TBOT" in truth
    assert (demo / "results/figures/CaliFree_default_permafrost_area.png").stat().st_size > 50_000

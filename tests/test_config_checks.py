"""The workflow config is refused in full before any job starts (docs/reliability.md).

Unit level: :func:`noahperm.core.config.check` on bad configs (each problem named by its key
path and a reason) and :func:`noahperm.core.config.read_members` on bad members tables. End to
end: ``snakemake -n`` on a bad config exits non-zero with those lines, no traceback, and
nothing built.
"""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from noahperm.core.config import (
    ConfigError,
    check,
    cross_key_problems,
    read_members,
    schema,
    with_defaults,
)
from noahperm.core.errors import InputError

REPO = Path(__file__).resolve().parents[1]
BASE = yaml.safe_load((REPO / "config/config.yaml").read_text())


def problems_of(config) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as info:
        check(config)
    return info.value.problems


def changed(*edits):
    """config/config.yaml with ``(dotted.key, value)`` edits (value ``...`` deletes the key)."""
    c = copy.deepcopy(BASE)
    for key, value in edits:
        *parents, last = key.split(".")
        d = c
        for p in parents:
            d = d.setdefault(p, {})
        if value is ...:
            del d[last]
        else:
            d[last] = value
    return c


# (edits, expected key path, words of the reason)
BAD = {
    "unknown top-level key": (
        [("simulaton", {"years": [1979, 2018]})], "simulaton", ["unknown key", "'simulation'"]),
    "experiment for experiments": (
        [("experiment", "CaliTGL")], "experiment", ["unknown key", "members table"]),
    "misspelled key in a section": (
        [("domain.lai_sparse_treshold", 0.3)], "domain.lai_sparse_treshold",
        ["unknown key", "'lai_sparse_threshold'"]),
    "misspelled key in a nested section": (
        [("simulation.spinup.max_yeras", 50)], "simulation.spinup.max_yeras", ["unknown key"]),
    "unknown key in the truth": (
        [("truth.noise.sd", 0.2)], "truth.noise.sd", ["unknown key", "'sd_K'"]),
    "unknown demo knob": (
        [("demo.climate.lapse_rate", -6.5)], "demo.climate.lapse_rate", ["unknown key"]),
    "max_years below min_years": (
        [("simulation.spinup.min_years", 20), ("simulation.spinup.max_years", 2)],
        "simulation.spinup.min_years", ["20", "more than max_years 2"]),
    "simulation.years reversed": (
        [("simulation.years", [2018, 1979])], "simulation.years", ["[2018, 1979]", "reversed"]),
    "cycle_years reversed": (
        [("simulation.spinup.cycle_years", [1983, 1979])], "simulation.spinup.cycle_years",
        ["reversed"]),
    "cycle_years outside the forcing": (
        [("simulation.spinup.cycle_years", [1975, 1979])], "simulation.spinup.cycle_years",
        ["1975-1979", "not inside forcing.years 1979-2018"]),
    "simulation.years outside the forcing": (
        [("simulation.years", [1979, 2020])], "simulation.years",
        ["1979-2020", "not inside forcing.years 1979-2018"]),
    "forcing.years reversed": (
        [("forcing.years", [2018, 1979])], "forcing.years", ["reversed"]),
    "forcing.years outside demo.years": (
        [("demo.years", [1979, 2000]), ("forcing.years", [1979, 2001]),
         ("simulation.years", [1979, 2001]), ("truth.map_year", 2000)],
        "forcing.years", ["not inside demo.years 1979-2000"]),
    "demo.years reversed": (
        [("demo.years", [2018, 1979])], "demo.years", ["reversed"]),
    "map_year after the simulated years": (
        [("truth.map_year", 2030)], "truth.map_year", ["2030", "simulated", "1979-2018"]),
    "map_year is the first simulated year": (
        [("truth.map_year", 1979)], "truth.map_year", ["year before must be simulated"]),
    "map_year of a default truth outside short years": (
        [("truth.map_year", ...), ("forcing.years", [1979, 1984]),
         ("simulation.years", [1979, 1984])], "truth.map_year", ["2010"]),
    "layer thickness zero": (
        [("domain.layer_thickness_m", [0.1] * 5 + [0.0] + [1.0] * 12)],
        "domain.layer_thickness_m[5]", ["0.0", "must be > 0"]),
    "layer thickness negative": (
        [("domain.layer_thickness_m", [-0.1] + [1.0] * 17)],
        "domain.layer_thickness_m[0]", ["must be > 0"]),
    "17 layers": (
        [("domain.layer_thickness_m", [1.0] * 17)], "domain.layer_thickness_m",
        ["17 thicknesses", "18 soil layers"]),
    "tbot offset interval reversed": (
        [("truth.parameters.tbot_offset_K", [-0.8, -1.5])], "truth.parameters.tbot_offset_K",
        ["reversed"]),
    "borehole years reversed": (
        [("truth.network.borehole_years", [2018, 2004])], "truth.network.borehole_years",
        ["reversed"]),
    "outage days reversed": (
        [("truth.gaps.outage_days", [20, 2])], "truth.gaps.outage_days", ["reversed"]),
    "bbox empty": (
        [("domain.bbox", {"lon_min": 91.0, "lon_max": 90.0, "lat_min": 33.0, "lat_max": 34.0})],
        "domain.bbox.lon_max", ["not east of lon_min"]),
    "year given as text": (
        [("simulation.years", ["1979", 2018])], "simulation.years[0]", ["expected an integer"]),
    "one year only": (
        [("forcing.years", [1979])], "forcing.years", ["expected [first, last]"]),
    "domain missing": (
        [("domain", ...)], "domain.vegetation_classes", ["required key missing"]),
    "utc offset out of range": (
        [("observations.active_layer_utc_offset_hours", 20)],
        "observations.active_layer_utc_offset_hours", ["20", "<= 14"]),
    "truth agreement out of range": (
        [("truth.map.agreement", 1.5)], "truth.map.agreement", ["must be <= 1"]),
    "an experiment's run-in below one year": (
        [("calibration.experiments.CaliMAP.run_in_years", 0)],
        "calibration.experiments.CaliMAP.run_in_years", ["0", ">= 1"]),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_config_is_refused_with_key_path_and_reason(case):
    edits, key, words = BAD[case]
    problems = problems_of(changed(*edits))
    reasons = [r for k, r in problems if k == key]
    assert reasons, problems
    assert all(w in reasons[0] for w in words), reasons
    assert f"config {key}: " in str(ConfigError(problems))


def test_every_problem_is_reported_at_once():
    c = changed(("simulaton", {}), ("simulation.years", [2018, 1979]),
                ("simulation.spinup.min_years", 30), ("simulation.spinup.max_years", 10),
                ("domain.lai_sparse_treshold", 1.0), ("domain.layer_thickness_m", [1.0] * 17))
    keys = [k for k, _ in problems_of(c)]
    assert {"simulaton", "simulation.years", "simulation.spinup.min_years",
            "domain.lai_sparse_treshold", "domain.layer_thickness_m"} <= set(keys), keys


def test_good_configs_pass_and_get_the_defaults():
    filled = check(BASE)
    assert filled["simulation"]["spinup"]["tol_ice_mm"] == 1.0
    assert filled["truth"]["noise"]["decimals"] == 2
    # the demo's truth is not read without the demo: its map year is not checked then
    c = changed(("demo", {"enabled": False}), ("truth.map_year", 2030))
    assert check(c)["truth"]["map_year"] == 2030
    assert cross_key_problems(with_defaults(BASE)) == []


def test_config_error_is_an_input_error_and_pickles():
    err = ConfigError([("simulation.years", "reversed")])
    assert isinstance(err, InputError)
    assert str(err) == "config simulation.years: reversed"
    again = pickle.loads(pickle.dumps(err))
    assert again.problems == err.problems and str(again) == str(err)


def _objects(node, path="config"):
    if isinstance(node, dict):
        if node.get("type") == "object":
            yield path, node
        for key, sub in node.get("properties", {}).items():
            yield from _objects(sub, f"{path}.{key}")
        if isinstance(node.get("items"), dict):
            yield from _objects(node["items"], f"{path}[]")


#: Maps whose keys are the user's names (parameters, periods, experiments): their values are
#: checked by the schema of additionalProperties instead.
NAMED_MAPS = ("override", "trends.periods", "validation.exclude_sites")


def test_every_object_of_the_schema_refuses_unknown_keys():
    for path, node in _objects(schema()):
        extra = node.get("additionalProperties")
        named = (path == "config.calibration.experiments" and isinstance(extra, dict)
                 and extra.get("additionalProperties") is False)  # experiments by name
        assert extra is False or named or (path.endswith(NAMED_MAPS)
                                           and isinstance(extra, dict)), path


def test_trend_periods_and_exclusions_are_checked():
    good = check({**copy.deepcopy(BASE), "trends": {"periods": {"early": [1980, 1990]}},
                  "validation": {"exclude_sites": {"CaliX": ["QT01"]}}})
    assert good["trends"]["periods"] == {"early": [1980, 1990]}
    assert good["trends"]["confidence"] == 0.95
    for bad, key in ((({"trends": {"periods": {"CR1": [1997, 1980]}}}), "trends.periods.CR1"),
                     (({"trends": {"periods": {"CR1": [1980]}}}), "trends.periods.CR1"),
                     (({"validation": {"exclude_sites": {"CaliTGL": "TGL"}}}),
                      "validation.exclude_sites.CaliTGL"),
                     (({"validation": {"min_coverage": 1.5}}), "validation.min_coverage")):
        with pytest.raises(ConfigError) as exc:
            check({**copy.deepcopy(BASE), **bad})
        assert any(k == key for k, _ in exc.value.problems), exc.value.problems


def test_schema_agrees_with_the_generator_truth_and_domain():
    from noahperm.demo_world.generator.settings import DEFAULTS as DEMO
    from noahperm.demo_world.truth.settings import DEFAULTS as TRUTH
    from noahperm.inputs.domain import NLAYER

    demo = schema()["properties"]["demo"]["properties"]
    assert set(demo) == set(DEMO)
    for section in ("grid", "terrain", "climate"):
        assert set(demo[section]["properties"]) == set(DEMO[section]), section
    for key, sub in demo.items():
        if "default" in sub:
            assert sub["default"] == DEMO[key], key
    assert TRUTH == with_defaults({}, "truth")
    layers = schema()["properties"]["domain"]["properties"]["layer_thickness_m"]
    assert layers["minItems"] == layers["maxItems"] == NLAYER == len(layers["default"])


# ------------------------------------------------------------------------- members table
HEADER = "experiment\tmember\tparameters\n"


@pytest.mark.parametrize("rows, words", [
    ("CaliFree\tdefault\t\nCaliTGL\tbest\tparams/tgl.json\n",
     ["members (", ":4)", "member CaliTGL/best", "parameter file", "does not exist"]),
    ("CaliFree\tdefault\t\nCaliFree\tdefault\t\n", ["CaliFree/default is listed twice"]),
    ("Cali TGL\tbest\t\n", ["experiment", "does not match"]),
    ("CaliFree\tdefault\n", ["2 tab-separated fields, expected 3"]),
])
def test_bad_members_table_is_refused(tmp_path, rows, words):
    table = tmp_path / "members.tsv"
    table.write_text("# a comment\n" + HEADER + rows)
    with pytest.raises(ConfigError) as info:
        read_members(table)
    assert all(w in str(info.value) for w in words), str(info.value)


def test_members_table_rows(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p/tgl.json").write_text("{}")
    table = tmp_path / "members.tsv"
    table.write_text(HEADER + "CaliFree\tdefault\t\nCaliTGL\tbest\tp/tgl.json  # best of 10\n")
    with pytest.raises(ConfigError):  # trailing blanks are part of the name: refused
        read_members(table)
    table.write_text(HEADER + "CaliFree\tdefault\t\nCaliTGL\tbest\tp/tgl.json# best of 10\n")
    rows = read_members(table)
    assert rows == [{"experiment": "CaliFree", "member": "default", "parameters": ""},
                    {"experiment": "CaliTGL", "member": "best",
                     "parameters": str(tmp_path / "p/tgl.json")}]
    with pytest.raises(ConfigError, match="header"):
        table.write_text("experiment\tparameters\nCaliFree\t\n")
        read_members(table)
    assert read_members(REPO / "config/members.tsv")[0]["experiment"] == "CaliFree"


# ------------------------------------------------------------------ end to end (dry run)
def dry_run(tmp_path: Path, config: dict) -> tuple[int, str]:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(yaml.safe_dump(config))
    wd = tmp_path / "wd"
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
           "--directory", str(wd), "--configfile", str(cfg), "--cores", "1", "-n"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    out = res.stdout + res.stderr
    assert "Traceback" not in out and "Building DAG" not in out, out[-3000:]
    assert not (wd / "results").exists() and not (wd / "resources").exists()
    return res.returncode, out


def test_snakemake_refuses_unknown_keys_and_reversed_years(tmp_path):
    rc, out = dry_run(tmp_path, changed(("simulaton", {}), ("simulation.years", [2018, 1979])))
    assert rc != 0
    assert "config simulaton: unknown key (did you mean 'simulation'?)" in out
    assert "config simulation.years: [2018, 1979] is reversed" in out


def test_snakemake_refuses_max_years_below_min_years(tmp_path):
    rc, out = dry_run(tmp_path, changed(("simulation.spinup.min_years", 20),
                                        ("simulation.spinup.max_years", 2)))
    assert rc != 0 and "config simulation.spinup.min_years: 20 is more than max_years 2" in out


def test_snakemake_refuses_a_member_without_its_parameter_file(tmp_path):
    table = tmp_path / "members.tsv"
    table.write_text(HEADER + "CaliFree\tdefault\t\nCaliTGL\tbest\tparams/tgl.json\n")
    rc, out = dry_run(tmp_path, changed(("members", str(table))))
    assert rc != 0
    assert f"config members ({table}:3): member CaliTGL/best: parameter file" in out
    assert "does not exist" in out


def test_snakemake_refuses_bad_demo_knobs_and_layers(tmp_path):
    # the generator's own check (demo_settings), run before any job too
    rc, out = dry_run(tmp_path, changed(("demo.fine_res", 0.03)))
    assert rc != 0 and "config demo.fine_res: grid.res / fine_res = 3.33333 is not" in out
    rc, out = dry_run(tmp_path, changed(("domain.layer_thickness_m", [1.0] * 17)))
    assert rc != 0 and "config domain.layer_thickness_m: 17 thicknesses given" in out


def test_snakemake_refuses_a_target_of_an_unlisted_member(tmp_path):
    """A target of a member the table does not list is refused while the DAG is built, naming
    the table and its members (not pandas' KeyError)."""
    cfg = tmp_path / "ok.yaml"
    cfg.write_text(yaml.safe_dump(changed()))
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
           "--directory", str(tmp_path / "wd"), "--configfile", str(cfg), "--cores", "1", "-n",
           "results/Foo/default/annual.zarr"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    out = res.stdout + res.stderr
    assert res.returncode != 0
    assert "Foo/default is not a member of the members table" in out, out[-3000:]
    assert "CaliFree/default" in out and "KeyError" not in out
    assert not (tmp_path / "wd/results").exists()


def test_calibration_windows_are_checked_before_any_job():
    def exps(**e):
        return {**copy.deepcopy(BASE), "calibration": {"experiments": e}}

    good = check(exps(X={"objective": "nse", "site": "TGL", "calibration": ["2007-04-01",
                                                                            "2009-12-31"],
                         "validation": ["2010-01-01", "2010-12-31"]},
                      M={"objective": "kappa", "map_year": 2010}))
    assert set(good["calibration"]["experiments"]) == {"X", "M"}
    cases = [
        (exps(X={"objective": "nse", "site": "T", "calibration": ["2009-12-31", "2007-04-01"],
                 "validation": ["2010-01-01", "2010-12-31"]}),
         "calibration.experiments.X.calibration"),
        (exps(X={"objective": "nse", "site": "T", "calibration": ["2007-02-30", "2009-12-31"],
                 "validation": ["2010-01-01", "2010-12-31"]}),
         "calibration.experiments.X.calibration"),
        (exps(X={"objective": "nse", "site": "T", "calibration": ["2007-04-01", "2009-12-31"],
                 "validation": ["2019-01-01", "2019-12-31"]}),
         "calibration.experiments.X.validation"),
        (exps(X={"objective": "nse", "calibration": ["2007-04-01", "2009-12-31"],
                 "validation": ["2010-01-01", "2010-12-31"]}), "calibration.experiments.X.site"),
        (exps(M={"objective": "kappa", "map_year": 2030}), "calibration.experiments.M.map_year"),
        (exps(M={"objective": "kappa"}), "calibration.experiments.M.map_year"),
    ]
    for cfg, key in cases:
        with pytest.raises(ConfigError) as exc:
            check(cfg)
        assert any(k == key for k, _ in exc.value.problems), exc.value.problems


def test_config_json_of_every_sub_command_is_checked():
    from noahperm.core.config import config_json
    from noahperm.core.errors import InputError

    assert config_json('{"a": 1}') == {"a": 1}
    for bad, why in (("{", "not valid JSON"), ("[1]", "must be a JSON object")):
        with pytest.raises(InputError, match=why) as exc:
            config_json(bad, "--config-json")
        assert "--config-json" in str(exc.value)


def test_a_results_stage_refuses_bad_config_json_in_one_line(tmp_path, capsys):
    from noahperm.cli import main

    rc = main(["observed_variables", "--observations", str(tmp_path / "obs.nc"),
               "--out", str(tmp_path / "o.csv"), "--config-json", "{"])
    assert rc == 2
    assert "not valid JSON" in capsys.readouterr().err

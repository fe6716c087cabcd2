"""The inputs stage of the workflow, end to end through Snakemake on tiny configs.

Runs ``python -m snakemake`` in a temporary working directory with the repository's Snakefile:
the demo generator on 3 x 2 cells and 2 years, then the caches; a rerun must do nothing. A
second run points the workflow at raw inputs written by the tests (the real-data route).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

import rawinputs
from noahperm.core.zarrio import is_complete, open_complete
from noahperm.inputs.maps import MAPS

REPO = Path(__file__).resolve().parents[1]


INPUT_PRODUCTS = ("results/inputs/forcing.zarr", "results/inputs/domain.zarr",
                  "results/inputs/obs/observations.nc")


def snakemake(workdir: Path, configfile: Path, *args: str) -> str:
    """Run the workflow; without targets, the inputs stage's products (the later stages have
    their own end-to-end test, tests/test_workflow_demo.py)."""
    targets = [a for a in args if not a.startswith("-")] or list(INPUT_PRODUCTS)
    flags = [a for a in args if a.startswith("-")]
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
           "--directory", str(workdir), "--configfile", str(configfile), "--cores", "2",
           *flags, *targets]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-4000:]
    return out


def tiny_config(tmp_path: Path, **changes) -> Path:
    c = yaml.safe_load((REPO / "config/config.yaml").read_text())
    c.update(raw_dir="raw", results_dir="results")
    c["demo"]["years"] = [2000, 2001]
    c["demo"]["grid"].update(nlon=3, nlat=2)
    c["domain"].pop("bbox", None)  # the tiny grid is the domain (the demo's box lies outside it)
    c["forcing"].update(years=[2000, 2001], chunk_cells=4)
    # the observations of the demo come from the twin truth: a 2-year truth of this world
    c["simulation"].update(years=[2000, 2001])
    c["simulation"]["spinup"].update(cycle_years=[2000, 2001], max_years=2, min_years=2)
    c["truth"].update(map_year=2001, truth_dir="truth")
    c["truth"]["network"].update(active_layer_sites=2, boreholes=2, borehole_years=[2000, 2001])
    # no calibration in this 2-year world: its windows (2007-2018) would be refused
    c.setdefault("calibration", {})["experiments"] = {}
    for key, val in changes.items():
        c[key] = val
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(c))
    return path


def check_products(results: Path, ncell: int, observations: bool = True) -> None:
    dom = open_complete(results / "inputs/domain.zarr", product="domain")
    assert dom.sizes == {"cell": ncell, "layer": 18}
    for name, var in dom.variables.items():
        assert var.attrs.get("units") and var.attrs.get("long_name"), name
    np.testing.assert_allclose(dom["tbot"], 291.029 - 0.00406 * dom["elevation"].values)
    active = dom["active"].values
    assert not (active & (dom["glacier"].values | dom["lake"].values)).any()
    assert (dom["soil_class"].values[active] >= 1).all()
    assert (dom["vegetation"].values[active] >= 1).all()
    f = open_complete(results / "inputs/forcing.zarr", product="forcing")
    assert f.sizes == {"cell": int(active.sum()), "time": (366 + 365) * 8}
    np.testing.assert_array_equal(f["cell"], dom["cell"].values[active])
    units = {"SFCTMP": "K", "Q2": "kg kg-1", "SFCPRS": "Pa", "SFCSPD": "m s-1",
             "SOLDN": "W m-2", "LWDN": "W m-2", "PRCP": "kg m-2 s-1"}
    for name, u in units.items():
        assert f[name].attrs["units"] == u and f[name].attrs["long_name"]
        assert f[name].dtype == np.float32
    t = f["SFCTMP"].values
    assert 200 < t.min() and t.max() < 320  # kelvin, not degC
    assert f["PRCP"].values.max() < 0.05  # kg m-2 s-1, not mm/h
    assert (results / "inputs/obs/observations.nc").is_file() == observations


def test_demo_inputs_end_to_end_and_rerun_does_nothing(tmp_path):
    cfg = tiny_config(tmp_path)
    out = snakemake(tmp_path, cfg)
    for rule in ("make_demo_inputs", "prepare_domain", "prepare_forcing", "prepare_observations"):
        assert re.search(rf"rule {rule}:", out), rule
    assert (tmp_path / "raw/demo_manifest.json").is_file()
    check_products(tmp_path / "results", ncell=6)
    for stage, rule in (("demo_world", "make_demo_inputs"), ("inputs", "prepare_domain"),
                        ("inputs", "prepare_forcing")):
        assert (tmp_path / f"logs/{stage}/{rule}.log").is_file()
        assert (tmp_path / f"benchmarks/out/{stage}/{rule}.tsv").is_file()
    assert "Nothing to be done" in snakemake(tmp_path, cfg)
    # only the forcing cache asked for: already there
    assert "Nothing to be done" in snakemake(tmp_path, cfg, "results/inputs/forcing.zarr")


def test_real_data_route(tmp_path):
    raw = rawinputs.write_raw(tmp_path / "raw", years=(2000, 2001))
    cfg = tiny_config(tmp_path, demo={"enabled": False})
    c = yaml.safe_load(cfg.read_text())
    c["domain"]["vegetation_classes"] = rawinputs.config(raw, "x")["domain"][
        "vegetation_classes"]
    cfg.write_text(yaml.safe_dump(c))
    out = snakemake(tmp_path, cfg, "results/inputs/forcing.zarr")
    assert "make_demo_inputs" not in out
    check_products(tmp_path / "results", ncell=6, observations=False)
    assert is_complete(tmp_path / "results/inputs/forcing.zarr")
    before = open_complete(tmp_path / "results/inputs/forcing.zarr")["SFCTMP"].values

    # a raw file edited in place: the forcing cache is rebuilt from it, the domain is not
    # (its grid comes from January's temperature file only)
    import netCDF4

    with netCDF4.Dataset(raw / "forcing/temp_CMFD_V0106_B-01_03hr_010deg_200006.nc", "a") as nc:
        nc["temp"][:] = nc["temp"][:] + 1.0
    jobs = re.findall(r"rule (\w+):", snakemake(tmp_path, cfg, "-n", "results/inputs/forcing.zarr"))
    assert "prepare_forcing" in jobs and "prepare_domain" not in jobs, jobs
    snakemake(tmp_path, cfg, "results/inputs/forcing.zarr")
    after = open_complete(tmp_path / "results/inputs/forcing.zarr")["SFCTMP"].values
    f = open_complete(tmp_path / "results/inputs/forcing.zarr")
    june = (f["time"].values >= np.datetime64("2000-06-01")) & (
        f["time"].values < np.datetime64("2000-07-01"))
    np.testing.assert_allclose(after[:, june] - before[:, june], 1.0, atol=1e-4)
    np.testing.assert_array_equal(after[:, ~june], before[:, ~june])


def test_bad_input_fails_the_rule_and_leaves_no_store(tmp_path):
    raw = rawinputs.write_raw(tmp_path / "raw", years=(2000, 2001))
    (raw / "forcing/prec_CMFD_V0106_B-01_03hr_010deg_200107.nc").unlink()
    cfg = tiny_config(tmp_path, demo={"enabled": False})
    c = yaml.safe_load(cfg.read_text())
    c["domain"]["vegetation_classes"] = [{"code": 2, "usgs": 7}, {"code": 7, "usgs": 19}]
    cfg.write_text(yaml.safe_dump(c))
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
           "--directory", str(tmp_path), "--configfile", str(cfg), "--cores", "1",
           "results/inputs/forcing.zarr"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert res.returncode != 0
    # every raw file is an input of its own: the missing one is named before any job starts
    out = res.stdout + res.stderr
    assert "Missing input files" in out, out[-3000:]
    assert "prec_CMFD_V0106_B-01_03hr_010deg_200107.nc" in out
    assert not (tmp_path / "results").exists()
    # (the stage itself names it as clearly outside the workflow: tests/test_forcing_cache.py)


def test_lint_is_clean():
    res = subprocess.run([sys.executable, "-m", "snakemake", "--lint"], cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and "Congratulations" in res.stdout + res.stderr, \
        (res.stdout + res.stderr)[-3000:]


def test_raw_layout_has_one_source():
    """The raw-data file names live in noahperm.core.layout only: the readers' map table
    agrees with it and no rule file spells a raw file name of its own."""
    from noahperm.core import layout

    assert {spec.relpath for name, spec in MAPS.items() if name != "permafrost"} == \
        set(layout.DOMAIN_MAPS)
    assert MAPS["permafrost"].relpath == layout.PERMAFROST_MAP
    for smk in [REPO / "Snakefile", *(REPO / "workflow/rules").glob("*.smk")]:
        text = smk.read_text()
        for suffix in (".tif", ".xlsx", "observations/", "demo_manifest"):
            assert suffix not in text, f"{smk.name} names a raw file ({suffix})"


@pytest.mark.parametrize("path", ["config/config.yaml", "profiles/default/config.yaml"])
def test_every_config_key_is_commented(path):
    lines = (REPO / path).read_text().splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^(\s*)([A-Za-z_][\w-]*):", line)
        if not m:
            continue
        prev = lines[i - 1] if i else ""
        indent = len(m.group(1))
        parent_commented = "#" in prev and len(prev) - len(prev.lstrip()) < indent
        commented = "#" in line or prev.strip().startswith("#") or parent_commented
        assert commented, f"{path}:{i + 1}: key {m.group(2)!r} has no comment"


def test_every_rule_declares_threads_memory_log_and_benchmark():
    """Rules ready for a cluster: each declares threads, mem_mb, a log and a benchmark file,
    and calls `noahperm <its own name>`."""
    rules = {}
    for smk in (REPO / "workflow/rules").glob("*.smk"):
        for m in re.finditer(r"^([ \t]*)rule (\w+):\n((?:\1[ \t]+.*\n|[ \t]*\n)*)", smk.read_text(),
                             flags=re.M):
            rules[m.group(2)] = m.group(3)
    assert len(rules) >= 10, sorted(rules)
    for name, body in rules.items():
        for key in ("threads:", "mem_mb=", "log:", "benchmark:"):
            assert key in body, f"rule {name} has no {key}"
        assert f"{{params.cmd}} {name} " in body, f"rule {name} does not run `noahperm {name}`"


def test_console_shows_the_failing_tools_own_message(tmp_path):
    """The default profile (profiles/default, found beside the Snakefile from any directory)
    shows a failed job's log, whose last line is the tool's one-line error: the user sees
    the cause on the console, not only "check log file(s)"."""
    raw = rawinputs.write_raw(tmp_path / "raw", years=(2000, 2000))
    bad = raw / "forcing/prec_CMFD_V0106_B-01_03hr_010deg_200003.nc"
    bad.write_bytes(bad.read_bytes()[:2000])  # truncated
    cfg = tiny_config(tmp_path, demo={"enabled": False})
    c = yaml.safe_load(cfg.read_text())
    c["domain"]["vegetation_classes"] = [{"code": 2, "usgs": 7}, {"code": 7, "usgs": 19}]
    c["forcing"]["years"] = c["simulation"]["years"] = [2000, 2000]
    c["simulation"]["spinup"]["cycle_years"] = [2000, 2000]
    c["truth"]["map_year"] = 2000
    cfg.write_text(yaml.safe_dump(c))
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
           "--directory", str(tmp_path), "--configfile", str(cfg), "--cores", "1",
           "results/inputs/forcing.zarr"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    out = res.stdout + res.stderr
    assert res.returncode != 0
    assert "Using workflow specific profile" in out
    assert ("noahperm prepare_forcing: error: raw/forcing/prec_CMFD_V0106_B-01_03hr_010deg_"
            "200003.nc: cannot open NetCDF file") in out, out[-3000:]
    assert not (tmp_path / "results/inputs/forcing.zarr").exists()

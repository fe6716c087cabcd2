"""The whole demo DAG end to end through Snakemake on a tiny configuration.

3 x 3 cells, 1979-1984: demo inputs, the twin truth (2010 map and observation network are
outside these years, so the truth writes what falls inside), spin-up, transient, diagnostics,
figure and tables of CaliFree. Checks: products with units and long names; a rerun does
nothing; a changed science setting reruns only what depends on it; killing the workflow during
the spin-up or the transient run and starting it again gives the same results as an
uninterrupted run, and no partial store is ever complete.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from noahperm.core.errors import InputError
from noahperm.core.zarrio import is_complete, open_complete

REPO = Path(__file__).resolve().parents[1]
MEMBER = "results/CaliFree/default"
TARGETS = (f"{MEMBER}/permafrost.zarr", "results/figures/CaliFree_default_permafrost_area.png",
           f"{MEMBER}/area.csv",
           # the trends and validation stages on CaliFree (docs/results.md)
           "results/tables/table3.csv", "results/validation/metrics.csv",
           "results/figures/fig6_validation_ranking.png",
           "results/figures/fig7_CaliFree_validation_scatter.png")


def tiny_config(path: Path, **sim) -> Path:
    c = yaml.safe_load((REPO / "config/config.yaml").read_text())
    c.update(raw_dir="raw", results_dir="results")
    c["demo"]["years"] = [1979, 1984]
    c["demo"]["grid"].update(nlon=3, nlat=3)
    c["domain"].pop("bbox", None)  # the tiny grid is the domain (the demo's box lies outside it)
    c["forcing"].update(years=[1979, 1984], chunk_cells=4)
    c["simulation"].update(years=[1979, 1984], block_cells=4)
    c["simulation"]["spinup"].update(cycle_years=[1979, 1980], max_years=8, min_years=2)
    c["simulation"].update(sim)
    c["figures"]["northwest"] = {"lon_max": 90.15, "lat_min": 33.15}
    c.setdefault("calibration", {})["experiments"] = {}  # tests/test_calibration_workflow.py
    truth = c.setdefault("truth", {})
    truth["truth_dir"] = "truth"
    truth["map_year"] = 1984  # the "2010" map of this short world
    truth.setdefault("network", {}).update(borehole_years=[1981, 1984])
    truth.setdefault("network", {}).update(active_layer_sites=3, boreholes=3)
    # the sensitivity stage at its smallest (tests/test_workflow_sensitivity.py)
    c["sensitivity"].update(stars=2, delta_h=0.5, chunk_samples=16, years=[1983, 1984],
                            bootstrap_size=10)
    c["sensitivity"]["spinup"].update(min_years=2, max_years=4)
    path.write_text(yaml.safe_dump(c))
    return path


def cmd(workdir: Path, configfile: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
            "--directory", str(workdir), "--configfile", str(configfile), "--cores", "2",
            *args]


def run(workdir, configfile, *args) -> str:
    res = subprocess.run(cmd(workdir, configfile, *args), capture_output=True, text=True,
                         timeout=900)
    out = res.stdout + res.stderr
    assert res.returncode == 0, out[-6000:]
    return out


def jobs_of(out: str) -> set[str]:
    """Rule names of the jobs a (dry) run lists."""
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit() and parts[0] not in ("total", "job"):
            names.add(parts[0])
    return names


def annual(workdir):
    ds = open_complete(workdir / MEMBER / "annual.zarr", product="annual")
    return {k: ds[k].values for k in ("TMIN", "TMAX", "TMEAN", "IMEAN")}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted run of the tiny demo (the default target: every product)."""
    wd = tmp_path_factory.mktemp("demo_ref")
    cfg = tiny_config(wd / "tiny.yaml")
    run(wd, cfg)
    return wd, cfg


def test_products(reference):
    wd, _ = reference
    pf = open_complete(wd / MEMBER / "permafrost.zarr", product="permafrost")
    for name, var in pf.variables.items():
        assert var.attrs.get("units") and var.attrs.get("long_name"), name
    assert set(pf["class"].values.ravel()) <= {-1, 0, 1, 2}
    assert (pf["class"].values[:, 0] == -1).all()  # no class in the first year
    for store in ("spinup/state.zarr", "annual.zarr", "sites.zarr", "state.zarr"):
        assert is_complete(wd / MEMBER / store), store
    # checkpoints are removed once a stage's products are complete (the truth's too)
    assert not list((wd / MEMBER).rglob("*.npz"))
    assert not list((wd / "truth").rglob("*.npz"))
    assert (wd / "results/figures/CaliFree_default_permafrost_area.png").stat().st_size > 20_000
    assert (wd / "truth/true_parameters.json").is_file()
    assert (wd / "raw/permafrost/permafrost_2010_1km.tif").is_file()
    for rule in ("spinup", "simulate", "diagnose"):
        assert (wd / f"logs/CaliFree/default/{rule}.log").is_file()
        assert (wd / f"benchmarks/out/CaliFree/default/{rule}.tsv").is_file()


def test_trends_and_validation_products(reference):
    """The trends and validation stages run on CaliFree (one member: no CI) of the tiny demo."""
    import pandas as pd

    wd, _ = reference
    series = pd.read_csv(wd / "results/trends/CaliFree/series.csv")
    assert series["n"].max() == 1 and series["ci"].isna().all()  # n: members with a value
    assert {"permafrost_area_km2", "MAAT_degC", "ALT_m"} <= set(series["variable"])
    trends = pd.read_csv(wd / "results/trends/CaliFree/trends.csv")
    assert set(trends["period"]) == {"CR1", "CR2", "CR"}
    cr1 = trends[(trends.variable == "MAAT_degC") & (trends.period == "CR1")].iloc[0]
    assert cr1["n_years"] == 5  # 1980-1984 of the tiny run
    maps = open_complete(wd / "results/trends/CaliFree/trend_maps.zarr", product="trend_maps")
    assert maps["ALT_slope"].attrs["units"] == "m (10 a)-1"
    tab = pd.read_csv(wd / "results/tables/table3.csv")
    assert set(tab["experiment"]) == {"CaliFree"}
    assert "| permafrost area [1e3 km2] | CaliFree | CR1 |" in \
        (wd / "results/tables/table3.md").read_text()
    metrics = pd.read_csv(wd / "results/validation/metrics.csv")
    assert list(metrics.columns) == ["experiment", "variable", "scale", "site", "n", "rmse",
                                     "mbe"]
    assert set(metrics["experiment"]) <= {"CaliFree"}
    observed = pd.read_csv(wd / "results/validation/observed.csv")
    assert len(observed) and set(observed["cell_status"]) <= {"ok", "masked", "outside"}
    assert pd.read_csv(wd / "results/validation/ranking.csv").columns[-1] == "rank"
    for fig in ("fig6_validation_ranking.png", "fig7_CaliFree_validation_scatter.png"):
        assert (wd / "results/figures" / fig).stat().st_size > 10_000, fig
    for name in ("trends/CaliFree", "trends/table3", "validation/validate",
                 "validation/observed_variables"):
        assert (wd / f"logs/{name}.log").is_file() and \
            (wd / f"benchmarks/out/{name}.tsv").is_file(), name


def test_rerun_does_nothing_and_settings_rerun_only_dependants(reference, tmp_path):
    wd, cfg = reference
    assert "Nothing to be done" in run(wd, cfg, *TARGETS)
    changed = tiny_config(tmp_path / "changed.yaml", snow_albedo=0.7)
    jobs = jobs_of(run(wd, changed, "-n", *TARGETS))
    assert {"spinup", "simulate", "diagnose"} <= jobs
    assert not jobs & {"make_demo_inputs", "prepare_domain", "prepare_forcing"}, jobs


def test_default_run_checks_every_product(reference, tmp_path):
    """"Nothing to be done" means every documented product exists: the default target names
    them all, so one that is missing (e.g. after a failed --forcerun) is rebuilt."""
    wd, cfg = reference
    assert "Nothing to be done" in run(wd, cfg, "-n")  # the default target: rule all
    for store, rule in (("sites.zarr", "simulate"), ("state.zarr", "simulate"),
                        ("spinup/convergence.csv", "spinup")):
        hidden = tmp_path / "hidden"
        (wd / MEMBER / store).rename(hidden)
        try:
            assert rule in jobs_of(run(wd, cfg, "-n")), store
        finally:
            hidden.rename(wd / MEMBER / store)


def test_an_edit_of_a_stages_code_reruns_that_stage(reference, tmp_path):
    """Each rule passes its stage's code version (noahperm.core.provenance) as a parameter: an
    edit of the kernel reruns the simulations, the truth and what follows, not the inputs."""
    wd, cfg = reference
    src = tmp_path / "src"
    shutil.copytree(REPO / "src", src, ignore=shutil.ignore_patterns("__pycache__"))
    snow = src / "noahperm/kernel/snow.py"
    snow.write_text(snow.read_text() + "\n# an edit\n")
    env = {**os.environ, "PYTHONPATH": str(src)}
    res = subprocess.run(cmd(wd, cfg, "-n", *TARGETS), capture_output=True, text=True,
                         timeout=300, env=env)
    assert res.returncode == 0, (res.stdout + res.stderr)[-3000:]
    jobs = jobs_of(res.stdout + res.stderr)
    assert {"make_truth", "spinup", "simulate", "diagnose"} <= jobs, jobs
    assert not jobs & {"make_demo_inputs", "prepare_domain", "prepare_forcing"}, jobs
    assert "Nothing to be done" in run(wd, cfg, *TARGETS)  # the code as it is: up to date


def kill_when(proc, paths, timeout=900) -> None:
    """SIGKILL the workflow's process group as soon as one of ``paths`` (a path or a list)
    exists."""
    paths = [paths] if isinstance(paths, Path) else list(paths)
    t0 = time.time()
    while not any(p.exists() for p in paths):
        if proc.poll() is not None:
            raise AssertionError(f"the workflow ended before one of {paths} appeared")
        if time.time() - t0 > timeout:
            raise AssertionError(f"none of {paths} appeared")
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


@pytest.mark.parametrize("stage,marker", [
    ("spinup", "spinup/checkpoints/spinup_block00000_progress.npz"),
    ("simulate", "checkpoints/transient_1980.npz"),
])
def test_killed_and_restarted_gives_the_same_results(reference, tmp_path, stage, marker):
    ref_wd, _ = reference
    wd = tmp_path / "wd"
    wd.mkdir()
    # the inputs and the truth of the reference run, so that only the simulation runs here
    for d in ("raw", "truth", "results/inputs"):
        shutil.copytree(ref_wd / d, wd / d, symlinks=True)
    cfg = tiny_config(wd / "tiny.yaml")
    proc = subprocess.Popen(cmd(wd, cfg, *TARGETS), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    kill_when(proc, wd / MEMBER / marker)
    # nothing of the killed stage is complete
    out_store = wd / MEMBER / ("spinup/state.zarr" if stage == "spinup" else "annual.zarr")
    assert not is_complete(out_store)
    with pytest.raises(InputError):
        open_complete(out_store)
    run(wd, cfg, "--unlock")
    run(wd, cfg, "--rerun-incomplete", *TARGETS)
    a, b = annual(ref_wd), annual(wd)
    for k in a:
        assert np.array_equal(a[k], b[k], equal_nan=True), k


def test_killed_truth_resumes_to_the_same_truth(reference, tmp_path):
    """The demo truth is resumable too: killed during its transient and started again, it
    writes the same truth (annual aggregates, borehole file) and leaves no checkpoint."""
    ref_wd, _ = reference
    wd = tmp_path / "wd"
    wd.mkdir()
    shutil.copytree(ref_wd / "raw", wd / "raw", symlinks=True)
    shutil.copytree(ref_wd / "results/inputs", wd / "results/inputs", symlinks=True)
    for name in ("permafrost", "observations"):  # the truth's outputs: made again here
        shutil.rmtree(wd / "raw" / name)
    cfg = tiny_config(wd / "tiny.yaml")
    target = "truth/truth_summary.json"
    proc = subprocess.Popen(cmd(wd, cfg, target), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    kill_when(proc, wd / "truth/checkpoints/transient_1980.npz")
    run(wd, cfg, "--unlock")
    log = run(wd, cfg, "--rerun-incomplete", target)
    assert "make_truth" in log
    assert "resumed from its checkpoint" in (wd / "logs/demo_world/make_truth.log").read_text()
    a = open_complete(ref_wd / "truth/annual.zarr", product="annual")
    b = open_complete(wd / "truth/annual.zarr", product="annual")
    for k in ("TMIN", "TMAX", "TMEAN", "IMEAN"):
        assert np.array_equal(a[k].values, b[k].values, equal_nan=True), k
    rel = "raw/observations/boreholes.csv"
    assert (ref_wd / rel).read_bytes() == (wd / rel).read_bytes()
    assert not list((wd / "truth").rglob("*.npz"))


#: The tables of the tiny run the report must list (with the figures: every PNG it made).
REPORT_TABLES = ("results/tables/table3.csv", "results/tables/table3.md",
                 "results/validation/metrics.csv", "results/validation/ranking.csv",
                 "results/sensitivity/ranking.csv")


def _browser():
    """Headless Chromium: installed with apt-get when missing (root); on CI a failure to
    install fails the test, elsewhere it skips it."""
    import report_check

    try:
        return report_check.install()
    except (RuntimeError, subprocess.CalledProcessError) as err:
        if os.environ.get("CI"):
            pytest.fail(f"chromium is needed to render the report on CI: {err}")
        pytest.skip(f"chromium not available: {err}")


def test_report_lists_every_figure_and_table_and_renders(reference, tmp_path):
    """`snakemake --report` on the finished run: one self-contained HTML file listing every
    figure (each PNG under results/figures) and the tables, by stage, each caption naming the
    configuration; rendered in headless Chromium it is not blank, and a figure's view shows
    the figure (Figure 4 and Figure 9 opened as a click opens them)."""
    import report_check

    wd, cfg = reference
    report = tmp_path / "report.html"
    run(wd, cfg, "--report", str(report))
    html = report.read_text()
    # self-contained: no script, style sheet or image fetched from elsewhere
    assert not re.search(r'<(script|link|img)\b[^>]*\b(src|href)="(https?:)?//', html)
    results = report_check.report_results(html)
    figures = sorted(str(p.relative_to(wd)) for p in (wd / "results/figures").glob("*.png"))
    assert "results/figures/fig9_CaliFree_trends.png" in figures
    missing = [f for f in [*figures, *REPORT_TABLES] if f not in results]
    assert not missing, f"not in the report: {missing} (it lists {sorted(results)})"
    for path, entry in results.items():
        assert entry["data_uri"].startswith("data:"), path  # embedded, not linked
        caption = entry["caption"]
        assert "demo.enabled: true" in caption and "1979-1984" in caption, (path, caption)
    assert "simulated years 1979-1984" in html  # the front page (workflow/report/workflow.rst)
    categories = report_check.report_categories(html)
    assert {"Trends", "Validation", "Sensitivity", "Permafrost change"} <= set(categories)

    browser = _browser()
    front = report_check.screenshot(browser, report, tmp_path / "report.png")
    stats = report_check.image_stats(front)
    assert stats["std"] > 10 and stats["non_white"] > 0.03, stats  # not blank
    # a figure's view, as a click on its button opens it: the image is shown (in the DOM
    # the app built, and as pixels: Figure 4's coloured ranks; Figure 9's panels)
    views = {}
    for name in ("fig4_sensitivity.png", "fig9_CaliFree_trends.png"):
        view = tmp_path / name.replace(".png", "_view.html")
        view.write_text(report_check.with_view_of(html, name))
        dom = report_check.dump_dom(browser, view)
        assert re.search(r'<img[^>]+src="data:image/png;[^"]*base64,', dom), name
        assert f"results/figures/{name}" in dom  # the result's path in the breadcrumbs
        views[name] = report_check.image_stats(
            report_check.screenshot(browser, view, tmp_path / name), left=0.6)
    assert views["fig4_sensitivity.png"]["colour"] > 0.1, views
    # the right 40 % of the window, beside the result's description: blank (non_white 0.0004)
    # when the view's image is empty, 0.13 with Figure 9 of the tiny run
    assert views["fig9_CaliFree_trends.png"]["non_white"] > 0.05, views
    print(f"report {report.stat().st_size / 1e6:.1f} MB; front page {stats}; views {views}; "
          f"screenshots in {tmp_path}")

# Helpers shared by all rule files (paths, the raw-data layout, the members table, inputs).
# Plain functions evaluated when the workflow is parsed, so that no rule needs a lambda.

import json
import shlex
import sys
from pathlib import Path

import pandas as pd
from snakemake.exceptions import WorkflowError
from snakemake.settings.types import DeploymentMethod

from noahperm.calibration import naming as NAMING
from noahperm.core import config as CONFIG
from noahperm.core import cost as COST
from noahperm.core import layout as LAYOUT
from noahperm.core.provenance import stage_code_version

RAW = config["raw_dir"]
RESULTS = config["results_dir"]


def noahperm_command():
    """The ``noahperm`` command of shell rules, as ``python -m noahperm``: Snakemake's own
    interpreter (the venv), or the env's under conda, which gets the package from src/."""
    if DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method:
        src = Path(workflow.basedir, "src")
        return f"env PYTHONPATH={shlex.quote(str(src))} python -m noahperm"
    return f"{shlex.quote(sys.executable)} -m noahperm"


NOAHPERM = noahperm_command()


def code(stage):
    """The code version of a stage (``noahperm.core.provenance``): a rule passes it as its
    ``code`` parameter, so an edit of the stage's code reruns the rule (Snakemake's params
    trigger) and what depends on it."""
    return stage_code_version(stage)


def results(*parts):
    """A path under results_dir."""
    return str(Path(RESULTS, *parts))


def raw(*parts):
    """A path under raw_dir."""
    return str(Path(RAW, *parts))


def demo_enabled():
    return bool(config["demo"]["enabled"])


# Written last by the demo generator: all demo raw inputs exist.
DEMO_MARKER = raw(LAYOUT.DEMO_MANIFEST)


def raw_forcing_inputs():
    """Every raw CMFD file prepare_forcing reads (``layout.forcing_files``: each variable and
    month of forcing.years, and the January after them when it exists), as separate inputs:
    an edit of one in place reruns the forcing cache and what depends on it. With the demo,
    the generator's files (outputs of make_demo_inputs)."""
    if demo_enabled():
        files = LAYOUT.forcing_files(RAW, config["forcing"]["years"], existing=False)
        if config["forcing"]["years"][1] < config["demo"]["years"][1]:
            files.append(raw(LAYOUT.forcing_file("prec", config["forcing"]["years"][1] + 1, 1)))
        return files
    return LAYOUT.forcing_files(RAW, config["forcing"]["years"])


def forcing_grid_input():
    """The one CMFD file whose grid prepare_domain reads: temperature of the first January."""
    return [f for f in raw_forcing_inputs() if Path(f).name.startswith("temp_")][:1]


def demo_raw_outputs():
    """What make_demo_inputs writes: every forcing file of demo.years, the maps and, last,
    the manifest (``noahperm.demo_world.generator``)."""
    return (
        LAYOUT.forcing_files(RAW, config["demo"]["years"], existing=False)
        + [raw(p) for p in LAYOUT.DOMAIN_MAPS]
        + [DEMO_MARKER]
    )


def raw_map_inputs():
    """The raw maps prepare_domain reads (with the demo, the generator's)."""
    return [raw(relpath) for relpath in LAYOUT.DOMAIN_MAPS]


def observation_inputs():
    """The observation files: with the demo, the truth's (rule make_truth, all three);
    otherwise those that exist now (each is optional)."""
    if demo_enabled():
        return [raw(f) for f in LAYOUT.OBSERVATION_FILES]
    return [raw(f) for f in LAYOUT.OBSERVATION_FILES if Path(raw(f)).is_file()]


def map_2010_inputs():
    """The 2010 permafrost map, when the workflow makes it (demo truth) or the user has it."""
    if demo_enabled() or Path(raw(LAYOUT.PERMAFROST_MAP)).is_file():
        return [raw(LAYOUT.PERMAFROST_MAP)]
    return []


def raw_root(wildcards):
    """raw_dir, for the ``--raw-dir`` of the rules that read several files under it."""
    return RAW


def parent_of_output(wildcards, output):
    """Directory of the rule's first output (truth_dir for make_truth, obs/ ...)."""
    return str(Path(output[0]).parent)


def config_json(*sections):
    """The named config sections (validated, with defaults) as one JSON string."""
    return json.dumps({key: config[key] for key in sections}, sort_keys=True)


# ------------------------------------------------------------------------ members table
def read_members():
    """The members table (config ``members``): one row per experiment member, with its
    parameter file (relative to the table's folder; empty = the default model). A relative
    table path is taken in the working directory, else in the repository. Checked in full by
    noahperm.core.config.read_members (src/noahperm/data/members.schema.yaml, each
    (experiment, member) once, each parameter file present); a bad table is refused."""
    path = Path(config["members"])
    if not path.is_absolute() and not path.exists():
        path = Path(workflow.basedir, path)  # the repository's (config/members.tsv)
    try:
        rows = CONFIG.read_members(path)
    except CONFIG.ConfigError as err:
        sys.exit(CONFIG.refusal(err))
    table = pd.DataFrame(rows, columns=["experiment", "member", "parameters"], dtype=str)
    return table.set_index(["experiment", "member"], drop=False)


# The CaliFree run whose spun-up state the calibrations and the ensembles start from.
CALIFREE_SPINUP = results("CaliFree/default/spinup/state.zarr")


def calibrated_members(table):
    """The members of every calibration experiment (config calibration.experiments), after
    the table's rows: m01..mNN (N = config calibration.members; names from
    noahperm.calibration.naming, as the calibrate rule writes them), each with its parameter
    file results/calibration/<e>/members/<m>.json (an output of the calibrate rule, so the DAG is
    static). A pair the table lists already keeps the table's row."""
    rows = [
        (e, m, results("calibration", e, NAMING.member_file(m)))
        for e in config["calibration"]["experiments"]
        for m in NAMING.member_names(config["calibration"]["members"])
        if (e, m) not in table.index
    ]
    extra = pd.DataFrame(rows, columns=["experiment", "member", "parameters"], dtype=str)
    return pd.concat([table, extra.set_index(["experiment", "member"], drop=False)])


MEMBERS = calibrated_members(read_members())


def members():
    """(experiment, member) pairs of the members table, in its order, then the calibrated
    members (``calibrated_members``)."""
    return list(zip(MEMBERS["experiment"], MEMBERS["member"]))


def member_parameter_file(wildcards):
    """The member's parameter file (a list: empty for the default model); a member that is
    not in the members table is refused with the table's members."""
    key = (wildcards.experiment, wildcards.member)
    if key not in MEMBERS.index:
        known = ", ".join(f"{e}/{m}" for e, m in members())
        raise WorkflowError(
            f"{wildcards.experiment}/{wildcards.member} is not a member of the members table "
            f"{config['members']} (its members: {known}); add a row to run it"
        )
    p = MEMBERS.loc[key, "parameters"]
    return [p] if p else []


def member_parameter_source(wildcards, input):
    """``--from FILE`` for a member with a parameter file; nothing for the default model."""
    return f"--from {shlex.quote(str(input[0]))}" if len(input) else ""


def experiments():
    """The experiments of the members table, in its order."""
    return list(dict.fromkeys(MEMBERS["experiment"]))


def experiment_members(experiment):
    """The members of one experiment, in the table's order."""
    return [m for e, m in members() if e == experiment]


def member_files(name):
    """Input function: the product ``name`` (area.csv, regional_means.csv, permafrost.zarr)
    of every member of the wildcard's experiment, in the table's order."""

    def files(wildcards):
        return [
            results(f"{wildcards.experiment}/{m}/{name}")
            for m in experiment_members(wildcards.experiment)
        ]

    return files


def validate_member_arguments(wildcards, input):
    """``--member EXPERIMENT STORE`` for every member's permafrost.zarr (rule validate)."""
    return " ".join(
        f"--member {shlex.quote(e)} {shlex.quote(results(f'{e}/{m}/permafrost.zarr'))}"
        for e, m in members()
    )


# ------------------------------------------------------------------------------ targets
def truth_products():
    """The demo truth's own record (docs/truth.md), besides what it writes under raw_dir."""
    return [str(Path(TRUTH_DIR, name)) for name in LAYOUT.TRUTH_RECORD]


def member_products(e, m):
    """Every product of one experiment member (docs/simulation.md, docs/diagnostics.md). The
    permafrost-area figure and its table are made for the members table's rows (CaliFree); a
    calibrated ensemble's members are drawn together in Figure S8 (39 figure jobs fewer in the
    demo's budget; `snakemake results/figures/CaliTGL_m01_permafrost_area.png` still makes one)."""
    out = [
        results(f"{e}/{m}/parameters.json"),
        results(f"{e}/{m}/spinup/state.zarr"),
        results(f"{e}/{m}/spinup/convergence.csv"),
        results(f"{e}/{m}/annual.zarr"),
        results(f"{e}/{m}/sites.zarr"),
        results(f"{e}/{m}/state.zarr"),
        results(f"{e}/{m}/permafrost.zarr"),
        results(f"{e}/{m}/area.csv"),
        results(f"{e}/{m}/regional_means.csv"),
    ]
    if e not in calibration_experiments():
        out += [
            results(f"figures/{e}_{m}_permafrost_area.png"),
            results(f"tables/{e}_{m}_permafrost_area.csv"),
        ]
    return out


def sensitivity_cells():
    """How many analysis cells (config sensitivity.cells: a list, or "auto" = three)."""
    cells = config["sensitivity"]["cells"]
    return 3 if cells == "auto" else len(cells)


def sensitivity_products():
    """The sensitivity stage's products (docs/sensitivity.md)."""
    out = [
        results(f"sensitivity/{name}")
        for name in (
            "samples.csv",
            "cells.json",
            "base/state.zarr",
            "base/convergence.csv",
            "ivars.csv",
            "ranking.csv",
            "selected.json",
            "responses.csv",
        )
    ]
    out.append(results("figures/fig4_sensitivity.png"))
    out += [
        results(f"figures/figS{i}_sensitivity_ivars50.png")
        for i in range(1, sensitivity_cells() + 1)
    ]
    return out


def all_products():
    """What `snakemake` builds by default: every product every stage documents, so that
    "Nothing to be done" means each of them exists and is complete (grows with each stage)."""
    out = [
        results("inputs/forcing.zarr"),
        results("inputs/domain.zarr"),
        results("inputs/obs/observations.nc"),
    ]
    if demo_enabled():
        out += truth_products()
    for e, m in members():
        out += member_products(e, m)
    out += sensitivity_products()
    for e in calibration_experiments():  # workflow/rules/calibration.smk
        out += calibration_products(e)
    if calibration_experiments():
        out.append(results("figures/fig5_calibration.png"))
    out += result_products()
    out += all_ensemble_products()
    return out


# Products of the result stages, relative to results_dir (docs/results.md). Kept here, not in
# core/layout.py, whose code version is part of the demo inputs' and the input stages'.
TREND_PRODUCTS = ("series.csv", "trends.csv", "trend_maps.zarr")  # per experiment, trends/{e}/
TABLE3 = ("tables/table3.csv", "tables/table3.md")
VALIDATION_PRODUCTS = ("observed.csv", "metrics.csv", "ranking.csv", "pairs.csv")  # validation/
VALIDATION_FIGURES = (
    "figures/fig6_validation_ranking.png",
    "figures/fig7_{experiment}_validation_scatter.png",
)


def result_products():
    """The trends and validation products and figures (docs/results.md)."""
    out = [results("trends", e, name) for e in experiments() for name in TREND_PRODUCTS]
    out += [results(name) for name in TABLE3]
    out += [results("validation", name) for name in VALIDATION_PRODUCTS]
    out.append(results(VALIDATION_FIGURES[0]))
    out += [results(VALIDATION_FIGURES[1].format(experiment=e)) for e in experiments()]
    out += trend_figure_products()
    return out


# ------------------------------------------------- Figures 9 and 10 (docs/results.md)
def trend_map_period():
    """The change period of Figure 9's maps: CR when config trends.periods has it, else the
    longest period (the first of equally long ones)."""
    periods = config["trends"]["periods"]
    if "CR" in periods:
        return "CR"
    return max(periods, key=lambda k: periods[k][1] - periods[k][0])


def figure_map_year():
    """The map year of Figure 10: CaliMAP's calibration map_year when configured, else
    truth.map_year (2010 in the paper)."""
    cali = config["calibration"]["experiments"].get("CaliMAP", {})
    return int(cali.get("map_year", config["truth"]["map_year"]))


def relative_to_calimap_wanted():
    """Figure 10 needs CaliMAP and another experiment in the members table."""
    return "CaliMAP" in experiments() and len(experiments()) > 1


def trend_figure_products():
    """Figure 9 of every experiment (PNG, SVG); Figure 10 and its numbers when wanted."""
    out = [
        results(f"figures/fig9_{e}_trends.{ext}") for e in experiments() for ext in ("png", "svg")
    ]
    if relative_to_calimap_wanted():
        out += [results(f"figures/fig10_relative_to_calimap.{ext}") for ext in ("png", "svg")]
        out.append(results("tables/fig10_relative_to_calimap.csv"))
    return out


# ------------------------------------------------------------------- calibration stage
def calibration_experiments():
    """The configured calibration experiments."""
    return list(config["calibration"]["experiments"])


def calibration_products(experiment):
    d = results("calibration", experiment)
    out = [
        f"{d}/history.csv",
        f"{d}/threshold.json",
        f"{d}/members.csv",
        f"{d}/members.tsv",
        f"{d}/site_series.csv",
    ]
    if config["calibration"]["experiments"][experiment]["objective"] == "nse":
        out.append(results("figures", f"{experiment}_site.png"))
    return out


def calibration_inputs(wildcards):
    """What an experiment reads besides the domain, forcing and CaliFree's spun-up state: the
    observation store (nse) or the map and CaliFree's annual aggregates (kappa); the
    sensitivity stage's selected set when calibration.parameters is 'selected'."""
    exp = config["calibration"]["experiments"].get(wildcards.calibration)
    if exp is None:
        raise WorkflowError(
            f"unknown calibration experiment {wildcards.calibration!r} "
            f"(config calibration.experiments: {calibration_experiments()})"
        )
    out = {}
    if exp["objective"] == "nse":
        out["observations"] = rules.prepare_observations.output[0]
    else:
        out["map"] = raw(LAYOUT.PERMAFROST_MAP)
        out["califree_annual"] = results("CaliFree/default/annual.zarr")
    if config["calibration"]["parameters"] == "selected":
        out["ranking"] = results("sensitivity/selected.json")
    return out


def calibration_options(wildcards, input):
    """The command-line options of the optional inputs."""
    names = {
        "observations": "--observations",
        "map": "--map",
        "califree_annual": "--califree-annual",
        "ranking": "--ranking",
    }
    return " ".join(
        f"{opt} {shlex.quote(str(input[k]))}" for k, opt in names.items() if k in input.keys()
    )


# ------------------------------------------------------------------------ ensembles
def ensemble_experiments():
    """The experiments whose members form a calibrated ensemble (the calibration experiments)."""
    return calibration_experiments()


def is_ensemble_member(wildcards):
    return wildcards.experiment in config["calibration"]["experiments"]


def spinup_start_input(wildcards):
    """The spin-up's start: a calibrated member with config ensemble.spinup.start warm reads
    CaliFree's spun-up state (a changed state reruns it); every other member starts cold."""
    if is_ensemble_member(wildcards) and config["ensemble"]["spinup"]["start"] == "warm":
        return {"warm": CALIFREE_SPINUP}
    return {}


def spinup_start_option(wildcards, input):
    """``--warm-from STATE`` for a warm start; nothing for a cold one."""
    return f"--warm-from {shlex.quote(str(input.warm))}" if "warm" in input.keys() else ""


def spinup_config_json(wildcards):
    """The spin-up's config sections: forcing and simulation, and for a calibrated member
    ensemble.spinup (its limits; only that part, so that another ensemble setting does not
    rerun the members)."""
    if is_ensemble_member(wildcards):
        return json.dumps(
            {
                "forcing": config["forcing"],
                "simulation": config["simulation"],
                "ensemble": {"spinup": config["ensemble"]["spinup"]},
            },
            sort_keys=True,
        )
    return config_json("forcing", "simulation")


def ensemble_products(e):
    """The ensemble summary of one calibrated experiment (docs/results.md, "Ensembles")."""
    return [results("ensemble", e, "cells.zarr")]


ENSEMBLE_FIGURES = (
    "figures/fig8_ensemble.png",
    "figures/fig8_ensemble.pdf",
    "figures/figS8_ensemble_spread.png",
    "figures/figS8_ensemble_spread.pdf",
)


def all_ensemble_products():
    """Every ensemble's summary and Figures 8 and S8 (none without calibration experiments)."""
    out = [p for e in ensemble_experiments() for p in ensemble_products(e)]
    if ensemble_experiments():
        out += [results(f) for f in ENSEMBLE_FIGURES]
    return out


# ---------------------------------------------------------------- runtime of the jobs [min]
# Each rule declares `runtime` (its wall-time limit in minutes, a cluster executor's --time),
# from the config's sizes and the kernel's measured speed (noahperm.core.cost: SAFETY x the
# kernel time, at least FLOOR_MIN). A retried job (profiles/slurm: retries) gets twice, three
# times the limit. Cheap rules (figures, tables, diagnostics) take the floor.
BUILD = config["simulation"]["kernel"]


def domain_cells_estimate():
    """Cells of the domain before it is built: domain.bbox's, else the demo grid's, else the
    plateau's (noahperm.core.cost.PLATEAU_CELLS)."""
    bbox = config["domain"].get("bbox")
    if bbox:
        return COST.box_cells(bbox)
    if demo_enabled():
        return int(config["demo"]["grid"]["nlon"]) * int(config["demo"]["grid"]["nlat"])
    return COST.PLATEAU_CELLS


def _nyears(span):
    return int(span[1]) - int(span[0]) + 1


def runtime_light(wildcards, attempt):
    """Figures, tables, diagnostics, summaries: the floor (bench_out_of_core.py: seconds at
    the plateau's size)."""
    return COST.FLOOR_MIN * attempt


def runtime_inputs(wildcards, attempt):
    """The input caches and the demo's inputs: COST.SECONDS_PER_CELL_YEAR_INPUTS per cell and
    year of forcing (read, regridded, written)."""
    cell_years = domain_cells_estimate() * _nyears(config["forcing"]["years"])
    return attempt * max(
        COST.FLOOR_MIN, int(COST.SAFETY * cell_years * COST.SECONDS_PER_CELL_YEAR_INPUTS / 60) + 1
    )


def runtime_spinup(wildcards, threads, attempt):
    """A member's spin-up: its cells x the most years (a calibrated member: ensemble.spinup)."""
    sp = (
        config["ensemble"]["spinup"]
        if wildcards.experiment in calibration_experiments()
        else config["simulation"]["spinup"]
    )
    return attempt * COST.runtime_minutes(
        domain_cells_estimate() * int(sp["max_years"]), threads, BUILD
    )


def runtime_simulate(wildcards, threads, attempt):
    """A member's transient: its cells x simulation.years."""
    years = _nyears(config["simulation"]["years"])
    return attempt * COST.runtime_minutes(domain_cells_estimate() * years, threads, BUILD)


def runtime_truth(wildcards, threads, attempt):
    """The demo's truth: a cold spin-up and the transient of the domain."""
    years = int(config["simulation"]["spinup"]["max_years"]) + _nyears(
        config["simulation"]["years"]
    )
    return attempt * COST.runtime_minutes(domain_cells_estimate() * years, threads, BUILD)


def runtime_sensitivity_base(wildcards, threads, attempt):
    """The default model's cold spin-up at the analysis cells."""
    years = int(config["simulation"]["spinup"]["max_years"])
    return attempt * COST.runtime_minutes(sensitivity_cells() * years, threads, BUILD)


def runtime_sensitivity_chunk(wildcards, threads, attempt):
    """A chunk: chunk_samples x the analysis cells x (spin-up + transient years)."""
    sens = config["sensitivity"]
    years = int(sens["spinup"]["max_years"]) + _nyears(sens["years"])
    col_years = int(sens["chunk_samples"]) * sensitivity_cells() * years
    return attempt * COST.runtime_minutes(col_years, threads, BUILD)


def runtime_calibrate(wildcards, threads, attempt):
    """An experiment: max_iterations candidates x the target's cells (one site, or the
    domain for a map) x the years a candidate runs, plus the default model's transient."""
    cal = config["calibration"]
    exp = cal["experiments"][wildcards.calibration]
    cells = 1 if exp["objective"] == "nse" else domain_cells_estimate()
    y0 = int(config["simulation"]["years"][0])
    if exp["objective"] == "nse":
        w0, w1 = int(str(exp["calibration"][0])[:4]), int(str(exp["validation"][1])[:4])
    else:
        w0 = w1 = int(exp["map_year"])
    if cal["start"] == "warm_spinup":
        per = int(config["simulation"]["spinup"]["max_years"]) + w1 - y0 + 1
    else:
        per = int(exp.get("run_in_years", cal["run_in_years"])) + w1 - w0 + 1
    col_years = cells * (int(cal["optimiser"]["max_iterations"]) * per + (w1 - y0 + 1))
    return attempt * COST.runtime_minutes(col_years, threads, BUILD)


def member_threads(wildcards):
    """Kernel threads of a member's spin-up and transient: ensemble.threads for a calibrated
    ensemble's member, 8 otherwise (Snakemake caps both at --cores)."""
    if wildcards.experiment in calibration_experiments():
        return int(config["ensemble"]["threads"])
    return 8

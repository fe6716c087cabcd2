# Helpers shared by all rule files (paths, the raw-data layout, the members table, inputs).
# Plain functions evaluated when the workflow is parsed, so that no rule needs a lambda.

import json
import shlex
import sys
from pathlib import Path

import pandas as pd
from snakemake.settings.types import DeploymentMethod

from noahperm.core import config as CONFIG
from noahperm.core import layout as LAYOUT

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
    """The raw forcing: the demo marker, or the user's forcing directory."""
    return [DEMO_MARKER] if demo_enabled() else [raw(LAYOUT.FORCING_DIR)]


def raw_map_inputs():
    """The raw maps prepare_domain reads: the demo marker, or the user's map files."""
    if demo_enabled():
        return [DEMO_MARKER]
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
    """Directory of the rule's first output (raw_dir for make_demo_inputs, obs/ ...)."""
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


MEMBERS = read_members()


def members():
    """(experiment, member) pairs of the members table, in its order."""
    return list(zip(MEMBERS["experiment"], MEMBERS["member"]))


def member_parameter_file(wildcards):
    """The member's parameter file (a list: empty for the default model)."""
    p = MEMBERS.loc[(wildcards.experiment, wildcards.member), "parameters"]
    return [p] if p else []


def member_parameter_source(wildcards, input):
    """``--from FILE`` for a member with a parameter file; nothing for the default model."""
    return f"--from {shlex.quote(str(input[0]))}" if len(input) else ""


# ------------------------------------------------------------------------------ targets
def all_products():
    """What `snakemake` builds by default (grows with each stage)."""
    out = [
        results("inputs/forcing.zarr"),
        results("inputs/domain.zarr"),
        results("inputs/obs/observations.nc"),
    ]
    for e, m in members():
        out += [
            results(f"{e}/{m}/permafrost.zarr"),
            results(f"figures/{e}_{m}_permafrost_area.png"),
        ]
    return out

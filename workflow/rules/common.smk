# Helpers shared by all rule files (paths, inputs, parameters); plain functions evaluated when
# the workflow is parsed, so that no rule needs a lambda.

import json
import shlex
import sys
from pathlib import Path

from snakemake.settings.types import DeploymentMethod

RAW = config["raw_dir"]
RESULTS = config["results_dir"]

# Map files read by prepare_domain, as noahperm.landcover.MAPS names them (a test checks it);
# the 2010 permafrost map is not among them (a later stage makes the demo's).
DOMAIN_MAPS = (
    "landcover/vegetation_1km.tif",
    "landcover/lai_climatology_1km.tif",
    "soil/soil_classes_1km.tif",
    "topography/dem_1km.tif",
    "masks/glacier_1km.tif",
    "masks/lake_1km.tif",
)
# Observation files read by prepare_observations when present.
OBSERVATION_FILES = (
    "observations/active_layer_gt.xlsx",
    "observations/site_locations.csv",
    "observations/boreholes.csv",
)


def python():
    """The interpreter of shell rules: Snakemake's own (the venv), or the env's under conda,
    which gets the package from src/ (the env does not install it)."""
    if DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method:
        src = Path(workflow.basedir, "src")
        return f"env PYTHONPATH={shlex.quote(str(src))} python"
    return shlex.quote(sys.executable)


PYTHON = python()


def results(*parts):
    """A path under results_dir."""
    return str(Path(RESULTS, *parts))


def raw(*parts):
    """A path under raw_dir."""
    return str(Path(RAW, *parts))


def demo_enabled():
    return bool(config["demo"].get("enabled", True))


# Written last by the demo generator (noahperm.synthetic.MANIFEST): all demo raw inputs exist.
DEMO_MARKER = raw("demo_manifest.json")


def raw_forcing_inputs():
    """The raw forcing: the demo marker, or the user's forcing directory."""
    return [DEMO_MARKER] if demo_enabled() else [raw("forcing")]


def raw_map_inputs():
    """The raw maps prepare_domain reads: the demo marker, or the user's map files."""
    if demo_enabled():
        return [DEMO_MARKER]
    return [raw(relpath) for relpath in DOMAIN_MAPS]


def observation_inputs():
    """The observation files: with the demo, the truth's (rule make_truth, all three);
    otherwise those that exist now (each is optional)."""
    if demo_enabled():
        return [raw(f) for f in OBSERVATION_FILES]
    return [raw(f) for f in OBSERVATION_FILES if Path(raw(f)).is_file()]


def parent_of_output(wildcards, output):
    """Directory of the rule's first output (raw_dir for make_demo_inputs, obs/ ...)."""
    return str(Path(output[0]).parent)


def raw_dir_of_input(wildcards, input):
    """raw_dir, from the rule's raw forcing input (the demo marker or raw_dir/forcing)."""
    return str(Path(input.forcing[0]).parent)


def config_json(*sections):
    """The named config sections (validated, with defaults) as one JSON string."""
    return json.dumps({key: config[key] for key in sections}, sort_keys=True)


MAP_2010 = "permafrost/permafrost_2010_1km.tif"


def map_2010_inputs():
    """The 2010 permafrost map, when the workflow makes it (demo truth) or the user has it."""
    if demo_enabled() or Path(raw(MAP_2010)).is_file():
        return [raw(MAP_2010)]
    return []


def raw_dir_of_map(wildcards, input):
    """raw_dir, from the rule's 2010 map input (or the configured one without a map)."""
    return str(Path(input.map2010[0]).parents[1]) if input.map2010 else RAW


def members():
    """(experiment, member) pairs of config `experiments`."""
    return [(e, m) for e, ms in config["experiments"].items() for m in ms]


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
            results(f"tables/{e}_{m}_area.csv"),
            results(f"tables/{e}_{m}_regional_means.csv"),
            results(f"figures/{e}_{m}_permafrost_area.png"),
        ]
    return out


def check_config():
    """Cross-key checks the schema cannot express."""
    first, last = config["forcing"]["years"]
    if last < first:
        raise ValueError(f"config forcing.years: {last} is before {first}")
    demo_years = config["demo"].get("years")
    if demo_enabled() and demo_years and not (demo_years[0] <= first and last <= demo_years[1]):
        raise ValueError(
            f"config forcing.years {first}-{last} must lie within demo.years "
            f"{demo_years[0]}-{demo_years[1]} (the demo generator writes only those)"
        )


check_config()

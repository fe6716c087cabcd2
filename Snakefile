# noahperm: the workflow. Config, schema validation, rule files and the default target only;
# every rule is in workflow/rules/ (one file per stage folder of the package), every
# computation in the noahperm package (src/), and rule `foo` runs `noahperm foo`.

from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config/config.yaml"


validate(config, "src/noahperm/data/config.schema.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/inputs.smk"
include: "workflow/rules/demo_world.smk"
include: "workflow/rules/simulation.smk"
include: "workflow/rules/diagnostics.smk"
include: "workflow/rules/figures.smk"


rule all:
    input:
        all_products(),
    default_target: True

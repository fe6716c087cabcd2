# noahperm: the workflow. Config, schema validation, rule files and the default target only;
# every rule is in workflow/rules/, every computation in the noahperm package (src/).

from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config/config.yaml"


validate(config, "workflow/schemas/config.schema.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/inputs.smk"
include: "workflow/rules/truth.smk"
include: "workflow/rules/simulate.smk"
include: "workflow/rules/figures.smk"


rule all:
    input:
        all_products(),
    default_target: True

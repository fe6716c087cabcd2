# noahperm: the workflow. Config and its check, rule files and the default target only;
# every rule is in workflow/rules/ (one file per stage folder of the package), every
# computation in the noahperm package (src/), and rule `foo` runs `noahperm foo`.

import sys

from snakemake.utils import min_version

from noahperm.core.config import check, refusal
from noahperm.core.errors import InputError
from noahperm.demo_world.generator.settings import demo_settings
from noahperm.demo_world.truth.settings import truth_settings

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"  # snakemake --report: the report's front page


# The whole config checked (schema, unknown keys, cross-key checks; the defaults filled in),
# then the demo generator's and the truth's own range checks. A bad config stops here, before
# any job, with one line per problem and no traceback (docs/reliability.md).
try:
    config.update(check(config))
    if config["demo"]["enabled"]:
        demo_settings(config)
        truth_settings(config)
except InputError as err:
    sys.exit(refusal(err))


include: "workflow/rules/common.smk"
include: "workflow/rules/inputs.smk"
include: "workflow/rules/demo_world.smk"
include: "workflow/rules/simulation.smk"
include: "workflow/rules/diagnostics.smk"
include: "workflow/rules/sensitivity.smk"
include: "workflow/rules/trends.smk"
include: "workflow/rules/validation.smk"
include: "workflow/rules/calibration.smk"
include: "workflow/rules/ensemble.smk"
include: "workflow/rules/figures.smk"


rule all:
    default_target: True
    input:
        all_products(),

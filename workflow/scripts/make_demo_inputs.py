"""Script adapter of rule make_demo_inputs: ``noahperm.synthetic.generate(config, raw_dir)``.

The generator writes the raw inputs and, last, ``<raw_dir>/demo_manifest.json`` (the rule's
output); files already complete for the same demo settings are kept.
"""

import logging

from noahperm.synthetic import generate

logging.basicConfig(filename=snakemake.log[0], filemode="w", level=logging.INFO,  # noqa: F821
                    format="%(asctime)s %(levelname)s %(name)s: %(message)s")
generate(dict(snakemake.config), snakemake.params.raw_dir, progress=False,  # noqa: F821
         workers=snakemake.threads)  # noqa: F821

# The demo world (noahperm.demo_world; docs/demo_world.md, docs/truth.md): the synthetic
# mini-QTP's raw inputs and the twin truth, which writes the 2010 permafrost map and the
# observation network into raw_dir in the real formats; the true parameters stay in truth_dir
# (evaluation code only). Defined only with demo.enabled: with real data these files are the
# user's and must never be (re)made by the workflow.

from noahperm.demo_world.truth.settings import truth_settings

# The truth's settings with its defaults (noahperm.demo_world.truth.settings.DEFAULTS).
TRUTH_DIR = truth_settings(config)["truth_dir"]


if demo_enabled():

    rule make_demo_inputs:
        output:
            demo_raw_outputs(),
        log:
            "logs/demo_world/make_demo_inputs.log",
        benchmark:
            "benchmarks/out/demo_world/make_demo_inputs.tsv"
        conda:
            "../envs/noahperm.yaml"
        threads: 2  # processes writing the forcing years
        resources:
            mem_mb=3000,  # one month of the demo grid per process, plus the 1 km maps
            runtime=runtime_inputs,  # [min] (common.smk)
        params:
            cmd=NOAHPERM,
            code=code("demo_inputs"),  # its stage's code version
            raw_dir=raw_root,
            config=config_json("demo"),
        shell:
            "{params.cmd} make_demo_inputs --config-json {params.config:q}"
            " --out {params.raw_dir:q} --threads {threads} > {log} 2>&1"

    rule make_truth:
        input:
            domain=rules.prepare_domain.output[0],
            forcing=rules.prepare_forcing.output[0],
            maps=raw_map_inputs(),  # the DEM and masks of the 2010 map's pixels
        output:
            parameters=str(Path(TRUTH_DIR, LAYOUT.TRUTH_PARAMETERS)),
            annual=directory(str(Path(TRUTH_DIR, "annual.zarr"))),
            sites=directory(str(Path(TRUTH_DIR, "sites.zarr"))),
            network=str(Path(TRUTH_DIR, "network.csv")),
            summary=str(Path(TRUTH_DIR, LAYOUT.TRUTH_SUMMARY)),
            map2010=raw(LAYOUT.PERMAFROST_MAP),
            observations=[raw(f) for f in LAYOUT.OBSERVATION_FILES],
        log:
            "logs/demo_world/make_truth.log",
        benchmark:
            "benchmarks/out/demo_world/make_truth.tsv"
        conda:
            "../envs/noahperm.yaml"
        threads: 8  # kernel threads (capped at --cores)
        resources:
            mem_mb=2000,  # one block of columns and a year of the network's daily series
            runtime=runtime_truth,  # [min] (common.smk)
        params:
            cmd=NOAHPERM,
            code=code("truth"),  # its stage's code version
            raw_dir=raw_root,
            truth_dir=parent_of_output,
            config=config_json("truth", "simulation", "forcing", "domain", "observations"),
        shell:
            "{params.cmd} make_truth --config-json {params.config:q}"
            " --domain {input.domain:q} --forcing {input.forcing:q}"
            " --raw-dir {params.raw_dir:q} --truth-dir {params.truth_dir:q} --no-progress"
            " --threads {threads} > {log} 2>&1"

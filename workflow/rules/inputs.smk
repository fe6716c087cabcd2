# Inputs stage: demo raw inputs, forcing cache, model domain, observation store.
# Each rule calls one module of the package (docs/inputs.md).


rule make_demo_inputs:
    output:
        DEMO_MARKER,
    params:
        raw_dir=parent_of_output,
        demo=config_json("demo"),
    log:
        "logs/inputs/make_demo_inputs.log",
    benchmark:
        "benchmarks/out/inputs/make_demo_inputs.tsv"
    conda:
        "../envs/noahperm.yaml"
    script:
        "../scripts/make_demo_inputs.py"


rule prepare_domain:
    input:
        maps=raw_map_inputs(),
        forcing=raw_forcing_inputs(),
    output:
        directory(results("inputs/domain.zarr")),
    params:
        python=PYTHON,
        config=config_json("raw_dir", "forcing", "domain"),
    log:
        "logs/inputs/prepare_domain.log",
    benchmark:
        "benchmarks/out/inputs/prepare_domain.tsv"
    conda:
        "../envs/noahperm.yaml"
    shell:
        "{params.python} -m noahperm.domain --config-json {params.config:q} --out {output} > {log} 2>&1"


rule prepare_forcing:
    input:
        domain=results("inputs/domain.zarr"),
        forcing=raw_forcing_inputs(),
    output:
        directory(results("inputs/forcing.zarr")),
    params:
        python=PYTHON,
        raw_dir=raw_dir_of_input,
        first=config["forcing"]["years"][0],
        last=config["forcing"]["years"][1],
        chunk_cells=config["forcing"]["chunk_cells"],
        config=config_json("raw_dir", "forcing"),
    log:
        "logs/inputs/prepare_forcing.log",
    benchmark:
        "benchmarks/out/inputs/prepare_forcing.tsv"
    conda:
        "../envs/noahperm.yaml"
    shell:
        "{params.python} -m noahperm.forcing.cache --raw-dir {params.raw_dir:q} --domain {input.domain:q}"
        " --out {output:q} --years {params.first} {params.last}"
        " --chunk-cells {params.chunk_cells} --config-json {params.config:q} --no-progress"
        " > {log} 2>&1"


rule prepare_observations:
    input:
        domain=results("inputs/domain.zarr"),
        forcing=raw_forcing_inputs(),
        observations=observation_inputs(),
    output:
        results("inputs/obs/observations.nc"),
    params:
        python=PYTHON,
        raw_dir=raw_dir_of_input,
        out_dir=parent_of_output,
    log:
        "logs/inputs/prepare_observations.log",
    benchmark:
        "benchmarks/out/inputs/prepare_observations.tsv"
    conda:
        "../envs/noahperm.yaml"
    shell:
        "{params.python} -m noahperm.observations --raw-dir {params.raw_dir:q} --domain {input.domain:q}"
        " --out-dir {params.out_dir:q} > {log} 2>&1"

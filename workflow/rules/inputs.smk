# Inputs stage (noahperm.inputs; docs/inputs.md): model domain, forcing cache, observations.


rule prepare_domain:
    input:
        maps=raw_map_inputs(),
        forcing=forcing_grid_input(),  # the grid of the first January's temperature file
    output:
        directory(results("inputs/domain.zarr")),
    log:
        "logs/inputs/prepare_domain.log",
    benchmark:
        "benchmarks/out/inputs/prepare_domain.tsv"
    conda:
        "../envs/noahperm.yaml"
    threads: 1
    resources:
        mem_mb=2000,  # the 1 km maps in memory (18 soil bands of the whole region)
        runtime=runtime_light,  # [min] (common.smk)
    params:
        cmd=NOAHPERM,
        code=code("inputs"),  # its stage's code version
        config=config_json("raw_dir", "forcing", "domain"),
    shell:
        "{params.cmd} prepare_domain --config-json {params.config:q} --out {output:q}"
        " > {log} 2>&1"


rule prepare_forcing:
    input:
        domain=rules.prepare_domain.output[0],
        forcing=raw_forcing_inputs(),
    output:
        directory(results("inputs/forcing.zarr")),
    log:
        "logs/inputs/prepare_forcing.log",
    benchmark:
        "benchmarks/out/inputs/prepare_forcing.tsv"
    conda:
        "../envs/noahperm.yaml"
    threads: 1  # month-by-month reading and Zarr writing (I/O bound)
    resources:
        mem_mb=2000,  # one month of the domain's forcing window plus a 256 MB write buffer
        runtime=runtime_inputs,  # [min] (common.smk)
    params:
        cmd=NOAHPERM,
        code=code("inputs"),  # its stage's code version
        raw_dir=raw_root,
        years=config["forcing"]["years"],
        chunk_cells=config["forcing"]["chunk_cells"],
        config=config_json("raw_dir", "forcing"),
    shell:
        "{params.cmd} prepare_forcing --raw-dir {params.raw_dir:q} --domain {input.domain:q}"
        " --out {output:q} --years {params.years[0]} {params.years[1]}"
        " --chunk-cells {params.chunk_cells} --config-json {params.config:q} --no-progress"
        " > {log} 2>&1"


rule prepare_observations:
    input:
        domain=rules.prepare_domain.output[0],
        observations=observation_inputs(),
    output:
        results("inputs/obs/observations.nc"),
    log:
        "logs/inputs/prepare_observations.log",
    benchmark:
        "benchmarks/out/inputs/prepare_observations.tsv"
    conda:
        "../envs/noahperm.yaml"
    threads: 1
    resources:
        mem_mb=1000,  # the observation workbook
        runtime=runtime_light,  # [min] (common.smk)
    params:
        cmd=NOAHPERM,
        code=code("inputs"),  # its stage's code version
        raw_dir=raw_root,
        out_dir=parent_of_output,
        config=config_json("observations"),
    shell:
        "{params.cmd} prepare_observations --raw-dir {params.raw_dir:q}"
        " --domain {input.domain:q} --out-dir {params.out_dir:q}"
        " --config-json {params.config:q} > {log} 2>&1"

# Simulation stage: per experiment member (parameter set), spin-up, 1979-2018 run, permafrost
# diagnostics (noahperm.experiment, noahperm.diagnostics; docs/simulation.md). A member is a
# target of its own: `snakemake results/CaliFree/default/permafrost.zarr`.


wildcard_constraints:
    experiment="[A-Za-z0-9_-]+",
    member="[A-Za-z0-9_-]+",


rule default_parameters:
    output:
        results("CaliFree/default/parameters.json"),
    log:
        "logs/CaliFree/default/default_parameters.log",
    conda:
        "../envs/noahperm.yaml"
    shell:
        "echo '{{}}' > {output} 2> {log}"


rule spinup:
    input:
        domain=results("inputs/domain.zarr"),
        forcing=results("inputs/forcing.zarr"),
        parameters=results("{experiment}/{member}/parameters.json"),
    output:
        state=directory(results("{experiment}/{member}/spinup/state.zarr")),
        convergence=results("{experiment}/{member}/spinup/convergence.csv"),
    params:
        python=PYTHON,
        config=config_json("forcing", "simulation"),
        checkpoints=results("{experiment}/{member}/spinup/checkpoints"),
    log:
        "logs/{experiment}/{member}/spinup.log",
    benchmark:
        "benchmarks/out/{experiment}/{member}/spinup.tsv"
    conda:
        "../envs/noahperm.yaml"
    shell:
        "{params.python} -m noahperm.experiment spinup --config-json {params.config:q}"
        " --domain {input.domain:q} --forcing {input.forcing:q}"
        " --parameters {input.parameters:q} --checkpoints {params.checkpoints:q}"
        " --out {output.state:q} --convergence {output.convergence:q} > {log} 2>&1"


rule simulate:
    input:
        domain=results("inputs/domain.zarr"),
        forcing=results("inputs/forcing.zarr"),
        parameters=results("{experiment}/{member}/parameters.json"),
        spinup=results("{experiment}/{member}/spinup/state.zarr"),
        observations=results("inputs/obs/observations.nc"),
    output:
        annual=directory(results("{experiment}/{member}/annual.zarr")),
        sites=directory(results("{experiment}/{member}/sites.zarr")),
        state=directory(results("{experiment}/{member}/state.zarr")),
    params:
        python=PYTHON,
        config=config_json("forcing", "simulation"),
        checkpoints=results("{experiment}/{member}/checkpoints"),
        out_dir=parent_of_output,
    log:
        "logs/{experiment}/{member}/simulate.log",
    benchmark:
        "benchmarks/out/{experiment}/{member}/simulate.tsv"
    conda:
        "../envs/noahperm.yaml"
    shell:
        "{params.python} -m noahperm.experiment transient --config-json {params.config:q}"
        " --domain {input.domain:q} --forcing {input.forcing:q}"
        " --parameters {input.parameters:q} --spinup {input.spinup:q}"
        " --observations {input.observations:q} --checkpoints {params.checkpoints:q}"
        " --out-dir {params.out_dir:q} > {log} 2>&1"


rule diagnose:
    input:
        annual=results("{experiment}/{member}/annual.zarr"),
        domain=results("inputs/domain.zarr"),
        forcing=results("inputs/forcing.zarr"),
    output:
        permafrost=directory(results("{experiment}/{member}/permafrost.zarr")),
        area=results("{experiment}/{member}/area.csv"),
        means=results("{experiment}/{member}/regional_means.csv"),
    params:
        python=PYTHON,
    log:
        "logs/{experiment}/{member}/diagnose.log",
    benchmark:
        "benchmarks/out/{experiment}/{member}/diagnose.tsv"
    conda:
        "../envs/noahperm.yaml"
    shell:
        "{params.python} -m noahperm.diagnostics --annual {input.annual:q}"
        " --domain {input.domain:q} --forcing {input.forcing:q} --out {output.permafrost:q}"
        " --area {output.area:q} --means {output.means:q} > {log} 2>&1"

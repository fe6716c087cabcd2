# Simulation stage (noahperm.simulation; docs/simulation.md): per experiment member (a row of
# the members table), its parameter set, the spin-up and the transient run. A member is a
# target of its own: `snakemake results/CaliFree/default/annual.zarr`.


wildcard_constraints:
    experiment="[A-Za-z0-9_-]+",
    member="[A-Za-z0-9_-]+",


rule member_parameters:
    input:
        member_parameter_file,
    output:
        results("{experiment}/{member}/parameters.json"),
    log:
        "logs/{experiment}/{member}/member_parameters.log",
    benchmark:
        "benchmarks/out/{experiment}/{member}/member_parameters.tsv"
    conda:
        "../envs/noahperm.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=runtime_light,  # [min] (common.smk)
    params:
        cmd=NOAHPERM,
        code=code("simulation"),  # its stage's code version
        source=member_parameter_source,
    shell:
        "{params.cmd} member_parameters {params.source} --out {output:q} > {log} 2>&1"


rule spinup:
    input:
        unpack(spinup_start_input),  # a calibrated member: CaliFree's spun-up state (warm)
        domain=rules.prepare_domain.output[0],
        forcing=rules.prepare_forcing.output[0],
        parameters=rules.member_parameters.output[0],
    output:
        state=directory(results("{experiment}/{member}/spinup/state.zarr")),
        convergence=results("{experiment}/{member}/spinup/convergence.csv"),
    log:
        "logs/{experiment}/{member}/spinup.log",
    benchmark:
        "benchmarks/out/{experiment}/{member}/spinup.tsv"
    conda:
        "../envs/noahperm.yaml"
    threads: member_threads  # kernel threads (capped at --cores; common.smk)
    resources:
        mem_mb=2000,  # one block of columns with the cycle years' forcing
        runtime=runtime_spinup,  # [min] (common.smk)
    params:
        cmd=NOAHPERM,
        code=code("simulation"),  # its stage's code version
        config=spinup_config_json,  # + section ensemble for a calibrated member
        checkpoints=results("{experiment}/{member}/spinup/checkpoints"),
        start=spinup_start_option,
    shell:
        "{params.cmd} spinup --config-json {params.config:q}"
        " --domain {input.domain:q} --forcing {input.forcing:q}"
        " --parameters {input.parameters:q} --checkpoints {params.checkpoints:q} {params.start}"
        " --out {output.state:q} --convergence {output.convergence:q}"
        " --threads {threads} > {log} 2>&1"


rule simulate:
    input:
        domain=rules.prepare_domain.output[0],
        forcing=rules.prepare_forcing.output[0],
        parameters=rules.member_parameters.output[0],
        spinup=rules.spinup.output.state,
        observations=rules.prepare_observations.output[0],
    output:
        annual=directory(results("{experiment}/{member}/annual.zarr")),
        sites=directory(results("{experiment}/{member}/sites.zarr")),
        state=directory(results("{experiment}/{member}/state.zarr")),
    log:
        "logs/{experiment}/{member}/simulate.log",
    benchmark:
        "benchmarks/out/{experiment}/{member}/simulate.tsv"
    conda:
        "../envs/noahperm.yaml"
    threads: member_threads  # kernel threads (capped at --cores; common.smk)
    resources:
        mem_mb=2000,  # one block-year of forcing plus the annual aggregates
        runtime=runtime_simulate,  # [min] (common.smk)
    params:
        cmd=NOAHPERM,
        code=code("simulation"),  # its stage's code version
        config=config_json("forcing", "simulation", "observations"),
        checkpoints=results("{experiment}/{member}/checkpoints"),
        out_dir=parent_of_output,
    shell:
        "{params.cmd} simulate --config-json {params.config:q}"
        " --domain {input.domain:q} --forcing {input.forcing:q}"
        " --parameters {input.parameters:q} --spinup {input.spinup:q}"
        " --observations {input.observations:q} --checkpoints {params.checkpoints:q}"
        " --out-dir {params.out_dir:q} --threads {threads} > {log} 2>&1"

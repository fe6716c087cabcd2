# Sensitivity stage (noahperm.sensitivity; docs/sensitivity.md): STAR-VARS over the 30
# parameters of Table 1 at three analysis cells. The samples are evaluated in chunk jobs of
# sensitivity.chunk_samples samples x 3 cells each (one driver call), so a cluster runs many
# chunks at once and a laptop two at a time; a killed chunk reruns alone (and resumes from its
# checkpoints); the analysis gathers them.

from noahperm.sensitivity.sizes import n_chunks

SENS = results("sensitivity")
SENS_CHUNKS = list(range(n_chunks(config["sensitivity"])))


wildcard_constraints:
    chunk="[0-9]+",


rule sensitivity_samples:
    input:
        domain=rules.prepare_domain.output[0],
        forcing=rules.prepare_forcing.output[0],
    output:
        samples=results("sensitivity/samples.csv"),
        cells=results("sensitivity/cells.json"),
    log:
        "logs/sensitivity/samples.log",
    benchmark:
        "benchmarks/out/sensitivity/samples.tsv"
    conda:
        "../envs/noahperm.yaml"
    threads: 1
    resources:
        mem_mb=2000,  # the cycle years' air temperature and precipitation of the cells
        runtime=runtime_light,  # [min] (common.smk)
    params:
        cmd=NOAHPERM,
        code=code("sensitivity"),  # its stage's code version
        config=config_json("simulation", "sensitivity"),
    shell:
        "{params.cmd} sensitivity_samples --config-json {params.config:q}"
        " --domain {input.domain:q} --forcing {input.forcing:q}"
        " --samples {output.samples:q} --cells {output.cells:q} > {log} 2>&1"


rule sensitivity_base:
    input:
        domain=rules.prepare_domain.output[0],
        forcing=rules.prepare_forcing.output[0],
        cells=rules.sensitivity_samples.output.cells,
    output:
        state=directory(results("sensitivity/base/state.zarr")),
        convergence=results("sensitivity/base/convergence.csv"),
    log:
        "logs/sensitivity/base.log",
    benchmark:
        "benchmarks/out/sensitivity/base.tsv"
    conda:
        "../envs/noahperm.yaml"
    threads: 1  # three columns
    resources:
        mem_mb=1000,
        runtime=runtime_sensitivity_base,  # [min] (common.smk)
    params:
        cmd=NOAHPERM,
        code=code("sensitivity"),  # its stage's code version
        config=config_json("simulation", "sensitivity"),
        checkpoints=results("sensitivity/base/checkpoints"),
    shell:
        "{params.cmd} sensitivity_base --config-json {params.config:q}"
        " --domain {input.domain:q} --forcing {input.forcing:q} --cells {input.cells:q}"
        " --checkpoints {params.checkpoints:q} --out {output.state:q}"
        " --convergence {output.convergence:q} --threads {threads} > {log} 2>&1"


rule sensitivity_chunk:
    input:
        domain=rules.prepare_domain.output[0],
        forcing=rules.prepare_forcing.output[0],
        samples=rules.sensitivity_samples.output.samples,
        cells=rules.sensitivity_samples.output.cells,
        base=rules.sensitivity_base.output.state,
    output:
        results("sensitivity/chunks/chunk_{chunk}.csv"),
    log:
        "logs/sensitivity/chunk_{chunk}.log",
    benchmark:
        "benchmarks/out/sensitivity/chunk_{chunk}.tsv"
    conda:
        "../envs/noahperm.yaml"
    threads: 1  # chunks run side by side, one per core
    resources:
        mem_mb=1000,  # chunk_samples x 3 columns with the cycle years' forcing
        runtime=runtime_sensitivity_chunk,  # [min] (common.smk)
    params:
        cmd=NOAHPERM,
        code=code("sensitivity"),  # its stage's code version
        config=config_json("simulation", "sensitivity"),
        checkpoints=results("sensitivity/chunks/checkpoints_{chunk}"),
    shell:
        "{params.cmd} sensitivity_chunk --config-json {params.config:q}"
        " --domain {input.domain:q} --forcing {input.forcing:q}"
        " --samples {input.samples:q} --cells {input.cells:q} --base {input.base:q}"
        " --chunk {wildcards.chunk} --checkpoints {params.checkpoints:q}"
        " --out {output:q} --threads {threads} > {log} 2>&1"


rule sensitivity_analyse:
    input:
        samples=rules.sensitivity_samples.output.samples,
        cells=rules.sensitivity_samples.output.cells,
        chunks=expand(results("sensitivity/chunks/chunk_{chunk}.csv"), chunk=SENS_CHUNKS),
    output:
        ivars=results("sensitivity/ivars.csv"),
        ranking=report(
            results("sensitivity/ranking.csv"),
            caption="../report/sensitivity_ranking.rst",
            category="Sensitivity",
        ),
        selected=results("sensitivity/selected.json"),
        responses=results("sensitivity/responses.csv"),
    log:
        "logs/sensitivity/analyse.log",
    benchmark:
        "benchmarks/out/sensitivity/analyse.tsv"
    conda:
        "../envs/noahperm.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=runtime_light,  # [min] (common.smk)
    params:
        cmd=NOAHPERM,
        code=code("sensitivity"),  # its stage's code version
        config=config_json("simulation", "sensitivity"),
    shell:
        "{params.cmd} sensitivity_analyse --config-json {params.config:q}"
        " --samples {input.samples:q} --cells {input.cells:q} --chunks {input.chunks:q}"
        " --ivars {output.ivars:q} --ranking {output.ranking:q}"
        " --selected {output.selected:q} --responses {output.responses:q} > {log} 2>&1"

# Validation stage (noahperm.validation; docs/results.md): observed ALT, TTOP and GT10m per site
# and year, each experiment's ensemble mean against them (RMSE, MBE per site, region and
# network; change rates), the ranking. Figures 6 and 7 are rules of figures.smk.


rule observed_variables:
    input:
        obs=rules.prepare_observations.output[0],
    output:
        results("validation/observed.csv"),
    log:
        "logs/validation/observed_variables.log",
    benchmark:
        "benchmarks/out/validation/observed_variables.tsv"
    conda:
        "../envs/noahperm.yaml"
    threads: 1
    resources:
        mem_mb=1000,  # the observation store as one table
        runtime=runtime_light,  # [min] (common.smk)
    params:
        cmd=NOAHPERM,
        code=code("validation"),  # its stage's code version
        cfg=config_json("validation"),
    shell:
        "{params.cmd} observed_variables --observations {input.obs:q} --out {output:q}"
        " --config-json {params.cfg:q} > {log} 2>&1"


rule validate:
    input:
        observed=rules.observed_variables.output[0],
        permafrost=[results(f"{e}/{m}/permafrost.zarr") for e, m in members()],
    output:
        metrics=report(
            results("validation/metrics.csv"),
            caption="../report/validation_metrics.rst",
            category="Validation",
        ),
        ranking=report(
            results("validation/ranking.csv"),
            caption="../report/validation_ranking_table.rst",
            category="Validation",
        ),
        pairs=results("validation/pairs.csv"),
    log:
        "logs/validation/validate.log",
    benchmark:
        "benchmarks/out/validation/validate.tsv"
    conda:
        "../envs/noahperm.yaml"
    threads: 1
    resources:
        mem_mb=1000,  # the sites' blocks of cells: 207 MB for 40 stores of 25,000 cells
        runtime=runtime_light,  # [min] (common.smk)
    params:
        cmd=NOAHPERM,
        code=code("validation"),  # its stage's code version
        cfg=config_json("validation"),
        members=validate_member_arguments,
        out_dir=parent_of_output,
    shell:
        "{params.cmd} validate --observed {input.observed:q} {params.members}"
        " --out-dir {params.out_dir:q} --config-json {params.cfg:q} --threads {threads}"
        " > {log} 2>&1"

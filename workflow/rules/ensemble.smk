# Ensemble stage (noahperm.ensemble; docs/results.md "Ensembles"): per calibrated experiment the
# per-cell ensemble means, their CI and the members' votes for permafrost loss or gain. The
# members themselves are ordinary experiment members (common.smk calibrated_members): rules
# member_parameters, spinup (warm from CaliFree, config ensemble.spinup), simulate, diagnose.


rule ensemble_summary:
    input:
        permafrost=member_files("permafrost.zarr"),
    output:
        cells=directory(results("ensemble/{experiment}/cells.zarr")),
    log:
        "logs/ensemble/{experiment}_summary.log",
    benchmark:
        "benchmarks/out/ensemble/{experiment}_summary.tsv"
    conda:
        "../envs/noahperm.yaml"
    threads: 2  # dask threads over chunks of cells
    resources:
        mem_mb=1000,  # the members and years of one chunk of ensemble.chunk_cells cells
        runtime=runtime_light,  # [min] (common.smk)
    params:
        cmd=NOAHPERM,
        code=code("ensemble"),  # its stage's code version
        cfg=config_json("trends", "ensemble"),
    shell:
        "{params.cmd} ensemble_summary --experiment {wildcards.experiment:q}"
        " --permafrost {input.permafrost:q} --out {output.cells:q}"
        " --config-json {params.cfg:q} --threads {threads} > {log} 2>&1"

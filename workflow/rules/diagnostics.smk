# Diagnostics stage (noahperm.diagnostics; docs/simulation.md): per member, the permafrost
# class, ALT, TTOP, DZAA, MAGT, GT10m and MAAT per cell and year, areas and regional means.


rule diagnose:
    input:
        annual=rules.simulate.output.annual,
        domain=rules.prepare_domain.output[0],
        forcing=rules.prepare_forcing.output[0],
    output:
        permafrost=directory(results("{experiment}/{member}/permafrost.zarr")),
        area=results("{experiment}/{member}/area.csv"),
        means=results("{experiment}/{member}/regional_means.csv"),
    log:
        "logs/{experiment}/{member}/diagnose.log",
    benchmark:
        "benchmarks/out/{experiment}/{member}/diagnose.tsv"
    conda:
        "../envs/noahperm.yaml"
    threads: 1
    resources:
        mem_mb=1000,  # blocks of 1024 cells per thread: 373 MB at 25,000 cells (docs/scale.md)
        runtime=runtime_light,  # [min] (common.smk)
    params:
        cmd=NOAHPERM,
        code=code("diagnostics"),  # its stage's code version
    shell:
        "{params.cmd} diagnose --annual {input.annual:q} --domain {input.domain:q}"
        " --forcing {input.forcing:q} --out {output.permafrost:q} --area {output.area:q}"
        " --means {output.means:q} --threads {threads} > {log} 2>&1"

# Trends stage (noahperm.trends; docs/results.md): per experiment the ensemble mean and 95 % CI
# of the areas and regional means, their Mann-Kendall / Sen's slope trends over CR1, CR2, CR,
# per-cell trend maps; Table 3 over the experiments.


rule trends:
    input:
        area=member_files("area.csv"),
        means=member_files("regional_means.csv"),
        permafrost=member_files("permafrost.zarr"),
    output:
        series=results("trends/{experiment}/series.csv"),
        trends=results("trends/{experiment}/trends.csv"),
        maps=directory(results("trends/{experiment}/trend_maps.zarr")),
    log:
        "logs/trends/{experiment}.log",
    benchmark:
        "benchmarks/out/trends/{experiment}.tsv"
    conda:
        "../envs/noahperm.yaml"
    threads: 1
    resources:
        mem_mb=1000,  # blocks of cells of every member: 285 MB at 25,000 cells, 13 members
        runtime=runtime_light,  # [min] (common.smk)
    params:
        cmd=NOAHPERM,
        code=code("trends"),  # its stage's code version
        cfg=config_json("trends"),
        out_dir=parent_of_output,
    shell:
        "{params.cmd} trends --experiment {wildcards.experiment:q} --area {input.area:q}"
        " --means {input.means:q} --permafrost {input.permafrost:q}"
        " --out-dir {params.out_dir:q} --config-json {params.cfg:q} --threads {threads}"
        " > {log} 2>&1"


rule table3:
    input:
        series=expand(results("trends/{experiment}/series.csv"), experiment=experiments()),
        trends=expand(results("trends/{experiment}/trends.csv"), experiment=experiments()),
    output:
        csv=report(
            results("tables/table3.csv"),
            caption="../report/table3.rst",
            category="Trends",
            subcategory="Table 3",
        ),
        md=report(
            results("tables/table3.md"),
            caption="../report/table3.rst",
            category="Trends",
            subcategory="Table 3",
        ),
    log:
        "logs/trends/table3.log",
    benchmark:
        "benchmarks/out/trends/table3.tsv"
    conda:
        "../envs/noahperm.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=runtime_light,  # [min] (common.smk)
    params:
        cmd=NOAHPERM,
        code=code("trends"),  # its stage's code version
        years=config["trends"]["periods"].get("CR", [1980, 2018]),
    shell:
        "{params.cmd} table3 --series {input.series:q} --trends {input.trends:q}"
        " --years {params.years[0]} {params.years[1]} --csv {output.csv:q} --md {output.md:q}"
        " > {log} 2>&1"

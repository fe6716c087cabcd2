# Figures and tables (noahperm.plots, one module per figure; captions in workflow/report/).


rule plot_permafrost_area:
    input:
        permafrost=results("{experiment}/{member}/permafrost.zarr"),
        map2010=map_2010_inputs(),
    output:
        png=report(
            results("figures/{experiment}_{member}_permafrost_area.png"),
            caption="../report/permafrost_area.rst",
            category="Permafrost change",
        ),
        csv=results("tables/{experiment}_{member}_permafrost_area.csv"),
    params:
        python=PYTHON,
        raw_dir=raw_dir_of_map,
        nw=config["figures"]["northwest"],
    log:
        "logs/figures/{experiment}_{member}_permafrost_area.log",
    benchmark:
        "benchmarks/out/figures/{experiment}_{member}_permafrost_area.tsv"
    conda:
        "../envs/noahperm.yaml"
    shell:
        "{params.python} -m noahperm.plots.permafrost_area --permafrost {input.permafrost:q}"
        " --raw-dir {params.raw_dir:q} --nw-lon-max {params.nw[lon_max]}"
        " --nw-lat-min {params.nw[lat_min]}"
        " --title '{wildcards.experiment} ({wildcards.member}): permafrost area, active layer"
        " and air temperature' --png {output.png:q} --csv {output.csv:q} > {log} 2>&1"


rule tables:
    input:
        area=results("{experiment}/{member}/area.csv"),
        means=results("{experiment}/{member}/regional_means.csv"),
    output:
        area=results("tables/{experiment}_{member}_area.csv"),
        means=results("tables/{experiment}_{member}_regional_means.csv"),
    log:
        "logs/figures/{experiment}_{member}_tables.log",
    conda:
        "../envs/noahperm.yaml"
    shell:
        "(cp {input.area:q} {output.area:q} && cp {input.means:q} {output.means:q}) > {log} 2>&1"

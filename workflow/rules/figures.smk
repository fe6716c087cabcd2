# Figures (noahperm.figures, one module per figure; captions in workflow/report/).


rule plot_permafrost_area:
    input:
        permafrost=rules.diagnose.output.permafrost,
        map2010=map_2010_inputs(),
    output:
        png=report(
            results("figures/{experiment}_{member}_permafrost_area.png"),
            caption="../report/permafrost_area.rst",
            category="Permafrost change",
        ),
        csv=results("tables/{experiment}_{member}_permafrost_area.csv"),
    log:
        "logs/figures/{experiment}_{member}_permafrost_area.log",
    benchmark:
        "benchmarks/out/figures/{experiment}_{member}_permafrost_area.tsv"
    conda:
        "../envs/noahperm.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=runtime_light,  # [min] (common.smk)
    params:
        cmd=NOAHPERM,
        code=code("figures"),  # its stage's code version
        raw_dir=raw_root,
        nw=config["figures"]["northwest"],
    shell:
        "{params.cmd} plot_permafrost_area --permafrost {input.permafrost:q}"
        " --raw-dir {params.raw_dir:q} --nw-lon-max {params.nw[lon_max]}"
        " --nw-lat-min {params.nw[lat_min]}"
        " --title '{wildcards.experiment} ({wildcards.member}): permafrost area, active layer"
        " and air temperature' --png {output.png:q} --csv {output.csv:q} > {log} 2>&1"


rule plot_validation_ranking:
    input:
        ranking=rules.validate.output.ranking,
    output:
        png=report(
            results("figures/fig6_validation_ranking.png"),
            caption="../report/validation_ranking.rst",
            category="Validation",
        ),
    log:
        "logs/figures/fig6_validation_ranking.log",
    benchmark:
        "benchmarks/out/figures/fig6_validation_ranking.tsv"
    conda:
        "../envs/noahperm.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=runtime_light,  # [min] (common.smk)
    params:
        cmd=NOAHPERM,
        code=code("figures"),  # its stage's code version
    shell:
        "{params.cmd} plot_validation_ranking --ranking {input.ranking:q} --png {output.png:q}"
        " > {log} 2>&1"


rule plot_validation_scatter:
    input:
        pairs=rules.validate.output.pairs,
    output:
        png=report(
            results("figures/fig7_{experiment}_validation_scatter.png"),
            caption="../report/validation_scatter.rst",
            category="Validation",
        ),
    log:
        "logs/figures/fig7_{experiment}_validation_scatter.log",
    benchmark:
        "benchmarks/out/figures/fig7_{experiment}_validation_scatter.tsv"
    conda:
        "../envs/noahperm.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=runtime_light,  # [min] (common.smk)
    params:
        cmd=NOAHPERM,
        code=code("figures"),  # its stage's code version
    shell:
        "{params.cmd} plot_validation_scatter --pairs {input.pairs:q}"
        " --experiment {wildcards.experiment:q} --png {output.png:q} > {log} 2>&1"


rule plot_calibration:
    input:
        [
            results("calibration", e, f)
            for e in calibration_experiments()
            for f in ("history.csv", "threshold.json")
        ],
    output:
        png=report(
            results("figures/fig5_calibration.png"),
            caption="../report/fig5_calibration.rst",
            category="Calibration",
        ),
    log:
        "logs/figures/fig5_calibration.log",
    benchmark:
        "benchmarks/out/figures/fig5_calibration.tsv"
    conda:
        "../envs/noahperm.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=runtime_light,  # [min] (common.smk)
    params:
        cmd=NOAHPERM,
        code=code("figures"),  # its stage's code version
        dirs=[results("calibration", e) for e in calibration_experiments()],
    shell:
        "{params.cmd} plot_calibration {params.dirs:q} --png {output.png:q} > {log} 2>&1"


rule plot_calibration_site:
    input:
        results("calibration/{calibration}/site_series.csv"),
    output:
        png=report(
            results("figures/{calibration}_site.png"),
            caption="../report/calibration_site.rst",
            category="Calibration",
        ),
    log:
        "logs/figures/{calibration}_site.log",
    benchmark:
        "benchmarks/out/figures/{calibration}_site.tsv"
    conda:
        "../envs/noahperm.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=runtime_light,  # [min] (common.smk)
    params:
        cmd=NOAHPERM,
        code=code("figures"),  # its stage's code version
    shell:
        "{params.cmd} plot_calibration_site {input:q} --title '{wildcards.calibration}'"
        " --png {output.png:q} > {log} 2>&1"


rule plot_sensitivity:
    input:
        ranking=rules.sensitivity_analyse.output.ranking,
        ivars=rules.sensitivity_analyse.output.ivars,
        cells=rules.sensitivity_samples.output.cells,
    output:
        fig4=report(
            results("figures/fig4_sensitivity.png"),
            caption="../report/sensitivity.rst",
            category="Sensitivity",
        ),
        per_cell=[
            report(
                results(f"figures/figS{i}_sensitivity_ivars50.png"),
                caption="../report/sensitivity_cell.rst",
                category="Sensitivity",
            )
            for i in range(1, sensitivity_cells() + 1)
        ],
    log:
        "logs/figures/sensitivity.log",
    benchmark:
        "benchmarks/out/figures/sensitivity.tsv"
    conda:
        "../envs/noahperm.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=runtime_light,  # [min] (common.smk)
    params:
        cmd=NOAHPERM,
        code=code("figures"),  # its stage's code version
    shell:
        "{params.cmd} plot_sensitivity --ranking {input.ranking:q} --ivars {input.ivars:q}"
        " --cells {input.cells:q} --fig4 {output.fig4:q} --per-cell {output.per_cell:q}"
        " > {log} 2>&1"


rule plot_trends:
    input:
        series=rules.trends.output.series,
        trends=rules.trends.output.trends,
        maps=rules.trends.output.maps,
    output:
        png=report(
            results("figures/fig9_{experiment}_trends.png"),
            caption="../report/fig9_trends.rst",
            category="Trends",
            subcategory="Figure 9",
        ),
        svg=results("figures/fig9_{experiment}_trends.svg"),
    log:
        "logs/figures/fig9_{experiment}_trends.log",
    benchmark:
        "benchmarks/out/figures/fig9_{experiment}_trends.tsv"
    conda:
        "../envs/noahperm.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=runtime_light,  # [min] (common.smk)
    params:
        cmd=NOAHPERM,
        code=code("figures"),  # its stage's code version
        period=trend_map_period(),
        members=lambda wildcards: experiment_members(wildcards.experiment),  # its caption
    shell:
        "{params.cmd} plot_trends --series {input.series:q} --trends {input.trends:q}"
        " --maps {input.maps:q} --experiment {wildcards.experiment:q}"
        " --period {params.period:q} --out {output.png:q} {output.svg:q} > {log} 2>&1"


rule plot_relative_to_calimap:
    input:
        series=expand(results("trends/{experiment}/series.csv"), experiment=experiments()),
        trends=expand(results("trends/{experiment}/trends.csv"), experiment=experiments()),
    output:
        png=report(
            results("figures/fig10_relative_to_calimap.png"),
            caption="../report/fig10_relative_to_calimap.rst",
            category="Trends",
            subcategory="Figure 10",
        ),
        svg=results("figures/fig10_relative_to_calimap.svg"),
        csv=report(
            results("tables/fig10_relative_to_calimap.csv"),
            caption="../report/fig10_table.rst",
            category="Trends",
            subcategory="Figure 10",
        ),
    log:
        "logs/figures/fig10_relative_to_calimap.log",
    benchmark:
        "benchmarks/out/figures/fig10_relative_to_calimap.tsv"
    conda:
        "../envs/noahperm.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=runtime_light,  # [min] (common.smk)
    params:
        cmd=NOAHPERM,
        code=code("figures"),  # its stage's code version
        year=figure_map_year(),
        experiments=experiments(),  # its caption
    shell:
        "{params.cmd} plot_relative_to_calimap --series {input.series:q}"
        " --trends {input.trends:q} --year {params.year} --out {output.png:q} {output.svg:q}"
        " --csv {output.csv:q} > {log} 2>&1"


rule plot_ensemble:
    input:
        maps=expand(
            results("trends/{experiment}/trend_maps.zarr"), experiment=ensemble_experiments()
        ),
        series=expand(results("trends/{experiment}/series.csv"), experiment=ensemble_experiments()),
        cells=expand(results("ensemble/{experiment}/cells.zarr"), experiment=ensemble_experiments()),
        map2010=map_2010_inputs(),
    output:
        png=report(
            results(ENSEMBLE_FIGURES[0]),
            caption="../report/fig8_ensemble.rst",
            category="Ensembles",
        ),
        pdf=results(ENSEMBLE_FIGURES[1]),
    log:
        "logs/figures/fig8_ensemble.log",
    benchmark:
        "benchmarks/out/figures/fig8_ensemble.tsv"
    conda:
        "../envs/noahperm.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=runtime_light,  # [min] (common.smk)
    params:
        cmd=NOAHPERM,
        code=code("figures"),  # its stage's code version
        raw_dir=raw_root,
        experiments=ensemble_experiments(),
        first=config["trends"]["periods"].get("CR", [1980])[0],
        map_year=next(
            (
                x["map_year"]
                for x in config["calibration"]["experiments"].values()
                if x.get("objective") == "kappa"
            ),
            2010,
        ),
        # the map's year (CaliMAP)
    shell:
        "{params.cmd} plot_ensemble --experiments {params.experiments:q}"
        " --trend-maps {input.maps:q} --series {input.series:q} --cells {input.cells:q}"
        " --raw-dir {params.raw_dir:q} --first-year {params.first} --map-year {params.map_year}"
        " --png {output.png:q} --pdf {output.pdf:q} > {log} 2>&1"


rule plot_ensemble_spread:
    input:
        area=[
            results(f"{e}/{m}/area.csv")
            for e in ensemble_experiments()
            for m in experiment_members(e)
        ],
        means=[
            results(f"{e}/{m}/regional_means.csv")
            for e in ensemble_experiments()
            for m in experiment_members(e)
        ],
    output:
        png=report(
            results(ENSEMBLE_FIGURES[2]),
            caption="../report/figS8_ensemble_spread.rst",
            category="Ensembles",
        ),
        pdf=results(ENSEMBLE_FIGURES[3]),
    log:
        "logs/figures/figS8_ensemble_spread.log",
    benchmark:
        "benchmarks/out/figures/figS8_ensemble_spread.tsv"
    conda:
        "../envs/noahperm.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=runtime_light,  # [min] (common.smk)
    params:
        cmd=NOAHPERM,
        code=code("figures"),  # its stage's code version
        dirs=[results(e, m) for e in ensemble_experiments() for m in experiment_members(e)],
        first=config["trends"]["periods"].get("CR", [1980])[0],
    shell:
        "{params.cmd} plot_ensemble_spread {params.dirs:q} --first-year {params.first}"
        " --png {output.png:q} --pdf {output.pdf:q} > {log} 2>&1"

# Calibration stage (noahperm.calibration; docs/calibration.md): CaliTGL, CaliTSH and CaliMAP
# (config calibration.experiments) with OpenBox from CaliFree's spun-up state; per experiment
# the history, the convergence threshold and the 13 members (a members table of their own).


wildcard_constraints:
    calibration="[A-Za-z0-9_-]+",


rule calibrate:
    input:
        unpack(calibration_inputs),
        domain=rules.prepare_domain.output[0],
        forcing=rules.prepare_forcing.output[0],
        spinup=results("CaliFree/default/spinup/state.zarr"),
    output:
        history=results("calibration/{calibration}/history.csv"),
        threshold=report(
            results("calibration/{calibration}/threshold.json"),
            caption="../report/calibration_threshold.rst",
            category="Calibration",
        ),
        members=results("calibration/{calibration}/members.csv"),
        table=results("calibration/{calibration}/members.tsv"),
        series=results("calibration/{calibration}/site_series.csv"),  # header only for maps
        parameters=[
            results("calibration/{calibration}", NAMING.member_file(m))  # the members'
            for m in NAMING.member_names(config["calibration"]["members"])
        ],
    log:
        "logs/calibration/{calibration}.log",
    benchmark:
        "benchmarks/out/calibration/{calibration}.tsv"
    conda:
        "../envs/noahperm.yaml"
    threads: 2  # kernel threads (capped at --cores)
    resources:
        mem_mb=2000,  # K candidates x the target's cells, one block
        runtime=runtime_calibrate,  # [min] (common.smk)
    params:
        cmd=NOAHPERM,
        code=code("calibration"),  # its stage's code version
        config=config_json("calibration", "simulation", "observations"),
        checkpoint=results("calibration/{calibration}/checkpoints/history.json"),
        out_dir=parent_of_output,
        options=calibration_options,
    shell:
        "OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 {params.cmd} calibrate {wildcards.calibration}"
        " --config-json {params.config:q} --domain {input.domain:q} --forcing {input.forcing:q}"
        " --spinup {input.spinup:q} {params.options} --checkpoint {params.checkpoint:q}"
        " --code {params.code} --out-dir {params.out_dir:q} --threads {threads} > {log} 2>&1"

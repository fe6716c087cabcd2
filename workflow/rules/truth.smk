# The demo's twin "truth" (noahperm.truth; docs/truth.md): a run of the demo world with hidden,
# non-default parameters writes the 2010 permafrost map and the observation network into
# raw_dir in the real formats; the true parameters stay in truth_dir (evaluation code only).
# Defined only with demo.enabled: with real data these files are the user's and must never be
# (re)made by the workflow.
#
# (a) Config keys (section `truth`; every key optional, noahperm.truth.settings.DEFAULTS fills
#     what is missing; to add to config/config.yaml and workflow/schemas/config.schema.yaml):
#
#   truth:
#     seed: 20100702                 # master seed of every draw of the truth [-]
#     truth_dir: resources/demo/truth  # true_parameters.json, annual.zarr, sites.zarr, network.csv,
#                                      # truth_summary.json, checkpoints/ (not in raw_dir/results)
#     map_year: 2010                 # year of the permafrost map [a]
#     parameters:
#       tbot_offset_K: [-1.5, -0.8]  # TBOT offset drawn in this interval [K]
#       n_vegetation_classes: 2      # dominant USGS classes with their own values [-]
#       n_soil_classes: 2            # dominant soil classes (layers above soil_depth_m) [-]
#       soil_depth_m: 3.0            # [m]
#       extra: [CSOIL, SALP, QTZ]    # drawn besides the 10 sensitive parameters
#       min_shift: 0.15              # least normalised distance of a draw from the default [-]
#       margin: 0.1                  # normalised distance kept from the range ends [-]
#       override: {}                 # fixed values {Table 1 key: value}
#     map:
#       lapse_K_per_km: -5.0         # sub-grid shift of the index with pixel elevation [K km-1]
#       noise_length_px: 4.0         # correlation length of the map error [1 km pixels]
#       agreement: 0.85              # share of pixels agreeing with the pixel-wise truth [-]
#       max_noise_K: 5.0             # largest sd of the map error [K]
#     network:
#       active_layer_sites: 8        # TGL, TSHAL and 6 others (names of the real network) [-]
#       boreholes: 20                # [-]
#       tgl_maat_C: -4.7             # TGL's cell: MAAT nearest this [degC]
#       tsh_maat_C: -6.0             # TSHAL's cell: MAAT nearest this [degC]
#       borehole_years: [2004, 2018] # [a]
#       borehole_depths_m: [1, 3, 6, 10, 14]  # [m]
#     noise:
#       sd_K: 0.15                   # daily AR(1) sensor noise, stationary sd [K]
#       ar1: 0.8                     # its lag-1 (day) correlation [-]
#       borehole_sd_K: 0.1           # noise of an annual mean [K]
#       decimals: 2                  # rounding of the written values [-]
#     gaps:
#       outages_per_year: 3.0        # whole-day outages per site [a-1]
#       calibration_outages_per_year: 1.0  # the same at TGL and TSHAL [a-1]
#       outage_days: [2, 20]         # [d]
#       long_gaps: 1                 # long outages per site, not at TGL/TSHAL [-]
#       long_gap_days: [30, 150]     # [d]
#       late_start_years: [1, 3]     # one site starts this much late [a]
#       borehole_missing_year: 0.1   # chance of a missing borehole year [-]
#
#   The schema needs only `truth: {type: object}` with these keys documented (defaults live in
#   the package); if it lists them, keep the defaults equal to DEFAULTS.
#
# (b) Change in common.smk so that prepare_observations waits for the truth with the demo
#     (observation_inputs() now lists whatever exists at parse time). New body and docstring
#     of observation_inputs():
#
#       """The observation files: with the demo, the truth's (rule make_truth, all three);
#       otherwise those that exist now (each is optional)."""
#       if demo_enabled():
#           return [raw(f) for f in OBSERVATION_FILES]
#       return [raw(f) for f in OBSERVATION_FILES if Path(raw(f)).is_file()]
#
#   and (optional) move TRUTH_DIR and TRUTH_CONFIG below into common.smk.
#   map_2010_inputs() already asks for raw(MAP_2010) with the demo, which make_truth writes.
#   Include this file in the Snakefile after inputs.smk: include: "workflow/rules/truth.smk"


# The truth directory and what the truth run reads (truth may be absent: defaults; simulation,
# forcing, domain); plain values, no functions (they belong to common.smk: see (b)).
TRUTH_DIR = str((config.get("truth") or {}).get("truth_dir", "resources/demo/truth"))
TRUTH_CONFIG = json.dumps(
    {k: config[k] for k in ("truth", "simulation", "forcing", "domain") if k in config},
    sort_keys=True,
)


if demo_enabled():

    rule make_truth:
        input:
            domain=results("inputs/domain.zarr"),
            cache=results("inputs/forcing.zarr"),
            forcing=raw_forcing_inputs(),
        output:
            parameters=str(Path(TRUTH_DIR, "true_parameters.json")),
            map2010=raw(MAP_2010),
            workbook=raw("observations/active_layer_gt.xlsx"),
            locations=raw("observations/site_locations.csv"),
            boreholes=raw("observations/boreholes.csv"),
        params:
            python=PYTHON,
            raw_dir=raw_dir_of_input,
            truth_dir=parent_of_output,
            config=TRUTH_CONFIG,
        log:
            "logs/truth/make_truth.log",
        benchmark:
            "benchmarks/out/truth/make_truth.tsv"
        conda:
            "../envs/noahperm.yaml"
        shell:
            "{params.python} -m noahperm.truth --config-json {params.config:q}"
            " --domain {input.domain:q} --forcing {input.cache:q}"
            " --raw-dir {params.raw_dir:q} --truth-dir {params.truth_dir:q} --no-progress"
            " > {log} 2>&1"

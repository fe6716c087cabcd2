"""Settings of the twin "truth" (config section ``truth``): defaults, units, merging.

Every key is optional; :func:`truth_settings` fills what a config leaves out from
:data:`DEFAULTS` (nested sections are merged key by key) and logs keys it does not know.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping

from noahperm.core.errors import InputError

log = logging.getLogger(__name__)

#: The defaults of every key (units in the comments; docs/truth.md explains each).
DEFAULTS: dict = {
    "seed": 20100702,  # master seed of every random draw of the truth [-]
    "truth_dir": "resources/demo/truth",  # where true_parameters.json and the run live
    "map_year": 2010,  # year of the permafrost map [a] (the Cao map: 2010)
    "parameters": {
        "tbot_offset_K": [-1.5, -0.8],  # TBOT offset drawn in this interval [K]
        "n_vegetation_classes": 2,  # dominant USGS classes given their own values [-]
        "n_soil_classes": 2,  # dominant soil classes (by layers above soil_depth_m) [-]
        "soil_depth_m": 3.0,  # layers with their node above this depth count [m]
        "extra": ["CSOIL", "SALP", "QTZ"],  # drawn besides the 10 sensitive parameters
        "min_shift": 0.15,  # least |normalised distance| of a draw from the default [-]
        "margin": 0.1,  # draws keep this normalised distance from the range ends [-]
        "override": {},  # fixed values {key: value} replacing draws (Table 1 keys)
    },
    "map": {
        "lapse_K_per_km": -5.0,  # sub-grid shift of the index with pixel elevation [K km-1]
        "noise_length_px": 4.0,  # Gaussian smoothing of the perturbation [pixels]
        "agreement": 0.85,  # target share of pixels agreeing with the pixel-wise truth [-]
        "max_noise_K": 5.0,  # largest standard deviation of the perturbation [K]
    },
    "network": {
        "active_layer_sites": 8,  # TGL, TSHAL and this many minus 2 others [-]
        "boreholes": 20,  # number of boreholes [-]
        "tgl_maat_C": -4.7,  # TGL(QT04) is placed where the MAAT is nearest this [degC]
        "tsh_maat_C": -6.0,  # TSHAL likewise [degC]
        "borehole_years": [2004, 2018],  # span of the borehole record [a]
        "borehole_depths_m": [1.0, 3.0, 6.0, 10.0, 14.0],  # borehole sensor depths [m]
    },
    "noise": {
        "sd_K": 0.15,  # stationary sd of the daily AR(1) sensor noise [K]
        "ar1": 0.8,  # its lag-1 (one day) autocorrelation [-]
        "borehole_sd_K": 0.1,  # sd of the (independent) noise of an annual mean [K]
        "decimals": 2,  # values are rounded to this many decimals [-]
    },
    "gaps": {
        "outages_per_year": 3.0,  # random multi-day outages (all depths) [a-1]
        "calibration_outages_per_year": 1.0,  # the same at TGL and TSHAL [a-1]
        "outage_days": [2, 20],  # shortest and longest outage [d]
        "long_gaps": 1,  # long gaps per site (not at TGL and TSHAL) [-]
        "long_gap_days": [30, 150],  # shortest and longest long gap [d]
        "late_start_years": [1, 3],  # one site starts this much later than its template [a]
        "borehole_missing_year": 0.1,  # chance that a borehole year is missing [-]
    },
}


def _merge(base: dict, given: Mapping, where: str) -> dict:
    out = copy.deepcopy(base)
    for key, val in given.items():
        if key not in base:
            log.warning("config truth%s.%s is not a known key: ignored", where, key)
            continue
        if isinstance(base[key], dict) and key != "override":
            if not isinstance(val, Mapping):
                raise InputError(f"expected a mapping, got {val!r}", field=f"truth{where}.{key}")
            out[key] = _merge(base[key], val, f"{where}.{key}")
        else:
            out[key] = copy.deepcopy(val)
    return out


def truth_settings(cfg: Mapping | None) -> dict:
    """The ``truth`` section of a workflow config with every missing key from DEFAULTS."""
    section = (cfg or {}).get("truth") or {}
    if not isinstance(section, Mapping):
        raise InputError(f"expected a mapping, got {section!r}", field="truth")
    s = _merge(DEFAULTS, section, "")
    lo, hi = (float(v) for v in s["parameters"]["tbot_offset_K"])
    if not -1.5 <= lo <= hi <= 1.5:
        raise InputError(f"[{lo}, {hi}] must be an interval within Table 1's +-1.5 K",
                         field="truth.parameters.tbot_offset_K")
    if not 0.0 < float(s["map"]["agreement"]) <= 1.0:
        raise InputError("a share in (0, 1]", field="truth.map.agreement")
    if int(s["network"]["active_layer_sites"]) < 2:
        raise InputError("at least 2 (TGL and TSHAL)", field="truth.network.active_layer_sites")
    return s

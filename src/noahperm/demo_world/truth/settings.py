"""Settings of the twin "truth" (config section ``truth``): defaults and merging.

Every key is optional; :func:`truth_settings` fills what a config leaves out from
:data:`DEFAULTS` (the schema's defaults; nested sections are merged key by key) and logs keys
it does not know (the workflow refuses them before: noahperm.core.config.check).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping

from noahperm.core.config import with_defaults
from noahperm.core.errors import InputError

log = logging.getLogger(__name__)

#: The defaults of every key: the schema's (noahperm/data/config.schema.yaml, section ``truth``,
#: which also gives each key's unit and meaning; docs/truth.md explains each).
DEFAULTS: dict = with_defaults({}, "truth")


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

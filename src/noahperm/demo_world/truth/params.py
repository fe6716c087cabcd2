"""The hidden "true" parameter set of the twin experiment: a seeded draw within Table 1.

Drawn (``true_parameters``):

- the paper's 10 sensitive parameters: SBETA, FXEXP, FRZK, CZIL (universal), EMISSMIN,
  EMISSMAX, ALBEDOMIN, ALBEDOMAX (per dominant USGS vegetation class), MAXSMC (per dominant
  soil class) and TBOT (an offset);
- a few others (config ``truth.parameters.extra``, default CSOIL, SALP and QTZ per dominant
  soil class).

Dominant classes are read from the domain: the ``n_vegetation_classes`` most frequent USGS
classes of the active cells and the ``n_soil_classes`` most frequent soil classes among the
layers of active cells whose node lies above ``soil_depth_m`` (ties to the smaller code).

Each value is drawn uniformly in normalised coordinates ``u = (v - lo)/(hi - lo)`` within
``[margin, 1 - margin]`` and at least ``min_shift`` away from the default's ``u`` (so it is
neither a range end nor close to the default); TBOT's offset is uniform in
``tbot_offset_K`` (default [-1.5, -0.8] K: a colder ground, hence more permafrost than the
default model). Pairs are kept physical: changed EMISSMAX <= 1, EMISSMIN <= EMISSMAX and
ALBEDOMIN <= ALBEDOMAX (redrawn from the same stream otherwise). ``override`` values replace
draws. The stream is ``numpy.random.SeedSequence([seed, 1])``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from noahperm.core import layout
from noahperm.core.config import with_defaults
from noahperm.demo_world.truth.settings import truth_settings
from noahperm.model.parameters import BY_NAME, check_value, split_key

SENSITIVE_UNIVERSAL = ("SBETA", "FXEXP", "FRZK", "CZIL")
SENSITIVE_VEGETATION = ("EMISSMIN", "EMISSMAX", "ALBEDOMIN", "ALBEDOMAX")
SENSITIVE_SOIL = ("MAXSMC",)
PARAMETER_FILE = layout.TRUTH_PARAMETERS
STREAM_PARAMETERS = 1


def dominant_classes(domain, n_veg: int, n_soil: int, soil_depth_m: float):
    """(USGS vegetation classes, soil classes), most frequent first, of the active cells."""
    from noahperm.diagnostics.permafrost import node_depths

    active = domain["active"].values.astype(bool)

    def top(values, n):
        codes, counts = np.unique(np.asarray(values).ravel(), return_counts=True)
        keep = codes > 0
        codes, counts = codes[keep], counts[keep]
        order = np.lexsort((codes, -counts))  # by count, ties to the smaller code
        return [int(c) for c in codes[order][:n]]

    veg = top(domain["vegetation"].values[active], n_veg)
    shallow = node_depths(domain["sldpth"].values) < soil_depth_m
    soil = top(domain["soil_class"].values[active][:, shallow], n_soil)
    return veg, soil


def _defaults(tables) -> dict[str, float]:
    """Table values of the universal parameters (what CaliFree uses)."""
    from noahperm.model.columns import ColumnSpec, build_columns

    cols = build_columns([ColumnSpec(vegtyp=7, soiltyp=7, stype=np.full(18, 7))], tables)
    return {p.name: float(cols.par[0, p.target]) for p in BY_NAME.values()
            if p.group == "universal"}


def _draw(rng, u_default: float, margin: float, min_shift: float) -> float:
    """Normalised value in [margin, 1 - margin], at least min_shift from u_default."""
    for _ in range(1000):
        u = rng.uniform(margin, 1.0 - margin)
        if abs(u - u_default) >= min_shift:
            return u
    raise RuntimeError("no admissible draw: lower truth.parameters.min_shift")


def true_parameters(cfg: Mapping, domain=None) -> dict[str, float]:
    """The truth's parameter set (Table 1 keys -> values, as ``apply_parameters`` takes them).

    ``domain``: an open domain dataset or a path (default
    ``<results_dir>/inputs/domain.zarr``), for the dominant classes.
    """
    from noahperm.core.zarrio import open_complete
    from noahperm.model.tables import load_tables

    s = truth_settings(cfg)["parameters"]
    seed = int(truth_settings(cfg)["seed"])
    if domain is None:
        domain = Path(with_defaults(cfg)["results_dir"]) / "inputs" / "domain.zarr"
    if isinstance(domain, str | os.PathLike):
        domain = open_complete(domain, product="domain")
    veg, soil = dominant_classes(domain, int(s["n_vegetation_classes"]),
                                 int(s["n_soil_classes"]), float(s["soil_depth_m"]))
    tables = load_tables()
    table = _defaults(tables)
    rng = np.random.default_rng(np.random.SeedSequence([seed, STREAM_PARAMETERS]))
    margin, min_shift = float(s["margin"]), float(s["min_shift"])

    def value(name: str) -> float:
        p = BY_NAME[name]
        if p.kind == "value":
            u0 = (table[name] - p.lo) / (p.hi - p.lo)
        else:
            u0 = 0.5  # relative change / offset: the default is the middle of the range
        u = _draw(rng, u0, margin, min_shift)
        return float(p.lo + u * (p.hi - p.lo))

    extra = [str(e) for e in s["extra"]]
    out: dict[str, float] = {}
    for name in SENSITIVE_UNIVERSAL + tuple(e for e in extra if BY_NAME[e].group == "universal"):
        out[name] = value(name)
    for cls in veg:
        vt = tables.veg
        i = cls - 1
        for _ in range(1000):  # emissivity <= 1, min <= max after the change
            e0, e1, a0, a1 = (value(n) for n in SENSITIVE_VEGETATION)
            emin, emax = vt.emissmin[i] * (1 + e0), vt.emissmax[i] * (1 + e1)
            amin, amax = vt.albedomin[i] * (1 + a0), vt.albedomax[i] * (1 + a1)
            if emax <= 1.0 and emin <= emax and amin <= amax:
                break
        else:
            raise RuntimeError(f"no physical emissivity/albedo draw for class {cls}")
        for n, v in zip(SENSITIVE_VEGETATION, (e0, e1, a0, a1), strict=True):
            out[f"{n}@{cls}"] = v
        for e in extra:
            if BY_NAME[e].group == "vegetation":
                out[f"{e}@{cls}"] = value(e)
    for cls in soil:
        for name in SENSITIVE_SOIL + tuple(e for e in extra if BY_NAME[e].group == "soil"):
            out[f"{name}@{cls}"] = value(name)
    lo, hi = (float(v) for v in s["tbot_offset_K"])
    out["TBOT"] = float(rng.uniform(lo, hi))
    for key, v in dict(s["override"]).items():
        split_key(key)
        out[key] = float(v)
    out = {k: round(v, 6) if abs(v) < 1e3 else round(v, 1) for k, v in out.items()}
    for key, v in out.items():
        check_value(key, v)
    return dict(sorted(out.items()))


def write_parameters(values: Mapping[str, float], path) -> Path:
    """Write the set atomically as a flat JSON object of Table 1 keys, the format of every
    parameter set (``experiment.load_parameter_set`` reads it)."""
    from noahperm.core.fileio import atomic_file

    path = Path(path)
    with atomic_file(path, parents=True) as tmp:
        tmp.write_text(json.dumps(dict(values), indent=2, sort_keys=True) + "\n")
    return path


def read_parameters(path) -> dict[str, float]:
    """The true parameter set from ``true_parameters.json`` (evaluation code only)."""
    values = json.loads(Path(path).read_text())
    for key, v in values.items():
        check_value(key, float(v))
    return {k: float(v) for k, v in values.items()}

"""The workflow configuration: its schema, its defaults, its checks and its identity.

The schema ``noahperm/data/config.schema.yaml`` is the one source of every default: the
Snakefile checks the user's config with :func:`check` (which fills in the defaults) before any
job starts, and code that receives a config section outside Snakemake (tests, benchmarks,
notebooks) completes it with :func:`with_defaults` instead of writing defaults of its own.

:func:`check` refuses a config in full: every schema violation (unknown keys included: every
object of the schema has ``additionalProperties: false``) and every cross-key problem
(:func:`cross_key_problems`: year ranges ordered and inside the forcing, ``min_years <=
max_years``, the truth's map year simulated, ...), each as one line ``config <key.path>:
<reason>`` of a :class:`ConfigError`. :func:`read_members` does the same for the members
table. docs/reliability.md lists what is refused.

:func:`digest` is the one identity of a configuration (or any JSON-able value): a SHA-256 of
its canonical JSON (sorted keys), used by checkpoints and store markers.
"""

from __future__ import annotations

import copy
import csv
import difflib
import hashlib
import json
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from noahperm.core.errors import InputError

SCHEMA_RESOURCE = "config.schema.yaml"
MEMBERS_SCHEMA_RESOURCE = "members.schema.yaml"


class ConfigError(InputError):
    """A configuration (or members table) that cannot be used: every problem found.

    ``problems`` is a list of ``(key_path, reason)``; ``str(err)`` has one line
    ``config <key_path>: <reason>`` per problem.
    """

    def __init__(self, problems: Iterable[tuple[str, str]]) -> None:
        self.problems = [(str(k), str(r)) for k, r in problems]
        super().__init__("\n".join(f"config {k}: {r}" for k, r in self.problems))

    def __reduce__(self):
        return (type(self), (self.problems,))


@cache
def schema() -> dict:
    """The configuration schema (JSON Schema as a dict), read once from the package data."""
    import yaml

    text = resources.files("noahperm.data").joinpath(SCHEMA_RESOURCE).read_text()
    return yaml.safe_load(text)


def schema_path() -> str:
    """File system path of the schema (for ``snakemake.utils.validate``)."""
    return str(resources.files("noahperm.data").joinpath(SCHEMA_RESOURCE))


def _fill(value: Any, sch: Mapping) -> Any:
    if not isinstance(value, dict) or sch.get("type") != "object":
        return value
    props = sch.get("properties", {})
    for key, sub in props.items():
        if key not in value and "default" in sub:
            value[key] = copy.deepcopy(sub["default"])
        if key in value:
            value[key] = _fill(value[key], sub)
    extra = sch.get("additionalProperties")
    if isinstance(extra, dict):
        for key in value:
            if key not in props:
                value[key] = _fill(value[key], extra)
    return value


def with_defaults(config: Mapping | None = None, section: str | None = None) -> dict:
    """A deep copy of ``config`` with every default of the schema filled in.

    ``section`` names a top-level section (e.g. ``"simulation"``): ``config`` is then that
    section's value and the section's defaults are applied. Values given are kept as they are
    (checking is :func:`check`'s).
    """
    sch = schema()
    if section is not None:
        sch = sch["properties"][section]
    return _fill(copy.deepcopy(dict(config or {})), sch)


def validate(config: Mapping) -> dict:
    """The config with the defaults filled in (:func:`check`; kept for older callers)."""
    return check(config)


@cache
def members_schema() -> dict:
    """The members table's schema (one row as a JSON object), read once from the package data."""
    import yaml

    text = resources.files("noahperm.data").joinpath(MEMBERS_SCHEMA_RESOURCE).read_text()
    return yaml.safe_load(text)


#: Unknown top-level keys that are a common mistake, and what is meant instead.
KEY_HINTS = {
    "experiment": "experiments are the rows of the members table, key 'members'",
    "experiments": "experiments are the rows of the members table, key 'members'",
}

_TYPES = {"integer": "an integer", "number": "a number", "string": "a string",
          "boolean": "true or false", "object": "a mapping", "array": "a list", "null": "null"}
_BOUNDS = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<"}


def key_path(parts: Iterable) -> str:
    """``["simulation", "years", 0]`` -> ``"simulation.years[0]"`` (the root: ``"(top level)"``)."""
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(top level)"


def _describe(err) -> list[tuple[str, str]]:
    """One jsonschema error as ``(key_path, reason)`` problems."""
    path = list(err.absolute_path)
    where = key_path(path)
    sub = err.schema if isinstance(err.schema, Mapping) else {}
    kind, value, inst = err.validator, err.validator_value, err.instance
    if kind == "additionalProperties" and isinstance(inst, Mapping):
        known = list(sub.get("properties", {}))
        out = []
        for key in inst:
            if key in known:
                continue
            reason = "unknown key"
            close = difflib.get_close_matches(str(key), known, n=1)
            if close:
                reason += f" (did you mean {close[0]!r}?)"
            elif not path and key in KEY_HINTS:
                reason += f" ({KEY_HINTS[key]})"
            elif known:
                reason += f" (known keys: {', '.join(known)})"
            out.append((key_path([*path, key]), reason))
        return out
    if kind == "required" and isinstance(inst, Mapping):
        return [(key_path([*path, k]), "required key missing") for k in value if k not in inst]
    if kind in ("minItems", "maxItems") and isinstance(inst, list):
        lo, hi = sub.get("minItems"), sub.get("maxItems")
        if path == ["domain", "layer_thickness_m"]:
            return [(where, f"{len(inst)} thicknesses given; the model has {lo} soil layers")]
        if lo == hi:
            want = "[first, last]" if lo == 2 else f"exactly {lo} items"
        else:
            want = f"at least {lo} items" if kind == "minItems" else f"at most {hi} items"
        return [(where, f"expected {want}, got {inst!r}")]
    if kind == "type":
        names = [value] if isinstance(value, str) else list(value)
        return [(where, f"expected {' or '.join(_TYPES.get(n, n) for n in names)}, got {inst!r}")]
    if kind in _BOUNDS:
        return [(where, f"{inst!r} out of range: must be {_BOUNDS[kind]} {value}")]
    return [(where, err.message)]


def schema_problems(config: Any, sch: Mapping | None = None) -> list[tuple[str, str]]:
    """Every violation of the schema (not just the first), as ``(key_path, reason)``."""
    import jsonschema

    sch = schema() if sch is None else sch
    validator = jsonschema.validators.validator_for(sch)(sch)
    errors = sorted(validator.iter_errors(config),
                    key=lambda e: [str(p) for p in e.absolute_path])
    return [p for err in errors for p in _describe(err)]


def _get(cfg: Any, dotted: str) -> Any:
    for key in dotted.split("."):
        if not isinstance(cfg, Mapping) or key not in cfg:
            return None
        cfg = cfg[key]
    return cfg


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _pair(cfg: Any, dotted: str) -> tuple | None:
    v = _get(cfg, dotted)
    if isinstance(v, (list, tuple)) and len(v) == 2 and all(_is_num(x) for x in v):
        return tuple(v)
    return None


#: [first, last] pairs that must be ordered (first <= last).
ORDERED_PAIRS = (
    "forcing.years", "demo.years", "simulation.years", "simulation.spinup.cycle_years",
    "truth.parameters.tbot_offset_K", "truth.network.borehole_years", "truth.gaps.outage_days",
    "truth.gaps.long_gap_days", "truth.gaps.late_start_years",
)


def cross_key_problems(cfg: Mapping) -> list[tuple[str, str]]:
    """The checks the schema cannot express, on a config with its defaults (:func:`with_defaults`).

    Values of the wrong shape are skipped here (the schema reports them).
    """
    out: list[tuple[str, str]] = []
    demo = _get(cfg, "demo.enabled") is True
    pairs = {}
    for key in ORDERED_PAIRS:
        p = _pair(cfg, key)
        if p is None:
            continue
        if p[0] > p[1]:
            out.append((key, f"[{p[0]}, {p[1]}] is reversed: the first value is after the last"))
        else:
            pairs[key] = p
    bbox = _get(cfg, "domain.bbox")
    if isinstance(bbox, Mapping):
        for axis, side in (("lon", "east"), ("lat", "north")):
            lo, hi = bbox.get(f"{axis}_min"), bbox.get(f"{axis}_max")
            if _is_num(lo) and _is_num(hi) and not lo < hi:
                out.append((f"domain.bbox.{axis}_max",
                            f"{hi} is not {side} of {axis}_min {lo}: the box is empty"))
    periods = _get(cfg, "trends.periods")
    if isinstance(periods, Mapping):
        for name, p in periods.items():
            if (isinstance(p, list) and len(p) == 2 and all(_is_num(v) for v in p)
                    and p[0] > p[1]):
                out.append((f"trends.periods.{name}",
                            f"[{p[0]}, {p[1]}] is reversed: the first year is after the last"))
    forcing = pairs.get("forcing.years")
    if forcing:
        for key, why in (("simulation.years", "the transient run reads them from the forcing"),
                         ("simulation.spinup.cycle_years", "the spin-up cycles these forcing years")):
            p = pairs.get(key)
            if p and not (forcing[0] <= p[0] and p[1] <= forcing[1]):
                out.append((key, f"{p[0]}-{p[1]} is not inside forcing.years "
                                 f"{forcing[0]}-{forcing[1]} ({why})"))
        d = pairs.get("demo.years")
        if demo and d and not (d[0] <= forcing[0] and forcing[1] <= d[1]):
            out.append(("forcing.years", f"{forcing[0]}-{forcing[1]} is not inside demo.years "
                                         f"{d[0]}-{d[1]} (the demo generator writes only those)"))
    for sec in ("simulation.spinup", "ensemble.spinup"):
        lo, hi = _get(cfg, f"{sec}.min_years"), _get(cfg, f"{sec}.max_years")
        if _is_num(lo) and _is_num(hi) and lo > hi:
            out.append((f"{sec}.min_years",
                        f"{lo} is more than max_years {hi}: the spin-up would stop before its "
                        "minimum and could not converge"))
    out += _calibration_problems(cfg, pairs.get("simulation.years"))
    sim, map_year = pairs.get("simulation.years"), _get(cfg, "truth.map_year")
    if demo and sim and _is_num(map_year) and not sim[0] < map_year <= sim[1]:
        out.append(("truth.map_year", f"{map_year} and the year before must be simulated "
                                      f"(simulation.years {sim[0]}-{sim[1]})"))
    return out


def _calibration_problems(cfg: Mapping, sim) -> list[tuple[str, str]]:
    """Each calibration experiment's windows ordered, real dates and inside simulation.years;
    an nse experiment names its site and both windows, a kappa one its map year (simulated)."""
    import datetime as dt

    out = []
    exps = _get(cfg, "calibration.experiments")
    if not isinstance(exps, Mapping):
        return out
    for name, e in exps.items():
        if not isinstance(e, Mapping):
            continue
        key = f"calibration.experiments.{name}"
        if e.get("objective") == "nse":
            for need in ("site", "calibration", "validation"):
                if need not in e:
                    out.append((f"{key}.{need}", "required for objective nse"))
            for win in ("calibration", "validation"):
                w = e.get(win)
                if not (isinstance(w, list) and len(w) == 2 and all(isinstance(d, str) for d in w)):
                    continue
                try:
                    a, b = (dt.date.fromisoformat(d) for d in w)
                except ValueError as exc:
                    out.append((f"{key}.{win}", f"{w} is not a pair of dates ({exc})"))
                    continue
                if a > b:
                    out.append((f"{key}.{win}", f"{w} is reversed: the first day is after the "
                                                "last"))
                elif sim and not (sim[0] <= a.year and b.year <= sim[1]):
                    out.append((f"{key}.{win}", f"{w[0]} to {w[1]} is not inside "
                                                f"simulation.years {sim[0]}-{sim[1]}"))
        elif e.get("objective") == "kappa":
            year = e.get("map_year")
            if not _is_num(year):
                out.append((f"{key}.map_year", "required for objective kappa"))
            elif sim and not sim[0] <= year <= sim[1]:
                out.append((f"{key}.map_year", f"{year} is not inside simulation.years "
                                               f"{sim[0]}-{sim[1]}"))
    return out


def config_json(text: str, what: str = "--config-json") -> dict:
    """The JSON object of a sub-command's ``--config-json`` (the rule passes the config sections
    it needs); anything else is an :class:`InputError` naming the option ``what``."""
    import json

    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc}", field=what) from None
    if not isinstance(value, dict):
        raise InputError("must be a JSON object", field=what)
    return value


def check(config: Any) -> dict:
    """The config checked in full, returned with every default filled in.

    Raises :class:`ConfigError` listing every problem: the schema's (unknown keys, types,
    ranges, list lengths) and :func:`cross_key_problems`.
    """
    if not isinstance(config, Mapping):
        raise ConfigError([("(top level)", f"expected a mapping, got {config!r}")])
    filled = with_defaults(config)
    problems = schema_problems(filled) + cross_key_problems(filled)
    if problems:
        raise ConfigError(problems)
    return filled


def refusal(err: InputError) -> str:
    """The console text of a refused configuration: a header line, then one line per problem
    (``config <key.path>: <reason>``). The Snakefile exits with it (``sys.exit``), so Snakemake
    prints it alone, without a traceback, and exits with status 1 before any job."""
    lines = str(err) if isinstance(err, ConfigError) else f"config {err}"
    return f"noahperm: configuration refused, no job started (docs/reliability.md):\n{lines}"


def read_members(path: str | Path) -> list[dict]:
    """The members table (config ``members``) checked in full: one dict per row.

    Tab-separated with the header ``experiment member parameters`` (``#`` starts a comment);
    each row valid by ``members.schema.yaml``, each (experiment, member) once, and each
    parameter file present (relative to the table's folder; empty = the default model). The
    rows' ``parameters`` are returned as paths (``""`` for the default model). Raises
    :class:`ConfigError` with one problem per bad row, keyed ``members (<path>:<line>)``.
    """
    import jsonschema

    path = Path(path)
    if not path.is_file():
        raise ConfigError([("members", f"the members table {path} does not exist")])
    sch = members_schema()
    validator = jsonschema.validators.validator_for(sch)(sch)
    problems: list[tuple[str, str]] = []
    rows: list[dict] = []
    header: list[str] | None = None
    seen: dict[tuple[str, str], int] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            text = line.split("#", 1)[0].rstrip("\r\n")
            if not text.strip():
                continue
            fields = next(csv.reader([text], delimiter="\t"))
            where = f"members ({path}:{lineno})"
            if header is None:
                header = fields
                want = list(sch["required"])
                if fields != want:
                    problems.append((where, f"header {fields} is not {want} (tab-separated)"))
                    break
                continue
            if len(fields) != len(header):
                problems.append((where, f"{len(fields)} tab-separated fields, expected "
                                        f"{len(header)} ({', '.join(header)})"))
                continue
            row = dict(zip(header, fields, strict=True))
            errs = list(validator.iter_errors(row))
            if errs:
                problems += [(where, f"{key_path(e.absolute_path)}: {e.message}") for e in errs]
                continue
            key = (row["experiment"], row["member"])
            name = f"member {key[0]}/{key[1]}"
            if key in seen:
                problems.append((where, f"{name} is listed twice (first on line {seen[key]})"))
                continue
            seen[key] = lineno
            if row["parameters"]:
                row["parameters"] = str(path.parent / row["parameters"])
                if not Path(row["parameters"]).is_file():
                    problems.append((where, f"{name}: parameter file {row['parameters']} "
                                            "does not exist"))
                    continue
            rows.append(row)
    if header is None:
        problems.append((f"members ({path})", "empty table: no header line"))
    if problems:
        raise ConfigError(problems)
    return rows


def digest(value: Any, length: int = 16) -> str:
    """Hex SHA-256 (first ``length`` characters) of ``value``'s canonical JSON."""
    text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:length]

"""The workflow configuration: its schema, its defaults and its identity.

The schema ``noahperm/data/config.schema.yaml`` is the one source of every default: the
Snakefile validates the user's config against it (``snakemake.utils.validate``, which fills in
the defaults), and code that receives a config section outside Snakemake (tests, benchmarks,
notebooks) completes it with :func:`with_defaults` instead of writing defaults of its own.

:func:`digest` is the one identity of a configuration (or any JSON-able value): a SHA-256 of
its canonical JSON (sorted keys), used by checkpoints and store markers.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

SCHEMA_RESOURCE = "config.schema.yaml"


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
    (validation is Snakemake's, or :func:`validate`'s).
    """
    sch = schema()
    if section is not None:
        sch = sch["properties"][section]
    return _fill(copy.deepcopy(dict(config or {})), sch)


def validate(config: Mapping) -> dict:
    """Validate ``config`` against the schema and return it with the defaults filled in.

    Raises ``jsonschema.ValidationError`` naming the offending key path.
    """
    import jsonschema

    filled = with_defaults(config)
    jsonschema.validate(filled, schema())
    return filled


def digest(value: Any, length: int = 16) -> str:
    """Hex SHA-256 (first ``length`` characters) of ``value``'s canonical JSON."""
    text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:length]

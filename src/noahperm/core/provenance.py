"""Code versions: hashes of the package sources that compute a product.

A product is stale when the code that computes it changes, not only when its inputs or
settings do. :func:`source_digest` hashes the ``.py`` files of named parts of the package; the
rule files pass each rule's digest as a ``code`` parameter (``workflow/rules/common.smk``,
:data:`STAGE_SOURCES`), so Snakemake reruns a rule, and what depends on it, after an edit of
its stage's code (its "params" rerun trigger). The simulation engine puts the same kind of
digest into every checkpoint identity (``noahperm.simulation.engine.CODE_VERSION``), so a
checkpoint never outlives an edit of the physics. Standard library only (read while the
workflow is parsed). docs/reliability.md.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

__all__ = ["PACKAGE_DIR", "STAGE_SOURCES", "source_digest", "stage_code_version"]

#: The ``noahperm`` package directory.
PACKAGE_DIR = Path(__file__).resolve().parent.parent

#: The parts of the package whose code determines each stage's products (package-relative
#: folders or files). The shared helpers of ``core/`` (I/O, errors, the variable registry)
#: are left out on purpose: an edit there changes how a product is written or reported, not
#: its values, and would otherwise rerun everything.
STAGE_SOURCES = {
    "demo_inputs": ("demo_world/generator", "core/layout.py"),
    "inputs": ("inputs", "core/layout.py"),
    "simulation": ("kernel", "model", "simulation"),
    "truth": ("kernel", "model", "simulation", "demo_world/truth", "diagnostics/permafrost.py"),
    "diagnostics": ("diagnostics",),
    "figures": ("figures", "trends/stats.py", "diagnostics/permafrost.py"),
    "trends": ("trends",),
    "validation": ("validation", "trends/stats.py", "trends/stage.py",
                   "diagnostics/permafrost.py", "inputs/observations"),
    "calibration": ("kernel", "model", "simulation", "diagnostics/permafrost.py",
                    "inputs/maps.py", "calibration"),
    "sensitivity": ("kernel", "model", "simulation", "sensitivity",
                    "diagnostics/permafrost.py"),
    "ensemble": ("ensemble", "trends/stats.py", "diagnostics/permafrost.py"),
}


@cache
def source_digest(*parts: str) -> str:
    """SHA-1 (16 hex digits) of the ``.py`` files of ``parts`` (package-relative folders,
    searched recursively, or files), by relative path and content, in sorted order."""
    files = set()
    for part in parts:
        path = PACKAGE_DIR / part
        if path.is_dir():
            files.update(path.rglob("*.py"))
        elif path.is_file():
            files.add(path)
        else:
            raise FileNotFoundError(f"no package part {part!r} under {PACKAGE_DIR}")
    h = hashlib.sha1()
    for path in sorted(files):
        h.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def stage_code_version(stage: str) -> str:
    """The code version of a stage (:data:`STAGE_SOURCES`)."""
    return source_digest(*STAGE_SOURCES[stage])

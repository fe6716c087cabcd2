"""Shared pytest set-up.

- ``NUMBA_CACHE_DIR`` defaults to ``<repo>/.cache/numba`` (set before any test imports numba).
- ``shared_dir``: the project's shared material, a sibling of the repository root (CI clones the
  repository elsewhere and places ``shared/`` beside it). Tests using it are marked ``reference``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"

os.environ.setdefault("NUMBA_CACHE_DIR", str(REPO / ".cache" / "numba"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` beside the repository; fails under CI (env ``CI`` set), else skips."""
    if not SHARED.is_dir():
        reason = f"shared material not found: {SHARED} (expected beside the repository root)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return SHARED


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "shared_dir" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.reference)

"""Shared pytest set-up.

- ``NUMBA_CACHE_DIR`` defaults to ``<repo>/.cache/numba`` (set before any test imports numba).
- ``NOAHPERM_POINT_BUILD`` defaults to ``jit``: point runs in the tests (the Fortran reference
  tests included) use the Numba JIT build, whatever AOT build the tree holds; the AOT build is
  tested against it bit for bit (``tests/test_point_aot.py``, fixture ``aot_dir``).
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
os.environ.setdefault("NOAHPERM_POINT_BUILD", "jit")


@pytest.fixture(scope="session")
def aot_dir(tmp_path_factory) -> Path:
    """A folder with an AOT build of the point kernel, compiled for this session from the
    current sources (``noahperm.point.aot_build.build``, about 30 s). Needs a C compiler: fails
    under CI (env ``CI`` set, where gcc is), else skips when the build fails."""
    out = tmp_path_factory.mktemp("aot")
    try:
        from noahperm.point.aot_build import build

        build(out)
    except Exception as exc:
        reason = f"the AOT build of the point kernel failed: {type(exc).__name__}: {exc}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return out


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

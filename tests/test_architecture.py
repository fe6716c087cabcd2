"""The package's layering: sub-packages import only those below them (docs/architecture.md).

Checked on the source (every ``import``/``from ... import`` of a ``noahperm`` module, at any
depth in the file, including imports inside functions), so a lazy import cannot hide an
upward dependency either.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "noahperm"

#: Sub-packages from the bottom up; a package may import its own and those of lower layers.
LAYERS = [
    {"kernel"},
    {"core"},
    {"model"},
    {"inputs", "point"},
    {"diagnostics"},
    {"simulation"},
    {"demo_world", "sensitivity", "calibration"},
    {"trends"},
    {"validation", "ensemble"},
    {"figures"},
    {"cli", "__init__"},
    {"__main__"},
]
LEVEL = {name: i for i, layer in enumerate(LAYERS) for name in layer}


def _imports(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    pkg = path.relative_to(SRC.parent).with_suffix("").parts
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                base = list(pkg[:-node.level]) if path.name != "__init__.py" else \
                    list(pkg[:len(pkg) - node.level + 1])
                yield node.lineno, ".".join(base + ([node.module] if node.module else []))
            elif node.module:
                yield node.lineno, node.module


def _top(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "noahperm":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_subpackage_has_a_layer():
    found = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    found |= {p.stem for p in SRC.glob("*.py")}
    assert found <= set(LEVEL), f"not in LAYERS: {sorted(found - set(LEVEL))}"


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_no_upward_import(path):
    own = path.relative_to(SRC).parts[0].removesuffix(".py")
    bad = []
    for line, module in _imports(path):
        top = _top(module)
        if top is None or top == own:
            continue
        if LEVEL[top] >= LEVEL[own] and not (own in ("cli", "__main__") and top == "__init__"):
            bad.append(f"line {line}: {module} ({top} is not below {own})")
    assert not bad, "\n".join(bad)

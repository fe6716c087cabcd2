"""Figures are reproducible files: the same figure written twice (a rerun, a run on a cluster
compared with a local one) gives the same bytes in every format (no creation date in SVG or
PDF, fixed SVG element ids)."""

from __future__ import annotations

import time

from noahperm.figures.style import pyplot, save


def _write(d):
    plt = pyplot()
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3], [2, 1, 3])
    ax.set_title("a figure")
    save(fig, d / "f.png", d / "f.svg", d / "f.pdf")
    return {e: (d / f"f.{e}").read_bytes() for e in ("png", "svg", "pdf")}


def test_the_same_figure_gives_the_same_bytes(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = _write(tmp_path / "a")
    time.sleep(1.1)  # a creation date in seconds would differ
    b = _write(tmp_path / "b")
    for fmt in a:
        assert a[fmt] == b[fmt], fmt

"""The figures' shared look and writing: a headless pyplot with one set of defaults (fonts,
grid, colours of the experiments), unit labels for axes and colour bars, and atomic writing of
one figure to several formats (PNG for the report, SVG or PDF as vector copies).

Used by Figures 9 and 10; the older figure modules keep their own lines until they are next
edited (their look is the same: matplotlib's defaults, 120 dpi PNG)."""

from __future__ import annotations

from pathlib import Path

from noahperm.core.fileio import atomic_file

#: Raster resolution of every PNG [dots per inch].
DPI = 120

#: A fixed colour per experiment, so that an experiment looks the same in every figure.
EXPERIMENT_COLOURS = {"CaliFree": "#7f7f7f", "CaliTGL": "#1f77b4", "CaliTSH": "#d62728",
                      "CaliMAP": "#2ca02c"}

#: Printed units of the units strings of the products (CF-ish ``units`` attributes, column
#: suffixes of the CSVs): temperature changes in K are printed as °C (the same size).
UNIT_TEXT = {"m": "m", "degC": "°C", "K": "°C", "km2": "km²", "1": "-", "%": "%"}

_RC = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.5,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "savefig.bbox": "tight",
    "svg.fonttype": "none",  # text stays text in the SVG
    "svg.hashsalt": "noahperm",  # the SVG's element ids the same in every run
}

#: No creation date in the files: a rerun (or a run on a cluster) writes the same bytes.
_METADATA = {"png": {}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}


def pyplot():
    """matplotlib.pyplot on the headless Agg backend with the figures' defaults."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(_RC)
    return plt


def unit_text(units: str) -> str:
    """Printed form of a units string: ``degC`` -> ``°C``; a rate ``X (10 a)-1`` ->
    ``X/decade``; unknown strings as given."""
    units = units.strip()
    if units.endswith("(10 a)-1"):
        return unit_text(units[: -len("(10 a)-1")]) + "/decade"
    return UNIT_TEXT.get(units, units)


def experiment_colour(experiment: str, k: int = 0) -> str:
    """The experiment's colour (:data:`EXPERIMENT_COLOURS`), else matplotlib's k-th."""
    return EXPERIMENT_COLOURS.get(experiment, f"C{k % 10}")


def save(fig, *paths, dpi: int = DPI) -> None:
    """Write ``fig`` to each path (format from its suffix: png, svg, pdf), each atomically,
    parent folders created; then close it."""
    import matplotlib.pyplot as plt

    try:
        for path in paths:
            path = Path(path)
            fmt = path.suffix.lstrip(".").lower()
            if fmt not in ("png", "svg", "pdf"):
                raise ValueError(f"{path}: unknown figure format {fmt!r} (png, svg, pdf)")
            with atomic_file(path, parents=True) as tmp:
                with plt.rc_context({"svg.hashsalt": _RC["svg.hashsalt"]}):
                    fig.savefig(tmp, dpi=dpi, format=fmt, metadata=_METADATA[fmt])
    finally:
        plt.close(fig)

"""Figure 7: observed against simulated ALT, TTOP and GT10m of one experiment, annual values
(top row, one point per cell and year) and change rates (bottom row, one point per cell
series), with the 1:1 line (solid) and +-1 unit lines (dashed: 1 m, 1 degC, 1 unit per
decade), and each panel's n, RMSE and MBE (model - observed) over the network. Read from
``pairs.csv`` (rule validate)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from noahperm.core.fileio import atomic_file

UNITS = {"ALT": "m", "TTOP": "°C", "GT10m": "°C"}


def make_figure(pairs_csv, experiment: str, png) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    p = pd.read_csv(pairs_csv)
    p = p[p["experiment"] == experiment]
    fig, axes = plt.subplots(2, 3, figsize=(11, 7.2))
    for row, kind in enumerate(("annual", "rate")):
        for col, var in enumerate(UNITS):
            ax = axes[row, col]
            g = p[(p["variable"] == var) & (p["kind"] == kind)]
            unit = UNITS[var] + ("/10a" if kind == "rate" else "")
            o, m = g["observed"].to_numpy(float), g["model"].to_numpy(float)
            if len(g):
                lo = float(np.nanmin([o.min(), m.min()])) - 1.2
                hi = float(np.nanmax([o.max(), m.max()])) + 1.2
                ax.scatter(o, m, s=14, alpha=0.75, color="C0" if kind == "annual" else "C1")
                d = m - o
                ax.text(0.03, 0.97, f"n = {len(d)}\nRMSE = {np.sqrt(np.mean(d ** 2)):.2f} {unit}"
                        f"\nMBE = {np.mean(d):.2f} {unit}", transform=ax.transAxes, va="top",
                        fontsize=8)
            else:
                lo, hi = -1.0, 1.0
                ax.text(0.5, 0.5, "no pairs", ha="center", transform=ax.transAxes)
            xs = np.array([lo, hi])
            ax.plot(xs, xs, "k-", lw=1)
            ax.plot(xs, xs + 1, "k--", lw=0.8)
            ax.plot(xs, xs - 1, "k--", lw=0.8)
            ax.set_xlim(lo, hi)
            ax.set_ylim(lo, hi)
            ax.set_aspect("equal")
            what = "mean annual" if kind == "annual" else "change rate of"
            ax.set_title(f"({'abcdef'[3 * row + col]}) {what} {var}", fontsize=10)
            ax.set_xlabel(f"observed [{unit}]")
            ax.set_ylabel(f"simulated [{unit}]")
    fig.suptitle(f"Figure 7 analogue: {experiment} against the observation network "
                 "(1:1 solid, ±1 dashed)")
    fig.tight_layout()
    Path(png).parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(png) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)

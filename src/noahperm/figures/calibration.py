"""Figure 5 of the paper: the objective trajectory of each calibration with the fitted
piecewise-linear segments (BIC) and the convergence threshold; the optimal sets and the drawn
members marked."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from noahperm.core.fileio import atomic_file, ensure_dir


def plot_calibration(experiment_dirs, png) -> None:
    """``experiment_dirs``: results/calibration/<experiment> folders (history.csv,
    threshold.json); one panel each."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dirs = [Path(d) for d in experiment_dirs]
    fig, axes = plt.subplots(1, len(dirs), figsize=(4.2 * len(dirs), 3.4), squeeze=False)
    for ax, d in zip(axes[0], dirs, strict=True):
        h = pd.read_csv(d / "history.csv")
        t = json.loads((d / "threshold.json").read_text())
        it, y = h["iteration"].to_numpy(), h["objective"].to_numpy()
        ax.plot(it, y, ".", color="0.55", ms=4, label="evaluated sets")
        opt = y >= t["threshold"]
        ax.plot(it[opt], y[opt], ".", color="tab:blue", ms=5, label=f"optimal ({opt.sum()})")
        mem = np.array(t["member_iterations"]) - 1
        ax.plot(it[mem], y[mem], "o", mfc="none", color="tab:red", ms=7, label="members")
        for s in t["segments"]:
            x = np.arange(s["start"], s["stop"])
            ax.plot(x + 1, s["intercept"] + s["slope"] * x, "-", color="k", lw=1.2)
        for b in t["breakpoints"]:
            ax.axvline(b + 0.5, color="k", ls=":", lw=0.8)
        ax.axhline(t["threshold"], color="tab:red", ls="--", lw=1,
                   label=f"threshold {t['threshold']:.3f}")
        name = "NSE" if t["objective"] == "nse" else "Kappa"
        lo = np.nanpercentile(y, 5)
        ax.set_ylim(max(lo - 0.05 * (np.nanmax(y) - lo), -1.0 if name == "Kappa" else lo - 0.5),
                    np.nanmax(y) + 0.05 * (np.nanmax(y) - lo) + 1e-6)
        ax.set_xlabel("iteration")
        ax.set_ylabel(f"{name} [-]")
        ax.set_title(f"{t['experiment']}: {len(t['parameters'])} parameters, "
                     f"{len(t['breakpoints'])} break(s)", fontsize=9)
        ax.legend(fontsize=6, loc="lower right")
    fig.tight_layout()
    ensure_dir(Path(png).parent)
    with atomic_file(png) as tmp:
        fig.savefig(tmp, dpi=130, format="png")
    plt.close(fig)


def plot_site_series(series_csv, png, title: str) -> None:
    """Observed and simulated (default, best) daily soil temperature at each depth of a site,
    calibration and validation windows (the paper's Figures S4 and S6)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    df = pd.read_csv(series_csv, parse_dates=["date"])
    depths = sorted(df["depth_m"].unique())
    fig, axes = plt.subplots(len(depths), 1, figsize=(8, 1.6 * len(depths) + 0.6), sharex=True,
                             squeeze=False)
    for ax, z in zip(axes[:, 0], depths, strict=True):
        d = df[df["depth_m"] == z]
        ax.plot(d["date"], d["observed_degC"], ".", color="k", ms=1.5, label="observed")
        ax.plot(d["date"], d["default_degC"], "-", color="tab:blue", lw=0.8, label="default")
        ax.plot(d["date"], d["best_degC"], "-", color="tab:red", lw=0.8, label="best set")
        val = d.loc[d["period"] == "validation", "date"]
        if len(val):
            ax.axvspan(val.min(), val.max(), color="0.9", zorder=0)
        ax.set_ylabel(f"{100 * z:.0f} cm [degC]", fontsize=8)
    axes[0, 0].legend(fontsize=7, ncol=3, loc="upper left")
    axes[0, 0].set_title(title + " (validation shaded)", fontsize=9)
    fig.tight_layout()
    ensure_dir(Path(png).parent)
    with atomic_file(png) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)

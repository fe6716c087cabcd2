"""Figure 6: ranking of the experiments by RMSE against the independent observations.

A matrix: one row per ``site_variable`` (ALT and TTOP per observation site, i.e. per model
cell; GT10m per survey region), one column per experiment; the cell's colour and number are
the experiment's rank (1 = smallest RMSE), grey where no validation applies (the
experiment's calibration site, or no paired year). Read from ``ranking.csv`` (rule validate).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from noahperm.core.fileio import atomic_file


def make_figure(ranking_csv, png) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import BoundaryNorm, ListedColormap

    r = pd.read_csv(ranking_csv)
    experiments = list(dict.fromkeys(r["experiment"]))
    r["row"] = r["site"].astype(str) + "_" + r["variable"]
    rows = list(dict.fromkeys(r.sort_values(["variable", "site"])["row"]))
    mat = r.pivot_table(index="row", columns="experiment", values="rank",
                        aggfunc="first", dropna=False).reindex(index=rows,
                                                               columns=experiments)
    nexp = max(len(experiments), 1)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.2 * nexp + 4.0),
                                    max(3.2, 0.32 * max(len(rows), 1) + 2.0)))
    if len(rows):
        cmap = ListedColormap(plt.get_cmap("viridis_r", nexp)(np.arange(nexp)))
        cmap.set_bad("0.8")
        norm = BoundaryNorm(np.arange(0.5, nexp + 1.5), cmap.N)
        data = np.ma.masked_invalid(mat.to_numpy(float))
        im = ax.pcolormesh(data, cmap=cmap, norm=norm, edgecolors="white", linewidth=1)
        for i in range(data.shape[0]):
            for j in range(data.shape[1]):
                if not data.mask[i, j]:
                    r, g, b, _ = cmap(norm(data[i, j]))
                    ax.text(j + 0.5, i + 0.5, f"{int(data[i, j])}", ha="center", va="center",
                            color="black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5
                            else "white")
        ax.set_yticks(np.arange(len(rows)) + 0.5, rows, fontsize=8)
        cb = fig.colorbar(im, ax=ax, ticks=np.arange(1, nexp + 1))
        cb.set_label("rank by RMSE (1 = best)")
    else:
        ax.text(0.5, 0.5, "no site with observations and model values", ha="center",
                transform=ax.transAxes)
    ax.set_xticks(np.arange(nexp) + 0.5, experiments)
    ax.invert_yaxis()
    ax.set_xlabel("experiment")
    ax.set_ylabel("site or survey region _ variable")
    ax.set_title("Figure 6 analogue: ranking by RMSE\n(grey: not applicable)", fontsize=10)
    fig.tight_layout()
    Path(png).parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(png) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)

"""Figures of the sensitivity analysis (paper Figure 4 and Figures S1-S3; docs/sensitivity.md).

- ``fig4_sensitivity.png``: the rank heatmap, one row per response (cell, variable, depth) and
  one column per parameter (in the order of the overall rank), the rank of each parameter in
  each response (1 = largest IVARS50, competition ranks), with the overall rank as the last
  row; the selected parameters are marked, and the paper's ten in bold.
- ``figS<i>_sensitivity_ivars50.png``: IVARS50 of every parameter for the six responses of
  cell i (log scale, zero drawn at the axis floor), with the bootstrap interval when present.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from noahperm.core.fileio import atomic_file


def _save(fig, png) -> None:
    import matplotlib.pyplot as plt

    Path(png).parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(png) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)


def rank_heatmap(ranking_csv, cells_json, png) -> None:
    """Figure 4: ranks (responses x parameters) and the overall rank."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rk = pd.read_csv(ranking_csv).sort_values("overall")
    responses = json.loads(Path(cells_json).read_text())["responses"]
    ranks = rk[responses].to_numpy(float).T  # responses x parameters
    data = np.vstack([ranks, rk["overall"].to_numpy(float)[None, :]])
    n = len(rk)
    fig, ax = plt.subplots(figsize=(max(8.0, 0.36 * n + 2.5), 0.34 * (len(responses) + 1) + 2.2))
    im = ax.imshow(data, cmap="viridis_r", vmin=1, vmax=n, aspect="auto")
    for (i, j), v in np.ndenumerate(data):
        ax.text(j, i, f"{int(v)}", ha="center", va="center", fontsize=6,
                color="white" if v < 0.6 * n else "black")
    ax.axhline(len(responses) - 0.5, color="white", lw=2)
    ax.set_yticks(range(len(responses) + 1))
    ax.set_yticklabels([r.replace("_", " ") for r in responses] + ["overall"], fontsize=7)
    ax.set_xticks(range(n))
    labels = ax.set_xticklabels(rk["parameter"], rotation=90, fontsize=7)
    for lab, sel, paper in zip(labels, rk["selected"], rk["paper_top10"], strict=True):
        if paper:
            lab.set_fontweight("bold")
        if sel:
            lab.set_color("tab:red")
    fig.colorbar(im, ax=ax, fraction=0.025, pad=0.01, label="rank by IVARS50 (1 = most sensitive)")
    ax.set_title("Parameter ranks by IVARS50 per response; overall = rank of the score "
                 "(red: selected, bold: the paper's ten)", fontsize=9)
    fig.tight_layout()
    _save(fig, png)


def ivars_per_cell(ivars_csv, cells_json, pngs) -> None:
    """Figures S1-S3: IVARS50 per parameter for the responses of each analysis cell."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    iv = pd.read_csv(ivars_csv)
    info = json.loads(Path(cells_json).read_text())
    cells = info["cells"]
    if len(pngs) != len(cells):
        raise ValueError(f"{len(pngs)} figure paths for {len(cells)} cells")
    order = list(dict.fromkeys(iv["parameter"]))
    for cell, png in zip(cells, pngs, strict=True):
        sub = iv[iv["cell"] == cell["name"]]
        resp = list(dict.fromkeys(sub["response"]))
        fig, axes = plt.subplots(2, 1, figsize=(11, 6.5), sharex=True)
        for ax, var, unit in zip(axes, ("T", "SM"), ("K$^2$", "(m$^3$ m$^{-3}$)$^2$"),
                                 strict=True):
            rs = [r for r in resp if r.split("_")[1] == var]
            width = 0.8 / max(1, len(rs))
            floor = None
            for k, r in enumerate(rs):
                t = sub[sub["response"] == r].set_index("parameter").reindex(order)
                v = t["IVARS50"].to_numpy(float)
                pos = v[v > 0]
                f = pos.min() / 10 if pos.size else 1e-12
                floor = f if floor is None else min(floor, f)
                x = np.arange(len(order)) + (k - (len(rs) - 1) / 2) * width
                yerr = None
                if "IVARS50_lb" in t:
                    lo = np.clip(v - t["IVARS50_lb"].to_numpy(float), 0, None)
                    hi = np.clip(t["IVARS50_ub"].to_numpy(float) - v, 0, None)
                    yerr = np.vstack([lo, hi])
                ax.bar(x, np.where(v > 0, v, np.nan), width, yerr=yerr, capsize=1,
                       error_kw={"lw": 0.5}, label=f"{r.split('_')[2]}")
            ax.set_yscale("log")
            if floor:
                ax.set_ylim(bottom=floor)
            ax.set_ylabel(f"IVARS50 [{unit}]")
            ax.set_title(f"{'soil temperature' if var == 'T' else 'liquid soil moisture'}",
                         fontsize=9)
            ax.legend(title="node nearest", fontsize=7, title_fontsize=7, ncol=3)
            ax.grid(axis="y", alpha=0.3)
        axes[-1].set_xticks(range(len(order)))
        axes[-1].set_xticklabels(order, rotation=90, fontsize=7)
        fig.suptitle(f"IVARS50 at cell {cell['name']} (model cell {cell['cell']}, "
                     f"{cell['lon']:.2f} E, {cell['lat']:.2f} N; {info['soil'].lower()} "
                     f"profile); responses of {info['years'][1]}; zero IVARS not drawn",
                     fontsize=9)
        fig.tight_layout()
        _save(fig, png)

"""Figure S8: the spread of the calibrated ensembles. One column per experiment; rows: the
permafrost area, the regional mean ALT and the regional mean MAGT per year of every member
(thin lines) and their ensemble mean (thick), 1980 onwards. From each member's ``area.csv``
and ``regional_means.csv`` (read by :func:`noahperm.trends.stage.member_series`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from noahperm.figures.ensemble import COLOURS, save

ROWS = (("permafrost_area_km2", 1e-3, "permafrost area (10$^3$ km$^2$)"),
        ("ALT_m", 1.0, "mean ALT (m)"),
        ("MAGT_degC", 1.0, "mean MAGT (°C)"))


def member_dirs_by_experiment(dirs):
    """{experiment: [member dirs]} of results/<experiment>/<member> folders, in order."""
    out: dict[str, list[Path]] = {}
    for d in map(Path, dirs):
        out.setdefault(d.parent.name, []).append(d)
    return out


def make_figure(member_dirs, png, pdf=None, first_year: int = 1980) -> None:
    """Figure S8 from the members' folders (results/<experiment>/<member>)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from noahperm.trends.stage import member_series

    groups = member_dirs_by_experiment(member_dirs)
    ncol = len(groups)
    fig, axes = plt.subplots(len(ROWS), ncol, figsize=(4.4 * ncol, 8.4), sharex=True,
                             squeeze=False)
    for j, (e, dirs) in enumerate(groups.items()):
        series = [member_series(d / "area.csv", d / "regional_means.csv") for d in dirs]
        c = COLOURS[j % len(COLOURS)]
        for r, (var, scale, label) in enumerate(ROWS):
            ax = axes[r, j]
            stack = []
            for s in series:
                s = s[s["year"] >= first_year].sort_values("year")
                if var not in s:
                    continue
                ax.plot(s["year"], s[var] * scale, color="0.6", lw=0.7)
                stack.append(s[var].to_numpy(float) * scale)
                yr = s["year"].to_numpy()
            if stack:
                ax.plot(yr, np.nanmean(np.vstack(stack), axis=0), color=c, lw=2.0,
                        label=f"ensemble mean ({len(stack)} members, thin: each)")
                if r == 0:
                    ax.legend(fontsize=8)
            ax.grid(alpha=0.3)
            if j == 0:
                ax.set_ylabel(label)
            if r == 0:
                ax.set_title(f"{e}", fontsize=11)
            if r == len(ROWS) - 1:
                ax.set_xlabel("year")
    fig.suptitle("Figure S8: spread of the calibrated ensembles' members", fontsize=12)
    fig.tight_layout()
    save(fig, png, pdf)
    plt.close(fig)

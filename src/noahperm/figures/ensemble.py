"""Figure 8: the calibrated ensembles' change 1980-2018 (one figure over the experiments).

(a) per-cell Sen's slope of MAAT over the change period CR (``trends/<e>/trend_maps.zarr`` of
the first experiment: the forcing is the same for every member, so the map is the same for all
experiments; dots: Mann-Kendall p < 0.05), diverging colour scale centred on 0;
(b) permafrost area and (c) SFG area per year: each experiment's ensemble mean with its 95 %
CI band (``trends/<e>/series.csv``) and the 2010 map's permafrost area (the same number as
the permafrost_area figure, ``figures.permafrost_area.map_area_km2``);
(d...) per experiment, the members' votes (``ensemble/<e>/cells.zarr``): gain votes minus
loss votes per cell, from -n (every member loses permafrost) to +n (every member gains),
diverging colour scale.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from noahperm.figures import cell_map

COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown")


def period_index(ds, name: str = "CR") -> int:
    """Position of the change period ``name`` in a trend_maps store (its ``period_names``);
    the last period if there is no such name."""
    names = str(ds["period"].attrs.get("period_names", "")).split()
    return names.index(name) if name in names else len(names) - 1 if names else 0


def read_series(series_csv, variable: str) -> pd.DataFrame:
    """year, mean, ci of one variable of a trends series.csv."""
    from noahperm.core.errors import InputError

    df = pd.read_csv(series_csv)
    missing = [c for c in ("variable", "year", "mean", "ci") if c not in df.columns]
    if missing:
        raise InputError("missing column(s) (rerun the trends stage)", path=series_csv,
                         field=", ".join(missing))
    return df[df["variable"] == variable].sort_values("year")


def save(fig, png, pdf=None) -> None:
    """Write ``fig`` as PNG (and PDF) atomically (``figures.style.save``: no creation date in
    the files) and close it."""
    from noahperm.figures.style import save as save_figure

    save_figure(fig, png, *([pdf] if pdf is not None else []))


def make_figure(experiments, trend_maps, series, cells, raw_dir, png, pdf=None,
                first_year: int = 1980, map_year: int = 2010) -> None:
    """Figure 8 for ``experiments`` (names) from, per experiment in the same order, its
    ``trend_maps`` store, ``series`` csv and ensemble ``cells`` store; the permafrost map's
    area (year ``map_year``, paper 2010) from ``raw_dir`` when the map exists."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from noahperm.core.zarrio import open_complete
    from noahperm.figures.permafrost_area import map_area_km2

    n = len(experiments)
    ncol = max(3, n)
    fig, axes = plt.subplots(2, ncol, figsize=(4.6 * ncol, 8.4), squeeze=False)
    letters = iter("abcdefghijklmnop")

    tm = open_complete(trend_maps[0], product="trend_maps")
    k = period_index(tm)
    a, b = int(tm["first_year"].values[k]), int(tm["last_year"].values[k])
    slope = tm["MAAT_slope"].values[k]
    lim = float(np.nanmax(np.abs(slope))) if np.isfinite(slope).any() else 1.0
    cell_map.draw(axes[0, 0], tm["lon"].values, tm["lat"].values, slope, cmap="RdBu_r",
                  vmin=-lim, vmax=lim, label="MAAT trend (K per decade)",
                  marks=tm["MAAT_p"].values[k] < 0.05)
    axes[0, 0].set_title(f"({next(letters)}) MAAT trend {a}-{b} (dots: p < 0.05)", fontsize=10)

    map_area = map_area_km2(raw_dir) if raw_dir is not None else None
    for ax, var, what in ((axes[0, 1], "permafrost_area_km2", "permafrost area"),
                          (axes[0, 2], "sfg_area_km2", "SFG area")):
        for i, (e, path) in enumerate(zip(experiments, series, strict=True)):
            s = read_series(path, var)
            s = s[s["year"] >= first_year]
            yr = s["year"].to_numpy()
            m = s["mean"].to_numpy(float) / 1e3
            ci = s["ci"].to_numpy(float) / 1e3
            c = COLOURS[i % len(COLOURS)]
            nmem = int(s["n"].max()) if "n" in s and len(s) else 0
            ax.plot(yr, m, color=c, lw=1.6, ls=("-", "--", "-.", ":")[i % 4],
                    label=f"{e} mean (n = {nmem})")
            ax.fill_between(yr, m - ci, m + ci, color=c, alpha=0.25, lw=0)
        if var == "permafrost_area_km2" and map_area is not None:
            ax.plot([map_year], [map_area / 1e3], marker="*", ms=14, color="k", ls="none",
                    label=f"{map_year} permafrost map")
        ax.set_xlabel("year")
        ax.set_ylabel(f"{what} (10$^3$ km$^2$)")
        ax.set_title(f"({next(letters)}) {what}, ensemble mean and 95 % CI", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    for ax in axes[0, 3:]:
        ax.set_visible(False)

    for i, (e, path) in enumerate(zip(experiments, cells, strict=True)):
        ds = open_complete(path, product="ensemble_cells")
        net = ds["votes_gain"].values.astype(float) - ds["votes_loss"].values.astype(float)
        nmax = int(ds["votes_n"].values.max()) if ds.sizes["cell"] else 1
        y0, y1 = ds.attrs.get("votes_first_year", "?"), ds.attrs.get("votes_last_year", "?")
        ax = axes[1, i]
        cell_map.draw(ax, ds["lon"].values, ds["lat"].values, net, cmap="RdBu",
                      vmin=-max(nmax, 1), vmax=max(nmax, 1),
                      label="votes: gain - loss (members)")
        ax.set_title(f"({next(letters)}) {e}: permafrost loss/gain votes {y0}-{y1}\n"
                     f"{int((ds['votes_loss'].values > 0).sum())} cells with a loss vote, "
                     f"{int((ds['votes_gain'].values > 0).sum())} with a gain vote",
                     fontsize=10)
    for ax in axes[1, n:]:
        ax.set_visible(False)
    fig.suptitle("Figure 8: change of the calibrated ensembles", fontsize=12)
    fig.tight_layout()
    save(fig, png, pdf)
    plt.close(fig)

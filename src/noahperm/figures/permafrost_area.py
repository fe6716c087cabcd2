"""Figure: permafrost area 1980-2018 of an experiment member, the 2010 map's area, and MAAT.

Top: permafrost area of the whole domain and of the north-west box (config
``figures.northwest``) with the 2010 permafrost map's area marked and Sen's slope of the
domain series; middle: mean active layer thickness of the permafrost cells (domain and
north-west box), where the north-west's late-1990s cooling shows as a shallower active layer;
bottom: mean annual air temperature of the domain and of the north-west box. The cooling
window is shaded in every panel. Also writes the numbers as CSV.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from noahperm.core.fileio import atomic_file, write_csv
from noahperm.diagnostics.permafrost import PERMAFROST, T0, class_area, regional_mean

log = logging.getLogger(__name__)

COOLING = (1996, 2000)  # the window the figure highlights


def map_area_km2(raw_dir) -> float | None:
    """Permafrost area [km2] of the 2010 map, glacier and lake pixels excluded
    (``noahperm.inputs.maps.permafrost_map_area``); None if the map does not exist."""
    from noahperm.inputs.maps import permafrost_map_area

    a = permafrost_map_area(raw_dir)
    return None if a is None else a["permafrost_km2"]


def sen_slope(y: np.ndarray) -> float:
    """Sen's slope per step of a series (pairwise median; NaN ignored)."""
    y = np.asarray(y, dtype=float)
    i, j = np.triu_indices(y.size, 1)
    d = (y[j] - y[i]) / (j - i)
    d = d[np.isfinite(d)]
    return float(np.median(d)) if d.size else float("nan")


def series(permafrost_zarr, nw_box: dict) -> pd.DataFrame:
    """Per year: permafrost area of the domain and the north-west box [km2], MAAT [degC]."""
    from noahperm.core.zarrio import open_complete

    ds = open_complete(permafrost_zarr, product="permafrost")
    cls = ds["class"].values
    area = ds["area"].values
    nw = (ds["lon"].values < nw_box["lon_max"]) & (ds["lat"].values > nw_box["lat_min"])
    alt = ds["ALT"].values
    out = pd.DataFrame({"year": ds["year"].values,
                        "permafrost_area_km2": class_area(cls, area, PERMAFROST),
                        "nw_permafrost_area_km2": class_area(cls[nw], area[nw], PERMAFROST),
                        "alt_m": regional_mean(alt, area),
                        "nw_alt_m": regional_mean(alt[nw], area[nw])})
    if "MAAT" in ds:
        maat = ds["MAAT"].values - T0
        out["maat_degC"] = regional_mean(maat, area)
        out["nw_maat_degC"] = regional_mean(maat[nw], area[nw])
    return out[out["year"] >= out["year"].min() + 1].reset_index(drop=True)  # classes from y1+1


def plot(df: pd.DataFrame, map_area: float | None, png, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, cx, bx) = plt.subplots(3, 1, figsize=(8.0, 9.0), sharex=True,
                                     gridspec_kw={"height_ratios": [3, 2, 2]})
    yr = df["year"].to_numpy()
    a = df["permafrost_area_km2"].to_numpy() / 1e3
    slope = sen_slope(a) * 10
    ax.plot(yr, a, "o-", color="tab:blue", ms=3,
            label=f"domain (Sen's slope {slope:+.2f} x 10$^3$ km$^2$ per decade)")
    ax.plot(yr, df["nw_permafrost_area_km2"] / 1e3, "s-", color="tab:purple", ms=3,
            label="north-west box")
    if map_area is not None:
        ax.plot([2010], [map_area / 1e3], marker="*", ms=16, color="tab:red", ls="none",
                label="2010 permafrost map")
    for x in (ax, cx, bx):
        x.axvspan(COOLING[0] - 0.5, COOLING[1] + 0.5, color="0.85", zorder=0)
    ax.text(0.5 * sum(COOLING), ax.get_ylim()[1], "late-1990s\nnorth-west cooling",
            ha="center", va="top", fontsize=8, color="0.3")
    cx.plot(yr, df["alt_m"], color="tab:green", label="domain, permafrost cells")
    cx.plot(yr, df["nw_alt_m"], color="tab:olive", ls="--", label="north-west box")
    cx.set_ylabel("mean ALT (m)")
    cx.legend(fontsize=8, loc="upper left")
    cx.grid(alpha=0.3)
    ax.set_ylabel("permafrost area (10$^3$ km$^2$)")
    ax.legend(fontsize=8, loc="lower left")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if "maat_degC" in df:
        bx.plot(yr, df["maat_degC"], color="tab:orange", label="domain")
        bx.plot(yr, df["nw_maat_degC"], color="tab:brown", ls="--", label="north-west box")
        bx.set_ylabel("MAAT (°C)")
        bx.legend(fontsize=8, loc="upper left")
    bx.set_xlabel("year")
    bx.grid(alpha=0.3)
    fig.tight_layout()
    Path(png).parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(png) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)


def make_figure(permafrost, raw_dir, northwest, title, png, csv) -> None:
    """Write the figure ``png`` and its numbers ``csv`` for one member's ``permafrost`` store;
    ``northwest`` = {lon_max [deg E], lat_min [deg N]} of the north-west box."""
    df = series(permafrost, northwest)
    area = map_area_km2(raw_dir)
    df["map2010_permafrost_area_km2"] = np.where(df["year"] == 2010, area, np.nan) \
        if area is not None else np.nan
    write_csv(df, csv)
    plot(df, area, png, title)

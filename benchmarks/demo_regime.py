"""The demo world's ground thermal regime, from a finished run (docs/demo_world.md).

Usage: ``python benchmarks/demo_regime.py [--results DIR] [--member CaliFree/default]
[--years 2001 2010] [--json]`` after ``make demo`` (or ``snakemake --cores 2``). Reads
``DIR/<member>/permafrost.zarr`` (per cell and year: ``class``, ``ALT``, ``GT10m``, ``MAGT``,
``MAAT``), ``DIR/<member>/spinup/convergence.csv`` and ``DIR/inputs/domain.zarr`` (cell
elevation, TBOT) and prints the figures of the table "The ground thermal regime" of
docs/demo_world.md:

- permafrost cells (class 2) and their share of the active cells in the map year (2010) and in
  the first and last classified years; their area [km2];
- over the permafrost cell-years of ``--years`` (default 2001-2010): ALT mean, median, 10th and
  90th percentile, maximum [m], the shares deeper than 4 m and 6 m; GT10m mean, median, 10th
  percentile [degC] and the share in [-4, -0.5] degC; MAGT where defined (DZAA in the column):
  the share of cell-years where it is, mean, median, share in [-4, -0.5] degC;
- the permafrost cells whose ALT, averaged over those years, exceeds 6 m (with MAAT, GT10m and
  whether their spin-up converged);
- the spin-up: cells converged, years run;
- the transition: the permafrost share by quarter of the north-west index (SE to NW).

The plausibility targets of the demo (issue 8) are printed beside the figures; the script only
reports, it does not fail on them (tests/test_demo_dag.py checks them as ranges).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PERMAFROST = 2  # diagnostics class code of permafrost


def regime(results: Path, member: str = "CaliFree/default", years=(2001, 2010),
           map_year: int = 2010) -> dict:
    """The regime figures (a flat dict) of one member's finished run under ``results``."""
    import xarray as xr

    pf = xr.open_zarr(results / member / "permafrost.zarr").load()
    for name in ("GT10m", "MAGT", "MAAT", "TTOP"):  # K (CF units) -> degC
        if name in pf and pf[name].attrs.get("units") == "K":
            pf[name] = pf[name] - 273.15
    cls = pf["class"].values  # (cell, year)
    yrs = pf["year"].values
    area = pf["area"].values if "area" in pf else np.ones(cls.shape[0])
    active = np.isfinite(pf["MAAT"].values).any(axis=1) if "MAAT" in pf else np.ones(
        cls.shape[0], bool)
    ncell = int(active.sum())
    out: dict = {"cells": ncell}

    def n_pf(year):
        return int((cls[:, list(yrs).index(year)] == PERMAFROST).sum())

    iy = list(yrs).index(map_year)
    is_pf = cls[:, iy] == PERMAFROST
    out["pf_cells_map_year"] = int(is_pf.sum())
    out["pf_share_map_year"] = float(is_pf.sum() / ncell)
    out["pf_area_km2"] = float(area[is_pf].sum())
    out["area_km2"] = float(area[active].sum())
    classified = [y for y in yrs if (cls[:, list(yrs).index(y)] > 0).any()]
    out["pf_cells_first_last"] = (n_pf(classified[0]), n_pf(classified[-1]))
    out["first_last_year"] = (int(classified[0]), int(classified[-1]))

    sel = (yrs >= years[0]) & (yrs <= years[1])
    pfy = cls[:, sel] == PERMAFROST
    alt = pf["ALT"].values[:, sel][pfy]
    gt = pf["GT10m"].values[:, sel][pfy]
    magt = pf["MAGT"].values[:, sel][pfy]
    out["pf_cell_years"] = int(pfy.sum())
    out["ALT_mean"], out["ALT_median"] = float(np.mean(alt)), float(np.median(alt))
    out["ALT_p10"], out["ALT_p90"] = (float(v) for v in np.percentile(alt, [10, 90]))
    out["ALT_max"] = float(np.max(alt))
    out["ALT_gt4"], out["ALT_gt6"] = float(np.mean(alt > 4.0)), float(np.mean(alt > 6.0))
    out["GT10m_mean"], out["GT10m_median"] = float(np.mean(gt)), float(np.median(gt))
    out["GT10m_p10"] = float(np.percentile(gt, 10))
    out["GT10m_in_-4_-0.5"] = float(np.mean((gt >= -4.0) & (gt <= -0.5)))
    defined = np.isfinite(magt)
    out["MAGT_defined"] = float(defined.mean())
    m = magt[defined]
    out["MAGT_mean"] = float(np.mean(m)) if m.size else float("nan")
    out["MAGT_median"] = float(np.median(m)) if m.size else float("nan")
    out["MAGT_in_-4_-0.5"] = float(np.mean((m >= -4.0) & (m <= -0.5))) if m.size else float(
        "nan")

    # permafrost cells (in any of the years) whose mean ALT over their permafrost years > 6 m
    alt_c = np.where(pfy, pf["ALT"].values[:, sel], np.nan)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # cells without permafrost: NaN
        mean_alt = np.nanmean(alt_c, axis=1)
    ever = pfy.any(axis=1)
    out["pf_cells_in_years"] = int(ever.sum())
    conv = _convergence(results / member / "spinup" / "convergence.csv")
    cell_ids = pf["cell"].values
    deep = []
    for i in np.flatnonzero(ever & (mean_alt > 6.0)):
        c = conv.get(int(cell_ids[i]), {})
        deep.append({"cell": int(cell_ids[i]), "ALT_m": round(float(mean_alt[i]), 2),
                     "MAAT_degC": round(float(np.nanmean(pf["MAAT"].values[i, sel])), 2),
                     "GT10m_degC": round(float(np.nanmean(pf["GT10m"].values[i, sel])), 2),
                     "spinup_years": c.get("years"), "converged": c.get("converged")})
    out["deep_cells"] = deep
    out["cell_ALT_max"] = float(np.nanmax(mean_alt[ever])) if ever.any() else float("nan")
    if conv:
        yrs_run = np.array([c["years"] for c in conv.values()])
        out["spinup_converged"] = int(sum(c["converged"] for c in conv.values()))
        out["spinup_cells"] = len(conv)
        out["spinup_years_median_max"] = (int(np.median(yrs_run)), int(yrs_run.max()))

    # SE -> NW transition: permafrost share of the map year by quarter of the NW index
    lon, lat = pf["lon"].values, pf["lat"].values
    w = (lon.max() - lon) / max(np.ptp(lon), 1e-9)
    n = (lat - lat.min()) / max(np.ptp(lat), 1e-9)
    s = 0.5 * (w + n)
    q = np.quantile(s[active], [0.25, 0.5, 0.75])
    band = np.digitize(s, q)
    out["pf_share_by_quarter_SE_to_NW"] = [
        float(is_pf[active & (band == k)].mean()) if (active & (band == k)).any() else
        float("nan") for k in range(4)]
    return out


def _convergence(path: Path) -> dict:
    if not path.exists():
        return {}
    rows = {}
    with open(path) as fh:
        for r in csv.DictReader(fh):
            rows[int(r["cell"])] = {"years": int(float(r["years"])),
                                    "converged": str(r["converged"]).lower() in ("true", "1")}
    return rows


TARGETS = {
    "pf_share_map_year": "0.45-0.75",
    "ALT_median": "1.5-3.5 m",
    "ALT_p90": "<= 5 m",
    "cell_ALT_max": "<= 6 m (no permafrost cell deeper on average)",
    "GT10m_median": "about -2 to -0.5 degC",
    "GT10m_in_-4_-0.5": ">= 0.60",
    "MAGT_median": "about -2 to -0.5 degC",
    "pf_share_by_quarter_SE_to_NW": "SE quarter below NW: a transition",
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--results", type=Path, default=ROOT / "results")
    ap.add_argument("--member", default="CaliFree/default")
    ap.add_argument("--years", type=int, nargs=2, default=(2001, 2010))
    ap.add_argument("--map-year", type=int, default=2010)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    a = ap.parse_args(argv)
    pf = a.results / a.member / "permafrost.zarr"
    if not pf.exists():
        print(f"error: {pf} not found: run the demo first (make demo)", file=sys.stderr)
        return 2
    out = regime(a.results, a.member, tuple(a.years), a.map_year)
    if a.json:
        print(json.dumps(out, indent=1))
        return 0
    y0, y1 = a.years
    for key, val in out.items():
        if key == "deep_cells":
            continue
        if isinstance(val, float):
            val = f"{val:.3f}"
        elif isinstance(val, list):
            val = " ".join(f"{v:.2f}" for v in val)
        tgt = f"   target {TARGETS[key]}" if key in TARGETS else ""
        print(f"{key:32s} {val}{tgt}")
    print(f"permafrost cells with mean ALT > 6 m over {y0}-{y1}: {len(out['deep_cells'])}")
    for d in out["deep_cells"]:
        print("   ", d)
    return 0


if __name__ == "__main__":
    sys.exit(main())

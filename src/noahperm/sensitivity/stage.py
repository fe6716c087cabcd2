"""The sensitivity stage (paper section 2.4; docs/sensitivity.md): rules ``sensitivity_samples``,
``sensitivity_base``, ``sensitivity_chunk`` and ``sensitivity_analyse``.

``sensitivity_samples`` -> samples.csv (the STAR-VARS design: normalised and physical values,
                           the chunk of each sample), cells.json (the analysis cells)
``sensitivity_base``    -> base/state.zarr: the default model's equilibrium at the analysis
                           cells (cold spin-up, simulation.spinup), the warm start of the samples
``sensitivity_chunk``   -> chunks/chunk_<i>.csv: the 18 responses of the chunk's samples (its
                           K samples x 3 cells in one driver call, ``run_members``)
``sensitivity_analyse`` -> ivars.csv, ranking.csv, selected.json, responses.csv

Responses: per cell, the annual mean soil temperature [K] and liquid soil moisture [m3 m-3]
of ``sensitivity.years[1]`` at the nodes nearest ``sensitivity.depths_m``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from noahperm.core.config import with_defaults
from noahperm.core.errors import InputError, NoahpermError
from noahperm.core.fileio import atomic_file, ensure_dir, write_csv
from noahperm.sensitivity import space

log = logging.getLogger(__name__)

#: annual aggregates of the driver used as responses: (name, slot in AGG_NAMES, units)
RESPONSE_VARIABLES = (("T", "TMEAN", "K"), ("SM", "WMEAN", "m3 m-3"))
FLOAT = "%.17g"  # CSV floats that read back bit for bit


def sensitivity_config(cfg: Mapping) -> dict:
    """Config section ``sensitivity`` with the schema's defaults."""
    return with_defaults(cfg.get("sensitivity"), "sensitivity")


def _json(path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _write_json(obj, path) -> None:
    ensure_dir(Path(path).parent)
    with atomic_file(path) as tmp:
        Path(tmp).write_text(json.dumps(obj, indent=1, sort_keys=True) + "\n")


# ---------------------------------------------------------------------------------- cells
def _climate(forcing_path, cell_ids, years) -> tuple[np.ndarray, np.ndarray]:
    """Mean air temperature [degC] and precipitation [mm a-1] of ``cell_ids`` over ``years``."""
    import xarray as xr

    ds = xr.open_zarr(forcing_path, consolidated=False)
    sel = ds.sel(cell=cell_ids, time=slice(f"{years[0]}-01-01", f"{years[1]}-12-31"))
    t = sel["SFCTMP"].mean("time").values.astype(float) - 273.15
    p = sel["PRCP"].mean("time").values.astype(float) * 86400.0 * 365.25
    return t, p


def choose_cells(cfg: Mapping, domain, forcing_path) -> list[dict]:
    """The analysis cells: the configured points (nearest active cell; a point farther than
    1.5 cells from every active cell is refused) or the demo's rule ("auto"): among the active
    cells, by the cycle-mean air temperature (MAAT) and precipitation of simulation.spinup's
    cycle years, the cell whose MAAT is nearest ``cold_maat_C`` (cold permafrost), then the
    one nearest ``warm_maat_C`` (warm permafrost), then the driest of the western
    ``west_share`` of the remaining cells by longitude (dry west); ties by cell number."""
    sens = sensitivity_config(cfg)
    sim = with_defaults(cfg.get("simulation"), "simulation")
    active = domain["active"].values.astype(bool)
    ids = domain["cell"].values[active]
    lon = domain["lon"].values[active].astype(float)
    lat = domain["lat"].values[active].astype(float)
    years = sim["spinup"]["cycle_years"]
    chosen: list[tuple[str, int, str]] = []
    if sens["cells"] == "auto":
        maat, prec = _climate(forcing_path, ids, years)
        rule = sens["auto_cells"]
        left = np.ones(ids.size, bool)

        def pick(score, why, name):
            i = int(np.lexsort((ids, np.where(left, score, np.inf)))[0])
            left[i] = False
            chosen.append((name, i, why))

        pick(np.abs(maat - rule["cold_maat_C"]), f"MAAT nearest {rule['cold_maat_C']} degC",
             "cold")
        pick(np.abs(maat - rule["warm_maat_C"]), f"MAAT nearest {rule['warm_maat_C']} degC",
             "warm")
        order = np.argsort(lon[left], kind="stable")
        n_west = max(1, int(np.ceil(rule["west_share"] * order.size)))
        west = np.zeros(ids.size, bool)
        west[np.flatnonzero(left)[order[:n_west]]] = True
        pick(np.where(west, prec, np.inf),
             f"driest of the western {rule['west_share']:g} of the other cells", "dry")
    else:
        res = float(np.median(np.diff(np.unique(np.round(lon, 6))))) if ids.size > 1 else 0.1
        for k, pt in enumerate(sens["cells"]):
            d = np.hypot((lon - pt["lon"]) * np.cos(np.radians(pt["lat"])), lat - pt["lat"])
            i = int(np.argmin(d))
            if d[i] > 1.5 * res:
                raise InputError(f"no active cell within 1.5 cells of ({pt['lon']} E, "
                                 f"{pt['lat']} N) (nearest {d[i]:.2f} deg away)",
                                 field=f"sensitivity.cells[{k}]")
            chosen.append((pt["name"], i, f"nearest active cell to {pt['lon']} E {pt['lat']} N"))
        # the climate of the chosen cells only (the whole domain's would be a long read)
        maat = np.full(ids.size, np.nan)
        prec = np.full(ids.size, np.nan)
        sel = np.array([i for _, i, _ in chosen])
        maat[sel], prec[sel] = _climate(forcing_path, ids[sel], years)
    out = []
    for name, i, why in chosen:
        pos = int(np.searchsorted(domain["cell"].values, ids[i]))
        out.append({"name": name, "cell": int(ids[i]), "lon": float(lon[i]), "lat": float(lat[i]),
                    "vegetation": int(domain["vegetation"].values[pos]),
                    "sfcdif_option": int(domain["sfcdif_option"].values[pos]),
                    "maat_C": float(maat[i]), "precip_mm": float(prec[i]), "rule": why})
    if len({c["cell"] for c in out}) != len(out):
        raise InputError("two analysis cells are the same model cell", field="sensitivity.cells")
    return out


def soil_class(name: str) -> int:
    """The SOILPARM class number of ``name`` (e.g. LOAM)."""
    from noahperm.model.tables import load_tables

    names = [n.upper() for n in load_tables().soil.names]
    if name.upper() not in names:
        raise InputError(f"unknown soil class {name!r} (SOILPARM: {', '.join(names)})",
                         field="sensitivity.soil")
    return names.index(name.upper()) + 1


def analysis_domain(domain, cells: Sequence[Mapping], soil: int):
    """The domain (loaded) with every layer of the analysis cells set to class ``soil``."""
    d = domain.load().copy()
    sc = d["soil_class"].values.copy()
    pos = np.searchsorted(d["cell"].values, [c["cell"] for c in cells])
    sc[pos, :] = soil
    d["soil_class"] = (d["soil_class"].dims, sc, d["soil_class"].attrs)
    return d


def response_names(cells: Sequence[Mapping], depths: Sequence[float]) -> list[str]:
    """``<cell>_<T|SM>_<depth>m``: 2 variables x len(depths) per cell."""
    return [f"{c['name']}_{v}_{d:g}m" for c in cells for v, _, _ in RESPONSE_VARIABLES
            for d in depths]


# -------------------------------------------------------------------------------- samples
def design(sens: Mapping):
    from noahperm.sensitivity.vars import star_design

    return star_design(space.NAMES, stars=int(sens["stars"]), delta_h=float(sens["delta_h"]),
                       seed=int(sens["seed"]), sampler=sens["sampler"])


def write_samples(cfg: Mapping, domain_path, forcing_path, samples_csv, cells_json) -> None:
    """The design (samples.csv) and the analysis cells (cells.json)."""
    from noahperm.core.zarrio import open_complete

    sens = sensitivity_config(cfg)
    domain = open_complete(domain_path, product="domain")
    cells = choose_cells(cfg, domain, forcing_path)
    d = design(sens)
    k = int(sens["chunk_samples"])
    x = d.samples
    table = pd.DataFrame({
        "sample": np.arange(x.shape[0]), "chunk": np.arange(x.shape[0]) // k,
        "centre": d.sample_centre,
        "direction": [space.NAMES[j] if j >= 0 else "centre" for j in d.sample_param]})
    norm = pd.DataFrame(x, columns=[f"x_{n}" for n in space.NAMES])
    phys = pd.DataFrame(space.physical(x), columns=list(space.NAMES))
    write_csv(pd.concat([table, norm, phys], axis=1), samples_csv, float_format=FLOAT)
    sim = with_defaults(cfg.get("simulation"), "simulation")
    soil = soil_class(sens["soil"])
    _write_json({"cells": cells, "soil": sens["soil"], "soil_class": soil,
                 "responses": response_names(cells, sens["depths_m"]),
                 "depths_m": list(sens["depths_m"]), "years": list(sens["years"]),
                 "n_samples": int(x.shape[0]), "chunk_samples": k,
                 "cycle_years": list(sim["spinup"]["cycle_years"])}, cells_json)
    log.info("%d samples (%d stars, dh %g) in %d chunks; cells %s", x.shape[0], d.stars,
             d.delta_h, int(np.ceil(x.shape[0] / k)),
             ", ".join(f"{c['name']} = {c['cell']}" for c in cells))


def read_samples(samples_csv) -> pd.DataFrame:
    t = pd.read_csv(samples_csv, float_precision="round_trip")
    missing = {"sample", "chunk", *space.NAMES} - set(t.columns)
    if missing:
        raise InputError(f"missing columns {sorted(missing)}", path=samples_csv)
    return t


# ------------------------------------------------------------------------------ model runs
def _cells_and_domain(domain_path, cells_json):
    from noahperm.core.zarrio import open_complete

    info = _json(cells_json)
    domain = open_complete(domain_path, product="domain")
    d = analysis_domain(domain, info["cells"], int(info["soil_class"]))
    return info, d, np.array([c["cell"] for c in info["cells"]])


def run_base(cfg: Mapping, domain_path, forcing_path, cells_json, out_state, convergence_csv,
             checkpoint_dir=None) -> None:
    """The default model's equilibrium at the analysis cells (cold spin-up with
    simulation.spinup), the warm start of every sample."""
    from noahperm.simulation import engine as S
    from noahperm.simulation.members import run_members, store_identity
    from noahperm.simulation.stage import write_state

    info, domain, cell_ids = _cells_and_domain(domain_path, cells_json)
    sim = with_defaults(cfg.get("simulation"), "simulation")
    t0 = time.perf_counter()
    [res] = run_members(domain, forcing_path, [{}], cell_ids, sim_cfg=sim,
                        spinup=S.ColdSpinup(), years=None, checkpoints=checkpoint_dir,
                        identity={"domain": store_identity(domain_path),
                                  "soil": int(info["soil_class"])})
    log.info("base spin-up of %d cells in %.1f s: years %s", cell_ids.size,
             time.perf_counter() - t0, res.spinup_table["years"].tolist())
    sld = domain["sldpth"].values.astype(float)
    meta = {"stage": "sensitivity_base", "soil": info["soil"],
            "cells": json.dumps([c["name"] for c in info["cells"]])}
    write_state(out_state, res.state, domain, cell_ids, sld, meta, product="spinup_state")
    write_csv(pd.DataFrame({"cell": cell_ids, "name": [c["name"] for c in info["cells"]],
                            **res.spinup_table}), convergence_csv)
    S.clear_checkpoints(checkpoint_dir)


def sample_settings(cfg: Mapping) -> dict:
    """Config section ``simulation`` with a sample's spin-up limits (sensitivity.spinup)."""
    sim = with_defaults(cfg.get("simulation"), "simulation")
    sp = sensitivity_config(cfg)["spinup"]
    sim["spinup"].update(min_years=int(sp["min_years"]), max_years=int(sp["max_years"]))
    return sim


def node_index(sld: np.ndarray, depths: Sequence[float]) -> list[int]:
    """The layer whose node (mid-layer depth) is nearest each depth [m] (the upper on a tie)."""
    from noahperm.diagnostics.permafrost import node_depths

    z = node_depths(np.asarray(sld, float))
    return [int(np.argmin(np.abs(z - d))) for d in depths]


def evaluate(cfg: Mapping, domain, forcing_path, cells_info: Mapping, values: np.ndarray, *,
             start, checkpoints=None, identity=None):
    """Responses (K, R) of K samples of physical ``values`` (K, 30), and the spin-up years and
    convergence (K, 3): the K parameter sets x the cells in ONE driver call per block."""
    from noahperm.kernel.driver import AGG_NAMES
    from noahperm.simulation.members import run_members

    sens = sensitivity_config(cfg)
    cells = cells_info["cells"]
    cell_ids = np.array([c["cell"] for c in cells])
    veg = [c["vegetation"] for c in cells]
    sets = [space.parameter_set(v, veg, int(cells_info["soil_class"])) for v in values]
    y0, y1 = (int(y) for y in sens["years"])
    res = run_members(domain, forcing_path, sets, cell_ids, sim_cfg=sample_settings(cfg),
                      spinup=start, years=(y0, y1), annual=True,
                      block_cells=max(1, len(sets) * cell_ids.size),
                      checkpoints=checkpoints, identity=identity)
    layers = node_index(domain["sldpth"].values, sens["depths_m"])
    slots = [AGG_NAMES.index(a) for _, a, _ in RESPONSE_VARIABLES]
    y = np.array([[r.transient.annual[i, -1, s, k] for i in range(cell_ids.size)
                   for s in slots for k in layers] for r in res])
    years = np.array([r.spinup_table["years"] for r in res])
    conv = np.array([r.spinup_table["converged"] for r in res])
    return y, years, conv


def run_chunk(cfg: Mapping, domain_path, forcing_path, samples_csv, cells_json, base_state,
              chunk: int, out_csv, checkpoint_dir=None) -> None:
    """The responses of chunk ``chunk``'s samples (chunks/chunk_<i>.csv)."""
    from noahperm.simulation import engine as S
    from noahperm.simulation.members import file_identity, store_identity
    from noahperm.simulation.stage import read_state

    sens = sensitivity_config(cfg)
    samples = read_samples(samples_csv)
    rows = samples[samples["chunk"] == int(chunk)]
    if rows.empty:
        raise InputError(f"no samples in chunk {chunk}", path=samples_csv)
    info, domain, cell_ids = _cells_and_domain(domain_path, cells_json)
    if sens["spinup"]["start"] == "warm":
        start = S.WarmSpinup(read_state(base_state, cell_ids))
    else:
        start = S.ColdSpinup()
    t0 = time.perf_counter()
    y, years, conv = evaluate(cfg, domain, forcing_path, info,
                              rows[list(space.NAMES)].to_numpy(float), start=start,
                              checkpoints=checkpoint_dir,
                              identity={"domain": store_identity(domain_path),
                                        "samples": file_identity(samples_csv),
                                        "chunk": int(chunk), "soil": int(info["soil_class"])})
    log.info("chunk %d: %d samples x %d cells in %.1f s (spin-up %d to %d years)", chunk,
             len(rows), cell_ids.size, time.perf_counter() - t0, years.min(), years.max())
    out = pd.DataFrame(y, columns=info["responses"])
    out.insert(0, "sample", rows["sample"].to_numpy())
    for j, c in enumerate(info["cells"]):
        out[f"spinup_years_{c['name']}"] = years[:, j]
        out[f"converged_{c['name']}"] = conv[:, j]
    write_csv(out, out_csv, float_format=FLOAT)
    S.clear_checkpoints(checkpoint_dir)


# -------------------------------------------------------------------------------- analysis
def gather(samples_csv, chunk_csvs: Sequence, responses: Sequence[str]) -> pd.DataFrame:
    """The responses of every sample, in sample order; InputError naming a chunk file that
    lacks a response or a sample."""
    samples = read_samples(samples_csv)
    parts = []
    for path in chunk_csvs:
        t = pd.read_csv(path, float_precision="round_trip")
        missing = set(responses) - set(t.columns)
        if missing:
            raise InputError(f"missing responses {sorted(missing)}", path=path)
        parts.append(t)
    y = pd.concat(parts).set_index("sample").sort_index()
    absent = sorted(set(samples["sample"]) - set(y.index))
    if absent or len(y) != len(samples):
        raise InputError(f"{len(absent)} samples without responses (e.g. {absent[:5]}) or "
                         f"duplicates", path=Path(chunk_csvs[0]).parent if chunk_csvs else None)
    return y


def run_analyse(cfg: Mapping, samples_csv, cells_json, chunk_csvs: Sequence, ivars_csv,
                ranking_csv, selected_json, responses_csv) -> None:
    """IVARS per parameter and response (varstool offline), the ranking, the selection."""
    from noahperm.sensitivity.ranking import rank_table, selection
    from noahperm.sensitivity.vars import analyse

    sens = sensitivity_config(cfg)
    info = _json(cells_json)
    responses = info["responses"]
    d = design(sens)
    samples = read_samples(samples_csv)
    x = samples[[f"x_{n}" for n in space.NAMES]].to_numpy(float)
    if x.shape != d.samples.shape or not np.array_equal(x, d.samples):
        raise InputError("the samples are not those of sensitivity.stars, delta_h, seed and "
                         "sampler (rerun rule sensitivity_samples)", path=samples_csv)
    y = gather(samples_csv, chunk_csvs, responses)
    write_csv(y.reset_index(), responses_csv, float_format=FLOAT)
    rows = []
    ivars50 = {}
    t0 = time.perf_counter()
    for r in responses:
        a = analyse(d, y[r].to_numpy(float), bootstrap_size=int(sens["bootstrap_size"]),
                    bootstrap_ci=float(sens["bootstrap_ci"]), bootstrap_seed=int(sens["seed"]))
        cell, var, depth = r.split("_")
        ivars50[r] = a.ivars.loc[0.5]
        for p in space.NAMES:
            row = {"parameter": p, "response": r, "cell": cell, "variable": var,
                   "depth_m": float(depth[:-1]),
                   "units": dict((v, u) for v, _, u in RESPONSE_VARIABLES)[var] + "^2",
                   "IVARS10": a.ivars.loc[0.1, p], "IVARS30": a.ivars.loc[0.3, p],
                   "IVARS50": a.ivars.loc[0.5, p]}
            if a.ivars_lb is not None:
                row.update(IVARS50_lb=a.ivars_lb.loc[0.5, p], IVARS50_ub=a.ivars_ub.loc[0.5, p],
                           rank_reliability50=a.rank_reliability.loc[0.5, p])
            rows.append(row)
    log.info("IVARS of %d responses in %.1f s (bootstrap %d)", len(responses),
             time.perf_counter() - t0, int(sens["bootstrap_size"]))
    iv = pd.DataFrame(rows)
    frzk = iv.loc[iv["parameter"] == "FRZK", "IVARS50"]
    if (frzk != 0.0).any():
        raise NoahpermError("FRZK has an effect (IVARS50 > 0), but the model's OPT_INF = 2 "
                            "makes it inert: the parameter path is broken")
    write_csv(iv, ivars_csv, float_format=FLOAT)
    table50 = pd.DataFrame(ivars50)[responses]
    rk = rank_table(table50, share=float(sens["top_share"]), rounding=sens["rounding"],
                    n_selected=int(sens["n_selected"]))
    other = "ceil" if sens["rounding"] != "ceil" else "floor"
    alt = rank_table(table50, share=float(sens["top_share"]), rounding=other,
                     n_selected=int(sens["n_selected"]))
    rk[f"score_{other}"] = alt["score"]
    rk[f"overall_{other}"] = alt["overall"]
    rk[f"selected_{other}"] = alt["selected"]
    rk["paper_top10"] = [p in space.PAPER_TOP10 for p in rk.index]
    rk.index.name = "parameter"
    write_csv(rk.reset_index(), ranking_csv)
    chosen = selection(rk)
    use = list(space.PAPER_TOP10) if sens["selection"] == "paper" else chosen
    _write_json({"parameters": use, "source": sens["selection"], "ranking": chosen,
                 "ranking_other_rounding": selection(alt), "other_rounding": other,
                 "paper": list(space.PAPER_TOP10),
                 "same_with_other_rounding": sorted(chosen) == sorted(selection(alt))},
                selected_json)
    log.info("selected: %s", ", ".join(chosen))

"""The ``ensemble_summary`` stage: per calibrated experiment, one store ``cells.zarr`` of
per-cell ensemble statistics over its members' diagnostics (``permafrost.zarr`` of each member,
docs/diagnostics.md), written chunk by chunk over cells.

Contents (dimensions ``cell``, ``year``; coordinates ``lat``, ``lon``, ``area`` of the members):

- ``ALT``, ``TTOP``, ``DZAA``, ``MAGT``, ``GT10m`` (cell, year): ensemble mean over the members
  where the variable is defined, units as the members'; ``<var>_ci``: the half-width of its
  confidence interval t_{alpha/2, n-1} s / sqrt(n) (config ``trends.confidence``; NaN where
  fewer than two members define it);
- ``permafrost_share`` (cell, year): share of members with permafrost [-];
- ``votes_loss``, ``votes_gain``, ``votes_n`` (cell): the members' votes for permafrost loss and
  gain between the first and last year of the change period CR (config ``trends.periods``;
  paper: 1980 and 2018), out of ``votes_n`` members (:mod:`noahperm.ensemble.votes`).

The members' stores are opened lazily with dask (chunks of ``chunk_cells`` cells, every member
and year in a chunk) and the output is computed and written chunk by chunk with ``threads``
threads, so memory grows with the members and years of one chunk, not with the cells.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from noahperm.core.errors import InputError
from noahperm.core.zarrio import atomic_zarr, cf_attrs, open_complete
from noahperm.ensemble.votes import cell_mean_ci, permafrost_share, votes

log = logging.getLogger(__name__)

#: Per-cell variables of the members' permafrost.zarr averaged over the ensemble.
MEAN_VARIABLES = ("ALT", "TTOP", "DZAA", "MAGT", "GT10m")


def change_years(periods: Mapping | None) -> tuple[int, int]:
    """First and last year of the votes: the change period ``CR`` of config trends.periods, or,
    without one, from the earliest first to the latest last year of the periods given."""
    from noahperm.trends.stats import DEFAULT_PERIODS

    periods = dict(periods or DEFAULT_PERIODS)
    if "CR" in periods:
        a, b = periods["CR"]
    else:
        a = min(int(p[0]) for p in periods.values())
        b = max(int(p[1]) for p in periods.values())
    return int(a), int(b)


def open_members(stores: Sequence, chunk_cells: int):
    """The members' permafrost stores, lazily (dask, ``chunk_cells`` cells per chunk); each
    must hold ``class`` and :data:`MEAN_VARIABLES` over the first member's cells and years."""
    if not stores:
        raise ValueError("an ensemble needs at least one member")
    out = []
    for path in stores:
        ds = open_complete(path, product="permafrost", chunks={"cell": int(chunk_cells)})
        missing = [v for v in ("class", *MEAN_VARIABLES) if v not in ds]
        if missing:
            raise InputError("missing variable(s) (rerun the diagnose stage)", path=path,
                             field=", ".join(missing))
        if out and not (np.array_equal(ds["cell"].values, out[0]["cell"].values)
                        and np.array_equal(ds["year"].values, out[0]["year"].values)):
            raise InputError("the member covers other cells or years than the first member "
                             f"({stores[0]})", path=path, field="cell/year")
        out.append(ds)
    return out


def _stack(members, name):
    import dask.array as da

    return da.stack([ds[name].data for ds in members], axis=0).rechunk({0: -1})


def summary_dataset(members, years: tuple[int, int], level: float = 0.95):
    """The summary (module docstring) as a lazy dataset over the opened ``members``."""
    import dask.array as da
    import xarray as xr

    first = members[0]
    yrs = first["year"].values
    for y in years:
        if y not in yrs:
            raise InputError(f"year {y} of the votes (config trends.periods CR) is not "
                             f"simulated ({int(yrs[0])}-{int(yrs[-1])})",
                             path=first.encoding.get("source", "permafrost.zarr"), field="year")
    i0, i1 = (int(np.flatnonzero(yrs == y)[0]) for y in years)
    nmem = len(members)
    data = {}
    for v in MEAN_VARIABLES:
        stack = _stack(members, v)

        def part(block, k, _level=level):
            return cell_mean_ci(block, _level)[k]

        units = first[v].attrs.get("units", "1")
        long_name = first[v].attrs.get("long_name", v)
        mean = da.map_blocks(part, stack, 0, drop_axis=0, dtype=float)
        half = da.map_blocks(part, stack, 1, drop_axis=0, dtype=float)
        data[v] = (("cell", "year"), mean,
                   cf_attrs(units, f"ensemble mean of the {nmem} members' {long_name}"))
        data[f"{v}_ci"] = (("cell", "year"), half, cf_attrs(
            units, f"half-width of the {100 * level:g} % confidence interval of the ensemble "
                   f"mean {v}: t s / sqrt(n) over the members where defined"))
    cls = _stack(members, "class")
    data["permafrost_share"] = (("cell", "year"), da.map_blocks(
        permafrost_share, cls, drop_axis=0, dtype=float),
        cf_attrs("1", "share of the members with permafrost (of those with a class)"))
    c0, c1 = cls[:, :, i0], cls[:, :, i1]
    for k, (name, what) in enumerate((
            ("votes_loss", f"permafrost in {years[0]} and not in {years[1]}"),
            ("votes_gain", f"no permafrost in {years[0]}, permafrost in {years[1]}"),
            ("votes_n", f"a class in {years[0]} and in {years[1]}"))):
        def vote(a, b, _k=k):
            return votes(a, b)[_k]

        arr = da.map_blocks(vote, c0, c1, drop_axis=0, dtype=np.int32)
        data[name] = ("cell", arr, cf_attrs("1", f"number of members with {what}"))
    coords = {"cell": ("cell", first["cell"].values, dict(first["cell"].attrs)),
              "year": ("year", yrs, dict(first["year"].attrs))}
    for c in ("lat", "lon", "area"):
        if c in first.coords or c in first:
            coords[c] = ("cell", first[c].values, dict(first[c].attrs))
    attrs = {"title": "per-cell ensemble statistics of a calibrated experiment",
             "members": nmem, "votes_first_year": int(years[0]),
             "votes_last_year": int(years[1]), "confidence": float(level)}
    return xr.Dataset(data, coords=coords, attrs=attrs)


def run_summary(experiment: str, stores: Sequence, out, *, periods=None, level: float = 0.95,
                chunk_cells: int = 4096, threads: int = 1) -> None:
    """The ``ensemble_summary`` rule: ``out`` (cells.zarr) from the members' ``stores``."""
    import dask

    years = change_years(periods)
    members = open_members(stores, chunk_cells)
    ds = summary_dataset(members, years, level)
    ds.attrs.update(experiment=experiment,
                    member_stores=json.dumps([str(Path(s)) for s in stores]))
    with dask.config.set(scheduler="threads", num_workers=max(1, int(threads))):
        with atomic_zarr(out, product="ensemble_cells") as tmp:
            ds.to_zarr(tmp, mode="w", consolidated=False)
    log.info("%s: %d members, %d cells, votes %d-%d: %d cells with a loss vote, %d with a "
             "gain vote", experiment, len(members), ds.sizes["cell"], years[0], years[1],
             int((open_complete(out)["votes_loss"].values > 0).sum()),
             int((open_complete(out)["votes_gain"].values > 0).sum()))

"""The observation store: one NetCDF-4 file of every observation and the cell of each site.

``prepare`` reads ``<raw_dir>/observations/{active_layer_gt.xlsx, site_locations.csv,
boreholes.csv}`` (each optional: a missing file gives no rows and a logged warning), places the
sites on the model grid of ``domain.zarr`` and writes ``<out_dir>/observations.nc`` atomically
(temporary file in the same directory, fsync, ``os.replace``). Layout (CF-1.8; an indexed
ragged array, CF section 9.3.4, with ``site_index`` pointing into the ``site`` dimension)::

    dims   site, obs
    site        (site) str      site name (worksheet or borehole name)
    latitude    (site) float64  degrees_north        longitude (site) degrees_east
    elevation   (site) float64  m (NaN: unknown)
    location_name, vegetation, soil_type, region (site) str ("" where unknown)
    cell        (site) int64    model cell id (-1: none)
    cell_lat, cell_lon (site) float64 cell centre (NaN: none)
    cell_status (site) str      ok | masked | outside | unassigned (no domain given)
    site_index  (obs)  int32    index into site
    kind        (obs)  int8     0 active_layer (daily mean), 1 borehole (calendar-year mean)
    depth       (obs)  float64  m below the surface
    time        (obs)  datetime days since 1900-01-01: the day, or 1 January of the year
    value       (obs)  float64  degC ground temperature

Observations are sorted by site, kind, depth, time. :func:`read_store` returns the flat table.
Format choice: a single small file (tens of thousands of rows) with strings; NetCDF-4 is in the
lock (netCDF4), replaces atomically as one file, and reads in every climate tool; parquet would
need pyarrow, and Zarr v3 has no stable string dtype yet.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from noahperm.core import layout
from noahperm.core.config import with_defaults
from noahperm.core.errors import InputError
from noahperm.core.fileio import ensure_dir, write_netcdf
from noahperm.core.variables import attrs as var_attrs
from noahperm.core.variables import utc_label
from noahperm.inputs.observations.boreholes import empty_boreholes, read_boreholes
from noahperm.inputs.observations.sites import assign_cells, match_location, read_site_locations
from noahperm.inputs.observations.workbook import empty_table, read_active_layer_workbook

__all__ = ["prepare", "read_store", "build_dataset", "write_store", "STORE_NAME", "KINDS",
           "RAW_FILES"]

log = logging.getLogger(__name__)

STORE_NAME = "observations.nc"
#: Codes of ``kind``.
KINDS = ("active_layer", "borehole")
#: Raw files read by :func:`prepare`, relative to ``raw_dir``.
RAW_FILES = layout.OBSERVATIONS
_SITE_STR = ("location_name", "vegetation", "soil_type", "region", "cell_status")


def _open_domain(path: Path):
    """The complete ``domain.zarr`` (``noahperm.core.zarrio``), checked for per-cell lat/lon."""
    from noahperm.core.zarrio import open_complete

    ds = open_complete(path)
    missing = [v for v in ("lat", "lon") if v not in ds or ds[v].dims != ("cell",)]
    if missing:
        ds.close()
        raise InputError(f"domain store lacks per-cell {' and '.join(missing)} (dim cell)",
                         path=path)
    return ds


def _sites_table(al: pd.DataFrame, bh: pd.DataFrame, locations: pd.DataFrame | None,
                 locations_path: Path) -> pd.DataFrame:
    """One row per site: its coordinates and descriptors."""
    rows = []
    for name in dict.fromkeys(al["site"]):
        if locations is None:
            raise InputError(f"the workbook has site {name!r} but there is no site location "
                             "file", path=locations_path)
        loc = match_location(name, locations, source=locations_path)
        rows.append({"site": name, "latitude": loc["latitude"], "longitude": loc["longitude"],
                     "elevation_m": loc["elevation_m"], "location_name": loc["location_name"],
                     "vegetation": loc["vegetation"], "soil_type": loc["soil_type"],
                     "region": ""})
    known = {r["site"]: r for r in rows}
    for name, grp in bh.groupby("site", sort=True):
        first = grp.iloc[0]
        if name in known:  # a borehole at an active-layer site: same place required
            r = known[name]
            if max(abs(r["latitude"] - first["latitude"]),
                   abs(r["longitude"] - first["longitude"])) > 1e-3:
                raise InputError(f"borehole site {name!r} is at ({first['latitude']}, "
                                 f"{first['longitude']}), the site location file puts it at "
                                 f"({r['latitude']}, {r['longitude']})", field=name)
            r["region"] = first["region"]
            continue
        rows.append({"site": name, "latitude": first["latitude"],
                     "longitude": first["longitude"], "elevation_m": first["elevation_m"],
                     "location_name": "", "vegetation": "", "soil_type": "",
                     "region": first["region"]})
    return pd.DataFrame.from_records(rows, columns=[
        "site", "latitude", "longitude", "elevation_m", "location_name", "vegetation",
        "soil_type", "region"])


def _obs_table(al: pd.DataFrame, bh: pd.DataFrame, sites: pd.DataFrame) -> pd.DataFrame:
    index = {s: k for k, s in enumerate(sites["site"])}
    a = pd.DataFrame({"site_index": al["site"].map(index), "kind": 0, "depth": al["depth_m"],
                      "time": al["time"], "value": al["value_degC"]})
    b = pd.DataFrame({"site_index": bh["site"].map(index), "kind": 1, "depth": bh["depth_m"],
                      "time": pd.to_datetime(bh["year"].astype(str) + "-01-01"),
                      "value": bh["temperature_degC"]})
    obs = pd.concat([x for x in (a, b) if len(x)], ignore_index=True) if len(a) + len(b) else a
    return obs.sort_values(["site_index", "kind", "depth", "time"], ignore_index=True)


def build_dataset(al: pd.DataFrame, bh: pd.DataFrame, sites: pd.DataFrame, attrs=None,
                  day_offset_hours: float = 8.0):
    """The store's ``xarray.Dataset`` from the tables (``sites`` with the cell columns)."""
    import xarray as xr

    obs = _obs_table(al, bh, sites)
    s = {c: np.asarray(sites[c].fillna("") if c in sites else [""] * len(sites), dtype=str)
         for c in _SITE_STR}
    def a(name: str, **extra) -> dict:
        return var_attrs(name, "observations", **extra)

    ds = xr.Dataset(
        {
            "latitude": ("site", sites["latitude"].to_numpy(np.float64), a("latitude")),
            "longitude": ("site", sites["longitude"].to_numpy(np.float64), a("longitude")),
            "elevation": ("site", sites["elevation_m"].to_numpy(np.float64), a("elevation")),
            "location_name": ("site", s["location_name"], a("location_name")),
            "vegetation": ("site", s["vegetation"], a("vegetation")),
            "soil_type": ("site", s["soil_type"], a("soil_type")),
            "region": ("site", s["region"], a("region")),
            "cell": ("site", sites["cell"].to_numpy(np.int64), a("cell")),
            "cell_lat": ("site", sites["cell_lat"].to_numpy(np.float64), a("cell_lat")),
            "cell_lon": ("site", sites["cell_lon"].to_numpy(np.float64), a("cell_lon")),
            "cell_status": ("site", s["cell_status"], a("cell_status")),
            "site_index": ("obs", obs["site_index"].to_numpy(np.int32), a("site_index")),
            "kind": ("obs", obs["kind"].to_numpy(np.int8),
                     a("kind", flag_values=np.arange(len(KINDS), dtype=np.int8),
                       flag_meanings=" ".join(KINDS))),
            "depth": ("obs", obs["depth"].to_numpy(np.float64), a("depth")),
            "time": ("obs", obs["time"].to_numpy("datetime64[ns]"),
                     var_attrs("time", "observations",
                               fill={"base": utc_label(day_offset_hours)})),
            "value": ("obs", obs["value"].to_numpy(np.float64), a("value")),
        },
        coords={"site": ("site", np.asarray(sites["site"], dtype=str), a("site"))},
    )
    ds.attrs.update({"Conventions": "CF-1.8", "title": "noahperm ground-temperature "
                     "observations", "product": "observations"})
    ds.attrs.update({k: str(v) for k, v in (attrs or {}).items()})
    return ds


def write_store(ds, path: str | Path) -> Path:
    """Write ``ds`` to NetCDF-4 at ``path`` atomically (temporary sibling, fsync, rename)."""
    path = Path(path)
    ensure_dir(path.parent)
    enc = {"time": {"units": "days since 1900-01-01", "calendar": "proleptic_gregorian",
                    "dtype": "int32", "_FillValue": None}}
    for name in ("depth", "value", "site_index", "kind"):
        enc[name] = {"zlib": True, "complevel": 4, "_FillValue": None}
    return write_netcdf(ds, path, enc)


def read_store(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(obs, sites)``: the observations as a flat table (``site``, ``kind`` as its name,
    ``depth_m``, ``time``, ``value_degC``) and the per-site table of the store."""
    import xarray as xr

    with xr.open_dataset(path, engine="netcdf4") as ds:
        ds = ds.load()
    sites = ds[[v for v in ds.data_vars if ds[v].dims == ("site",)]].to_dataframe()
    sites = sites.reset_index().rename(columns={"elevation": "elevation_m"})
    names = np.asarray(ds["site"].values, dtype=object)
    obs = pd.DataFrame({
        "site": names[ds["site_index"].values] if ds.sizes["obs"] else np.array([], object),
        "kind": np.asarray(KINDS, dtype=object)[ds["kind"].values.astype(int)],
        "depth_m": ds["depth"].values, "time": ds["time"].values,
        "value_degC": ds["value"].values})
    return obs, sites


def prepare(config: Mapping | None, raw_dir: str | Path | None, domain_zarr: str | Path | None,
            out_dir: str | Path | None) -> Path:
    """Build ``<out_dir>/observations.nc`` from the raw observation files.

    ``config["observations"]["active_layer_utc_offset_hours"]`` (schema default 8, Beijing
    Time) is the time base of the workbook's days, recorded in the store (global attribute
    ``active_layer_utc_offset_hours`` and the ``time`` long name). ``raw_dir`` defaults to
    ``config["raw_dir"]``, ``out_dir`` to
    ``<config["results_dir"]>/inputs/obs``. ``domain_zarr`` (a complete ``domain.zarr``) places
    the sites on cells; ``None`` leaves every site ``unassigned``. Returns the store's path.
    """
    config = dict(config or {})
    raw_dir = Path(raw_dir if raw_dir is not None else config["raw_dir"])
    out_dir = Path(out_dir if out_dir is not None
                   else Path(with_defaults(config)["results_dir"]) / "inputs" / "obs")
    paths = {k: raw_dir / v for k, v in RAW_FILES.items()}
    for key, p in paths.items():
        if not p.is_file():
            log.warning("no %s at %s: no %s observations", key, p,
                        "borehole" if key == "boreholes" else "active-layer")
    al = (read_active_layer_workbook(paths["workbook"]) if paths["workbook"].is_file()
          else empty_table())
    bh = read_boreholes(paths["boreholes"]) if paths["boreholes"].is_file() else empty_boreholes()
    locations = read_site_locations(paths["locations"]) if paths["locations"].is_file() else None
    sites = _sites_table(al, bh, locations, paths["locations"])
    if domain_zarr is not None:
        domain = _open_domain(Path(domain_zarr))
        try:
            sites = assign_cells(sites, domain)
        finally:
            domain.close()
        for _, r in sites[sites["cell_status"] != "ok"].iterrows():
            log.warning("site %s (%.4f N, %.4f E) is %s the model domain", r["site"],
                        r["latitude"], r["longitude"],
                        "in a masked cell of" if r["cell_status"] == "masked" else "outside")
    else:
        sites = sites.assign(cell=-1, cell_lat=np.nan, cell_lon=np.nan,
                             cell_status="unassigned")
    sources = [str(p) for p in paths.values() if p.is_file()]
    offset = float(with_defaults(config.get("observations"),
                                 "observations")["active_layer_utc_offset_hours"])
    ds = build_dataset(al, bh, sites, attrs={
        "source_files": "; ".join(sources) or "none",
        "domain": str(domain_zarr) if domain_zarr is not None else "none",
        "active_layer_utc_offset_hours": offset}, day_offset_hours=offset)
    out = write_store(ds, out_dir / STORE_NAME)
    log.info("wrote %s: %d sites, %d observations", out, ds.sizes["site"], ds.sizes["obs"])
    return out

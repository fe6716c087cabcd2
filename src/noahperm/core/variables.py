"""The one registry of output variables, and the point-run NetCDF writer.

Every variable noahperm writes is declared once here with its units (UDUNITS spelling), long
name and, where one fits exactly (same quantity, sign and convertible units), its CF standard
name. Writers stamp these attributes (:func:`attrs`); an unregistered name is an error.

* :data:`VARIABLES`: the model's variables (point runs; with their dimensions). Names follow the
  reference model (``state_hp.txt`` of the reference cases, ``REFERENCE_MODEL.md``).
* :data:`STORES`: the variables of each other store, by product (``domain``, ``forcing``,
  ``observations``, ``state``, ``annual``, ``sites``, ``permafrost``, and ``cmfd``, the raw CMFD files as the demo generator writes them), where
  the same name may mean another thing (``cell``, ``depth``); a store's lookup falls back to
  :data:`VARIABLES` (so ``state`` holds the model's STC, T1, ...).

Sign conventions are the model's: SHEAT, ETA and the latent heat components are positive upward
(from the surface to the air); SSOIL is positive when heat flows from the soil to the surface.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

from noahperm.core.fileio import atomic_file

__all__ = [
    "VarInfo",
    "StoreVar",
    "VARIABLES",
    "STORES",
    "COORDINATES",
    "attrs",
    "var_attrs",
    "layer_coordinates",
    "utc_label",
    "write_point_netcdf",
]


class VarInfo(NamedTuple):
    """Metadata of one variable: ``units``, ``long_name``, ``dims`` and optional CF name."""

    units: str
    long_name: str
    dims: tuple[str, ...]
    standard_name: str | None = None


_T = ("time",)
_TL = ("time", "layer")
_L = ("layer",)

VARIABLES: dict[str, VarInfo] = {
    # --- layer coordinates -------------------------------------------------------------------
    "layer": VarInfo("1", "soil layer index, 1 = top layer", _L),
    "zsoil": VarInfo("m", "depth of the layer bottom, negative below the surface (Noah ZSOIL)", _L),
    "depth": VarInfo("m", "depth of the layer mid-point below the surface", _L, "depth"),
    "sldpth": VarInfo("m", "soil layer thickness", _L),
    # --- soil state ------------------------------------------------------------------------
    "STC": VarInfo("K", "soil temperature (layer centre)", _TL, "soil_temperature"),
    "SMC": VarInfo(
        "m3 m-3",
        "total volumetric soil water, liquid + ice",
        _TL,
        "volume_fraction_of_condensed_water_in_soil",
    ),
    "SH2O": VarInfo("m3 m-3", "liquid volumetric soil water", _TL),
    # --- scalar state --------------------------------------------------------------------
    "T1": VarInfo("K", "skin temperature", _T, "surface_temperature"),
    "CMC": VarInfo("m", "canopy water (water equivalent)", _T),
    "SNOWH": VarInfo("m", "snow depth", _T, "surface_snow_thickness"),
    "SNEQV": VarInfo("m", "snow water equivalent", _T, "lwe_thickness_of_surface_snow_amount"),
    "SNOTIME1": VarInfo("s", "time since the last snowfall (snow albedo ageing)", _T),
    "RIBB": VarInfo("1", "bulk Richardson number of the surface layer", _T),
    "Z0": VarInfo("m", "roughness length, snow adjusted", _T, "surface_roughness_length"),
    "Z0BRD": VarInfo("m", "background (snow-free) roughness length", _T),
    "ALBEDO": VarInfo("1", "surface albedo including snow", _T, "surface_albedo"),
    "EMISSI": VarInfo("1", "surface emissivity including snow", _T),
    "CH": VarInfo(
        "m s-1", "surface exchange coefficient for heat and moisture times wind speed", _T
    ),
    "CM": VarInfo("m s-1", "surface exchange coefficient for momentum times wind speed", _T),
    "Q1": VarInfo("kg kg-1", "effective specific humidity at the surface", _T),
    # --- energy fluxes -------------------------------------------------------------------
    "SHEAT": VarInfo(
        "W m-2", "sensible heat flux, positive upward", _T, "surface_upward_sensible_heat_flux"
    ),
    "ETA": VarInfo(
        "W m-2",
        "latent heat flux (total evapotranspiration), positive upward",
        _T,
        "surface_upward_latent_heat_flux",
    ),
    "ETAKIN": VarInfo(
        "kg m-2 s-1", "total evapotranspiration", _T, "water_evapotranspiration_flux"
    ),
    "SSOIL": VarInfo(
        "W m-2",
        "ground heat flux, positive from the soil to the surface",
        _T,
        "upward_heat_flux_at_ground_level_in_soil",
    ),
    "ETP": VarInfo(
        "W m-2",
        "potential evaporation (latent heat, weighted by snow cover between "
        "vaporisation and sublimation)",
        _T,
    ),
    "EC": VarInfo("W m-2", "canopy water evaporation (latent heat)", _T),
    "EDIR": VarInfo("W m-2", "direct soil evaporation (latent heat)", _T),
    "ETT": VarInfo("W m-2", "total transpiration (latent heat)", _T),
    "ESNOW": VarInfo("W m-2", "snow sublimation (latent heat)", _T),
    "FLX1": VarInfo("W m-2", "heat flux from precipitation onto snow", _T),
    "FLX2": VarInfo("W m-2", "latent heat of freezing rain", _T),
    "FLX3": VarInfo("W m-2", "phase-change heat of snowmelt", _T),
    "FDOWN": VarInfo("W m-2", "net shortwave plus longwave seen by the model (SOLNET + LWDN)", _T),
    "SOLNET": VarInfo(
        "W m-2", "net shortwave radiation", _T, "surface_net_downward_shortwave_flux"
    ),
    "LWDN": VarInfo(
        "W m-2",
        "longwave seen by the model: forcing longwave times emissivity of the previous step",
        _T,
    ),
    # --- water fluxes and stores -------------------------------------------------------
    "RUNOFF1": VarInfo("m s-1", "surface runoff", _T),
    "RUNOFF2": VarInfo("m s-1", "bottom drainage including the saturation excess RUNOFF3", _T),
    "RUNOFF3": VarInfo(
        "m s-1", "saturation excess removed inside the column (part of RUNOFF2)", _T
    ),
    "SNOMLT": VarInfo("m", "snowmelt water equivalent during the step", _T),
    "DEW": VarInfo("m s-1", "dewfall or frostfall", _T),
    "DRIP": VarInfo("m", "canopy drip during the step", _T),
    "SNCOVR": VarInfo("1", "snow cover fraction", _T, "surface_snow_area_fraction"),
    "SOILM": VarInfo("m", "total soil water in the column, liquid + ice", _T),
    "SOILW": VarInfo(
        "1",
        "available soil water in the root zone, fraction between wilting point and porosity",
        _T,
    ),
    # --- vegetation and surface diagnostics --------------------------------------------
    "BETA": VarInfo("1", "ratio of actual to potential evaporation", _T),
    "RC": VarInfo("s m-1", "canopy resistance", _T),
    "PC": VarInfo("1", "plant coefficient", _T),
    "XLAI": VarInfo("1", "leaf area index", _T, "leaf_area_index"),
    "SHDFAC": VarInfo("1", "green vegetation fraction", _T, "vegetation_area_fraction"),
    "ALB": VarInfo("1", "background (snow-free) albedo", _T),
    "EMBRD": VarInfo("1", "background (snow-free) emissivity", _T),
    # --- forcing as used ----------------------------------------------------------------
    "SOLDN": VarInfo(
        "W m-2", "downward shortwave radiation", _T, "surface_downwelling_shortwave_flux_in_air"
    ),
    "SFCTMP": VarInfo("K", "air temperature at the forcing level", _T, "air_temperature"),
    "Q2": VarInfo("kg kg-1", "specific humidity at the forcing level", _T, "specific_humidity"),
    "SFCPRS": VarInfo("Pa", "surface air pressure", _T, "surface_air_pressure"),
    "SFCSPD": VarInfo("m s-1", "wind speed at the wind level", _T, "wind_speed"),
    "PRCP": VarInfo("kg m-2 s-1", "precipitation rate", _T, "precipitation_flux"),
    "FFROZP": VarInfo("1", "frozen fraction of precipitation", _T),
    "TH2": VarInfo(
        "K", "potential temperature at the forcing level", _T, "air_potential_temperature"
    ),
    "Q2SAT": VarInfo("kg kg-1", "saturation specific humidity at the air temperature", _T),
    "DQSDT2": VarInfo("kg kg-1 K-1", "slope of the saturation specific humidity curve", _T),
}

#: Names in VARIABLES that are computed from the layer thicknesses by the writer.
COORDINATES = ("layer", "zsoil", "depth", "sldpth")


class StoreVar(NamedTuple):
    """Attributes of a variable of a store: ``units`` ("" for strings and datetimes, which
    carry none), ``long_name`` (may hold ``{field}`` placeholders the writer fills in), CF
    ``standard_name``, and further attributes ``extra`` as (name, value) pairs, in order."""

    units: str
    long_name: str
    standard_name: str | None = None
    extra: tuple = ()


_POINT = (("cell_methods", "time: point"),)
_MEAN = (("cell_methods", "time: mean (interval: 3 hours, centred on t)"),)
_CELL_CENTRE = {
    "lat": StoreVar("degrees_north", "latitude of the cell centre", "latitude"),
    "lon": StoreVar("degrees_east", "longitude of the cell centre", "longitude"),
}

#: cell and layer coordinates of the per-cell model stores
_CELL_GRID = {
    "cell": StoreVar("1", "model cell number"),
    "layer": StoreVar("1", "soil layer index, 1 = top layer"),
    "depth": StoreVar("m", "depth of the layer node below the surface", "depth",
                      (("positive", "down"),)),
    **_CELL_CENTRE,
}

STORES: dict[str, dict[str, StoreVar]] = {
    # results/inputs/domain.zarr (noahperm.inputs.domain)
    "domain": {
        "area": StoreVar("km2", "cell area (exact on the WGS84 ellipsoid)", "cell_area"),
        "elevation": StoreVar("m", "mean elevation of the cell's 1 km pixels",
                              "surface_altitude"),
        "vegetation": StoreVar(
            "1", "USGS vegetation class (VEGPARM.TBL USGS block, 1..27; 0 = no data)"),
        "vegetation_source": StoreVar(
            "1", "majority class of the source vegetation map (config domain.vegetation_classes "
                 "maps it to USGS)"),
        "lai": StoreVar("m2 m-2", "growing-season mean leaf area index (mean of the 1 km "
                                  "pixels; NaN = no data)", "leaf_area_index"),
        "sparse": StoreVar("1", "sparse vegetation (LAI < {threshold} m2 m-2): Y08 thermal "
                                "roughness, else MYJ with CZIL"),
        "sfcdif_option": StoreVar("1", "surface exchange option: 2 SFCDIF_MYJ_Y08 (sparse), "
                                       "1 MYJ with CZIL (dense)"),
        "soil_class": StoreVar(
            "1", "modified STAS soil class per layer (SOILPARM.TBL, 1..19; 0 = no data)"),
        "tbot": StoreVar("K", "soil temperature at ZBOT, {intercept_K} K + {slope_K_per_m} K "
                              "m-1 x elevation", "soil_temperature"),
        "glacier": StoreVar(
            "1", "glacier: more than half of the cell's 1 km glacier-mask pixels are glacier, "
                 "or its majority vegetation class is USGS 24 (Snow or Ice)"),
        "lake": StoreVar(
            "1", "lake: more than half of the cell's 1 km lake-mask pixels are lake, or its "
                 "majority vegetation class is USGS 16 (Water Bodies)"),
        "active": StoreVar("1", "modelled cell: not glacier, not lake, vegetation and soil "
                                "known"),
        "iy": StoreVar("1", "row (lat) index on the forcing grid"),
        "ix": StoreVar("1", "column (lon) index on the forcing grid"),
        "cell": StoreVar("1", "model cell number"),
        **_CELL_CENTRE,
    },
    # results/inputs/forcing.zarr (noahperm.inputs.forcing.cache): SI units, kernel names
    "forcing": {
        "SFCTMP": StoreVar("K", "near-surface air temperature", "air_temperature",
                           _POINT),
        "Q2": StoreVar("kg kg-1", "near-surface specific humidity", "specific_humidity",
                       _POINT),
        "SFCPRS": StoreVar("Pa", "surface air pressure", "surface_air_pressure",
                           _POINT),
        "SFCSPD": StoreVar("m s-1", "near-surface wind speed", "wind_speed",
                           _POINT),
        "SOLDN": StoreVar("W m-2", "surface downwelling shortwave radiation",
                          "surface_downwelling_shortwave_flux_in_air",
                          _MEAN),
        "LWDN": StoreVar("W m-2", "surface downwelling longwave radiation",
                         "surface_downwelling_longwave_flux_in_air",
                         _MEAN),
        "PRCP": StoreVar("kg m-2 s-1", "precipitation rate (mean of the CMFD records at t and "
                                       "t + 3 h, each the mean over the preceding 3 h)",
                         "precipitation_flux", _MEAN),
        "cell": StoreVar("1", "model cell number (domain.zarr cell)"),
        "time": StoreVar("", "time (UTC) of the step", "time", (("axis", "T"),)),
        **_CELL_CENTRE,
    },
    # results/inputs/obs/observations.nc (noahperm.inputs.observations.store)
    "observations": {
        "site": StoreVar("", "site name", None, (("cf_role", "timeseries_id"),)),
        "latitude": StoreVar("degrees_north", "site latitude", "latitude"),
        "longitude": StoreVar("degrees_east", "site longitude", "longitude"),
        "elevation": StoreVar("m", "site elevation above sea level (NaN: unknown)"),
        "location_name": StoreVar("", "name in the site location file"),
        "vegetation": StoreVar("", "vegetation at the site"),
        "soil_type": StoreVar("", "soil type at the site"),
        "region": StoreVar("", "survey region (boreholes)"),
        "cell": StoreVar("1", "model cell holding the site (-1: none)"),
        "cell_lat": StoreVar("degrees_north", "latitude of the cell centre"),
        "cell_lon": StoreVar("degrees_east", "longitude of the cell centre"),
        "cell_status": StoreVar("", "ok: active cell; masked: inactive cell (glacier, lake); "
                                    "outside: no domain cell; unassigned: no domain given"),
        "site_index": StoreVar("1", "index of the site (dimension site)", None,
                               (("instance_dimension", "site"),)),
        "kind": StoreVar("1", "kind of observation"),
        "depth": StoreVar("m", "depth below the ground surface", None, (("positive", "down"),)),
        "time": StoreVar("", "day ({base}; active_layer) or 1 January of the year (borehole)"),
        "value": StoreVar("degC", "ground temperature: daily mean (active_layer) or "
                                  "calendar-year mean (borehole)", "soil_temperature"),
    },
    # results/{experiment}/{member}/spinup_state.zarr, ... (noahperm.simulation.stage): the
    # model state (STC, SMC, SH2O, T1, ... from VARIABLES) on cells and layers
    "state": {
        **_CELL_GRID,
    },
    # results/{experiment}/{member}/annual.zarr (noahperm.simulation.stage)
    "annual": {
        "TMIN": StoreVar("K", "annual minimum soil temperature (layer node)"),
        "TMAX": StoreVar("K", "annual maximum soil temperature (layer node)"),
        "TMEAN": StoreVar("K", "annual mean soil temperature (layer node)", "soil_temperature",
                          (("cell_methods", "time: mean within years"),)),
        "WMIN": StoreVar("m3 m-3", "annual minimum liquid volumetric soil water"),
        "WMAX": StoreVar("m3 m-3", "annual maximum liquid volumetric soil water"),
        "WMEAN": StoreVar("m3 m-3", "annual mean liquid volumetric soil water"),
        "IMIN": StoreVar("m3 m-3", "annual minimum volumetric soil ice"),
        "IMAX": StoreVar("m3 m-3", "annual maximum volumetric soil ice"),
        "IMEAN": StoreVar("m3 m-3", "annual mean volumetric soil ice"),
        "year": StoreVar("1", "calendar year"),
        **_CELL_GRID,
    },
    # results/{experiment}/{member}/sites.zarr (noahperm.simulation.stage)
    "sites": {
        "soil_temperature": StoreVar("K", "daily mean soil temperature at the probe depth "
                                          "(linear between layer nodes)", "soil_temperature"),
        "soil_liquid_water": StoreVar("m3 m-3", "daily mean liquid volumetric soil water at "
                                                "the probe depth (linear between layer nodes)"),
        "site": StoreVar("", "observation site"),
        "depth": StoreVar("m", "probe depth below the surface", "depth",
                          (("positive", "down"),)),
        "cell": StoreVar("1", "model cell holding the probe"),
        "time": StoreVar("", "day ({base}) over which the daily mean is taken", "time"),
    },
    # results/{experiment}/{member}/permafrost.zarr (noahperm.diagnostics.stage)
    "permafrost": {
        "class": StoreVar("1", "frozen-ground class: -1 undefined (first year, masked), "
                               "0 unfrozen, 1 seasonally frozen ground, 2 permafrost"),
        "ALT": StoreVar("m", "active layer thickness (maximum thaw depth)"),
        "TTOP": StoreVar("K", "mean annual temperature at the top of permafrost (at the ALT)"),
        "DZAA": StoreVar("m", "depth of zero annual amplitude (annual range below 0.1 K)"),
        "DZAA_below": StoreVar("1", "the DZAA lies below the model column (DZAA undefined)"),
        "MAGT": StoreVar("K", "mean annual ground temperature at the DZAA"),
        "GT10m": StoreVar("K", "mean annual ground temperature at 10 m"),
        "talik": StoreVar("1", "a layer above the ALT does not refreeze during the year"),
        "MAAT": StoreVar("K", "mean annual air temperature (forcing)", "air_temperature",
                         (("cell_methods", "time: mean within years"),)),
        "year": StoreVar("1", "calendar year"),
        "area": StoreVar("km2", "cell area (exact on the WGS84 ellipsoid)", "cell_area"),
        "cell": StoreVar("1", "model cell number"),
        **_CELL_CENTRE,
    },
    # raw forcing files forcing/*_CMFD_*.nc as the CMFD dataset labels them (the demo
    # generator writes them; the reader accepts these units)
    "cmfd": {
        "temp": StoreVar("K", "Near surface air temperature"),
        "shum": StoreVar("kg kg-1", "Near surface air specific humidity"),
        "pres": StoreVar("Pa", "Surface pressure"),
        "wind": StoreVar("m s-1", "Near surface wind speed"),
        "srad": StoreVar("W m-2", "Surface downward shortwave radiation"),
        "lrad": StoreVar("W m-2", "Surface downward longwave radiation"),
        "prec": StoreVar("mm hr-1", "Precipitation rate"),
    },
}


def _lookup(name: str, store: str | None) -> StoreVar:
    if store is not None and store not in STORES:
        raise KeyError(f"store {store!r} is not in the noahperm variable registry "
                       "(noahperm.core.variables.STORES)")
    table = STORES[store] if store is not None else {}
    if name in table:
        return table[name]
    try:
        info = VARIABLES[name]
    except KeyError:
        where = f"store {store!r} or " if store is not None else ""
        raise KeyError(
            f"variable {name!r} is not in the noahperm variable registry ({where}"
            "noahperm.core.variables.VARIABLES)"
        ) from None
    return StoreVar(info.units, info.long_name, info.standard_name)


def attrs(name: str, store: str | None = None, fill=None, **extra) -> dict:
    """The registered attributes of variable ``name`` of ``store`` (None: :data:`VARIABLES`):
    ``units`` (unless none), ``long_name`` (its ``{field}`` placeholders filled from the mapping
    ``fill``), ``standard_name`` (if any), the registered extra attributes, then ``extra``.
    KeyError for an unregistered name."""
    info = _lookup(name, store)
    out = {"units": info.units} if info.units else {}
    out["long_name"] = info.long_name.format(**fill) if fill else info.long_name
    if info.standard_name:
        out["standard_name"] = info.standard_name
    out.update(info.extra)
    out.update(extra)
    return out


def utc_label(offset_hours: float) -> str:
    """``UTC``, ``UTC+08:00``, ``UTC-03:30``: a time base ``offset_hours`` ahead of UTC."""
    if offset_hours == 0:
        return "UTC"
    minutes = int(round(abs(offset_hours) * 60))
    return f"UTC{'+' if offset_hours > 0 else '-'}{minutes // 60:02d}:{minutes % 60:02d}"


def var_attrs(name: str) -> dict[str, str]:
    """``units``, ``long_name`` (and ``standard_name``) of a registered model variable."""
    return attrs(name)


def layer_coordinates(sldpth) -> dict[str, np.ndarray]:
    """``layer`` (1..n), ``zsoil`` (negative layer bottoms), ``depth`` (mid), ``sldpth`` [m]."""
    dz = np.asarray(sldpth, dtype=np.float64)
    if dz.ndim != 1 or dz.size == 0 or not (np.isfinite(dz).all() and (dz > 0).all()):
        raise ValueError("sldpth must be a non-empty 1-D array of positive layer thicknesses [m]")
    bottom = np.cumsum(dz)
    return {
        "layer": np.arange(1, dz.size + 1, dtype=np.int32),
        "zsoil": -bottom,
        "depth": bottom - 0.5 * dz,
        "sldpth": dz,
    }


def _attr_value(v):
    if isinstance(v, (bool, np.bool_)):
        return int(v)
    if isinstance(v, (str, int, float, np.integer, np.floating, np.ndarray, list, tuple)):
        return v
    return str(v)


#: Attributes of the time coordinate, before its encoding (``units``, ``calendar``).
_TIME_ATTRS = {"standard_name": "time", "long_name": "model time of the step (UTC)", "axis": "T"}
#: Attributes the writer adds to the layer coordinates after the registry's.
_COORD_EXTRA = {"depth": {"positive": "down", "axis": "Z"}, "zsoil": {"positive": "up"}}


def _encode_times(times) -> tuple[np.ndarray, str]:
    """``(int64 seconds since the first time, units)`` of ``times``, CF style: the reference
    date is written ``YYYY-MM-DD`` at midnight, else ``YYYY-MM-DDTHH:MM:SS``."""
    t = np.asarray(times)
    if t.ndim != 1 or t.size == 0:
        raise ValueError("times must be a non-empty 1-D array of datetimes")
    t = t.astype("datetime64[ns]")
    if np.isnat(t).any():
        raise ValueError("times must not hold NaT")
    ns = t.astype(np.int64)
    offset = ns - ns[0]
    if (offset % 1_000_000_000).any():
        raise ValueError("times must be whole seconds apart (they are stored as int64 seconds)")
    date, clock = np.datetime_as_string(t[0], unit="s").split("T")
    ref = date if clock == "00:00:00" else f"{date}T{clock}"
    return offset // 1_000_000_000, f"seconds since {ref}"


def _point_layout(times, sldpth, outputs, attrs):
    """Check the arguments; return what the file holds, in file order: ``(global attributes,
    dimension sizes, variables)``, each variable ``(name, dims, values, attributes, output)``
    with ``output`` true for the outputs (compressed, NaN fill value)."""
    seconds, units = _encode_times(times)
    coords = layer_coordinates(sldpth)
    sizes = {"time": seconds.size, "layer": coords["layer"].size}

    variables = [("time", ("time",), seconds,
                  {**_TIME_ATTRS, "units": units, "calendar": "proleptic_gregorian"}, False)]
    for name, values in coords.items():
        variables.append((name, VARIABLES[name].dims, values,
                          {**var_attrs(name), **_COORD_EXTRA.get(name, {})}, False))

    layered = False
    for name, arr in outputs.items():
        info_attrs = var_attrs(name)  # KeyError for unregistered names
        if name in COORDINATES:
            raise ValueError(
                f"{name!r} is a layer coordinate, computed from sldpth; do not pass it in outputs"
            )
        dims = VARIABLES[name].dims
        a = np.asarray(arr, dtype=np.float64)
        want = tuple(sizes[d] for d in dims)
        if a.shape != want:
            raise ValueError(f"{name}: shape {a.shape} does not match its dims {dims} = {want}")
        if "layer" in dims:  # CF: the layer's auxiliary coordinates
            info_attrs["coordinates"] = " ".join(sorted(COORDINATES[1:]))
            layered = True
        variables.append((name, dims, a, info_attrs, True))

    gattrs = {"Conventions": "CF-1.8"}
    gattrs.update({k: _attr_value(v) for k, v in (attrs or {}).items() if v is not None})
    if not layered and "coordinates" not in gattrs:
        gattrs["coordinates"] = " ".join(sorted(COORDINATES[1:]))  # as xarray: kept findable
    return gattrs, sizes, variables


#: zlib level of a point run's outputs (``noahperm point --complevel``). 0: not compressed.
#: On the 5-year tgl case (8.9 MB of float64) level 4 with shuffle made a 6.3 MB file in 0.18 s,
#: level 1 6.3 MB in 0.17 s, no compression 9.0 MB in 0.02 s (docs/performance.md, "Point
#: runs"): full-precision float64 model output barely compresses, so a point run does not pay
#: for it by default.
POINT_COMPLEVEL = 0


def _write_point_file(tmp: Path, gattrs: dict, sizes: dict, variables: list,
                      complevel: int = POINT_COMPLEVEL) -> None:
    """Write the NetCDF-4 file ``tmp`` (the sequence of calls of xarray's netCDF4 backend:
    global attributes, dimensions, then each variable created, given its attributes and
    written). Outputs: zlib at ``complevel`` with shuffle (chunked by the library's default),
    or, at level 0, neither (contiguous)."""
    import netCDF4

    with netCDF4.Dataset(tmp, mode="w", format="NETCDF4") as nc:
        for key, value in gattrs.items():
            arr = np.asarray(value)
            if arr.dtype.kind in "US" and arr.size > 1:  # a list of strings: NC_STRING
                nc.setncattr_string(key, value)
            else:
                nc.setncattr(key, value)
        for dim, size in sizes.items():
            nc.createDimension(dim, size)
        for name, dims, values, vattrs, output in variables:
            # outputs: zlib at complevel with shuffle (or neither), fill value NaN;
            # coordinates: contiguous
            zlib = bool(output and complevel > 0)
            var = nc.createVariable(
                name, values.dtype, dims, zlib=zlib, complevel=complevel if zlib else 4,
                shuffle=zlib,
                fletcher32=False, contiguous=False, chunksizes=None, endian="native",
                least_significant_digit=None, fill_value=np.nan if output else None,
            )
            var.setncatts(vattrs)
            var.set_auto_maskandscale(False)
            var[...] = values


def write_point_netcdf(
    path, times, sldpth, outputs: dict[str, np.ndarray], attrs: dict | None = None,
    complevel: int = POINT_COMPLEVEL,
) -> Path:
    """Write a point run's outputs to NetCDF-4, atomically.

    Parameters
    ----------
    path
        Output file. Its directory must exist. Nothing is written there unless the whole
        write succeeds: the data go to a temporary file in the same directory, which is renamed
        over ``path`` at the end and removed on any failure.
    times
        Model time of each step (UTC), anything ``numpy.datetime64`` accepts; stored as int64
        ``seconds since <first time>``, calendar ``proleptic_gregorian``.
    sldpth
        Layer thicknesses [m]; give the ``layer`` coordinates ``zsoil``, ``depth``, ``sldpth``.
    outputs
        Name -> array, each name registered in :data:`VARIABLES` with dims ``(time,)`` or
        ``(time, layer)``; units and names are stamped from the registry. Stored as float64,
        ``_FillValue`` NaN (the coordinates have none), compressed as ``complevel`` says.
    attrs
        Global attributes (``Conventions = "CF-1.8"`` unless given).
    complevel
        zlib level 0-9 of the outputs (with shuffle); 0 (:data:`POINT_COMPLEVEL`, the default):
        not compressed. The values and what xarray decodes do not depend on it.

    The file is the one ``xarray.Dataset.to_netcdf`` wrote before (same variables, order,
    attributes, encoding); it is written with the ``netCDF4`` package directly, so a point
    run imports neither xarray nor pandas. Returns the path written.
    """
    path = Path(path)
    if not (isinstance(complevel, (int, np.integer)) and 0 <= complevel <= 9):
        raise ValueError(f"complevel must be an integer 0-9, got {complevel!r}")
    layout = _point_layout(times, sldpth, outputs, attrs)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"output directory {str(path.parent)!r} does not exist")
    with atomic_file(path) as tmp:
        _write_point_file(tmp, *layout, complevel=int(complevel))
    return path

"""The one registry of output variables, and the point-run NetCDF writer.

Every variable noahperm writes is declared once here with its units (UDUNITS spelling), long
name, dimensions and, where one fits exactly (same quantity, sign and convertible units), its CF
standard name. Writers stamp these attributes; an unregistered name is an error. Names follow
the reference model (``state_hp.txt`` of the reference cases, ``REFERENCE_MODEL.md``).

Sign conventions are the model's: SHEAT, ETA and the latent heat components are positive upward
(from the surface to the air); SSOIL is positive when heat flows from the soil to the surface.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

from noahperm.fileio import write_netcdf

__all__ = [
    "VarInfo",
    "VARIABLES",
    "COORDINATES",
    "var_attrs",
    "layer_coordinates",
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


def var_attrs(name: str) -> dict[str, str]:
    """``units``, ``long_name`` (and ``standard_name``) of a registered variable."""
    try:
        info = VARIABLES[name]
    except KeyError:
        raise KeyError(
            f"variable {name!r} is not in the noahperm variable registry "
            "(noahperm.variables.VARIABLES)"
        ) from None
    attrs = {"units": info.units, "long_name": info.long_name}
    if info.standard_name:
        attrs["standard_name"] = info.standard_name
    return attrs


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


def _build_dataset(times, sldpth, outputs, attrs):
    import xarray as xr

    t = np.asarray(times)
    if t.ndim != 1 or t.size == 0:
        raise ValueError("times must be a non-empty 1-D array of datetimes")
    t = t.astype("datetime64[ns]")
    coords = layer_coordinates(sldpth)
    nt, nl = t.size, coords["layer"].size
    sizes = {"time": nt, "layer": nl}

    ds = xr.Dataset(coords={"time": ("time", t)})
    ds["time"].attrs.update(
        standard_name="time", long_name="model time of the step (UTC)", axis="T"
    )
    for name, values in coords.items():
        ds.coords[name] = (VARIABLES[name].dims, values, var_attrs(name))
    ds["depth"].attrs.update(positive="down", axis="Z")
    ds["zsoil"].attrs.update(positive="up")

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
        ds[name] = (dims, a, info_attrs)

    gattrs = {"Conventions": "CF-1.8"}
    gattrs.update({k: _attr_value(v) for k, v in (attrs or {}).items() if v is not None})
    ds.attrs.update(gattrs)
    return ds


def write_point_netcdf(
    path, times, sldpth, outputs: dict[str, np.ndarray], attrs: dict | None = None
) -> Path:
    """Write a point run's outputs to NetCDF-4, atomically.

    Parameters
    ----------
    path
        Output file. Its directory must exist. Nothing is written there unless the whole
        write succeeds: the data go to a temporary file in the same directory, which is renamed
        over ``path`` at the end and removed on any failure.
    times
        Model time of each step (UTC), anything ``numpy.datetime64`` accepts.
    sldpth
        Layer thicknesses [m]; give the ``layer`` coordinates ``zsoil``, ``depth``, ``sldpth``.
    outputs
        Name -> array, each name registered in :data:`VARIABLES` with dims ``(time,)`` or
        ``(time, layer)``; units and names are stamped from the registry.
    attrs
        Global attributes (``Conventions = "CF-1.8"`` unless given).

    Returns the path written.
    """
    path = Path(path)
    ds = _build_dataset(times, sldpth, outputs, attrs)
    t0 = np.datetime_as_string(ds["time"].values[0], unit="s").replace("T", " ")
    encoding = {
        "time": {
            "units": f"seconds since {t0}",
            "calendar": "proleptic_gregorian",
            "dtype": "int64",
            "_FillValue": None,
        }
    }
    for name in COORDINATES:
        encoding[name] = {"_FillValue": None}
    for name in outputs:
        encoding[name] = {"zlib": True, "complevel": 4, "_FillValue": np.nan}

    if not path.parent.is_dir():
        raise FileNotFoundError(f"output directory {str(path.parent)!r} does not exist")
    return write_netcdf(ds, path, encoding)

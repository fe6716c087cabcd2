"""The raw-data layout: where every raw input lives under ``raw_dir``, in one place.

The generator of the demo world writes these files, the twin truth writes the 2010 map and the
observations, the input stages and the figures read them, and the Snakemake rule files name them
as inputs and outputs. All paths are relative to ``raw_dir``, with ``/`` separators.

Standard library only (the rule files import this module while the workflow is parsed)::

    forcing/{var}_CMFD_V0106_B-01_03hr_010deg_{YYYYMM}.nc   CMFD, one file per variable and month
                                                            (or the older ITPCAS-CMFD name)
    landcover/vegetation_1km.tif                            vegetation classes
    landcover/lai_climatology_1km.tif                       growing-season mean LAI
    soil/soil_classes_1km.tif                               soil classes, 18 bands
    topography/dem_1km.tif                                  elevation
    masks/glacier_1km.tif, masks/lake_1km.tif               glacier and lake masks
    permafrost/permafrost_2010_1km.tif                      the 2010 permafrost map
    observations/active_layer_gt.xlsx                       daily active-layer temperatures
    observations/site_locations.csv                         their sites' coordinates
    observations/boreholes.csv                              annual borehole temperatures
    demo_manifest.json                                      written last by the demo generator
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "FORCING_DIR",
    "FORCING_FILE_PATTERNS",
    "FORCING_PATTERN",
    "MAPS",
    "DOMAIN_MAPS",
    "PERMAFROST_MAP",
    "OBSERVATIONS",
    "OBSERVATION_FILES",
    "TRUTH_PRODUCTS",
    "DEMO_MANIFEST",
    "forcing_name",
    "forcing_file",
    "raw_path",
]

#: Directory of the CMFD monthly files.
FORCING_DIR = "forcing"
#: File names of the CMFD monthly files, preferred (the one written) first; ``{var}`` is the
#: CMFD variable (``temp``, ``prec``, ...) and ``{ym}`` the month as YYYYMM.
FORCING_FILE_PATTERNS = (
    "{var}_CMFD_V0106_B-01_03hr_010deg_{ym}.nc",
    "{var}_ITPCAS-CMFD_V0106_B-01_03hr_010deg_{ym}.nc",
)
#: The written pattern as documentation spells it (the demo manifest records it).
FORCING_PATTERN = f"{FORCING_DIR}/" + FORCING_FILE_PATTERNS[0].replace("{ym}", "{YYYYMM}")

#: The 30 arc-second maps: name -> path.
MAPS = {
    "vegetation": "landcover/vegetation_1km.tif",
    "lai": "landcover/lai_climatology_1km.tif",
    "soil": "soil/soil_classes_1km.tif",
    "dem": "topography/dem_1km.tif",
    "glacier": "masks/glacier_1km.tif",
    "lake": "masks/lake_1km.tif",
    "permafrost": "permafrost/permafrost_2010_1km.tif",
}
#: The maps the domain stage reads (all but the 2010 permafrost map), in :data:`MAPS` order.
DOMAIN_MAPS = tuple(p for k, p in MAPS.items() if k != "permafrost")
#: The 2010 permafrost map (made by the demo's truth, or the user's).
PERMAFROST_MAP = MAPS["permafrost"]

#: The observation files (each optional): name -> path.
OBSERVATIONS = {
    "workbook": "observations/active_layer_gt.xlsx",
    "locations": "observations/site_locations.csv",
    "boreholes": "observations/boreholes.csv",
}
OBSERVATION_FILES = tuple(OBSERVATIONS.values())

#: What the demo's twin truth writes under ``raw_dir``.
TRUTH_PRODUCTS = {"map": PERMAFROST_MAP, **OBSERVATIONS}

#: Written last by the demo generator: its presence means every generated raw input is complete.
DEMO_MANIFEST = "demo_manifest.json"


def forcing_name(var: str, year: int, month: int, pattern: int = 0) -> str:
    """File name of one CMFD month (``pattern`` indexes :data:`FORCING_FILE_PATTERNS`)."""
    return FORCING_FILE_PATTERNS[pattern].format(var=var, ym=f"{year:04d}{month:02d}")


def forcing_file(var: str, year: int, month: int) -> str:
    """Path of one CMFD month under ``raw_dir`` in the written naming."""
    return f"{FORCING_DIR}/{forcing_name(var, year, month)}"


def raw_path(raw_dir: str | Path, relpath: str) -> Path:
    """``raw_dir / relpath``."""
    return Path(raw_dir) / relpath

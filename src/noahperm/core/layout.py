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

and, outside ``raw_dir``, the demo truth's own record in ``truth_dir`` (:data:`TRUTH_RECORD`).
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
    "TRUTH_PARAMETERS",
    "TRUTH_SUMMARY",
    "TRUTH_RECORD",
    "DEMO_MANIFEST",
    "FORCING_VARIABLES",
    "forcing_name",
    "forcing_file",
    "forcing_months",
    "forcing_files",
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
#: The CMFD variables, one file per variable and month (``noahperm.inputs.forcing.cmfd``
#: defines how each is read; a test keeps the two lists equal).
FORCING_VARIABLES = ("temp", "shum", "pres", "wind", "srad", "lrad", "prec")
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

#: The demo truth's own record in ``truth_dir`` (hidden from calibration; evaluation and tests).
TRUTH_PARAMETERS = "true_parameters.json"
TRUTH_SUMMARY = "truth_summary.json"
TRUTH_RECORD = (TRUTH_PARAMETERS, "annual.zarr", "sites.zarr", "network.csv", TRUTH_SUMMARY)

#: Written last by the demo generator: its presence means every generated raw input is complete.
DEMO_MANIFEST = "demo_manifest.json"


def forcing_name(var: str, year: int, month: int, pattern: int = 0) -> str:
    """File name of one CMFD month (``pattern`` indexes :data:`FORCING_FILE_PATTERNS`)."""
    return FORCING_FILE_PATTERNS[pattern].format(var=var, ym=f"{year:04d}{month:02d}")


def forcing_file(var: str, year: int, month: int) -> str:
    """Path of one CMFD month under ``raw_dir`` in the written naming."""
    return f"{FORCING_DIR}/{forcing_name(var, year, month)}"


def forcing_months(years) -> list[tuple[int, int]]:
    """(year, month) of every month of ``years`` = (first, last), in order."""
    y0, y1 = (int(y) for y in years)
    return [(y, m) for y in range(y0, y1 + 1) for m in range(1, 13)]


def forcing_files(raw_dir: str | Path, years, *, existing: bool = True) -> list[str]:
    """Every CMFD file the forcing cache of ``years`` reads, as paths under ``raw_dir``.

    Each month of each variable (``existing``: the name of whichever naming scheme is on disk,
    else the written name, so that a missing file is named as missing), then the ``prec`` file
    of the January after ``years``, whose first record completes the last step
    (``noahperm.inputs.forcing.cmfd.step_precipitation``) - only if it exists, as the cache
    reads it only then. ``existing=False``: the written names only, and no January after (the
    demo generator's outputs). The workflow's rules take these files as inputs, so an edit of
    any of them in place reruns the forcing cache and what depends on it.
    """
    d = Path(raw_dir) / FORCING_DIR
    out = []

    def name_of(var, y, m):
        if existing:
            for k in range(len(FORCING_FILE_PATTERNS)):
                if (d / forcing_name(var, y, m, k)).is_file():
                    return str(d / forcing_name(var, y, m, k))
        return str(d / forcing_name(var, y, m))

    for y, m in forcing_months(years):
        out += [name_of(var, y, m) for var in FORCING_VARIABLES]
    if existing:
        after = name_of("prec", int(years[1]) + 1, 1)
        if Path(after).is_file():
            out.append(after)
    return out


def raw_path(raw_dir: str | Path, relpath: str) -> Path:
    """``raw_dir / relpath``."""
    return Path(raw_dir) / relpath

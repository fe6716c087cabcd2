"""A matrix of bad inputs, each refused cleanly by the real command line (issue 9, reliability).

Every case breaks one input one way (point files, CMFD forcing, maps, observations, parameter
sets, the stores between stages, the command line's JSON) or one output location (read-only
directory, a file or a directory in the way, a full disk), runs ``noahperm <command>`` and checks

* the exit status: 2 for a bad input (``InputError``), 1 for an operating-system error;
* the one-line message ``noahperm <command>: error: ...``: it names the file (or directory) the
  user must fix and the problem, in key words;
* no Python traceback on stderr;
* nothing a rerun would trust: no new file anywhere under the case's directory (no product, no
  store with a ``.complete`` marker, no ``*.tmp*`` / ``*.old-*`` leftover); at most empty
  directories.

Input errors run in-process (``noahperm.cli.main``, an escaping exception fails the test as a
traceback would); the operating-system cases run ``python -m noahperm`` in a subprocess. As root
(containers) file permissions do not bind, so the permission cases run under ``unshare -U`` (a
user namespace where root is unmapped and the permission bits apply); the full-disk case mounts a
small tmpfs in a user and mount namespace (``unshare -Urm``). Without ``unshare`` those cases are
skipped where they cannot be staged.

Inputs are tiny (3 x 2 forcing cells, one year of CMFD files, 24 x 36 pixel maps), built once per
module; each case copies what it breaks.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import openpyxl
import pytest

import rawinputs
from noahperm.cli import main
from noahperm.core.zarrio import MARKER, is_complete
from noahperm.demo_world.point_site import example_input_text
from noahperm.inputs import domain as dm
from noahperm.inputs.forcing import cmfd
from noahperm.inputs.maps import write_raster

YEARS = (2000, 2000)
WEST, NORTH = 90.0, 33.2  # the maps' top-left corner (3 x 2 cells of 0.1 deg from 90 E, 33 N)
FIRST_RECORD = 49  # 1-based line of the first forcing record of the demo point file
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


# --------------------------------------------------------------------------------- shared inputs


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """Good inputs of every kind: ``raw/`` (maps, one year of forcing, observations),
    ``domain.zarr``, ``point.in`` and ``params.json``."""
    d = tmp_path_factory.mktemp("good")
    raw = rawinputs.write_raw(d / "raw", YEARS)
    dm.build_domain(rawinputs.config(raw, d, YEARS), d / "domain.zarr", fsync=False)
    obs = raw / "observations"
    obs.mkdir()
    write_xlsx(obs / "active_layer_gt.xlsx", {"QT01": good_sheet()})
    (obs / "site_locations.csv").write_text(LOCATIONS)
    (obs / "boreholes.csv").write_text(BOREHOLES)
    lines = example_input_text(years=1).splitlines()
    assert lines[FIRST_RECORD - 1].startswith("2001 01 01 00 00")
    end = 'enddate               = "200101052100"'  # 5 days
    lines = [re.sub(r'enddate\s*=\s*"\d+"', end, s) for s in lines[: FIRST_RECORD - 1 + 40]]
    (d / "point.in").write_text("\n".join(lines) + "\n")
    (d / "params.json").write_text('{"CZIL": 0.1}\n')
    return d


LOCATIONS = "Site Name,Latitude (°N),Longitude (°E)\nQT01,33.05,90.05\n"
BH_HEADER = "site,latitude,longitude,year,depth_m,temperature_degC"
BOREHOLES = f"{BH_HEADER}\nB1,33.15,90.15,2000,10.0,-0.5\n"


def good_sheet() -> list[list]:
    rows = [["Year", "Month", "Day", "10cmGT", "50 cm"]]
    rows += [[2000, 7, d, 5.0 + d, 2.0] for d in (1, 2, 3)]
    return rows


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def copy_raw(base: Path, work: Path) -> Path:
    raw = work / "raw"
    shutil.copytree(base / "raw", raw)
    return raw


def config_json(raw: Path, work: Path) -> str:
    return json.dumps(rawinputs.config(raw, work / "results", YEARS))


def month_path(raw: Path, var: str, month: int, year: int = 2000) -> Path:
    return raw / "forcing" / f"{var}_CMFD_V0106_B-01_03hr_010deg_{year}{month:02d}.nc"


def rewrite_month(raw: Path, var: str, month: int, *, lat=None, lon=None, values=None,
                  units=None, as_month=None) -> Path:
    """Rewrite one CMFD month file of the 3 x 2 grid with one thing changed."""
    glat, glon = rawinputs.grid_axes(90.0, 33.0, 3, 2)
    lat = glat if lat is None else lat
    lon = glon if lon is None else lon
    m = month if as_month is None else as_month
    if values is None:
        values = rawinputs.forcing_value(var, cmfd.month_times(2000, m), lat.size, lon.size)
    path = month_path(raw, var, month)
    path.unlink()
    cmfd.write_month(path, var, 2000, m, lat, lon, values, units=units)
    return path


def dem_map(values: np.ndarray | float, **kw) -> Callable[[Path], None]:
    def edit(raw: Path) -> None:
        a = np.broadcast_to(np.asarray(values, np.float32), (24, 36))
        args = {"west": WEST, "north": NORTH, "nodata": -9999.0, **kw}
        write_raster(raw / "topography/dem_1km.tif", np.array(a), **args)
    return edit


# ------------------------------------------------------------------------------------ the matrix


@dataclass
class Run:
    """What a case runs: the arguments after ``noahperm`` and the outputs it names."""

    argv: list[str]
    outputs: list[Path]
    how: str = "inproc"  # "inproc", "subprocess", "unshare" (permissions bind), "fullfs"
    fullfs: Path | None = None  # the directory that becomes a tiny full tmpfs ("fullfs")


@dataclass
class Case:
    id: str
    code: int
    words: tuple[str, ...]  # all must appear in the error line
    make: Callable[[Path, Path], Run]  # (base, work) -> Run
    absent: tuple[str, ...] = field(default=())  # must not appear (e.g. a temporary name)


CASES: list[Case] = []


def case(id: str, code: int, *words: str, absent: tuple[str, ...] = ()):
    def register(make):
        CASES.append(Case(id, code, words, make, absent))
        return make
    return register


# --- point files: noahperm point IN --out OUT.nc ------------------------------------------------


def point_case(id: str, *words: str, edit: Callable[[list[str]], list[str]]):
    def make(base: Path, work: Path) -> Run:
        lines = base.joinpath("point.in").read_text().splitlines()
        inp = work / "site.in"
        inp.write_text("\n".join(edit(list(lines))) + "\n")
        out = work / "out/site.nc"
        return Run(["point", str(inp), "--out", str(out), "--quiet"], [out])
    case(f"point-{id}", 2, "site.in", *words)(make)


def _key(lines: list[str], key: str) -> int:
    return next(i for i, s in enumerate(lines) if re.match(rf"^\s*{key}\s*=", s, re.I))


def _set(lines: list[str], key: str, value: str) -> list[str]:
    i = _key(lines, key)
    lines[i] = re.sub(r"=.*$", f"= {value}", lines[i])
    return lines


def _value(rec: int, k: int, text: str) -> Callable[[list[str]], list[str]]:
    """Record ``rec`` (0-based) with value field k (0 wind ... 7 precipitation) set to text."""
    def edit(lines):
        i = FIRST_RECORD - 1 + rec
        a = 16 + 17 * k
        lines[i] = lines[i][:a] + f"{text:>17}" + lines[i][a + 17:]
        return lines
    return edit


def _delete_key(key):
    def edit(lines):
        del lines[_key(lines, key)]
        return lines
    return edit


def _swap(lines):
    i = FIRST_RECORD - 1 + 10
    lines[i], lines[i + 1] = lines[i + 1], lines[i]
    return lines


point_case("missing-field", "Wind_level", "missing", edit=_delete_key("Wind_level"))
point_case("bad-number", f"{FIRST_RECORD + 5}", "air temperature", "cannot read",
           edit=_value(5, 2, "abc"))
point_case("wrong-column-count", f"{FIRST_RECORD + 4}", "12 fields",
           edit=lambda ls: ls[:FIRST_RECORD + 3]
           + ["2001 01 01 12 00 1.0 2.0 250.0 40.0 580.0 0.0 200.0"] + ls[FIRST_RECORD + 4:])
point_case("truncated", "premature end", edit=lambda ls: ls[:FIRST_RECORD - 1 + 20])
point_case("record-cut-short", f"{FIRST_RECORD + 3}", "precipitation", "truncated",
           edit=lambda ls: ls[:FIRST_RECORD + 2] + [ls[FIRST_RECORD + 2][:135]]
           + ls[FIRST_RECORD + 3:])
point_case("time-not-monotonic", f"{FIRST_RECORD + 11}", "out of chronological order",
           edit=_swap)
point_case("temperature-140K", "air temperature", "outside", edit=_value(2, 2, "140.0000000000"))
point_case("negative-precipitation", "precipitation", "outside",
           edit=_value(2, 7, "-0.0000100000"))
point_case("humidity-120", "relative humidity", "outside", edit=_value(2, 3, "120.0000000000"))
point_case("layer-count", "Soil_Temperature", "17 layer values",
           edit=lambda ls: _set(ls, "Soil_Temperature", "260.0 " * 17))
point_case("soil-class-25", "Soil_htype(3)", "outside",
           edit=lambda ls: _set(ls, "Soil_htype", "7 7 25" + " 7" * 15))
point_case("no-namelist", "&METADATA_NAMELIST", "no namelist",
           edit=lambda ls: ["METADATA", *ls[1:]])


@case("point-missing-file", 2, "absent.in")
def _(base, work):
    out = work / "out.nc"
    return Run(["point", str(work / "absent.in"), "--out", str(out)], [out])


@case("point-binary-file", 2, "site.in")
def _(base, work):
    (work / "site.in").write_bytes(bytes(range(256)) * 8)
    out = work / "out.nc"
    return Run(["point", str(work / "site.in"), "--out", str(out)], [out])


# --- forcing: noahperm prepare_forcing ----------------------------------------------------------


def forcing_case(id: str, *words: str, edit: Callable[[Path], object] | None = None,
                 domain: Callable[[Path, Path], Path] | None = None, years=YEARS):
    def make(base: Path, work: Path) -> Run:
        raw = copy_raw(base, work)
        if edit is not None:
            edit(raw)
        dom = base / "domain.zarr" if domain is None else domain(base, work)
        out = work / "results/forcing.zarr"
        return Run(["prepare_forcing", "--raw-dir", str(raw), "--domain", str(dom), "--out",
                    str(out), "--years", *map(str, years), "--no-progress"], [out])
    case(f"forcing-{id}", 2, *words)(make)


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _nan_at_used_cell(raw: Path) -> None:
    v = rawinputs.forcing_value("wind", cmfd.month_times(2000, 5), 2, 3)
    v[17, 0, 1] = np.nan
    rewrite_month(raw, "wind", 5, values=v)


def _incomplete_domain(base: Path, work: Path) -> Path:
    d = work / "domain.zarr"
    shutil.copytree(base / "domain.zarr", d)
    (d / MARKER).unlink()
    return d


def _domain_of_other_product(base: Path, work: Path) -> Path:
    d = work / "domain.zarr"
    shutil.copytree(base / "domain.zarr", d)
    (d / MARKER).write_text(json.dumps({"product": "forcing"}))
    return d


forcing_case("missing-month-file", "prec_CMFD_V0106_B-01_03hr_010deg_200007.nc",
             "missing CMFD month file", edit=lambda r: month_path(r, "prec", 7).unlink())
forcing_case("truncated-netcdf", "srad_CMFD_V0106_B-01_03hr_010deg_200003.nc",
             "corrupt or truncated", edit=lambda r: _truncate(month_path(r, "srad", 3)))
forcing_case("not-netcdf", "lrad_CMFD_V0106_B-01_03hr_010deg_200011.nc", "corrupt or truncated",
             edit=lambda r: month_path(r, "lrad", 11).write_text("not NetCDF\n" * 50))
forcing_case("nan-values", "wind_CMFD_V0106_B-01_03hr_010deg_200005.nc", "missing values",
             "time step 17", edit=_nan_at_used_cell)
forcing_case("wrong-units", "temp_CMFD_V0106_B-01_03hr_010deg_200002.nc", "wrong units", "degC",
             edit=lambda r: rewrite_month(r, "temp", 2, units="degC"))
forcing_case("celsius-labelled-kelvin", "temp_CMFD_V0106_B-01_03hr_010deg_200006.nc",
             "plausible range",
             edit=lambda r: rewrite_month(r, "temp", 6, values=rawinputs.forcing_value(
                 "temp", cmfd.month_times(2000, 6), 2, 3) - 273.15))
forcing_case("wrong-grid", "pres_CMFD_V0106_B-01_03hr_010deg_200004.nc", "wrong grid",
             edit=lambda r: rewrite_month(r, "pres", 4,
                                          lat=rawinputs.grid_axes(90.0, 34.0, 3, 2)[0]))
forcing_case("wrong-resolution", "shum_CMFD_V0106_B-01_03hr_010deg_200008.nc", "steps of 0.1",
             edit=lambda r: rewrite_month(r, "shum", 8,
                                          lon=rawinputs.grid_axes(90.0, 33.0, 3, 2, 0.25)[1]))
forcing_case("wrong-time-axis", "temp_CMFD_V0106_B-01_03hr_010deg_200009.nc",
             "time axis does not cover 2000-09",
             edit=lambda r: rewrite_month(r, "temp", 9, as_month=10))
forcing_case("missing-variable", "temp_CMFD_V0106_B-01_03hr_010deg_200010.nc", "missing",
             edit=lambda r: (month_path(r, "temp", 10).unlink(),
                             shutil.copy(month_path(r, "shum", 10), month_path(r, "temp", 10))))
forcing_case("year-not-provided", "temp_CMFD_V0106_B-01_03hr_010deg_200101.nc",
             "missing CMFD month file", years=(2000, 2001))
forcing_case("domain-store-missing", "nothing.zarr", "does not exist",
             domain=lambda b, w: w / "nothing.zarr")
forcing_case("domain-store-incomplete", "domain.zarr", "incomplete Zarr store", MARKER,
             domain=_incomplete_domain)
forcing_case("domain-store-other-product", "domain.zarr", "holds product 'forcing'",
             domain=_domain_of_other_product)


# --- maps: noahperm prepare_domain ------------------------------------------------------------


def map_case(id: str, *words: str, edit: Callable[[Path], object], code: int = 2,
             how: str = "inproc"):
    def make(base: Path, work: Path) -> Run:
        raw = copy_raw(base, work)
        edit(raw)
        out = work / "results/domain.zarr"
        return Run(["prepare_domain", "--config-json", config_json(raw, work), "--out",
                    str(out)], [out], how=how)
    case(f"map-{id}", code, *words)(make)


def _soil(values) -> Callable[[Path], None]:
    def edit(raw):
        write_raster(raw / "soil/soil_classes_1km.tif", np.asarray(values), west=WEST,
                     north=NORTH, nodata=0)
    return edit


def _vegetation(a: np.ndarray, nodata=0) -> Callable[[Path], None]:
    def edit(raw):
        write_raster(raw / "landcover/vegetation_1km.tif", a, west=WEST, north=NORTH,
                     nodata=nodata)
    return edit


def _unknown_code() -> np.ndarray:
    v = np.full((24, 36), 2, np.uint8)
    v[:12, :12] = 42
    return v


map_case("wrong-crs", "dem_1km.tif", "EPSG:32646", "expected EPSG:4326",
         edit=dem_map(4000.0, crs="EPSG:32646"))
map_case("wrong-resolution", "dem_1km.tif", "pixel size", "30 arc-seconds",
         edit=lambda r: write_raster(r / "topography/dem_1km.tif",
                                     np.full((12, 18), 4000.0, np.float32), west=WEST,
                                     north=NORTH, nodata=-9999.0, res=1 / 60))
map_case("all-nodata-dem", "dem_1km.tif", "no data", edit=dem_map(-9999.0))
map_case("soil-band-count", "soil_classes_1km.tif", "4 bands; expected 18",
         edit=_soil(np.full((4, 24, 36), 7, np.uint8)))
map_case("not-overlapping", "dem_1km.tif", "do not overlap",
         edit=dem_map(4000.0, west=100.0, north=40.0))
map_case("unreadable-file", "lai_climatology_1km.tif", "corrupt or truncated",
         edit=lambda r: (r / "landcover/lai_climatology_1km.tif").write_bytes(b"II*\0junk" * 99))
map_case("missing-file", "lake_1km.tif", "map file missing",
         edit=lambda r: (r / "masks/lake_1km.tif").unlink())
map_case("no-nodata", "glacier_1km.tif", "no nodata value",
         edit=lambda r: _rewrite_without_nodata(r / "masks/glacier_1km.tif"))
map_case("vegetation-code-unmapped", "vegetation_1km.tif", "[42]", "vegetation_classes",
         edit=_vegetation(_unknown_code()))
map_case("soil-class-out-of-range", "soil_classes_1km.tif", "[25]",
         edit=_soil(np.where(np.arange(18)[:, None, None] == 5, 25, 7).astype(np.uint8)
                    * np.ones((18, 24, 36), np.uint8)))
map_case("class-map-of-floats", "vegetation_1km.tif", "integers",
         edit=_vegetation(np.full((24, 36), 2.0, np.float32), nodata=-1.0))
map_case("forcing-grid-file-missing", "temp_CMFD_V0106_B-01_03hr_010deg_200001.nc", "missing",
         edit=lambda r: month_path(r, "temp", 1).unlink())


def _rewrite_without_nodata(path: Path) -> None:
    import rasterio

    with rasterio.open(path) as src:
        a = src.read()
    path.unlink()
    profile = {"driver": "GTiff", "width": a.shape[2], "height": a.shape[1], "count": 1,
               "dtype": a.dtype.name, "crs": "EPSG:4326",
               "transform": rasterio.Affine(1 / 120, 0, WEST, 0, -1 / 120, NORTH)}
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(a)


@case("config-json-not-json-domain", 2, "--config-json", "not valid JSON")
def _(base, work):
    out = work / "domain.zarr"
    return Run(["prepare_domain", "--config-json", "{raw_dir: x", "--out", str(out)], [out])


@case("config-json-not-json-forcing", 2, "--config-json", "not valid JSON")
def _(base, work):
    out = work / "forcing.zarr"
    return Run(["prepare_forcing", "--raw-dir", str(base / "raw"), "--domain",
                str(base / "domain.zarr"), "--out", str(out), "--years", "2000", "2000",
                "--config-json", "{", "--no-progress"], [out])


# --- observations: noahperm prepare_observations ---------------------------------------------


def obs_case(id: str, *words: str, edit: Callable[[Path], object],
             domain: Callable[[Path, Path], Path] | None = None):
    def make(base: Path, work: Path) -> Run:
        raw = copy_raw(base, work)
        edit(raw / "observations")
        out = work / "results/obs"
        dom = base / "domain.zarr" if domain is None else domain(base, work)
        return Run(["prepare_observations", "--raw-dir", str(raw), "--domain", str(dom),
                    "--out-dir", str(out)], [out / "observations.nc"])
    case(f"obs-{id}", 2, *words)(make)


def _sheet(edit: Callable[[list[list]], object]) -> Callable[[Path], None]:
    def f(obs: Path) -> None:
        rows = good_sheet()
        edit(rows)
        write_xlsx(obs / "active_layer_gt.xlsx", {"QT01": rows})
    return f


obs_case("workbook-not-a-workbook", "active_layer_gt.xlsx", "not a readable .xlsx workbook",
         edit=lambda o: (o / "active_layer_gt.xlsx").write_bytes(b"PK\x03\x04 truncated"))
obs_case("workbook-missing-column", "active_layer_gt.xlsx", "sheet 'QT01'",
         "missing column(s) Day",
         edit=_sheet(lambda rows: [r.pop(2) for r in rows]))
obs_case("workbook-bad-date", "active_layer_gt.xlsx", "invalid date 2000-02-30",
         edit=_sheet(lambda rows: rows[2].__setitem__(slice(1, 3), [2, 30])))
obs_case("workbook-text-value", "active_layer_gt.xlsx", "non-numeric value 'n/a'",
         edit=_sheet(lambda rows: rows[3].__setitem__(4, "n/a")))
obs_case("site-location-missing", "site_locations.csv", "no location for site 'QT01'",
         edit=lambda o: (o / "site_locations.csv").write_text(
             "Site Name,Latitude (°N),Longitude (°E)\nQT99,33.05,90.05\n"))
obs_case("site-location-file-missing", "site_locations.csv", "no site location file",
         edit=lambda o: (o / "site_locations.csv").unlink())
obs_case("site-location-bad-latitude", "site_locations.csv", "Latitude", "not a number",
         edit=lambda o: (o / "site_locations.csv").write_text(
             "Site Name,Latitude (°N),Longitude (°E)\nQT01,north,90.05\n"))
obs_case("borehole-bad-number", "boreholes.csv", ":2: temperature_degC: not a number",
         edit=lambda o: (o / "boreholes.csv").write_text(
             f"{BH_HEADER}\nB1,33.15,90.15,2000,10.0,warm\n"))
obs_case("borehole-missing-column", "boreholes.csv", "missing column(s) temperature_degC",
         edit=lambda o: (o / "boreholes.csv").write_text(
             "site,latitude,longitude,year,depth_m\nB1,33.15,90.15,2000,10.0\n"))
obs_case("borehole-wrong-field-count", "boreholes.csv", ":2: 7 fields",
         edit=lambda o: (o / "boreholes.csv").write_text(
             f"{BH_HEADER}\nB1,33.15,90.15,2000,10.0,-0.5,x\n"))
obs_case("domain-store-incomplete", "domain.zarr", "incomplete Zarr store",
         edit=lambda o: None, domain=_incomplete_domain)


# --- parameter sets: noahperm member_parameters -------------------------------------------------


def params_case(id: str, *words: str, text: str | None, code: int = 2):
    def make(base: Path, work: Path) -> Run:
        src = work / "member.json"
        if text is not None:
            src.write_text(text)
        out = work / "members/m01/params.json"
        return Run(["member_parameters", "--from", str(src), "--out", str(out)], [out])
    case(f"params-{id}", code, "member.json", *words)(make)


params_case("unknown-key", "CZILL", "unknown parameter", text='{"CZILL": 0.1}')
params_case("out-of-range", "CZIL", "7.5", text='{"CZIL": 7.5}')
params_case("not-a-number", "CZIL", "not a number", text='{"CZIL": "small"}')
params_case("not-json", "not valid JSON", text='{"CZIL": 0.1,}')
params_case("not-an-object", "JSON object", text="[0.1, 0.2]")
params_case("file-missing", "No such file", text=None, code=1)


# --- stores between stages: spinup, simulate ---------------------------------------------------


def _sim_argv(base: Path, work: Path, domain: Path, config: str | None = None) -> list[str]:
    return ["--config-json", config or json.dumps({"forcing": {"years": list(YEARS)}}),
            "--domain", str(domain), "--forcing", str(work / "forcing.zarr")]


@case("spinup-domain-store-missing", 2, "absent.zarr", "does not exist")
def _(base, work):
    out, conv = work / "spinup.zarr", work / "convergence.csv"
    return Run(["spinup", *_sim_argv(base, work, work / "absent.zarr"), "--out", str(out),
                "--convergence", str(conv)], [out, conv])


@case("spinup-config-json-not-an-object", 2, "--config-json", "JSON object")
def _(base, work):
    out, conv = work / "spinup.zarr", work / "convergence.csv"
    return Run(["spinup", *_sim_argv(base, work, base / "domain.zarr", "[1, 2]"), "--out",
                str(out), "--convergence", str(conv)], [out, conv])


@case("spinup-bad-parameter-set", 2, "member.json", "unknown")
def _(base, work):
    (work / "member.json").write_text('{"not_a_parameter": 1}')
    out, conv = work / "spinup.zarr", work / "convergence.csv"
    return Run(["spinup", *_sim_argv(base, work, base / "domain.zarr"), "--parameters",
                str(work / "member.json"), "--out", str(out), "--convergence", str(conv)],
               [out, conv])


@case("simulate-spinup-store-incomplete", 2, "spinup.zarr", "incomplete Zarr store")
def _(base, work):
    state = work / "spinup.zarr"
    shutil.copytree(base / "domain.zarr", state)
    (state / MARKER).unlink()
    out = work / "run"
    return Run(["simulate", *_sim_argv(base, work, base / "domain.zarr"), "--spinup",
                str(state), "--out-dir", str(out)],
               [out / "annual.zarr", out / "sites.zarr", out / "state.zarr"])


# --- operating-system errors: subprocess ---------------------------------------------------------


def _read_only(d: Path) -> Path:
    d.mkdir(parents=True)
    d.chmod(0o555)
    return d


@case("os-read-only-member-dir", 1, "m01", "Permission denied", absent=(".tmp",))
def _(base, work):
    out = _read_only(work / "members/m01") / "params.json"
    return Run(["member_parameters", "--from", str(base / "params.json"), "--out", str(out)],
               [out], how="unshare")


@case("os-read-only-results-dir", 1, "inputs", "Permission denied", absent=(".tmp",))
def _(base, work):
    out = _read_only(work / "results/inputs") / "domain.zarr"
    raw = base / "raw"
    return Run(["prepare_domain", "--config-json", config_json(raw, work), "--out", str(out)],
               [out], how="unshare")


@case("os-unreadable-parameter-file", 1, "member.json", "Permission denied")
def _(base, work):
    src = work / "member.json"
    src.write_text('{"CZIL": 0.1}')
    src.chmod(0)
    out = work / "params.json"
    return Run(["member_parameters", "--from", str(src), "--out", str(out)], [out],
               how="unshare")


@case("os-unreadable-map", 1, "dem_1km.tif", "Permission denied")
def _(base, work):
    raw = copy_raw(base, work)
    (raw / "topography/dem_1km.tif").chmod(0)
    out = work / "domain.zarr"
    return Run(["prepare_domain", "--config-json", config_json(raw, work), "--out", str(out)],
               [out], how="unshare")


@case("os-unreadable-forcing-file", 1, "lrad_CMFD_V0106_B-01_03hr_010deg_200002.nc",
      "Permission denied")
def _(base, work):
    raw = copy_raw(base, work)
    month_path(raw, "lrad", 2).chmod(0)
    out = work / "forcing.zarr"
    return Run(["prepare_forcing", "--raw-dir", str(raw), "--domain", str(base / "domain.zarr"),
                "--out", str(out), "--years", "2000", "2000", "--no-progress"], [out],
               how="unshare")


@case("os-output-is-a-directory", 1, "params.json", "directory", absent=(".tmp",))
def _(base, work):
    out = work / "params.json"
    out.mkdir()
    return Run(["member_parameters", "--from", str(base / "params.json"), "--out", str(out)],
               [], how="subprocess")


@case("os-output-dir-is-a-file", 1, "obs", "not a directory")
def _(base, work):
    out = work / "obs"
    out.write_text("a file where the output directory goes\n")
    return Run(["prepare_observations", "--raw-dir", str(base / "raw"), "--out-dir", str(out)],
               [out / "observations.nc"], how="subprocess")


@case("os-output-parent-is-a-file", 1, "members", "not a directory")
def _(base, work):
    (work / "members").write_text("a file where the member directory goes\n")
    out = work / "members/m01/params.json"
    return Run(["member_parameters", "--from", str(base / "params.json"), "--out", str(out)],
               [out], how="subprocess")


@case("os-disk-full", 1, "domain.zarr", "No space left on device", absent=(".tmp",))
def _(base, work):
    full = work / "full"
    full.mkdir()
    out = full / "domain.zarr"
    raw = base / "raw"
    return Run(["prepare_domain", "--config-json", config_json(raw, work), "--out", str(out)],
               [out], how="fullfs", fullfs=full)


# ----------------------------------------------------------------------------------- the runner


def _unshare_works(*flags: str) -> bool:
    if shutil.which("unshare") is None:
        return False
    try:
        return subprocess.run(["unshare", *flags, "true"], capture_output=True,
                              timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if not p.is_dir()}


def _mode_restore(root: Path) -> None:
    """Make everything under ``root`` accessible again (pytest removes it later)."""
    for p in [root, *root.rglob("*")]:
        if not p.is_symlink():
            p.chmod(0o755 if p.is_dir() else 0o644)


def run(r: Run) -> tuple[int, str, str]:
    """(exit status, stderr, a listing of the full file system for "fullfs")."""
    if r.how == "inproc":
        import io
        from contextlib import redirect_stderr, redirect_stdout

        err, out = io.StringIO(), io.StringIO()
        with redirect_stderr(err), redirect_stdout(out):
            code = main(r.argv)
        return code, err.getvalue(), ""
    cmd = [sys.executable, "-m", "noahperm", *r.argv]
    if r.how == "unshare" and IS_ROOT:
        if not _unshare_works("-U"):
            pytest.skip("root without unshare -U: file permissions cannot be staged")
        cmd = ["unshare", "-U", *cmd]
    listing = ""
    if r.how == "fullfs":
        if not _unshare_works("-Urm"):
            pytest.skip("no unshare -Urm: a full file system cannot be staged")
        # a 64 KiB tmpfs, filled up; the command writes into it, then its content is listed
        script = ('mount -t tmpfs -o size=64k tmpfs "$1" && shift && '
                  '(dd if=/dev/zero of="$FULL/filler" bs=4k 2>/dev/null; true) && '
                  '"$@"; rc=$?; rm -f "$FULL/filler"; echo "LISTING:"; '
                  'find "$FULL" -mindepth 1; exit $rc')
        cmd = ["unshare", "-Urm", "sh", "-c", script, "sh", str(r.fullfs), *cmd]
    env = {**os.environ, "FULL": str(r.fullfs or "")}
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    if r.how == "fullfs":
        listing = p.stdout.split("LISTING:", 1)[-1]
    return p.returncode, p.stderr, listing


@pytest.mark.parametrize("c", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_refused_cleanly(c: Case, base: Path, tmp_path: Path):
    work = tmp_path / "case"
    work.mkdir()
    r = c.make(base, work)
    before = _files(work)
    try:
        code, err, listing = run(r)
    finally:
        _mode_restore(work)
    command = r.argv[0]
    assert "Traceback" not in err, err
    lines = [s for s in err.splitlines() if s.startswith(f"noahperm {command}: error: ")]
    assert len(lines) == 1, err
    msg = lines[0]
    for w in c.words:
        assert w in msg, f"{w!r} not in {msg!r}"
    for w in c.absent:
        assert w not in msg, f"{w!r} in {msg!r}"
    assert code == c.code, err
    # nothing a rerun would trust: no product, no complete store, no temporary leftovers
    for out in r.outputs:
        assert not out.exists() or (out.is_dir() and not _files(out)), out
        assert not is_complete(out), out
    new = sorted(str(p.relative_to(work)) for p in _files(work) - before)
    assert not new, new
    assert not listing.strip(), listing


def test_matrix_size():
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)

"""Observation readers, site -> cell matching and the observation store.

The real Zhao et al. (2021) workbook in ``../shared/data/zhao2021`` is checked against what
openpyxl's cell access reads independently; the bad-input cases use small workbooks written here.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xarray as xr

from noahperm.core.errors import InputError
from noahperm.inputs.observations import (
    assign_cells,
    degc_to_kelvin,
    kelvin_to_degc,
    match_location,
    parse_depth_header,
    prepare,
    read_active_layer_workbook,
    read_boreholes,
    read_site_locations,
    read_store,
    write_boreholes,
)
from noahperm.inputs.observations import store as store_mod

WORKBOOK = "Active layer of ground temperature.xlsx"
README_SHEETS = {"QT01", "QT03", "QT04", "QT05", "QT08", "QT09", "Ch01", "Ch04", "Ch06",
                 "ZNHAL", "AYKAL", "TSHAL"}


# ----------------------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------------------


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def good_rows(n: int = 3, year: int = 2011) -> list[list]:
    rows = [["Year", "Month", "Day", "10cmGT", "50 cm"]]
    for k in range(n):
        rows.append([year, 1, k + 1, -5.0 - k, -2.0 + 0.5 * k])
    return rows


def grid_domain(lat0=30.05, lon0=90.05, nlat=3, nlon=4, res=0.1, active=None, drop=()):
    lat, lon = np.meshgrid(lat0 + res * np.arange(nlat), lon0 + res * np.arange(nlon),
                           indexing="ij")
    lat, lon = lat.ravel(), lon.ravel()
    keep = np.array([k not in drop for k in range(lat.size)])
    act = np.ones(lat.size, bool) if active is None else np.asarray(active, bool)
    ids = np.arange(lat.size)[keep]
    return xr.Dataset({"lat": ("cell", lat[keep]), "lon": ("cell", lon[keep]),
                       "active": ("cell", act[keep])}, coords={"cell": ids})


# ----------------------------------------------------------------------------------------------
# The real workbook
# ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def zhao(shared_dir: Path) -> Path:
    return shared_dir / "data" / "zhao2021"


@pytest.fixture(scope="module")
def real_table(zhao: Path) -> pd.DataFrame:
    return read_active_layer_workbook(zhao / WORKBOOK)


@pytest.fixture(scope="module")
def real_sheets(zhao: Path) -> dict[str, dict]:
    """Per sheet, read here by cell access: depths [m], dates, first/last value per column."""
    wb = openpyxl.load_workbook(zhao / WORKBOOK, data_only=True)  # not read-only: cell access
    out = {}
    for ws in wb.worksheets:
        assert [ws.cell(1, c).value for c in (1, 2, 3)] == ["Year", "Month", "Day"]
        cols = {}
        for c in range(4, ws.max_column + 1):
            h = ws.cell(1, c).value
            if h is None:
                assert all(ws.cell(r, c).value is None for r in range(2, ws.max_row + 1))
                continue
            m = re.fullmatch(r"(\d+) ?cm(GT)?", h)
            assert m, h
            cols[c] = int(m.group(1)) / 100
        dates = {}
        first, last, count = {}, {}, dict.fromkeys(cols, 0)
        for r in range(2, ws.max_row + 1):
            y, mo, d = (ws.cell(r, c).value for c in (1, 2, 3))
            if y is None:
                continue
            dates[r] = dt.date(y, mo, d)
            for c in cols:
                v = ws.cell(r, c).value
                if v is not None:
                    first.setdefault(c, (dates[r], v))
                    last[c] = (dates[r], v)
                    count[c] += 1
        out[ws.title] = {"depths": cols, "dates": sorted(dates.values()), "first": first,
                         "last": last, "count": count}
    return out


def test_real_every_sheet_parsed(real_table, real_sheets):
    assert set(real_sheets) == README_SHEETS
    assert list(dict.fromkeys(real_table["site"])) == list(real_sheets)
    assert not real_table.isna().any().any()
    assert real_table["time"].dtype == np.dtype("datetime64[ns]")
    assert (real_table["time"] == real_table["time"].dt.normalize()).all()


def test_real_depths_dates_values(real_table, real_sheets):
    for sheet, ref in real_sheets.items():
        sub = real_table[real_table["site"] == sheet]
        assert sorted(sub["depth_m"].unique()) == pytest.approx(sorted(ref["depths"].values()))
        assert sub["time"].min().date() >= ref["dates"][0], sheet
        assert sub["time"].max().date() <= ref["dates"][-1], sheet
        for c, depth in ref["depths"].items():
            col = sub[np.isclose(sub["depth_m"], depth)].sort_values("time")
            assert len(col) == ref["count"][c], (sheet, depth)
            if not len(col):
                continue
            for which, row in (("first", col.iloc[0]), ("last", col.iloc[-1])):
                date, value = ref[which][c]
                assert row["time"].date() == date, (sheet, depth, which)
                assert row["value_degC"] == value, (sheet, depth, which)


def test_real_spot_values(real_table):
    def value(site, depth, day):
        sub = real_table[(real_table["site"] == site) & np.isclose(real_table["depth_m"], depth)
                         & (real_table["time"] == pd.Timestamp(day))]
        assert len(sub) == 1
        return sub["value_degC"].iloc[0]

    # Row 2 of the sheets, read by eye in the workbook.
    assert value("QT09", 0.1, "2011-01-01") == -8.59
    assert value("TSHAL", 1.8, "2015-10-03") == -1.25
    assert value("QT04", 3.0, "2006-01-01") == pytest.approx(-0.14083333333333334)


def test_real_known_facts(real_table):
    tsh = real_table[real_table["site"] == "TSHAL"]
    assert sorted(tsh["depth_m"].unique()) == pytest.approx([0.3, 0.6, 1.2, 1.6, 1.8])
    assert tsh["time"].min() == pd.Timestamp("2015-10-03")
    # The README says "to 2018"; the sheet actually runs into 2019 (last day 2019-06-22).
    assert tsh["time"].max() >= pd.Timestamp("2018-12-31")
    qt4 = real_table[real_table["site"] == "QT04"]
    assert sorted(qt4["depth_m"].unique()) == pytest.approx([0.5, 1.4, 3.0])
    assert qt4["time"].min() == pd.Timestamp("2006-01-01")
    assert qt4["time"].max() == pd.Timestamp("2013-12-31")
    # The paper's calibration years are covered at every depth.
    for d in (0.3, 0.6, 1.2, 1.6, 1.8):
        t = tsh[np.isclose(tsh["depth_m"], d)]["time"]
        assert ((t >= "2016-01-01") & (t <= "2018-12-31")).sum() == 3 * 365 + 1


def test_real_site_locations(zhao, real_table):
    loc = read_site_locations(zhao / "site_locations.csv")
    for sheet in real_table["site"].unique():
        match_location(sheet, loc)  # every sheet has a place
    tgl = match_location("QT04", loc)
    assert (tgl["latitude"], tgl["longitude"]) == (33.07, 91.94)  # paper: 91.94 E, 33.07 N
    assert tgl["location_name"] == "QT04 (TGL)"
    tsh = match_location("TSHAL", loc)
    assert (tsh["latitude"], tsh["longitude"]) == (35.36, 79.55)
    assert match_location("tgl", loc)["latitude"] == 33.07


def test_real_prepare(zhao, real_table, tmp_path):
    raw = tmp_path / "raw" / "observations"
    raw.mkdir(parents=True)
    (raw / "active_layer_gt.xlsx").symlink_to(zhao / WORKBOOK)
    (raw / "site_locations.csv").symlink_to(zhao / "site_locations.csv")
    dom = grid_domain(lat0=31.05, lon0=79.05, nlat=70, nlon=160)  # 79-95 E, 31-38 N
    out = prepare(None, tmp_path / "raw", None, tmp_path / "obs")
    obs, sites = read_store(out)
    assert set(sites["site"]) == README_SHEETS
    assert (sites["cell_status"] == "unassigned").all()
    assert len(obs) == len(real_table)
    assert (obs["kind"] == "active_layer").all()
    pd.testing.assert_frame_equal(obs.drop(columns="kind"), real_table)
    placed = assign_cells(sites, dom)
    assert (placed["cell_status"] == "ok").all()
    row = placed.set_index("site").loc["QT04"]
    assert (row["cell_lat"], row["cell_lon"]) == pytest.approx((33.05, 91.95))


# ----------------------------------------------------------------------------------------------
# Depth headers and bad workbooks
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("header, depth", [
    ("10cmGT", 0.1), ("50 cm", 0.5), ("315cmGT", 3.15), ("2.4m", 2.4), ("30 cm GT", 0.3),
    ("120cm_GT", 1.2), (" 5 CM ", 0.05), ("0cmGT", 0.0), ("1.5 m-GT", 1.5)])
def test_depth_header_grammar(header, depth):
    assert parse_depth_header(header) == pytest.approx(depth)


@pytest.mark.parametrize("header", ["GT10cm", "50", 50, "10cmST", "5 in", "10 mm", "-10cm",
                                    "10 cm 20", "cm", "", "10,5cm"])
def test_depth_header_rejected(header):
    assert parse_depth_header(header) is None


def test_good_workbook_with_gaps_and_blank_columns(tmp_path):
    rows = good_rows(4)
    rows[2][3] = None        # a gap
    rows[3][4] = "  "        # a blank string is a gap too
    for r in rows:
        r.extend([None, None])  # header-less, empty columns (as in the real AYKAL sheet)
    rows.append([None] * 7)  # an empty row
    path = write_xlsx(tmp_path / "ok.xlsx", {"S1": rows, "S2": good_rows(2, 2012)})
    t = read_active_layer_workbook(path)
    assert list(t.columns) == ["site", "depth_m", "time", "value_degC"]
    s1 = t[t["site"] == "S1"]
    assert len(s1) == 6
    assert list(s1[s1["depth_m"] == 0.1]["time"].dt.day) == [1, 3, 4]
    assert list(s1[s1["depth_m"] == 0.5]["value_degC"]) == [-2.0, -1.5, -0.5]
    assert list(dict.fromkeys(t["site"])) == ["S1", "S2"]


def _raises(path, *fragments):
    with pytest.raises(InputError) as err:
        read_active_layer_workbook(path)
    msg = str(err.value)
    for f in (str(path), *fragments):
        assert f in msg, (f, msg)
    return msg


def test_unknown_depth_header(tmp_path):
    rows = good_rows()
    rows[0].append("10cmST")
    path = write_xlsx(tmp_path / "bad.xlsx", {"OK": good_rows(), "QT99": rows})
    _raises(path, "sheet 'QT99'", "column F", "'10cmST'", "unknown column header")


def test_missing_day_column(tmp_path):
    rows = [[r[0], r[1], *r[3:]] for r in good_rows()]
    rows[0][:2] = ["Year", "Month"]
    path = write_xlsx(tmp_path / "bad.xlsx", {"S": rows})
    _raises(path, "sheet 'S'", "missing column(s) Day")


def test_bad_date(tmp_path):
    rows = good_rows()
    rows[2][1:3] = [2, 30]
    path = write_xlsx(tmp_path / "bad.xlsx", {"S": rows})
    _raises(path, "sheet 'S'", "row 3", "invalid date 2011-02-30")


def test_text_in_value_cell(tmp_path):
    rows = good_rows()
    rows[3][4] = "n/a"
    path = write_xlsx(tmp_path / "bad.xlsx", {"S": rows})
    _raises(path, "sheet 'S'", "row 4", "column E ('50 cm')", "non-numeric value 'n/a'")


def test_duplicate_date(tmp_path):
    rows = good_rows()
    rows.append(list(rows[1]))
    path = write_xlsx(tmp_path / "bad.xlsx", {"S": rows})
    _raises(path, "sheet 'S'", "row 5", "duplicate date 2011-01-01", "also row 2")


@pytest.mark.parametrize("edit, fragment", [
    (lambda r: r[2].__setitem__(3, -999), "plausible range"),
    (lambda r: r[2].__setitem__(0, None), "Year missing"),
    (lambda r: r[2].__setitem__(2, 1.5), "Day not an integer"),
    (lambda r: r[0].append("50cm"), "depth 0.5 m appears twice"),
    (lambda r: r[2].append(3.0), "column without a header"),
])
def test_more_bad_workbooks(tmp_path, edit, fragment):
    rows = good_rows()
    edit(rows)
    _raises(write_xlsx(tmp_path / "bad.xlsx", {"S": rows}), "sheet 'S'", fragment)


def test_not_a_workbook(tmp_path):
    path = tmp_path / "junk.xlsx"
    path.write_bytes(b"PK\x03\x04 truncated")
    _raises(path, "not a readable .xlsx workbook")
    _raises(tmp_path / "absent.xlsx", "not found")


# ----------------------------------------------------------------------------------------------
# Site locations
# ----------------------------------------------------------------------------------------------


def test_site_locations_aliases_and_errors(tmp_path):
    p = tmp_path / "loc.csv"
    p.write_text("Site Name,Latitude (°N),Longitude (°E),Vegetation,Soil Type\n"
                 "TGL,33.07,91.94,Alpine meadow,Gelisols\n"
                 "QT04 (TGL),33.07,91.94,Alpine meadow,Gelisols\n"
                 "TSH,35.36,79.55,Alpine desert,Gelisols\n", encoding="utf-8")
    loc = read_site_locations(p)
    assert set(loc["key"]) == {"TGL", "QT04", "TSH"}
    assert match_location("TSHAL", loc)["longitude"] == 79.55
    assert match_location("qt04", loc)["vegetation"] == "Alpine meadow"
    with pytest.raises(InputError, match="no location for site 'XYZ'"):
        match_location("XYZ", loc)
    p.write_text("Site Name,Latitude (°N),Longitude (°E)\nTGL,33.07,91.94\n"
                 "QT04 (TGL),34.0,91.94\n", encoding="utf-8")
    with pytest.raises(InputError, match="at different places") as err:
        read_site_locations(p)
    assert str(p) in str(err.value)
    p.write_text("Site Name,Longitude (°E)\nTGL,91.94\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column"):
        read_site_locations(p)
    p.write_text("Site Name,Latitude (°N),Longitude (°E)\nTGL,north,91.94\n", encoding="utf-8")
    with pytest.raises(InputError, match=r":2: Latitude \(°N\): not a number"):
        read_site_locations(p)


# ----------------------------------------------------------------------------------------------
# Boreholes
# ----------------------------------------------------------------------------------------------

BH = ("# annual means\n"
      "site,latitude,longitude,elevation_m,year,depth_m,temperature_degC,region,note\n"
      "B2,35.1,93.0,4600,2011,10.0,-1.5,QTH,\n"
      "B1,33.0,91.9,,2010,15.0,-0.75,QTH,hand reading\n"
      "B1,33.0,91.9,,2010,10.0,-0.5,QTH,\n")


def test_boreholes_read_and_round_trip(tmp_path):
    p = tmp_path / "boreholes.csv"
    p.write_text(BH)
    t = read_boreholes(p)
    assert list(t["site"]) == ["B1", "B1", "B2"]
    assert list(t["depth_m"]) == [10.0, 15.0, 10.0]
    assert np.isnan(t["elevation_m"].iloc[0]) and t["elevation_m"].iloc[2] == 4600
    assert t["note"].iloc[1] == "hand reading"
    assert t["year"].dtype == np.int64
    q = write_boreholes(t, tmp_path / "again.csv")
    pd.testing.assert_frame_equal(read_boreholes(q), t)
    # Only the required columns, with the lat/lon aliases:
    p.write_text("site,lat,lon,year,depth_m,temperature_degC\nB1,33,91.9,2010,10,-0.5\n")
    assert read_boreholes(p)["latitude"].iloc[0] == 33.0


@pytest.mark.parametrize("text, fragment", [
    ("site,latitude,longitude,year,depth_m\nB1,33,91,2010,10\n", "missing column(s) "
     "temperature_degC"),
    ("site,latitude,longitude,year,depth_m,temperature_degC,elevation\n",
     "did you mean 'elevation_m'"),
    ("site,latitude,longitude,year,depth_m,temperature_degC\nB1,33,91,2010,10,warm\n",
     ":2: temperature_degC: not a number"),
    ("site,latitude,longitude,year,depth_m,temperature_degC\nB1,33,91,2010,10,\n",
     "temperature_degC: not a number: ''"),
    ("site,latitude,longitude,year,depth_m,temperature_degC\nB1,33,91,2010.5,10,1\n",
     "year: not an integer"),
    ("site,latitude,longitude,year,depth_m,temperature_degC\nB1,33,91,2010,-1,1\n",
     "depth_m: -1.0 outside"),
    ("site,latitude,longitude,year,depth_m,temperature_degC\nB 1,33,91,2010,10,1\n",
     "bad site name"),
    ("site,latitude,longitude,year,depth_m,temperature_degC\nB1,33,91,2010,10,1\n"
     "B1,33,91,2010,10.0,2\n", ":3: site B1 year 2010 depth 10.0 m already given on line 2"),
    ("site,latitude,longitude,year,depth_m,temperature_degC\nB1,33,91,2010,10,1\n"
     "B1,34,91,2011,10,2\n", ":3: latitude: 34.0 differs"),
    ("site,latitude,longitude,year,depth_m,temperature_degC\nB1,33,91,2010,10,1,x\n",
     ":2: 7 fields"),
    ("site,latitude,longitude,year,depth_m,temperature_degC\nB1,33,91,2010,10,300\n",
     "outside [-70.0, 70.0]"),
])
def test_borehole_errors(tmp_path, text, fragment):
    p = tmp_path / "boreholes.csv"
    p.write_text(text)
    with pytest.raises(InputError) as err:
        read_boreholes(p)
    assert str(p) in str(err.value) and fragment in str(err.value), str(err.value)


# ----------------------------------------------------------------------------------------------
# Cells
# ----------------------------------------------------------------------------------------------


def test_assign_cells():
    # 3 x 4 cells, centres 30.05..30.25 N, 90.05..90.35 E; cell 5 (row 1, col 1) masked;
    # cell 11 (row 2, col 3) not in the domain.
    active = np.ones(12, bool)
    active[5] = False
    dom = grid_domain(active=active, drop=(11,))
    sites = pd.DataFrame({"site": list("ABCDEFG"),
                          "latitude": [30.01, 30.10, 30.14, 30.30, 30.24, 30.0, 30.149],
                          "longitude": [90.01, 90.10, 90.14, 90.10, 90.36, 90.0, 90.2]})
    out = assign_cells(sites, dom).set_index("site")
    assert out.loc["A", "cell"] == 0 and out.loc["A", "cell_status"] == "ok"
    # On the edge between rows 0/1 and columns 0/1: to the north-east cell (1, 1) = 5, masked.
    assert out.loc["B", "cell"] == 5 and out.loc["B", "cell_status"] == "masked"
    assert out.loc["C", "cell"] == 5
    assert out.loc["D", "cell"] == -1 and out.loc["D", "cell_status"] == "outside"  # north
    assert out.loc["E", "cell_status"] == "outside" and np.isnan(out.loc["E", "cell_lat"])
    assert out.loc["F", "cell"] == 0  # the south-west corner belongs to the domain
    assert out.loc["G", "cell"] == 6
    assert (out.loc["G", "cell_lat"], out.loc["G", "cell_lon"]) == pytest.approx((30.15, 90.25))
    assert out["cell"].dtype == np.int64
    # Grid spacing inferred; an explicit one must fit the centres.
    with pytest.raises(InputError, match="regular 0.03 degree grid"):
        assign_cells(sites, dom, res=0.03)


# ----------------------------------------------------------------------------------------------
# prepare and the store
# ----------------------------------------------------------------------------------------------


def make_raw(raw: Path) -> None:
    obs = raw / "observations"
    obs.mkdir(parents=True)
    write_xlsx(obs / "active_layer_gt.xlsx", {"QT04": good_rows(3), "TSHAL": good_rows(2)})
    (obs / "site_locations.csv").write_text(
        "Site Name,Latitude (°N),Longitude (°E),Vegetation,Soil Type\n"
        "QT04 (TGL),30.07,90.14,Alpine meadow,Gelisols\nTSH,30.21,90.41,Alpine desert,x\n",
        encoding="utf-8")
    (obs / "boreholes.csv").write_text(BH.replace("35.1,93.0", "30.1,90.01"))


def write_domain(path: Path, ds: xr.Dataset) -> Path:
    from noahperm.core.zarrio import atomic_zarr

    with atomic_zarr(path, product="domain", fsync=False) as tmp:
        ds.to_zarr(tmp, mode="w", consolidated=False)
    return path


def test_prepare_writes_store(tmp_path, caplog):
    make_raw(tmp_path / "raw")
    dom = write_domain(tmp_path / "domain.zarr", grid_domain())
    out_dir = tmp_path / "results" / "inputs" / "obs"
    with caplog.at_level(logging.WARNING):
        path = prepare({}, tmp_path / "raw", dom, out_dir)
    assert path == out_dir / "observations.nc"
    assert sorted(p.name for p in out_dir.iterdir()) == ["observations.nc"]
    obs, sites = read_store(path)
    s = sites.set_index("site")
    assert list(sites["site"]) == ["QT04", "TSHAL", "B1", "B2"]
    assert s.loc["QT04", "location_name"] == "QT04 (TGL)" and s.loc["QT04", "cell"] == 1
    assert s.loc["TSHAL", "cell_status"] == "outside"  # 90.41 E: east of the last column
    assert s.loc["B2", "region"] == "QTH" and s.loc["B2", "cell_status"] == "ok"
    assert "TSHAL" in caplog.text and "outside" in caplog.text
    assert len(obs) == 6 + 4 + 3
    al = obs[obs["kind"] == "active_layer"]
    assert set(al["depth_m"]) == {0.1, 0.5}
    bh = obs[(obs["kind"] == "borehole") & (obs["site"] == "B1")]
    assert list(bh["depth_m"]) == [10.0, 15.0]
    assert (bh["time"] == pd.Timestamp("2010-01-01")).all()
    assert list(bh["value_degC"]) == [-0.5, -0.75]
    with xr.open_dataset(path) as ds:
        assert ds["value"].attrs["units"] == "degC"
        assert ds["depth"].attrs["units"] == "m"
        assert ds["kind"].attrs["flag_meanings"] == "active_layer borehole"
        assert ds["site_index"].attrs["instance_dimension"] == "site"


def test_prepare_missing_inputs_and_domain(tmp_path, caplog):
    (tmp_path / "raw").mkdir()
    with caplog.at_level(logging.WARNING):
        path = prepare({"raw_dir": str(tmp_path / "raw"), "results_dir": str(tmp_path / "r")},
                       None, None, None)
    assert path == tmp_path / "r" / "inputs" / "obs" / "observations.nc"
    assert caplog.text.count("no ") >= 3
    obs, sites = read_store(path)
    assert len(obs) == 0 and len(sites) == 0
    with pytest.raises(InputError, match="does not exist"):
        prepare({}, tmp_path / "raw", tmp_path / "no_domain.zarr", tmp_path / "o")
    bad = write_domain(tmp_path / "bad.zarr", grid_domain().drop_vars("lat"))
    with pytest.raises(InputError, match="lacks per-cell lat"):
        prepare({}, tmp_path / "raw", bad, tmp_path / "o")
    make_raw(tmp_path / "raw2")
    (tmp_path / "raw2" / "observations" / "site_locations.csv").unlink()
    with pytest.raises(InputError, match="no site location file"):
        prepare({}, tmp_path / "raw2", None, tmp_path / "o")


def test_prepare_is_atomic(tmp_path, monkeypatch):
    make_raw(tmp_path / "raw")
    out_dir = tmp_path / "obs"
    path = prepare({}, tmp_path / "raw", None, out_dir)
    before = path.read_bytes()

    def broken(self, tmp, *a, **k):
        Path(tmp).write_bytes(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(xr.Dataset, "to_netcdf", broken)
    with pytest.raises(OSError, match="disk full"):
        prepare({}, tmp_path / "raw", None, out_dir)
    assert path.read_bytes() == before  # the old store is untouched
    assert sorted(p.name for p in out_dir.iterdir()) == ["observations.nc"]  # no leftovers
    # A bad input fails before anything is written.
    monkeypatch.undo()
    write_xlsx(tmp_path / "raw" / "observations" / "active_layer_gt.xlsx",
               {"QT04": [["Year", "Month", "Day", "10 furlongs"], [2011, 1, 1, 1.0]]})
    with pytest.raises(InputError, match="unknown column header"):
        prepare({}, tmp_path / "raw", None, out_dir)
    assert path.read_bytes() == before


def test_store_module_constants():
    assert store_mod.STORE_NAME == "observations.nc"
    assert store_mod.RAW_FILES["boreholes"] == "observations/boreholes.csv"


def test_cli(tmp_path):
    run = [sys.executable, "-m", "noahperm", "prepare_observations"]
    r = subprocess.run([*run, "--help"], capture_output=True, text=True, check=True)
    assert "--raw-dir" in r.stdout and "--out-dir" in r.stdout
    make_raw(tmp_path / "raw")
    r = subprocess.run([*run, "--raw-dir", str(tmp_path / "raw"), "--out-dir",
                        str(tmp_path / "o"), "--quiet"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "o" / "observations.nc").is_file()
    r = subprocess.run([*run, "--raw-dir", str(tmp_path / "raw"), "--out-dir",
                        str(tmp_path / "o5"), "--config-json",
                        '{"observations": {"active_layer_utc_offset_hours": 5.5}}'],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    with xr.open_dataset(tmp_path / "o5" / "observations.nc") as ds:
        assert "UTC+05:30" in ds["time"].attrs["long_name"]
    (tmp_path / "raw" / "observations" / "boreholes.csv").write_text("site\n")
    r = subprocess.run([*run, "--raw-dir", str(tmp_path / "raw"), "--out-dir",
                        str(tmp_path / "o")], capture_output=True, text=True)
    assert r.returncode == 2 and "missing column(s)" in r.stderr


def test_kelvin_helpers():
    assert degc_to_kelvin(0.0) == 273.15
    np.testing.assert_allclose(degc_to_kelvin([-1.0, 1.0]), [272.15, 274.15])
    s = pd.Series([-5.0])
    assert isinstance(degc_to_kelvin(s), pd.Series)
    assert kelvin_to_degc(degc_to_kelvin(-3.25)) == pytest.approx(-3.25)

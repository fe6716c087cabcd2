"""Parameter tables: bundled transcription vs the authors' TBL files, parser errors."""

from __future__ import annotations

import dataclasses
import re
import shutil

import numpy as np
import pytest

from noahperm.core.errors import TableError
from noahperm.kernel import layout
from noahperm.model import tables
from noahperm.model.tables import load_tables, parse_genparm, parse_soilparm, parse_vegparm


@pytest.fixture(scope="module")
def bundled():
    return load_tables()


@pytest.fixture(scope="module")
def parsed(shared_dir):
    return load_tables(shared_dir / "noah" / "tables")


def _assert_same(a, b):
    assert type(a) is type(b)
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype, f.name
            np.testing.assert_array_equal(x, y, err_msg=f.name, strict=True)
        else:
            assert type(x) is type(y) and x == y, f.name


# --- bundled == the authors' files ------------------------------------------------------------


@pytest.mark.parametrize("part", ["gen", "soil", "veg"])
def test_bundled_equals_reference_tables(bundled, parsed, part):
    _assert_same(getattr(bundled, part), getattr(parsed, part))


def test_sources(bundled, parsed, shared_dir):
    assert bundled.source.startswith("bundled")
    assert parsed.source == str((shared_dir / "noah" / "tables").resolve())


def test_other_blocks_of_reference_files(shared_dir):
    """Blocks we do not use still parse (missing commas in MODIFIED_IGBP rows 1, 11, 14)."""
    d = shared_dir / "noah" / "tables"
    igbp = parse_vegparm(d / "VEGPARM.TBL", block="MODIFIED_IGBP_MODIS_NOAH")
    assert igbp.nclass == 20 and igbp.bare == 16 and igbp.natural == 14
    assert (igbp.hs[10], igbp.snup[10], igbp.maxalb[10]) == (55.97, 0.015, 59.0)
    assert igbp.names[0] == "Evergreen Needleleaf Forest"
    ruc = parse_soilparm(d / "SOILPARM.TBL", block="STAS-RUC")
    assert ruc.names[13] == "WATER" and ruc.nclass == 19


# --- known values (from the TBL text; no ../shared needed) -----------------------------------

SOIL_ROWS = {  # class: BB DRYSMC F11 MAXSMC REFSMC SATPSI SATDK SATDW WLTSMC QTZ
    13: ("GRAVEL", (2.53, 0.055, -1.044, 0.262, 0.211, 0.040, 1.19e-4, 0.509e-5, 0.073, 0.94)),
    14: ("BEDROCK", (2.79, 0.006, -1.111, 0.20, 0.17, 0.069, 1.41e-4, 0.136e-3, 0.006, 0.07)),
    1: ("CLAY", (11.55, 0.138, -2.138, 0.468, 0.412, 0.468, 9.74e-7, 0.112e-4, 0.138, 0.25)),
}


@pytest.mark.parametrize("cls", sorted(SOIL_ROWS))
def test_soil_rows(bundled, cls):
    name, row = SOIL_ROWS[cls]
    soil = bundled.soil
    assert soil.nclass == 19
    assert soil.names[cls - 1] == name
    got = tuple(getattr(soil, c.attr)[cls - 1] for c in tables.SOIL_COLUMNS)
    assert got == row


def test_genparm(bundled):
    gen = bundled.gen
    assert gen.zbot == -40.0
    np.testing.assert_array_equal(gen.slope, [0.1, 0.6, 1.0, 0.35, 0.55, 0.8, 0.63, 0.0, 0.0])
    assert (gen.sbeta, gen.fxexp, gen.csoil, gen.salp) == (-2.0, 2.0, 2.0e6, 2.6)
    assert (gen.refdk, gen.refkdt, gen.frzk, gen.czil) == (2.0e-6, 3.0, 0.15, 0.1)
    assert (gen.smlow, gen.smhigh, gen.lvcoef) == (0.5, 3.0, 0.5)


VEG_ROWS = {  # class: SHDFAC NROOT RS RGL HS SNUP MAXALB LAIMIN LAIMAX EMISSMIN EMISSMAX
    #                ALBEDOMIN ALBEDOMAX Z0MIN Z0MAX
    7: ("Grassland", (0.80, 3, 40.0, 100.0, 36.35, 0.04, 70.0, 0.52, 2.90, 0.920, 0.960,
                      0.19, 0.23, 0.10, 0.12)),
    19: ("Barren or Sparsely Vegetated", (0.01, 1, 999.0, 999.0, 999.0, 0.02, 75.0, 0.10, 0.75,
                                          0.900, 0.900, 0.38, 0.38, 0.01, 0.01)),
}


@pytest.mark.parametrize("cls", sorted(VEG_ROWS))
def test_veg_rows(bundled, cls):
    name, row = VEG_ROWS[cls]
    veg = bundled.veg
    assert veg.nclass == 27
    assert veg.names[cls - 1] == name
    got = tuple(getattr(veg, c.attr)[cls - 1] for c in tables.VEG_COLUMNS)
    assert got == row
    assert veg.nroot.dtype == np.int64


def test_veg_scalars(bundled):
    veg = bundled.veg
    assert (veg.topt, veg.cmcmax, veg.cfactr, veg.rsmax) == (298.0, 0.5e-3, 0.5, 5000.0)
    assert (veg.bare, veg.natural) == (19, 5)
    assert type(veg.bare) is int and type(veg.topt) is float


def test_matrix_column_order(bundled):
    soil = bundled.soil
    m = soil.matrix()
    assert m.shape == (19, layout.NSOILP) and m.dtype == np.float64
    slots = {
        layout.SP_BB: soil.bb, layout.SP_DRYSMC: soil.drysmc, layout.SP_F11: soil.f11,
        layout.SP_MAXSMC: soil.maxsmc, layout.SP_REFSMC: soil.refsmc,
        layout.SP_SATPSI: soil.satpsi, layout.SP_SATDK: soil.satdk, layout.SP_SATDW: soil.satdw,
        layout.SP_WLTSMC: soil.wltsmc, layout.SP_QTZ: soil.qtz,
    }
    assert sorted(slots) == list(range(layout.NSOILP))
    for col, values in slots.items():
        np.testing.assert_array_equal(m[:, col], values)
    assert m[12, layout.SP_SATDW] == 5.09e-6  # gravel, REFERENCE_MODEL.md section 7 item 6
    m[0, 0] = -1.0  # a fresh, writable copy
    assert soil.bb[0] == 11.55


def test_arrays_are_read_only(bundled):
    with pytest.raises(ValueError, match="read-only"):
        bundled.soil.bb[0] = 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        bundled.gen.zbot = -8.0


def test_replace_keeps_checks(bundled):
    deeper = dataclasses.replace(bundled.gen, zbot=-8)
    assert deeper.zbot == -8.0 and type(deeper.zbot) is float
    with pytest.raises(ValueError, match="shape"):
        dataclasses.replace(bundled.soil, bb=np.ones(3))


def test_docstrings_give_units():
    groups = [
        (tables.SoilTable, tables.SOIL_COLUMNS),
        (tables.VegTable, tables.VEG_COLUMNS + tables.VEG_SCALARS[:4]),
        (tables.GenTable, (tables.GEN_SLOPE, *tables.GEN_SCALARS)),
    ]
    for cls, columns in groups:
        for c in columns:
            pattern = rf"^\s*(\w+, )*{c.attr}(, \w+)* : .*\[{re.escape(c.units)}\]"
            assert re.search(pattern, cls.__doc__, re.M), (cls.__name__, c.attr, c.units)


# --- the Fortran format: robustness and errors (synthetic files) -------------------------------

GENPARM = """General Parameters
SLOPE_DATA
3
0.1
0.6
1.0
SBETA_DATA
-2.0
FXEXP_DATA
2.0
CSOIL_DATA
2.00E+6
SALP_DATA
2.6
REFDK_DATA
2.0E-6
REFKDT_DATA
3.0
FRZK_DATA
0.15
ZBOT_DATA
-40.0
CZIL_DATA
0.1
SMLOW_DATA
0.5
SMHIGH_DATA
3.0
LVCOEF_DATA
0.5
"""

SOILPARM = """Soil Parameters
OTHER
1,1   'BB DRYSMC F11 MAXSMC REFSMC SATPSI SATDK SATDW WLTSMC QTZ'
1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 'X'

Soil Parameters
STAS
2,1   'BB      DRYSMC      F11     MAXSMC   REFSMC   SATPSI  SATDK       SATDW     WLTSMC  QTZ    '
1,    11.55,    0.138,    -2.138,   0.468,   0.412,   0.468,  9.74E-7,  0.112E-4,   0.138,  0.25, 'CLAY'
2     2.53     0.055     -1.044    0.262    0.211    0.040   1.19D-4   0.509E-5    0.073   0.94   "GRAVEL"
"""

VEGPARM = """Vegetation Parameters
USGS
2,1, 'SHDFAC NROOT   RS      RGL      HS      SNUP  MAXALB   LAIMIN  LAIMAX  EMISSMIN EMISSMAX ALBEDOMIN ALBEDOMAX  Z0MIN    Z0MAX  '
1,      .10,   1,    200.,   999.,   999.0,   0.04,    46.,    1.00,   1.00,   .880,    .880,     .15,      .15,      .50,     .50,     'Urban and Built-Up Land'
2,      .80,   3,     40.,   100.,   36.35,   0.04,    70.,    0.52,   2.90,   .920,    .960,     .19,      .23,      .10,     .12,     'Grassland'
TOPT_DATA
298.0
CMCMAX_DATA
0.5E-3
CFACTR_DATA
0.5
RSMAX_DATA
5000.0
BARE
2
NATURAL
1
Vegetation Parameters
OTHER
1,1, 'SHDFAC'
"""


@pytest.fixture
def tbl_dir(tmp_path):
    vegparm = VEGPARM.replace("'Grassland'\n", "'Grassland'  \t\n")  # trailing blanks
    for name, text in (("GENPARM.TBL", GENPARM), ("SOILPARM.TBL", SOILPARM),
                       ("VEGPARM.TBL", vegparm)):
        (tmp_path / name).write_text(text)
    return tmp_path


def _edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_synthetic_tables_parse(tbl_dir):
    t = load_tables(tbl_dir)
    np.testing.assert_array_equal(t.gen.slope, [0.1, 0.6, 1.0])
    assert t.soil.names == ("CLAY", "GRAVEL")
    assert t.soil.satdk[1] == 1.19e-4  # Fortran D exponent, blanks as separators, "quotes"
    assert t.veg.names == ("Urban and Built-Up Land", "Grassland")
    np.testing.assert_array_equal(t.veg.nroot, [1, 3])
    assert (t.veg.bare, t.veg.natural, t.veg.cmcmax) == (2, 1, 5e-4)


def _raises(match):
    return pytest.raises(TableError, match=match)


def test_truncated_file(tbl_dir):
    path = tbl_dir / "SOILPARM.TBL"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:-1]) + "\n")  # drop the GRAVEL row (line 10)
    with _raises(re.escape(f"{path}:9: STAS: file ends after 1 of 2 rows")):
        parse_soilparm(path)


def test_bad_number(tbl_dir):
    path = tbl_dir / "SOILPARM.TBL"
    _edit(path, "0.262", "0.2x2")
    with _raises(re.escape(f"{path}:10: MAXSMC (class 2): non-numeric value '0.2x2'")) as info:
        parse_soilparm(path)
    assert (info.value.path, info.value.line) == (str(path), 10)


def test_wrong_column_count(tbl_dir):
    path = tbl_dir / "VEGPARM.TBL"
    _edit(path, "0.04,    70.,", "70.,")
    with _raises(re.escape(f"{path}:5: USGS class 2: expected 16 values")):
        parse_vegparm(path)
    _edit(path, "70.,", "0.04,    70.,  1.0,")
    with _raises("expected 16 values .* found 17"):
        parse_vegparm(path)


def test_missing_key(tbl_dir):
    path = tbl_dir / "GENPARM.TBL"
    _edit(path, "ZBOT_DATA\n-40.0\n", "")
    with _raises(re.escape(f"{path}:28: ZBOT_DATA: missing")):
        load_tables(tbl_dir)


def test_missing_veg_scalar(tbl_dir):
    path = tbl_dir / "VEGPARM.TBL"
    _edit(path, "BARE\n2\n", "")
    with _raises(re.escape(f"{path}:") + r"\d+: BARE: missing"):
        parse_vegparm(path)


def test_key_without_value(tbl_dir):
    path = tbl_dir / "GENPARM.TBL"
    _edit(path, "SALP_DATA\n2.6\n", "SALP_DATA\n")
    with _raises(re.escape(f"{path}:14: SALP_DATA: non-numeric value 'REFDK_DATA'")):
        parse_genparm(path)


def test_missing_block(tbl_dir):
    path = tbl_dir / "SOILPARM.TBL"
    with _raises(re.escape(f"{path}: STAS-X: block not found (present: OTHER, STAS)")):
        parse_soilparm(path, block="STAS-X")


def test_wrong_class_index(tbl_dir):
    path = tbl_dir / "SOILPARM.TBL"
    _edit(path, "\n2     2.53", "\n3     2.53")
    with _raises(re.escape(f"{path}:10: STAS class 2: class index 3, expected 2")):
        parse_soilparm(path)


def test_missing_file(tmp_path):
    with _raises(re.escape(f"{tmp_path / 'GENPARM.TBL'}: file not found")):
        load_tables(tmp_path)
    with _raises("not a directory"):
        load_tables(tmp_path / "nowhere")


# --- bundled files: a damaged copy is reported, not misread -----------------------------------


@pytest.fixture
def bundled_copy(tmp_path, monkeypatch):
    src = tables.bundled_dir()
    dst = tmp_path / "tables"
    dst.mkdir()
    for name in tables.BUNDLED_FILES.values():
        shutil.copyfile(str(src.joinpath(name)), dst / name)
    monkeypatch.setattr(tables, "bundled_dir", lambda: dst)
    return dst


def test_bundled_copy_loads(bundled_copy, bundled):
    copy = tables._load_bundled.__wrapped__()  # bypass the cache
    _assert_same(copy.soil, bundled.soil)


def test_bundled_bad_value(bundled_copy):
    path = bundled_copy / "soilparm_stas.csv"
    lines = path.read_text().splitlines()
    n = next(i for i, s in enumerate(lines) if s.strip().startswith("13,"))
    lines[n] = lines[n].replace("2.53", "2.5.3")
    path.write_text("\n".join(lines) + "\n")
    with _raises(re.escape(f"{path}:{n + 1}: BB: non-numeric value '2.5.3'")):
        tables._load_bundled.__wrapped__()


def test_bundled_wrong_units(bundled_copy):
    path = bundled_copy / "genparm.toml"
    _edit(path, 'value = -40.0\nunits = "m"', 'value = -40.0\nunits = "cm"')
    with _raises(re.escape(f"{path}:") + r"\d+: ZBOT_DATA: units 'cm', expected 'm'"):
        tables._load_bundled.__wrapped__()

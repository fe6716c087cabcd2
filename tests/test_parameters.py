"""The Table 1 parameter space and its application to the kernel's column arrays."""

from __future__ import annotations

import numpy as np
import pytest

from noahperm.core.errors import InputError
from noahperm.kernel import layout as L
from noahperm.model import parameters as P
from noahperm.model.columns import ColumnSpec, build_columns
from noahperm.model.tables import load_tables

STYPE = [7] * 6 + [12] * 5 + [13] * 7


@pytest.fixture(scope="module")
def cols():
    specs = [ColumnSpec(vegtyp=7, soiltyp=7, stype=STYPE, tbot=272.15),
             ColumnSpec(vegtyp=19, soiltyp=12, stype=[12] * 18, tbot=275.0)]
    return build_columns(specs, load_tables())


def test_thirty_parameters():
    assert len(P.PARAMETERS) + len(P.PASSIVE) == 35  # Table 1 rows
    assert len(P.PARAMETERS) == 30
    assert sum(p.sensitive for p in P.PARAMETERS) == 10  # the paper's top 10


def test_passive_relations_reproduce_standard_classes_roughly():
    soil = load_tables().soil
    # the relations are what the tables were derived from for standard classes (loam)
    r, w, d, dw = P.passive_soil(soil.bb[6], soil.maxsmc[6], soil.satpsi[6], soil.satdk[6])
    assert r == pytest.approx(soil.refsmc[6], rel=0.02)
    assert w == pytest.approx(soil.wltsmc[6], rel=0.05)
    assert dw == pytest.approx(soil.satdw[6], rel=0.02)


def test_zero_change_keeps_the_tables(cols):
    keys = ["BB@7", "MAXSMC@13", "RS@7", "NROOT@7"]
    new = P.apply_parameters(cols, {k: 0.0 for k in keys}, [7, 19], [7, 12])
    assert np.array_equal(new.par, cols.par) and np.array_equal(new.soilp, cols.soilp)
    assert np.array_equal(new.soilidx, cols.soilidx)


def test_apply_universal_vegetation_soil_site(cols):
    vals = {"CZIL": 0.3, "RS@7": 0.1, "NROOT@7": 2, "BB@13": -0.1, "TBOT": 1.0, "SATDK@7": 0.2}
    new = P.apply_parameters(cols, vals, [7, 19], [7, 12])
    assert (new.par[:, L.P_CZIL] == 0.3).all()
    assert new.par[0, L.P_RSMIN] == pytest.approx(cols.par[0, L.P_RSMIN] * 1.1)
    assert new.par[1, L.P_RSMIN] == cols.par[1, L.P_RSMIN]  # other vegetation class untouched
    assert new.par[0, L.P_NROOT] == cols.par[0, L.P_NROOT] + 2
    assert np.allclose(new.par[:, L.P_TBOT], cols.par[:, L.P_TBOT] + 1.0)
    gravel = cols.stype[0] == 13
    assert np.allclose(new.soilp[0, gravel, L.SP_BB], cols.soilp[0, gravel, L.SP_BB] * 0.9)
    assert np.array_equal(new.soilp[0, ~gravel & (cols.stype[0] != 7)],
                          cols.soilp[0, ~gravel & (cols.stype[0] != 7)])
    # passive parameters follow: lower b lowers the wilting point ratio-wise
    assert (new.soilp[0, gravel, L.SP_WLTSMC] != cols.soilp[0, gravel, L.SP_WLTSMC]).all()
    # the Soil_type_index row of the loam column changes with SATDK@7, the sand column's not
    assert new.soilidx[0, L.SP_SATDK] == pytest.approx(cols.soilidx[0, L.SP_SATDK] * 1.2)
    assert np.array_equal(new.soilidx[1], cols.soilidx[1])
    # the input is not modified
    assert cols.par[0, L.P_CZIL] == load_tables().gen.czil


@pytest.mark.parametrize("key,value,msg", [
    ("FOO", 1.0, "unknown parameter"),
    ("RS", 0.1, "NAME@class"),
    ("SBETA@7", -2.0, "NAME"),
    ("CZIL", 1.5, "outside the range"),
    ("TBOT", 2.0, "outside the range"),
    ("BB@7", 0.5, "outside the range"),
])
def test_bad_parameter_sets(cols, key, value, msg):
    with pytest.raises(InputError, match=msg):
        P.apply_parameters(cols, {key: value}, [7, 19], [7, 12])


def test_changes_stay_physical(cols):
    # columns: USGS 7 (grassland, EMISSMAX 0.96) and 19 (barren: MIN = MAX in the tables)
    emax7 = cols.par[0, L.P_EMISSMAX]
    new = P.apply_parameters(cols, {"EMISSMAX@7": 0.1, "EMISSMIN@19": 0.1, "ALBEDOMAX@19": -0.2,
                                    "QTZ@13": 0.2, "LAIMIN@7": 0.2, "LAIMAX@7": -0.2},
                             [7, 19], [7, 12])
    assert emax7 * 1.1 > 1.0 and new.par[0, L.P_EMISSMAX] == 1.0  # emissivity <= 1
    # a MIN raised above its MAX is set to the MAX (barren: MIN = MAX = 0.9)
    assert new.par[1, L.P_EMISSMIN] == new.par[1, L.P_EMISSMAX] == cols.par[1, L.P_EMISSMAX]
    # a MAX lowered below its MIN takes the MIN with it
    assert new.par[1, L.P_ALBEDOMAX] == pytest.approx(cols.par[1, L.P_ALBEDOMAX] * 0.8)
    assert new.par[1, L.P_ALBEDOMIN] == new.par[1, L.P_ALBEDOMAX]
    laimin, laimax = cols.par[0, L.P_LAIMIN] * 1.2, cols.par[0, L.P_LAIMAX] * 0.8
    assert new.par[0, L.P_LAIMIN] == pytest.approx(min(laimin, laimax))
    gravel = cols.stype[0] == 13
    assert cols.soilp[0, gravel, L.SP_QTZ][0] * 1.2 > 1.0
    assert (new.soilp[0, gravel, L.SP_QTZ] == 1.0).all()  # quartz fraction <= 1
    for c in (new.soilp, new.soilidx[:, None]):
        assert (c[..., L.SP_DRYSMC] <= c[..., L.SP_WLTSMC]).all()
        assert (c[..., L.SP_WLTSMC] <= c[..., L.SP_REFSMC]).all()
        assert (c[..., L.SP_REFSMC] <= c[..., L.SP_MAXSMC]).all()
    # NROOT stays within the column
    deep = P.apply_parameters(cols, {"NROOT@7": 2, "NROOT@19": -2}, [7, 19], [7, 12])
    assert 1 <= deep.par[1, L.P_NROOT] and deep.par[0, L.P_NROOT] <= cols.stype.shape[1]
    # the bounds touch only what a set changed
    n = P.bound_vegetation(cols.par.copy(), np.zeros_like(cols.par, bool))
    assert n == 0


def test_frzk_has_no_effect():
    """Table 1's FRZK is inert with the model's OPT_INF = 2 (docs/parameters.md): a year of a
    frozen-ground column with FRZK 0.10 and 0.20 gives identical states."""
    import tempfile
    from pathlib import Path

    from noahperm.demo_world.point_site import example_input_text
    from noahperm.point.input_file import read_point_input
    from noahperm.simulation import engine as S

    path = Path(tempfile.mkdtemp()) / "site.in"
    path.write_text(example_input_text(years=1, start_year=1979))
    inp = read_point_input(path)
    base = build_columns([ColumnSpec(vegtyp=7, soiltyp=7, stype=inp.stype, tbot=271.0)],
                         load_tables())
    source = S.ArrayForcing(inp.times, inp.forcing[None, :, : L.NFORC - 1].copy())
    states = []
    for frzk in (0.10, 0.20):
        cols = P.apply_parameters(base, {"FRZK": frzk})
        assert cols.par[0, L.P_FRZK] == frzk
        model = S.Model(cols, inp.zsoil, inp.shdfac_monthly[None])
        st = S.initial_state(cols, inp.zsoil, np.array([268.0]))
        S.transient(model, st, source, (1979, 1979))
        states.append(st)
    assert (states[0].stc < 273.15).any()  # frozen layers: where FRZK would act
    for a, b in zip(states[0].arrays(), states[1].arrays(), strict=True):
        assert np.array_equal(a, b)

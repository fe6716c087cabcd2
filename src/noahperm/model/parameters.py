"""The paper's parameter space (Table 1): 30 parameters, their ranges, and how a parameter set
changes the kernel's column arrays.

Groups and how a value is applied (``apply_parameters``):

- universal (12, homogeneous): the value itself replaces the GENPARM/VEGPARM scalar of every
  column (SBETA, FXEXP, CSOIL, SALP, REFKDT, FRZK, CZIL, TOPT, CMCMAX, CFACTR, RSMAX; REFDK is
  passive and stays at its table value);
- vegetation (13, heterogeneous, per USGS class, key ``NAME@class``): a relative change
  (``+0.1`` = +10 %) of the class's table value, for columns of that class; NROOT an integer
  offset (+-2 layers, kept within 1..nsoil);
- soil (5 free + 4 passive, heterogeneous, per STAS class, key ``NAME@class``): a relative change
  of BB, MAXSMC, SATPSI, SATDK, QTZ in every layer of that class (and in the Soil_type_index
  row when it is that class); the passive REFSMC, WLTSMC, DRYSMC and SATDW follow through the
  relations of Wetzel and Chang (1987) and Campbell (1974) applied as ratios to the table
  values (``passive_soil``), so that a zero change leaves the table exactly as it is;
- site: TBOT, an offset [K] of every column's TBOT (+-1.5 K).

Relative changes must not leave physics: after a set is applied, ``bound_vegetation`` and
``bound_soil`` clip what it changed (emissivity, albedo, QTZ, MAXSMC at most 1; each MIN at
most its MAX; DRYSMC <= WLTSMC <= REFSMC <= MAXSMC); see docs/parameters.md.

Key names: ``SBETA``, ``TBOT``, ``RS@7`` (grassland), ``BB@13`` (gravel). Values missing from a
set keep the defaults. Note: FRZK has no effect with the model's OPT_INF = 2 (docs/kernel.md),
although Table 1 lists it among the sensitive parameters; Table 1 gives CZIL = 0.2 as default
while the shipped GENPARM.TBL has 0.1 (the tables are the default here).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from noahperm.core.errors import InputError
from noahperm.kernel import layout as L
from noahperm.model.columns import ColumnArrays


@dataclass(frozen=True)
class Parameter:
    """One parameter of Table 1. ``kind``: 'value' (absolute, range lo..hi), 'relative'
    (fraction, range -rel..+rel), 'offset' (added, range -off..+off)."""

    name: str
    group: str  # universal | vegetation | soil | site
    kind: str
    lo: float
    hi: float
    units: str
    target: int  # P_* or SP_* slot
    sensitive: bool = False  # top-10 in the paper's sensitivity analysis
    meaning: str = ""

    @property
    def heterogeneous(self) -> bool:
        return self.group in ("vegetation", "soil")


def _u(name, lo, hi, units, target, sens=False, meaning=""):
    return Parameter(name, "universal", "value", lo, hi, units, target, sens, meaning)


def _v(name, rel, target, sens=False, meaning="", units="-"):
    return Parameter(name, "vegetation", "relative", -rel, rel, units, target, sens, meaning)


def _s(name, rel, target, sens=False, meaning="", units="-"):
    return Parameter(name, "soil", "relative", -rel, rel, units, target, sens, meaning)


PARAMETERS: tuple[Parameter, ...] = (
    _u("SBETA", -3.0, -1.0, "-", L.P_SBETA, True, "canopy effect on ground heat flux"),
    _u("FXEXP", 0.2, 4.0, "-", L.P_FXEXP, True, "bare soil evaporation exponent"),
    _u("CSOIL", 1.26e6, 3.5e6, "J m-3 K-1", L.P_CSOIL, False, "soil solids heat capacity"),
    _u("SALP", 2.5, 4.0, "-", L.P_SALP, False, "snow cover shape parameter"),
    _u("REFKDT", 0.5, 5.0, "-", L.P_REFKDT, False, "surface runoff / infiltration parameter"),
    _u("FRZK", 0.10, 0.20, "-", L.P_FRZK, True, "frozen-soil ice threshold (inactive, OPT_INF=2)"),
    _u("CZIL", 0.0, 1.0, "-", L.P_CZIL, True, "Zilitinkevich coefficient"),
    _u("TOPT", 293.0, 303.0, "K", L.P_TOPT, False, "optimum transpiration air temperature"),
    _u("CMCMAX", 1e-4, 2e-3, "m", L.P_CMCMAX, False, "maximum canopy water"),
    _u("CFACTR", 0.40, 0.95, "-", L.P_CFACTR, False, "canopy water evaporation exponent"),
    _u("RSMAX", 2000.0, 10000.0, "s m-1", L.P_RSMAX, False, "maximum stomatal resistance"),
    Parameter("NROOT", "vegetation", "offset", -2, 2, "layers", L.P_NROOT, False,
              "number of root layers"),
    _v("RS", 0.2, L.P_RSMIN, False, "minimum stomatal resistance", "s m-1"),
    _v("RGL", 0.2, L.P_RGL, False, "radiation stress parameter", "W m-2"),
    _v("HS", 0.2, L.P_HS, False, "vapour pressure deficit parameter"),
    _v("SNUP", 0.2, L.P_SNUP, False, "SWE for full snow cover", "m"),
    _v("LAIMIN", 0.2, L.P_LAIMIN, False, "minimum LAI", "m2 m-2"),
    _v("LAIMAX", 0.2, L.P_LAIMAX, False, "maximum LAI", "m2 m-2"),
    _v("EMISSMIN", 0.1, L.P_EMISSMIN, True, "minimum background emissivity"),
    _v("EMISSMAX", 0.1, L.P_EMISSMAX, True, "maximum background emissivity"),
    _v("ALBEDOMIN", 0.2, L.P_ALBEDOMIN, True, "minimum background albedo"),
    _v("ALBEDOMAX", 0.2, L.P_ALBEDOMAX, True, "maximum background albedo"),
    _v("Z0MIN", 0.2, L.P_Z0MIN, False, "minimum background roughness", "m"),
    _v("Z0MAX", 0.2, L.P_Z0MAX, False, "maximum background roughness", "m"),
    _s("BB", 0.1, L.SP_BB, False, "Clapp-Hornberger b"),
    _s("MAXSMC", 0.1, L.SP_MAXSMC, True, "porosity", "m3 m-3"),
    _s("SATPSI", 0.1, L.SP_SATPSI, False, "saturated matric potential", "m"),
    _s("SATDK", 0.2, L.SP_SATDK, False, "saturated hydraulic conductivity", "m s-1"),
    _s("QTZ", 0.2, L.SP_QTZ, False, "quartz fraction"),
    Parameter("TBOT", "site", "offset", -1.5, 1.5, "K", L.P_TBOT, True,
              "temperature at ZBOT"),
)
BY_NAME = {p.name: p for p in PARAMETERS}
PASSIVE = ("REFSMC", "WLTSMC", "DRYSMC", "SATDW", "REFDK")  # follow others; not free


def split_key(key: str) -> tuple[Parameter, int | None]:
    """``'RS@7'`` -> (Parameter RS, 7); ``'SBETA'`` -> (Parameter SBETA, None)."""
    name, _, cls = key.partition("@")
    if name not in BY_NAME:
        raise InputError(f"unknown parameter {name!r} (Table 1 names: "
                         f"{', '.join(BY_NAME)})", field=key)
    p = BY_NAME[name]
    if p.heterogeneous != bool(cls):
        need = "NAME@class" if p.heterogeneous else "NAME"
        raise InputError(f"{name} is {p.group}: write it as {need}", field=key)
    return p, (int(cls) if cls else None)


def check_value(key: str, value: float) -> None:
    """Raise InputError when ``value`` is outside the parameter's range."""
    p, _ = split_key(key)
    if not (p.lo <= value <= p.hi):
        raise InputError(f"{value} outside the range {p.lo} .. {p.hi} ({p.kind})", field=key)


def passive_soil(bb, maxsmc, satpsi, satdk):
    """Passive soil parameters from the free ones: (REFSMC, WLTSMC, DRYSMC, SATDW).

    REFSMC = R1 + (MAXSMC - R1)/3 with R1 = MAXSMC (5.79e-9/SATDK)^(1/(2b+3)) (Wetzel and
    Chang 1987, field capacity at 0.75 mm/day drainage); WLTSMC = 0.5 MAXSMC (200/SATPSI)^(-1/b)
    (wilting at 200 m suction); DRYSMC = WLTSMC; SATDW = b SATDK SATPSI / MAXSMC (Campbell 1974).
    """
    r1 = maxsmc * (5.79e-9 / satdk) ** (1.0 / (2.0 * bb + 3.0))
    refsmc = r1 + (maxsmc - r1) / 3.0
    wltsmc = 0.5 * maxsmc * (200.0 / satpsi) ** (-1.0 / bb)
    satdw = bb * satdk * satpsi / maxsmc
    return refsmc, wltsmc, wltsmc, satdw


def _update_soil_rows(rows: np.ndarray, factors: dict[int, float]) -> None:
    """Apply relative changes {SP slot: fraction} to soil-parameter rows (..., NSOILP) in place,
    with the passive parameters scaled by the ratio of their relations."""
    base = rows.copy()
    for slot, f in factors.items():
        rows[..., slot] = base[..., slot] * (1.0 + f)
    old = passive_soil(base[..., L.SP_BB], base[..., L.SP_MAXSMC], base[..., L.SP_SATPSI],
                       base[..., L.SP_SATDK])
    new = passive_soil(rows[..., L.SP_BB], rows[..., L.SP_MAXSMC], rows[..., L.SP_SATPSI],
                       rows[..., L.SP_SATDK])
    for slot, o, n in zip((L.SP_REFSMC, L.SP_WLTSMC, L.SP_DRYSMC, L.SP_SATDW), old, new,
                          strict=True):
        rows[..., slot] = base[..., slot] * (n / o)


#: (MIN, MAX) pairs of VEGPARM: the kernel interpolates between them by the green fraction.
VEGETATION_PAIRS = ((L.P_LAIMIN, L.P_LAIMAX), (L.P_EMISSMIN, L.P_EMISSMAX),
                    (L.P_ALBEDOMIN, L.P_ALBEDOMAX), (L.P_Z0MIN, L.P_Z0MAX))
#: Fractions that cannot exceed 1.
AT_MOST_ONE = (L.P_EMISSMIN, L.P_EMISSMAX, L.P_ALBEDOMIN, L.P_ALBEDOMAX)


def bound_vegetation(par: np.ndarray, changed: np.ndarray) -> int:
    """Keep changed vegetation parameters physical, in place; returns the number of values set.

    Rules (applied to the entries ``changed``, a boolean array like ``par``, so that the tables'
    own values are never touched): emissivities and albedos at most 1; then each MIN at most its
    MAX (LAI, emissivity, albedo, roughness): a MIN above its MAX is set to the MAX, i.e. the
    MAX's change is kept and the MIN follows it. (NROOT is kept within 1..nsoil where it is
    applied.) Where the tables give MIN = MAX (e.g. USGS 17 and 19), a MIN increase is thus void
    and a MAX decrease takes the MIN with it.
    """
    n = 0
    for slot in AT_MOST_ONE:
        bad = changed[:, slot] & (par[:, slot] > 1.0)
        par[bad, slot] = 1.0
        n += int(bad.sum())
    for lo, hi in VEGETATION_PAIRS:
        bad = (changed[:, lo] | changed[:, hi]) & (par[:, lo] > par[:, hi])
        par[bad, lo] = par[bad, hi]
        n += int(bad.sum())
    return n


def bound_soil(rows: np.ndarray, changed: np.ndarray) -> int:
    """Keep changed soil-parameter rows (..., NSOILP) physical, in place; returns the number
    of values set: QTZ and MAXSMC at most 1, and DRYSMC <= WLTSMC <= REFSMC <= MAXSMC (each
    set to the next one up where it exceeds it), on the rows with any change."""
    row = changed.any(axis=-1)
    n = 0
    for slot in (L.SP_QTZ, L.SP_MAXSMC):
        bad = row & (rows[..., slot] > 1.0)
        rows[bad, slot] = 1.0
        n += int(bad.sum())
    for lo, hi in ((L.SP_REFSMC, L.SP_MAXSMC), (L.SP_WLTSMC, L.SP_REFSMC),
                   (L.SP_DRYSMC, L.SP_WLTSMC)):
        bad = row & (rows[..., lo] > rows[..., hi])
        rows[bad, lo] = rows[bad, hi]
        n += int(bad.sum())
    return n


def apply_parameters(cols: ColumnArrays, values: dict[str, float], vegtyp=None,
                     soiltyp=None) -> ColumnArrays:
    """A new ColumnArrays with the parameter set ``values`` applied to the defaults ``cols``.

    vegtyp, soiltyp : (ncol,) USGS vegetation class and Soil_type_index of each column
    (default: those recorded in ``cols``).
    """
    vegtyp = cols.vegtyp if vegtyp is None else vegtyp
    soiltyp = cols.soiltyp if soiltyp is None else soiltyp
    par = cols.par.copy()
    soilp = cols.soilp.copy()
    soilidx = cols.soilidx.copy()
    vegtyp = np.asarray(vegtyp)
    soiltyp = np.asarray(soiltyp)
    nsoil = soilp.shape[1]
    soil_changes: dict[int, dict[int, float]] = {}
    for key, value in values.items():
        p, cls = split_key(key)
        check_value(key, value)
        if p.group == "universal":
            par[:, p.target] = value
        elif p.group == "site":
            par[:, p.target] = cols.par[:, p.target] + value
        elif p.group == "vegetation":
            sel = vegtyp == cls
            if p.name == "NROOT":
                par[sel, p.target] = np.clip(cols.par[sel, p.target] + round(value), 1, nsoil)
            else:
                par[sel, p.target] = cols.par[sel, p.target] * (1.0 + value)
        else:
            soil_changes.setdefault(cls, {})[p.target] = value
    for cls, factors in soil_changes.items():
        mask = cols.stype == cls
        rows = soilp[mask]
        _update_soil_rows(rows, factors)
        soilp[mask] = rows
        sel = soiltyp == cls
        rows = soilidx[sel]
        _update_soil_rows(rows, factors)
        soilidx[sel] = rows
    bound_vegetation(par, par != cols.par)
    bound_soil(soilp, soilp != cols.soilp)
    bound_soil(soilidx, soilidx != cols.soilidx)
    return ColumnArrays(par=par, soilp=soilp, stype=cols.stype.copy(), soilidx=soilidx,
                        vegtyp=np.asarray(vegtyp).copy(), soiltyp=np.asarray(soiltyp).copy())

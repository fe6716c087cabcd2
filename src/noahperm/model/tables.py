"""Noah LSM parameter tables: GENPARM, SOILPARM (block STAS) and VEGPARM (block USGS).

Two sources give the same frozen dataclasses:

- the tables bundled with the package (``noahperm/data/tables``: our transcription of the
  authors' ``codes/*.TBL`` of nanzt/noahtibet-ef, MIT licence), the default;
- a directory with ``GENPARM.TBL``, ``SOILPARM.TBL`` and ``VEGPARM.TBL`` in the Fortran format the
  reference model reads (``SOIL_VEG_GEN_PARM`` of module_sf_noahlsm.F), via ``load_tables(dir)``.

The Fortran format is read as list-directed input is: values separated by commas and/or blanks,
``'quoted'`` names, anything after the last value of a row (the class name) ignored. Blocks are
found by their identifier line (``STAS``, ``USGS``) under a ``Soil Parameters`` or ``Vegetation
Parameters`` title; scalar entries (``ZBOT_DATA``, ``TOPT_DATA``, ``BARE`` ...) are a key line
followed by a value line. Unlike the Fortran, which reads GENPARM positionally, keys are matched
by name; unknown keys are skipped together with their value line.

Every problem raises :class:`noahperm.core.errors.TableError` naming the file, line and field. Arrays
are float64 (``VegTable.nroot`` int64), read-only, index 0 = class 1. Units follow the tables
(SI except ``VegTable.maxalb`` in percent); see REFERENCE_MODEL.md section 5 for what the reference
model uses.
"""

from __future__ import annotations

import csv
import math
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import numpy as np

from noahperm.core.errors import TableError

__all__ = [
    "GenTable",
    "SoilTable",
    "Tables",
    "TableError",
    "VegTable",
    "load_tables",
    "parse_genparm",
    "parse_soilparm",
    "parse_vegparm",
]


class Column(NamedTuple):
    """One parameter of a table: name in the TBL file, units, meaning."""

    key: str
    units: str
    description: str

    @property
    def attr(self) -> str:
        """Attribute name on the dataclass (``SBETA_DATA`` -> ``sbeta``)."""
        return self.key.lower().removesuffix("_data")


# Column order of the STAS block of SOILPARM.TBL (after the class index).
SOIL_COLUMNS = (
    Column("BB", "-", "Clapp-Hornberger exponent b"),
    Column("DRYSMC", "m3 m-3", "air-dry soil moisture (direct evaporation stops)"),
    Column("F11", "-", "soil thermal diffusivity/conductivity coefficient (unused)"),
    Column("MAXSMC", "m3 m-3", "porosity, saturated soil moisture"),
    Column("REFSMC", "m3 m-3", "reference soil moisture (onset of transpiration stress)"),
    Column("SATPSI", "m", "saturated soil matric potential (suction, positive)"),
    Column("SATDK", "m s-1", "saturated hydraulic conductivity"),
    Column("SATDW", "m2 s-1", "saturated soil water diffusivity"),
    Column("WLTSMC", "m3 m-3", "wilting point soil moisture"),
    Column("QTZ", "-", "quartz fraction of the soil solids"),
)

# Column order of the USGS block of VEGPARM.TBL (after the class index).
VEG_COLUMNS = (
    Column("SHDFAC", "-", "green vegetation fraction (read, unused: comes from the input)"),
    Column("NROOT", "-", "number of soil layers with roots"),
    Column("RS", "s m-1", "minimum stomatal resistance"),
    Column("RGL", "W m-2", "solar radiation parameter of the canopy resistance"),
    Column("HS", "(kg kg-1)-1", "vapour pressure deficit parameter of the canopy resistance"),
    Column("SNUP", "m", "snow water equivalent above which snow cover is complete"),
    Column("MAXALB", "%", "maximum snow albedo (read, unused: comes from the input)"),
    Column("LAIMIN", "m2 m-2", "leaf area index at minimum green fraction"),
    Column("LAIMAX", "m2 m-2", "leaf area index at maximum green fraction"),
    Column("EMISSMIN", "-", "surface emissivity at minimum green fraction"),
    Column("EMISSMAX", "-", "surface emissivity at maximum green fraction"),
    Column("ALBEDOMIN", "-", "snow-free albedo at minimum green fraction"),
    Column("ALBEDOMAX", "-", "snow-free albedo at maximum green fraction"),
    Column("Z0MIN", "m", "background roughness length at minimum green fraction"),
    Column("Z0MAX", "m", "background roughness length at maximum green fraction"),
)
_VEG_INT = frozenset({"NROOT"})

# Scalars after the rows of the USGS block.
VEG_SCALARS = (
    Column("TOPT_DATA", "K", "optimum air temperature for transpiration"),
    Column("CMCMAX_DATA", "m", "maximum canopy water capacity"),
    Column("CFACTR_DATA", "-", "exponent of the canopy water evaporation"),
    Column("RSMAX_DATA", "s m-1", "maximum stomatal resistance"),
    Column("BARE", "-", "vegetation class of bare soil (green fraction set to 0)"),
    Column("NATURAL", "-", "vegetation class of natural vegetation (urban mosaics)"),
)
_VEG_SCALAR_INT = frozenset({"BARE", "NATURAL"})

GEN_SLOPE = Column("SLOPE_DATA", "-", "free-drainage factor per slope class")
GEN_SCALARS = (
    Column("SBETA_DATA", "-", "canopy factor of the ground heat flux, DF1 *= exp(SBETA*SHDFAC)"),
    Column("FXEXP_DATA", "-", "exponent of the bare-soil evaporation"),
    Column("CSOIL_DATA", "J m-3 K-1", "volumetric heat capacity of the soil solids"),
    Column("SALP_DATA", "-", "shape parameter of the snow-cover depletion curve"),
    Column("REFDK_DATA", "m s-1", "reference saturated conductivity, KDT = REFKDT*DKSAT/REFDK"),
    Column("REFKDT_DATA", "-", "surface runoff (infiltration) parameter"),
    Column("FRZK_DATA", "m3 m-3", "ice content threshold of frozen-ground infiltration"),
    Column("ZBOT_DATA", "m", "depth of the lower thermal boundary (negative: below surface)"),
    Column("CZIL_DATA", "-", "Zilitinkevich coefficient of the thermal roughness"),
    Column("SMLOW_DATA", "-", "soil moisture wilt parameter (not used by the reference model)"),
    Column("SMHIGH_DATA", "-", "soil moisture high parameter (not used by the reference model)"),
    Column("LVCOEF_DATA", "-", "snow albedo coefficient (fresh snow albedo in ALCALC)"),
)


def _frozen_array(value, dtype) -> np.ndarray:
    arr = np.array(value, dtype=dtype)  # a copy: callers cannot change ours
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True, eq=False)
class SoilTable:
    """Soil classes of the STAS block of SOILPARM.TBL (re-ordered: 13 gravel, 14 bedrock).

    Arrays have one value per class, index 0 = class 1.

    Attributes
    ----------
    names : class names (``'CLAY'`` ... ``'LAVA'``)
    bb : Clapp-Hornberger exponent b [-]
    drysmc : air-dry soil moisture [m3 m-3]
    f11 : soil thermal diffusivity/conductivity coefficient [-] (unused by the physics)
    maxsmc : porosity, saturated soil moisture [m3 m-3]
    refsmc : reference soil moisture, onset of transpiration stress [m3 m-3]
    satpsi : saturated soil matric potential (suction, positive) [m]
    satdk : saturated hydraulic conductivity [m s-1]
    satdw : saturated soil water diffusivity [m2 s-1]
    wltsmc : wilting point [m3 m-3]
    qtz : quartz fraction of the soil solids [-]
    """

    names: tuple[str, ...]
    bb: np.ndarray
    drysmc: np.ndarray
    f11: np.ndarray
    maxsmc: np.ndarray
    refsmc: np.ndarray
    satpsi: np.ndarray
    satdk: np.ndarray
    satdw: np.ndarray
    wltsmc: np.ndarray
    qtz: np.ndarray

    def __post_init__(self) -> None:
        _check_rows(self, {c.attr: np.float64 for c in SOIL_COLUMNS})

    @property
    def nclass(self) -> int:
        return len(self.names)

    def matrix(self) -> np.ndarray:
        """(nclass, NSOILP) float64 array, columns in the order of ``kernel/layout.py``."""
        from noahperm.kernel import layout

        order = {
            layout.SP_BB: self.bb,
            layout.SP_DRYSMC: self.drysmc,
            layout.SP_F11: self.f11,
            layout.SP_MAXSMC: self.maxsmc,
            layout.SP_REFSMC: self.refsmc,
            layout.SP_SATPSI: self.satpsi,
            layout.SP_SATDK: self.satdk,
            layout.SP_SATDW: self.satdw,
            layout.SP_WLTSMC: self.wltsmc,
            layout.SP_QTZ: self.qtz,
        }
        out = np.empty((self.nclass, layout.NSOILP), dtype=np.float64)
        for col, values in order.items():
            out[:, col] = values
        return out


@dataclass(frozen=True, eq=False)
class VegTable:
    """Vegetation classes of the USGS (27-class) block of VEGPARM.TBL.

    Arrays have one value per class, index 0 = class 1.

    Attributes
    ----------
    names : class names (``'Urban and Built-Up Land'`` ... ``'White Sand'``)
    shdfac : green vegetation fraction [-] (read, unused: the input gives it)
    nroot : number of soil layers with roots [-] (int64)
    rs : minimum stomatal resistance [s m-1]
    rgl : solar radiation parameter of the canopy resistance [W m-2]
    hs : vapour pressure deficit parameter of the canopy resistance [(kg kg-1)-1]
    snup : snow water equivalent above which snow cover is complete [m]
    maxalb : maximum snow albedo [%] (read, unused: the input gives it)
    laimin, laimax : leaf area index at minimum / maximum green fraction [m2 m-2]
    emissmin, emissmax : surface emissivity at minimum / maximum green fraction [-]
    albedomin, albedomax : snow-free albedo at minimum / maximum green fraction [-]
    z0min, z0max : background roughness length at minimum / maximum green fraction [m]
    topt : optimum air temperature for transpiration [K]
    cmcmax : maximum canopy water capacity [m]
    cfactr : exponent of the canopy water evaporation [-]
    rsmax : maximum stomatal resistance [s m-1]
    bare : class number (1-based) of bare soil, where the green fraction is set to 0
    natural : class number (1-based) of natural vegetation (urban mosaics)
    """

    names: tuple[str, ...]
    shdfac: np.ndarray
    nroot: np.ndarray
    rs: np.ndarray
    rgl: np.ndarray
    hs: np.ndarray
    snup: np.ndarray
    maxalb: np.ndarray
    laimin: np.ndarray
    laimax: np.ndarray
    emissmin: np.ndarray
    emissmax: np.ndarray
    albedomin: np.ndarray
    albedomax: np.ndarray
    z0min: np.ndarray
    z0max: np.ndarray
    topt: float
    cmcmax: float
    cfactr: float
    rsmax: float
    bare: int
    natural: int

    def __post_init__(self) -> None:
        kinds = {c.attr: (np.int64 if c.key in _VEG_INT else np.float64) for c in VEG_COLUMNS}
        _check_rows(self, kinds)
        for c in VEG_SCALARS:
            cast = int if c.key in _VEG_SCALAR_INT else float
            object.__setattr__(self, c.attr, cast(getattr(self, c.attr)))

    @property
    def nclass(self) -> int:
        return len(self.names)


@dataclass(frozen=True, eq=False)
class GenTable:
    """General parameters of GENPARM.TBL.

    Attributes
    ----------
    slope : free-drainage factor per slope class, RUNOFF2 = SLOPE*WCND(N) [-] (index 0 = class 1)
    sbeta : canopy factor of the ground heat flux, DF1 *= exp(SBETA*SHDFAC) [-]
    fxexp : exponent of the bare-soil evaporation [-]
    csoil : volumetric heat capacity of the soil solids [J m-3 K-1]
    salp : shape parameter of the snow-cover depletion curve [-]
    refdk : reference saturated hydraulic conductivity [m s-1]
    refkdt : surface runoff parameter, KDT = REFKDT*DKSAT/REFDK [-]
    frzk : ice content threshold of frozen-ground infiltration [m3 m-3] (inactive with OPT_INF=2)
    zbot : depth of the lower thermal boundary [m], negative below the surface (-40 here)
    czil : Zilitinkevich coefficient of the thermal roughness [-] (sfcdif options 0 and 1)
    smlow, smhigh : soil moisture wilt / high parameters [-] (not used by the reference model)
    lvcoef : snow albedo coefficient [-]
    """

    slope: np.ndarray
    sbeta: float
    fxexp: float
    csoil: float
    salp: float
    refdk: float
    refkdt: float
    frzk: float
    zbot: float
    czil: float
    smlow: float
    smhigh: float
    lvcoef: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "slope", _frozen_array(self.slope, np.float64))
        if self.slope.ndim != 1:
            raise ValueError("GenTable.slope must be one-dimensional")
        for c in GEN_SCALARS:
            object.__setattr__(self, c.attr, float(getattr(self, c.attr)))


@dataclass(frozen=True, eq=False)
class Tables:
    """The three tables together; ``source`` says where they were read from."""

    gen: GenTable
    soil: SoilTable
    veg: VegTable
    source: str


def _check_rows(obj, kinds: dict[str, type]) -> None:
    """Freeze the per-class arrays of ``obj`` and check they match ``obj.names``."""
    object.__setattr__(obj, "names", tuple(str(n) for n in obj.names))
    n = len(obj.names)
    for attr, dtype in kinds.items():
        arr = _frozen_array(getattr(obj, attr), dtype)
        if arr.shape != (n,):
            raise ValueError(f"{type(obj).__name__}.{attr}: shape {arr.shape}, expected ({n},)")
        object.__setattr__(obj, attr, arr)


# ---------------------------------------------------------------------------------------------
# Public entry point
# ---------------------------------------------------------------------------------------------

TBL_FILES = ("GENPARM.TBL", "SOILPARM.TBL", "VEGPARM.TBL")


def load_tables(directory: str | Path | None = None) -> Tables:
    """Load the parameter tables.

    Parameters
    ----------
    directory
        None: the tables bundled with noahperm. Otherwise a directory holding GENPARM.TBL,
        SOILPARM.TBL (block STAS is used) and VEGPARM.TBL (block USGS) in the Fortran format.

    Raises
    ------
    TableError
        A file is missing or malformed (the message names file, line and problem).
    """
    if directory is None:
        return _load_bundled()
    directory = Path(directory)
    if not directory.is_dir():
        raise TableError("not a directory", path=directory)
    gen, soil, veg = (directory / name for name in TBL_FILES)
    return Tables(
        gen=parse_genparm(gen),
        soil=parse_soilparm(soil),
        veg=parse_vegparm(veg),
        source=str(directory.resolve()),
    )


# ---------------------------------------------------------------------------------------------
# Fortran TBL format
# ---------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"""'[^']*'?|"[^"]*"?|[^\s,'"]+""")
_REAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eEdD][+-]?\d+)?")
_INT = re.compile(r"[+-]?\d+")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _is_quoted(token: str) -> bool:
    return token[:1] in ("'", '"')


def _unquote(token: str) -> str:
    if _is_quoted(token):
        token = token[1:-1] if len(token) > 1 and token[-1] == token[0] else token[1:]
    return token.strip()


class _TblFile:
    """Lines of one TBL file with error helpers (``i`` is a 0-based line index)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            raise TableError("file not found", path=self.path) from None
        except OSError as exc:
            raise TableError(f"cannot read: {exc.strerror}", path=self.path) from None
        self.lines = text.splitlines()

    def error(self, i: int | None, field: str | None, problem: str) -> TableError:
        line = None if i is None else min(i, max(len(self.lines) - 1, 0)) + 1
        return TableError(problem, path=self.path, line=line, field=field)

    def next_line(self, i: int) -> int | None:
        """Index of the first non-blank line at or after ``i``, None at the end."""
        while i < len(self.lines):
            if self.lines[i].strip():
                return i
            i += 1
        return None

    def require_line(self, i: int, field: str, what: str) -> int:
        j = self.next_line(i)
        if j is None:
            raise self.error(len(self.lines), field, f"file ends where {what} was expected")
        return j

    def tokens(self, i: int) -> list[str]:
        return _TOKEN.findall(self.lines[i])

    def real(self, i: int, token: str, field: str) -> float:
        if not _REAL.fullmatch(token):
            raise self.error(i, field, f"non-numeric value {token!r}")
        value = float(token.replace("d", "e").replace("D", "E"))
        if not math.isfinite(value):
            raise self.error(i, field, f"value {token!r} is out of range")
        return value

    def integer(self, i: int, token: str, field: str) -> int:
        if not _INT.fullmatch(token):
            raise self.error(i, field, f"expected an integer, found {token!r}")
        return int(token)

    def first(self, i: int) -> str:
        return self.tokens(i)[0]  # non-blank line: at least one token


def _read_keyed(f: _TblFile, i: int | None, stop: int, specs: dict[str, str]) -> dict:
    """Read ``KEY`` / value line pairs from line ``i`` up to line ``stop`` (exclusive).

    ``specs`` maps the wanted keys to ``"real"``, ``"int"`` or ``"list"`` (a count line, then
    one value per line). Every wanted key must appear exactly once.
    """
    found: dict[str, object] = {}
    while i is not None and i < stop:
        key = f.lines[i].strip()
        if not _IDENT.fullmatch(key):
            raise f.error(i, None, f"expected a parameter name, found {key!r}")
        if key in found:
            raise f.error(i, key, "given twice")
        kind = specs.get(key, "skip")
        j = f.require_line(i + 1, key, "its value")
        if kind == "list":
            count = f.integer(j, f.first(j), key)
            if count < 1:
                raise f.error(j, key, f"count must be at least 1, found {count}")
            values = []
            for n in range(count):
                j = f.next_line(j + 1)
                if j is None or j >= stop:
                    raise f.error(j if j is not None else len(f.lines), key,
                                  f"expected {count} values, found {n}")
                values.append(f.real(j, f.first(j), key))
            found[key] = values
        elif kind == "int":
            found[key] = f.integer(j, f.first(j), key)
        elif kind == "real":
            found[key] = f.real(j, f.first(j), key)
        i = f.next_line(j + 1)
    for key in specs:
        if key not in found:
            end = min(stop, len(f.lines))
            raise f.error(end, key, "missing (key line followed by a value line)")
    return found


def _find_block(f: _TblFile, title: str, block: str) -> int:
    """Index of the identifier line of ``block`` (the line after a ``title`` line)."""
    seen = []
    for i, line in enumerate(f.lines):
        if line.strip().lower().startswith(title.lower()):
            j = f.next_line(i + 1)
            if j is None:
                break
            name = _unquote(f.first(j))
            seen.append(name)
            if name == block:
                return j
    present = ", ".join(seen) if seen else f"no '{title}' titles"
    raise TableError(f"block not found (present: {present})", path=f.path, field=block)


def _read_rows(f: _TblFile, j: int, block: str, columns: tuple[Column, ...], ints: frozenset):
    """Read the count line after block identifier ``j`` and the class rows.

    Returns (names, {key: values}, index of the line after the last row).
    """
    k = f.require_line(j + 1, block, "the class count line")
    count = f.integer(k, f.first(k), f"{block} class count")
    if count < 1:
        raise f.error(k, f"{block} class count", f"must be at least 1, found {count}")
    nval = 1 + len(columns)
    names: list[str] = []
    values: dict[str, list] = {c.key: [] for c in columns}
    for cls in range(1, count + 1):
        k = f.next_line(k + 1)
        if k is None:
            raise f.error(len(f.lines), block, f"file ends after {cls - 1} of {count} rows")
        tokens = f.tokens(k)
        head = []
        for tok in tokens:
            if len(head) == nval or _is_quoted(tok):
                break
            head.append(tok)
        rest = tokens[len(head):]
        extra = rest and not _is_quoted(rest[0]) and _REAL.fullmatch(rest[0])
        if len(head) != nval or extra:
            found = len(head) + (sum(1 for t in rest if _REAL.fullmatch(t)) if extra else 0)
            raise f.error(k, f"{block} class {cls}",
                          f"expected {nval} values (class index and "
                          f"{' '.join(c.key for c in columns)}), found {found}")
        index = f.integer(k, head[0], f"{block} class {cls}")
        if index != cls:
            raise f.error(k, f"{block} class {cls}", f"class index {index}, expected {cls}")
        for col, tok in zip(columns, head[1:], strict=True):
            field = f"{col.key} (class {cls})"
            if col.key in ints:
                values[col.key].append(f.integer(k, tok, field))
            else:
                values[col.key].append(f.real(k, tok, field))
        names.append(" ".join(_unquote(t) for t in rest))
    return names, values, k + 1


def parse_genparm(path: str | Path) -> GenTable:
    """Read GENPARM.TBL (Fortran format)."""
    f = _TblFile(path)
    i = f.next_line(0)
    if i is not None and not _IDENT.fullmatch(f.lines[i].strip()):
        i = f.next_line(i + 1)  # title line ("General Parameters")
    specs = {GEN_SLOPE.key: "list"} | {c.key: "real" for c in GEN_SCALARS}
    found = _read_keyed(f, i, len(f.lines), specs)
    return GenTable(slope=found[GEN_SLOPE.key], **{c.attr: found[c.key] for c in GEN_SCALARS})


def parse_soilparm(path: str | Path, block: str = "STAS") -> SoilTable:
    """Read block ``block`` (default ``STAS``) of SOILPARM.TBL (Fortran format)."""
    f = _TblFile(path)
    j = _find_block(f, "Soil Parameters", block)
    names, values, _ = _read_rows(f, j, block, SOIL_COLUMNS, frozenset())
    return SoilTable(names=tuple(names), **{c.attr: values[c.key] for c in SOIL_COLUMNS})


def parse_vegparm(path: str | Path, block: str = "USGS") -> VegTable:
    """Read block ``block`` (default ``USGS``) of VEGPARM.TBL (Fortran format)."""
    f = _TblFile(path)
    title = "Vegetation Parameters"
    j = _find_block(f, title, block)
    names, values, k = _read_rows(f, j, block, VEG_COLUMNS, _VEG_INT)
    stop = next((n for n in range(k, len(f.lines))
                 if f.lines[n].strip().lower().startswith(title.lower())), len(f.lines))
    specs = {c.key: ("int" if c.key in _VEG_SCALAR_INT else "real") for c in VEG_SCALARS}
    found = _read_keyed(f, f.next_line(k), stop, specs)
    return VegTable(
        names=tuple(names),
        **{c.attr: values[c.key] for c in VEG_COLUMNS},
        **{c.attr: found[c.key] for c in VEG_SCALARS},
    )


# ---------------------------------------------------------------------------------------------
# Bundled tables (CSV for per-class rows, TOML for scalars)
# ---------------------------------------------------------------------------------------------

BUNDLED_FILES = {
    "gen": "genparm.toml",
    "soil": "soilparm_stas.csv",
    "veg": "vegparm_usgs.csv",
    "veg_scalars": "vegparm_usgs.toml",
}


def bundled_dir():
    """The folder of the bundled tables (an importlib.resources Traversable)."""
    return resources.files("noahperm").joinpath("data", "tables")


@lru_cache(maxsize=1)
def _load_bundled() -> Tables:
    # Cached: the tables are immutable (read-only arrays in frozen dataclasses).
    root = bundled_dir()
    soil_names, soil = _read_csv(root.joinpath(BUNDLED_FILES["soil"]), SOIL_COLUMNS, frozenset())
    veg_names, veg = _read_csv(root.joinpath(BUNDLED_FILES["veg"]), VEG_COLUMNS, _VEG_INT)
    scalars = _read_toml(root.joinpath(BUNDLED_FILES["veg_scalars"]), VEG_SCALARS, None)
    gen = _read_toml(root.joinpath(BUNDLED_FILES["gen"]), GEN_SCALARS, GEN_SLOPE)
    return Tables(
        gen=GenTable(slope=gen[GEN_SLOPE.key], **{c.attr: gen[c.key] for c in GEN_SCALARS}),
        soil=SoilTable(names=soil_names, **{c.attr: soil[c.key] for c in SOIL_COLUMNS}),
        veg=VegTable(
            names=veg_names,
            **{c.attr: veg[c.key] for c in VEG_COLUMNS},
            **{c.attr: scalars[c.key] for c in VEG_SCALARS},
        ),
        source="bundled (noahperm/data/tables, from nanzt/noahtibet-ef codes/*.TBL)",
    )


def _read_csv(res, columns: tuple[Column, ...], ints: frozenset):
    """Read a bundled per-class CSV: ``#`` comments, a ``#units`` row, header, one row a class."""
    path = str(res)
    header = ["class", *(c.key for c in columns), "name"]
    units = ["#units", *(c.units for c in columns), "-"]  # "#units" in the class column
    seen_header = seen_units = False
    names: list[str] = []
    values: dict[str, list] = {c.key: [] for c in columns}
    for n, line in enumerate(res.read_text(encoding="utf-8").splitlines(), start=1):
        stripped = line.strip()
        if not stripped or (stripped.startswith("#") and not stripped.startswith("#units,")):
            continue
        cells = [c.strip() for c in next(csv.reader([line], skipinitialspace=True))]
        if cells[0] == "#units":
            if cells != units:
                raise TableError(f"units row {cells}, expected {units}", path=path, line=n)
            seen_units = True
            continue
        if not seen_header:
            if cells != header:
                raise TableError(f"header {cells}, expected {header}", path=path, line=n)
            seen_header = True
            continue
        if len(cells) != len(header):
            raise TableError(f"expected {len(header)} columns, found {len(cells)}",
                             path=path, line=n)
        cls = len(names) + 1
        if cells[0] != str(cls):
            raise TableError(f"class {cells[0]!r}, expected {cls}", path=path, line=n,
                             field="class")
        for col, cell in zip(columns, cells[1:-1], strict=True):
            try:
                value = int(cell) if col.key in ints else float(cell)
                if not math.isfinite(value):
                    raise ValueError
            except ValueError:
                raise TableError(f"non-numeric value {cell!r}", path=path, line=n,
                                 field=col.key) from None
            values[col.key].append(value)
        names.append(cells[-1])
    if not (seen_header and seen_units and names):
        raise TableError("header, #units row or data rows missing", path=path)
    return tuple(names), values


def _read_toml(res, scalars: tuple[Column, ...], listed: Column | None) -> dict:
    """Read a bundled TOML of ``[KEY]`` tables with ``value`` (or ``values``) and ``units``."""
    path = str(res)
    text = res.read_text(encoding="utf-8")
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TableError(str(exc), path=path) from None
    wanted = [(c, "value") for c in scalars] + ([(listed, "values")] if listed else [])
    out = {}
    for col, member in wanted:
        line = next((n for n, s in enumerate(text.splitlines(), 1)
                     if s.strip() == f"[{col.key}]"), None)
        entry = doc.get(col.key)
        if not isinstance(entry, dict) or member not in entry:
            raise TableError(f"missing [{col.key}] table with '{member}'", path=path,
                             line=line, field=col.key)
        if entry.get("units") != col.units:
            raise TableError(f"units {entry.get('units')!r}, expected {col.units!r}",
                             path=path, line=line, field=col.key)
        out[col.key] = entry[member]
    return out

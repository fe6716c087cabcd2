"""Per-column kernel inputs from the parameter tables and a column's classes.

``ColumnSpec`` describes one column as the reference driver's namelist does
(vegetation, slope and soil classes, green-fraction range, heights, TBOT, the
surface-exchange option); ``build_columns`` turns a list of them into the
flat float64 arrays the kernel takes (layout ``P_*`` and ``SP_*`` in
``noahperm.kernel.layout``). This is the one place where table values become
kernel parameters (REDPRM of the reference), so calibration and sensitivity
change parameters by editing these arrays, never the kernel.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from noahperm.core.errors import InputError
from noahperm.kernel import layout as L
from noahperm.kernel.constants import TFREEZ
from noahperm.model.tables import Tables

MODES = {"reference": L.MODE_REFERENCE, "consistent": L.MODE_CONSISTENT}


@dataclass
class ColumnSpec:
    """One column's configuration (the reference driver's namelist keys in brackets).

    vegtyp : USGS class 1-27 [Vegetation_type_index]
    soiltyp : STAS class of the column [Soil_type_index]
    stype : per-layer STAS classes [Soil_htype]
    slopetyp : slope class 1-9 [Slope_type_index]
    shdmin, shdmax : green vegetation fraction range [-] [Green_Vegetation_Min/Max]
    snoalb : maximum snow albedo [-] [Max_snow_albedo]
    zlvl, zlvl_wind : heights of temperature/humidity and wind [m]
    tbot : temperature at ZBOT [K] [Deep_Soil_Temperature]
    sfcdif_option : 0 SFCDIF_off, 1 MYJ, 2 Y08 [sfcdif_option]
    iz0tlnd : CZIL from roughness (1) or the table (0) [iz0tlnd]
    urban_veg_category : the urban class [Urban_veg_category]
    """

    vegtyp: int
    soiltyp: int
    stype: np.ndarray
    slopetyp: int = 3
    shdmin: float = 0.0
    shdmax: float = 1.0
    snoalb: float = 0.75
    zlvl: float = 2.0
    zlvl_wind: float = 10.0
    tbot: float = TFREEZ
    sfcdif_option: int = 2
    iz0tlnd: int = 0
    urban_veg_category: int = 1
    overrides: dict = field(default_factory=dict)


@dataclass
class ColumnArrays:
    """Kernel inputs for ncol columns: par (ncol, NPAR), soilp (ncol, nsoil, NSOILP),
    stype (ncol, nsoil) int64, soilidx (ncol, NSOILP); and, for bookkeeping (parameter sets
    per class), vegtyp and soiltyp (ncol,) int64."""

    par: np.ndarray
    soilp: np.ndarray
    stype: np.ndarray
    soilidx: np.ndarray
    vegtyp: np.ndarray | None = None
    soiltyp: np.ndarray | None = None

    def take(self, idx) -> ColumnArrays:
        """The columns ``idx`` (any numpy index), as a new ColumnArrays."""
        def sub(a):
            return None if a is None else a[idx]
        return ColumnArrays(self.par[idx], self.soilp[idx], self.stype[idx], self.soilidx[idx],
                            sub(self.vegtyp), sub(self.soiltyp))

    @classmethod
    def concat(cls, parts: list[ColumnArrays]) -> ColumnArrays:
        """The columns of ``parts`` one after the other (e.g. one block of cells per parameter
        set, member-major)."""
        def cat(name):
            arrays = [getattr(p, name) for p in parts]
            return None if any(a is None for a in arrays) else np.concatenate(arrays)
        return ColumnArrays(*(cat(n) for n in ("par", "soilp", "stype", "soilidx", "vegtyp",
                                                "soiltyp")))


def _check_class(value, lo, hi, what):
    if not (lo <= int(value) <= hi):
        raise InputError(f"class {value} outside 1..{hi}", field=what)


def build_columns(specs: list[ColumnSpec], tables: Tables, mode: str = "reference") -> ColumnArrays:
    """Kernel parameter arrays for ``specs`` (REDPRM of the reference).

    ``mode`` is ``"reference"`` (the published model's effective soil
    parameters) or ``"consistent"`` (each layer its own class); see
    docs/kernel.md. ``ColumnSpec.overrides`` may replace any scalar parameter
    by its layout name (e.g. ``{"CZIL": 0.2}``).
    """
    if mode not in MODES:
        raise InputError(f"unknown mode {mode!r}; use one of {sorted(MODES)}", field="mode")
    gen, soil, veg = tables.gen, tables.soil, tables.veg
    smat = soil.matrix()
    ncol = len(specs)
    nsoil = len(specs[0].stype)
    par = np.zeros((ncol, L.NPAR))
    soilp = np.zeros((ncol, nsoil, L.NSOILP))
    stype = np.zeros((ncol, nsoil), dtype=np.int64)
    soilidx = np.zeros((ncol, L.NSOILP))
    for i, s in enumerate(specs):
        st = np.asarray(s.stype, dtype=np.int64)
        if st.size != nsoil:
            raise InputError(f"column {i} has {st.size} layers, column 0 has {nsoil}",
                             field="Soil_htype")
        for c in st:
            _check_class(c, 1, soil.nclass, "Soil_htype")
        _check_class(s.soiltyp, 1, soil.nclass, "Soil_type_index")
        _check_class(s.vegtyp, 1, veg.nclass, "Vegetation_type_index")
        _check_class(s.slopetyp, 1, len(gen.slope), "Slope_type_index")
        v = s.vegtyp - 1
        p = par[i]
        p[L.P_SBETA] = gen.sbeta
        p[L.P_FXEXP] = gen.fxexp
        p[L.P_CSOIL] = gen.csoil
        p[L.P_SALP] = gen.salp
        p[L.P_REFDK] = gen.refdk
        p[L.P_REFKDT] = gen.refkdt
        p[L.P_FRZK] = gen.frzk
        p[L.P_ZBOT] = gen.zbot
        p[L.P_CZIL] = gen.czil
        p[L.P_LVCOEF] = gen.lvcoef
        p[L.P_SLOPE] = gen.slope[s.slopetyp - 1]
        p[L.P_NROOT] = max(int(veg.nroot[v]), 1)
        if p[L.P_NROOT] > nsoil:
            raise InputError(f"{int(p[L.P_NROOT])} root layers but only {nsoil} soil layers",
                             field="Vegetation_type_index")
        p[L.P_RSMIN] = veg.rs[v]
        p[L.P_RGL] = veg.rgl[v]
        p[L.P_HS] = veg.hs[v]
        p[L.P_SNUP] = veg.snup[v]
        p[L.P_LAIMIN] = veg.laimin[v]
        p[L.P_LAIMAX] = veg.laimax[v]
        p[L.P_EMISSMIN] = veg.emissmin[v]
        p[L.P_EMISSMAX] = veg.emissmax[v]
        p[L.P_ALBEDOMIN] = veg.albedomin[v]
        p[L.P_ALBEDOMAX] = veg.albedomax[v]
        p[L.P_Z0MIN] = veg.z0min[v]
        p[L.P_Z0MAX] = veg.z0max[v]
        p[L.P_TOPT] = veg.topt
        p[L.P_CMCMAX] = veg.cmcmax
        p[L.P_CFACTR] = veg.cfactr
        p[L.P_RSMAX] = veg.rsmax
        p[L.P_SHDMIN] = s.shdmin
        p[L.P_SHDMAX] = s.shdmax
        p[L.P_SNOALB] = s.snoalb
        p[L.P_ZLVL] = s.zlvl
        p[L.P_ZLVL_WIND] = s.zlvl_wind
        p[L.P_TBOT] = s.tbot
        p[L.P_ISBARE] = 1.0 if s.vegtyp == veg.bare else 0.0
        p[L.P_ISURBAN] = 1.0 if s.vegtyp == s.urban_veg_category else 0.0
        p[L.P_SFCDIF] = s.sfcdif_option
        p[L.P_IZ0TLND] = s.iz0tlnd
        p[L.P_MODE] = MODES[mode]
        for name, value in s.overrides.items():
            if name not in L.PAR_NAMES:
                raise InputError(f"unknown parameter {name!r}", field="overrides")
            p[L.PAR_NAMES.index(name)] = value
        soilp[i] = smat[st - 1]
        stype[i] = st
        soilidx[i] = smat[s.soiltyp - 1]
    return ColumnArrays(par=par, soilp=soilp, stype=stype, soilidx=soilidx,
                        vegtyp=np.array([s.vegtyp for s in specs], dtype=np.int64),
                        soiltyp=np.array([s.soiltyp for s in specs], dtype=np.int64))


def fingerprint(*arrays: np.ndarray) -> str:
    """Content fingerprint of arrays (shape, dtype and bytes), for checkpoint identities."""
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()[:16]


@dataclass
class Model:
    """Columns to run: kernel parameters, layers, green fraction and labels for messages;
    ``members`` parameter sets of ``ncell`` cells each, member-major."""

    cols: ColumnArrays
    zsoil: np.ndarray  # (nsoil,) layer bottoms [m, negative]
    green_monthly: np.ndarray  # (ncol, 12)
    labels: Sequence[str] = field(default_factory=list)  # per column, for error messages
    members: int = 1
    kernel: str = "reference"  # the kernel build that runs it (noahperm.kernel.variants)

    @property
    def ncol(self) -> int:
        return self.cols.par.shape[0]

    @property
    def ncell(self) -> int:
        return self.ncol // self.members

    def subset(self, idx) -> Model:
        """The columns ``idx`` as a model of one member."""
        cols = self.cols.take(idx)
        labels = [self.labels[i] for i in np.atleast_1d(idx)] if self.labels else []
        return Model(cols, self.zsoil, self.green_monthly[idx], labels, kernel=self.kernel)

    @classmethod
    def concat(cls, models: Sequence[Model]) -> Model:
        """One model of the members ``models`` (each of one member, the same cells)."""
        if any(m.members != 1 or m.ncol != models[0].ncol for m in models):
            raise ValueError("members must be single models of the same cells")
        if any(m.kernel != models[0].kernel for m in models):
            raise ValueError("members must run on the same kernel build")
        if len(models) == 1:
            return models[0]
        labels = [f"member {k}, {lab}" for k, m in enumerate(models) for lab in
                  (m.labels or [f"column {i}" for i in range(m.ncol)])]
        return cls(ColumnArrays.concat([m.cols for m in models]), models[0].zsoil,
                   np.concatenate([m.green_monthly for m in models]), labels, len(models),
                   models[0].kernel)

    def identity(self) -> str:
        """Fingerprint of everything the physics sees of the model (the kernel build
        included, where it is not the reference)."""
        c = self.cols
        fp = fingerprint(c.par, c.soilp, c.stype, c.soilidx, np.asarray(self.zsoil, float),
                         np.asarray(self.green_monthly, float), np.array([self.members]))
        return fp if self.kernel == "reference" else f"{fp}-{self.kernel}"

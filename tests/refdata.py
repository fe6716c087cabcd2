"""Readers for the Fortran reference runs (``shared/reference/<case>.tar.xz``) used by the tests.

The reference packages are described in each ``CASE.md``. This module only reads them:

* :func:`unpack_case` unpacks ``<case>.tar.xz`` from the shared directory into a cache directory
  once (skips the test, or fails it when the environment variable ``CI`` is set, if the shared
  directory or the tarball is missing);
* :func:`read_state_hp` parses a full-precision dump ``state_hp.txt`` (plain or ``.xz``) into
  numpy arrays with named columns (:class:`StateDump`);
* :func:`read_output` parses the driver's standard text output (``output_O2.txt``);
* :func:`read_namelist` / :func:`read_forcing` parse the input file ``forcing_main.in``.

Typical use in a test module::

    @pytest.fixture(scope="session")
    def tgl_dir(tmp_path_factory):
        return refdata.unpack_case("tgl", tmp_path_factory)

    def test_something(tgl_dir):
        dump = refdata.read_state_hp(tgl_dir / "state_hp.txt")
        ch = dump["CH"]              # (nstep,) after each step
        t1_before = dump.prev("T1")  # (nstep,) before each step (INIT row, then step k-1)
        stc = dump["STC"]            # (nstep, nsoil)
"""

from __future__ import annotations

import lzma
import os
import re
import tarfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

SHARED_DIR = Path(__file__).resolve().parents[2] / "shared"
REFERENCE_DIR = SHARED_DIR / "reference"

#: The 13 scalar state variables of state_hp.txt, in order (CASE.md section 6).
STATE_SCALARS = (
    "T1", "CMC", "SNOWH", "SNEQV", "SNOTIME1", "RIBB", "Z0", "Z0BRD",
    "ALBEDO", "EMISSI", "CH", "CM", "Q1",
)
#: The soil arrays that follow them, each nsoil long.
STATE_ARRAYS = ("STC", "SMC", "SH2O")
#: The 41 diagnostics of each step line (CASE.md section 6), used when the header lacks them.
DIAGNOSTICS = (
    "SHEAT", "ETA", "ETAKIN", "SSOIL", "ETP", "EC", "EDIR", "ETT", "ESNOW", "RUNOFF1",
    "RUNOFF2", "RUNOFF3", "SNCOVR", "FLX1", "FLX2", "FLX3", "SNOMLT", "DEW", "DRIP", "BETA",
    "RC", "PC", "XLAI", "SHDFAC", "ALB", "EMBRD", "SOLNET", "LWDN", "SOLDN", "SFCTMP", "Q2",
    "SFCPRS", "SFCSPD", "PRCP", "FFROZP", "TH2", "Q2SAT", "DQSDT2", "SOILM", "SOILW", "FDOWN",
)
#: Placeholder the driver uses for "not yet set" (Z0BRD and Q1 in the INIT line).
BADVAL = -1.0e36


# ----------------------------------------------------------------------------------------------
# locating and unpacking
# ----------------------------------------------------------------------------------------------
def missing(reason: str):
    """Skip the calling test, or fail it when the environment variable ``CI`` is set."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def unpack_case(name: str, tmp_path_factory=None, cache_dir: Path | None = None) -> Path:
    """Unpack ``shared/reference/<name>.tar.xz`` once and return the directory ``.../<name>``.

    The target is ``cache_dir`` if given, else ``<pytest basetemp>/refdata`` from
    ``tmp_path_factory``. A marker file makes repeated calls (several session fixtures, reruns
    into the same cache) cheap; a half-finished unpack is redone.
    """
    tarball = REFERENCE_DIR / f"{name}.tar.xz"
    if not tarball.is_file():
        missing(f"reference data not found: {tarball} (shared directory {SHARED_DIR})")
    if cache_dir is None:
        if tmp_path_factory is None:
            raise ValueError("give tmp_path_factory or cache_dir")
        cache_dir = Path(tmp_path_factory.getbasetemp()) / "refdata"
    cache_dir = Path(cache_dir)
    case_dir = cache_dir / name
    marker = cache_dir / f".{name}.unpacked"
    if marker.is_file() and case_dir.is_dir():
        return case_dir
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball, "r:xz") as tar:
        members = [m for m in tar.getmembers() if m.isfile() or m.isdir()]
        for m in members:  # refuse absolute paths and '..' (the archive is data, not trusted)
            if Path(m.name).is_absolute() or ".." in Path(m.name).parts:
                raise ValueError(f"unsafe path in {tarball}: {m.name}")
        if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4
            tar.extractall(cache_dir, members=members, filter="data")
        else:
            tar.extractall(cache_dir, members=members)
    if not case_dir.is_dir():
        raise FileNotFoundError(f"{tarball} did not unpack to {case_dir}")
    marker.write_text("ok\n")
    return case_dir


def _open_text(path: Path):
    path = Path(path)
    if path.suffix == ".xz":
        return lzma.open(path, "rt", encoding="latin-1")
    return open(path, encoding="latin-1")


# ----------------------------------------------------------------------------------------------
# state_hp.txt
# ----------------------------------------------------------------------------------------------
@dataclass
class StateDump:
    """A parsed ``state_hp.txt``.

    Attributes
    ----------
    labels : (nstep,) str array of step labels ``YYYYMMDDHHmm``
    init : (nstate,) the INIT line (state before step 1; Z0BRD and Q1 may be ``BADVAL``)
    values : (nstep, nstate + ndiag) the step lines (state after the step, then diagnostics)
    nsoil : number of soil layers
    names : column names of ``values``: the 13 scalars, ``STC(1)``..``SH2O(nsoil)``, diagnostics
    """

    labels: np.ndarray
    init: np.ndarray
    values: np.ndarray
    nsoil: int
    names: tuple

    @property
    def nstate(self) -> int:
        return len(STATE_SCALARS) + len(STATE_ARRAYS) * self.nsoil

    @property
    def state(self) -> np.ndarray:
        """(nstep, nstate): the state after each step."""
        return self.values[:, : self.nstate]

    @property
    def state_before(self) -> np.ndarray:
        """(nstep, nstate): the state before each step (INIT row, then the state after k-1)."""
        return np.vstack([self.init[None, :], self.values[:-1, : self.nstate]])

    def _slice(self, name: str):
        if name in STATE_ARRAYS:
            i0 = len(STATE_SCALARS) + STATE_ARRAYS.index(name) * self.nsoil
            return slice(i0, i0 + self.nsoil)
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(f"no column {name!r} in state dump") from None

    def __getitem__(self, name: str) -> np.ndarray:
        """Column ``name`` after each step; ``STC``/``SMC``/``SH2O`` give (nstep, nsoil)."""
        return self.values[:, self._slice(name)]

    def prev(self, name: str) -> np.ndarray:
        """State variable ``name`` before each step (the input state of the step)."""
        sl = self._slice(name)
        if isinstance(sl, int) and sl >= self.nstate:
            raise KeyError(f"{name!r} is a diagnostic, not a state variable")
        return self.state_before[:, sl]

    def __len__(self) -> int:
        return self.values.shape[0]


def read_state_hp(path) -> StateDump:
    """Parse a ``state_hp.txt`` dump (``(A12, 2000(1X,ES24.16E3))`` lines; ``.xz`` accepted)."""
    header = []
    init = None
    labels = []
    rows = []
    with _open_text(path) as f:
        for line in f:
            if line.startswith("#"):
                header.append(line)
                continue
            if not line.strip():
                continue
            label = line[:12].strip()
            numbers = np.array(line[12:].split(), dtype=np.float64)
            if label == "INIT":
                init = numbers
            else:
                labels.append(label)
                rows.append(numbers)
    if init is None:
        raise ValueError(f"{path}: no INIT line")
    nstate = init.size
    nsoil, rest = divmod(nstate - len(STATE_SCALARS), len(STATE_ARRAYS))
    if rest or nsoil < 1:
        raise ValueError(f"{path}: INIT line has {nstate} values, not 13 + 3*nsoil")
    values = np.vstack(rows)
    ndiag = values.shape[1] - nstate
    diag_names = DIAGNOSTICS
    if header:
        m = re.search(r"\[diagnostics after step:\]\s*(.*)$", header[0])
        if m:
            diag_names = tuple(m.group(1).split())
    if len(diag_names) != ndiag:
        raise ValueError(f"{path}: {ndiag} diagnostic columns but {len(diag_names)} names")
    names = STATE_SCALARS + tuple(
        f"{a}({k})" for a in STATE_ARRAYS for k in range(1, nsoil + 1)
    ) + diag_names
    return StateDump(np.array(labels), init, values, nsoil, names)


# ----------------------------------------------------------------------------------------------
# output_O2.txt (standard driver output)
# ----------------------------------------------------------------------------------------------
@dataclass
class DriverOutput:
    """A parsed standard output file: ``labels`` (YYYYMMDDHHmm), ``names``/``units`` of the
    value columns (``STC( 1)`` style, as printed) and ``values`` (nstep, ncol)."""

    labels: np.ndarray
    names: tuple
    units: tuple
    values: np.ndarray

    def __getitem__(self, name: str) -> np.ndarray:
        """Column ``name``; a layered name without index (``STC``) gives (nstep, nlayer)."""
        if name in self.names:
            return self.values[:, self.names.index(name)]
        idx = [i for i, n in enumerate(self.names) if re.fullmatch(rf"{re.escape(name)}\(\s*\d+\)", n)]
        if not idx:
            raise KeyError(f"no column {name!r} in driver output")
        return self.values[:, idx]


def _fields15(line: str) -> list[str]:
    line = line.rstrip("\n")
    return [line[i : i + 15].strip() for i in range(0, len(line), 15) if line[i : i + 15].strip()]


def read_output(path) -> DriverOutput:
    """Parse ``output_O2.txt`` / ``output_ifort.txt``: 3 header lines (names, units, formats in
    15-character fields), then ``YYYYMMDD HH:mm`` and G15.6 numbers per step."""
    with _open_text(path) as f:
        names = _fields15(f.readline())
        units = _fields15(f.readline())
        f.readline()
        labels = []
        rows = []
        for line in f:
            tok = line.split()
            if not tok:
                continue
            labels.append(tok[0] + tok[1].replace(":", ""))
            rows.append(np.array(tok[2:], dtype=np.float64))
    names, units = tuple(names[1:]), tuple(units[1:])  # drop "Times"
    values = np.vstack(rows)
    if values.shape[1] != len(names):
        raise ValueError(f"{path}: {values.shape[1]} values per line but {len(names)} names")
    return DriverOutput(np.array(labels), names, units, values)


# ----------------------------------------------------------------------------------------------
# forcing_main.in (namelist header + forcing records)
# ----------------------------------------------------------------------------------------------
def _nl_value(text: str):
    tok = re.findall(r'"[^"]*"|\'[^\']*\'|\S+', text.replace(",", " "))
    out = []
    for t in tok:
        if t[0] in "\"'":
            out.append(t[1:-1])
        elif t.upper() in (".TRUE.", ".T.", "T"):
            out.append(True)
        elif t.upper() in (".FALSE.", ".F.", "F"):
            out.append(False)
        else:
            try:
                out.append(int(t))
            except ValueError:
                out.append(float(t.replace("d", "e").replace("D", "e")))
    return out[0] if len(out) == 1 else out


def read_namelist(path) -> dict:
    """The ``&METADATA_NAMELIST`` of a reference input file as a dict (keys lower case).

    Values are str, int, float, bool, or lists of them for multi-valued entries (e.g.
    ``soil_layer_thickness``)."""
    out = {}
    key = None
    with _open_text(path) as f:
        inside = False
        for line in f:
            s = line.split("!")[0].strip()
            if not inside:
                inside = s.upper().startswith("&METADATA_NAMELIST")
                continue
            if s.startswith("/"):
                break
            if not s:
                continue
            m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$", s)
            if m:
                key = m.group(1).lower()
                out[key] = m.group(2)
            elif key is not None:  # continuation line
                out[key] += " " + s
    return {k: _nl_value(v) for k, v in out.items()}


#: Columns of the forcing records (CASE.md section 4), in file units.
FORCING_COLUMNS = ("SFCSPD", "WDIR", "SFCTMP", "RH", "PSFC_HPA", "SOLDN", "LWDN", "PRCP")


def read_forcing(path) -> tuple[np.ndarray, np.ndarray]:
    """Forcing records after the ``<Forcing>`` line: (labels YYYYMMDDHHmm, (n, 8) values in
    file units, columns :data:`FORCING_COLUMNS`: m s-1, deg, K, %, hPa, W m-2, W m-2,
    kg m-2 s-1). Parsed by the fixed format ``(I4.4,4(1x,I2.2),8(F17.10))``."""
    labels = []
    rows = []
    with _open_text(path) as f:
        for line in f:
            if line.lstrip().lower().startswith("<forcing>"):
                break
        for line in f:
            if len(line.rstrip("\n")) < 16:
                continue
            labels.append(line[0:4] + line[5:7] + line[8:10] + line[11:13] + line[14:16])
            rows.append([float(line[16 + 17 * i : 16 + 17 * (i + 1)]) for i in range(8)])
    return np.array(labels), np.array(rows, dtype=np.float64)

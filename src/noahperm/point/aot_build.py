"""Ahead-of-time build of the point kernel with ``numba.pycc`` (imports Numba; build time only).

The exported functions are thin wrappers that only call the kernel's own compiled functions:
:func:`noahperm.point.driver.run_column` and
:func:`noahperm.kernel.humidity.rh_to_specific_humidity`. Numba compiles a called dispatcher
with that dispatcher's own options (:data:`noahperm.kernel._jit.JIT_OPTIONS`:
``error_model="numpy"``, ``fastmath=False``), from the same source, and links its code into
the module; the wrappers themselves do no arithmetic, so pycc's own defaults for the top level
(``error_model="python"``) never apply to the physics. There is no second copy of the physics:
the AOT module is a compiled form of the kernel files, like Numba's on-disk cache.

Signatures: the types a point run passes (C-contiguous float64 arrays, int64 soil types, a
float time step), those the JIT build compiles for a point run. Target CPU: ``generic`` by
default, the architecture's baseline (x86-64: SSE2), so a module copied to another machine of
the same architecture still runs; on this project's machine it was as fast as the host CPU's
code (docs/performance.md). The metadata (:func:`build_info` in the module) holds the source
digest (:func:`noahperm.point.aot.aot_digest`), the Numba version, the options, the target
CPU and the kernel constants a point run needs (``BADVAL``, the status codes), so that loading
the module needs neither Numba nor the kernel modules.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import shutil
import tempfile
from pathlib import Path

import numpy as np

from noahperm.point.aot import FORMAT, MODULE_NAME, aot_digest, aot_path

_A1 = "float64[::1]"
_A2 = "float64[:, ::1]"
#: pycc signatures of the exported functions (the argument kinds of
#: :data:`noahperm.point.aot.RUN_COLUMN_ARGS`).
SIGNATURES = {
    "run_column": (f"UniTuple(int64, 2)({_A1}, {_A1}, {_A1}, {_A1}, {_A2}, {_A1}, {_A2}, "
                   f"int64[::1], {_A1}, {_A1}, float64, {_A2}, {_A2})"),
    "rh_to_specific_humidity": f"{_A1}({_A1}, {_A1}, {_A1})",
    "build_info": "uint8[::1]()",
}


def build(out_dir: Path, target_cpu: str | None = None) -> Path:
    """Compile the AOT module into ``out_dir`` (atomically: compiled in a temporary folder
    there, then renamed); returns its path. Raises on any failure (no compiler, pycc error)."""
    digest = aot_digest()
    import warnings

    import numba

    with warnings.catch_warnings():  # pycc is "pending deprecation" since Numba 0.57
        warnings.simplefilter("ignore", numba.NumbaPendingDeprecationWarning)
        from numba.pycc import CC

    from noahperm.kernel import SOURCE_DIGEST, _jit
    from noahperm.kernel.column import BADVAL
    from noahperm.kernel.driver import STATUS_NONFINITE, STATUS_OK, STATUS_SNOW_DENSITY
    from noahperm.kernel.humidity import rh_to_specific_humidity
    from noahperm.point.driver import run_column

    cpu = target_cpu or "generic"
    if cpu == "host":
        import llvmlite.binding as llb

        cpu = llb.get_host_cpu_name()
    info = {
        "format": FORMAT,
        "source_digest": digest,
        "kernel_source_digest": SOURCE_DIGEST,
        "numba": numba.__version__,
        "options": {k: v for k, v in _jit.JIT_OPTIONS.items() if k != "cache"},
        "target_cpu": cpu,
        "machine": platform.machine(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "built": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "exports": SIGNATURES,
        "constants": {"BADVAL": BADVAL, "STATUS_OK": STATUS_OK,
                      "STATUS_SNOW_DENSITY": STATUS_SNOW_DENSITY,
                      "STATUS_NONFINITE": STATUS_NONFINITE},
    }
    info_bytes = np.frombuffer(json.dumps(info, sort_keys=True).encode(), dtype=np.uint8).copy()

    # The exported functions: calls of the kernel's dispatchers, nothing else.
    def run_column_export(sstate, stc, smc, sh2o, forcing, par, soilp, stype, soilidx, zsoil,
                          dt, trace_state, trace_diag):
        return run_column(sstate, stc, smc, sh2o, forcing, par, soilp, stype, soilidx, zsoil,
                          dt, trace_state, trace_diag)

    def rh_export(t, p, rhf):
        return rh_to_specific_humidity(t, p, rhf)

    def build_info():
        return info_bytes.copy()

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = aot_path(out_dir)
    with tempfile.TemporaryDirectory(prefix=".aot-build-", dir=out_dir) as tmp:
        cc = CC(MODULE_NAME)
        cc.output_dir = tmp
        cc.target_cpu = cpu
        cc.export("run_column", SIGNATURES["run_column"])(run_column_export)
        cc.export("rh_to_specific_humidity",
                  SIGNATURES["rh_to_specific_humidity"])(rh_export)
        cc.export("build_info", SIGNATURES["build_info"])(build_info)
        cc.compile()
        built = Path(tmp) / os.path.basename(cc.output_file)
        if _digest_now() != digest:
            raise RuntimeError("the kernel sources changed during the build; build again")
        shutil.move(str(built), target.with_name(target.name + ".tmp"))
        os.replace(target.with_name(target.name + ".tmp"), target)
    return target


def _digest_now() -> str:
    """The digest of the sources read from disk again (not the cached value)."""
    from noahperm.core.provenance import source_digest
    from noahperm.point.aot import SOURCES

    return source_digest.__wrapped__(*SOURCES)

"""Atomic writes of single files (NetCDF, CSV, PNG, ...): a temporary sibling, fsync, rename.

A reader never sees a half-written file: the data go to ``.<name>.<pid>.<random>.tmp`` in the
target's directory (same file system, so ``os.replace`` is atomic) and replace the target only
when complete; on any error (or Ctrl-C) the temporary file is removed and an existing target
is left untouched. Zarr stores have their own mechanism (``noahperm.zarrio``).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_file(path, *, fsync: bool = True, parents: bool = False) -> Iterator[Path]:
    """Yield a temporary path to write; on success it becomes ``path`` atomically.
    ``parents``: create missing parent directories first."""
    path = Path(path)
    if parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp"
    try:
        yield tmp
        if fsync:
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_netcdf(ds, path, encoding=None) -> Path:
    """``ds.to_netcdf`` (NetCDF-4, netCDF4 engine) to ``path`` atomically."""
    with atomic_file(path) as tmp:
        ds.to_netcdf(tmp, mode="w", format="NETCDF4", engine="netcdf4", encoding=encoding)
    return Path(path)


def write_csv(df, path, **kw) -> Path:
    """``df.to_csv(index=False)`` to ``path`` atomically (parent directories created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    kw.setdefault("index", False)
    kw.setdefault("float_format", "%.6g")
    with atomic_file(path) as tmp:
        df.to_csv(tmp, **kw)
    return path

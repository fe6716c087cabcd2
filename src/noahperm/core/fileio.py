"""Atomic writes: the one implementation (:func:`replacing`) and its file form (:func:`atomic_file`).

A reader never sees a half-written file: the data go to ``.<name>.<pid>.<random>.tmp`` in the
target's directory (same file system, so ``os.replace`` is atomic) and replace the target only
when complete; on any error (or Ctrl-C) the temporary file is removed and an existing target
is left untouched. Zarr stores (directories) go through the same :func:`replacing` with their
own temporary name and completion marker (``noahperm.core.zarrio.atomic_zarr``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path


def fsync_dir(path: Path) -> None:
    """fsync a directory (its entries: renames, new files); best effort, as not every platform
    or file system supports it."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def remove(path: Path) -> None:
    """Remove a file, a link or a directory tree, if present."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists() or path.is_symlink():
        path.unlink()


@contextlib.contextmanager
def replacing(target, tmp, *, fsync: bool = True, parents: bool = False,
              before_commit: Callable[[Path], None] | None = None) -> Iterator[Path]:
    """Yield ``tmp`` to be written (a file or a directory); if the block succeeds it becomes
    ``target`` atomically, otherwise it is removed and ``target`` is left as it was.

    On success: ``before_commit(tmp)`` (e.g. a completion marker), an fsync of ``tmp`` if it is
    a file, then the move: ``os.replace`` for a file; for a directory an old ``target`` is first
    renamed aside (``<target>.old-<uuid>``) and removed once the new one is in place, so
    ``target`` is briefly absent but never incomplete. With ``fsync`` the directory holding
    ``target`` is fsynced after the move. ``parents``: create missing parent directories first.
    ``tmp`` must be a sibling of ``target`` (same file system).
    """
    target, tmp = Path(target), Path(tmp)
    if parents:
        target.parent.mkdir(parents=True, exist_ok=True)
    try:
        yield tmp
        if before_commit is not None:
            before_commit(tmp)
        if tmp.is_dir():
            old = None
            if target.exists() or target.is_symlink():
                old = target.parent / f"{target.name}.old-{uuid.uuid4().hex}"
                os.rename(target, old)
            os.rename(tmp, target)
            if fsync:
                fsync_dir(target.parent)
            if old is not None:
                remove(old)
        else:
            if fsync:
                with open(tmp, "rb") as fh:
                    os.fsync(fh.fileno())
            os.replace(tmp, target)
            if fsync:
                fsync_dir(target.parent)
    except BaseException:
        remove(tmp)
        raise


def atomic_file(path, *, fsync: bool = True, parents: bool = False):
    """Context manager: yield a temporary path ``.<name>.<pid>.<random>.tmp`` beside ``path``
    to write; on success it becomes ``path`` atomically (:func:`replacing`).
    ``parents``: create missing parent directories first."""
    path = Path(path)
    tmp = path.parent / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp"
    return replacing(path, tmp, fsync=fsync, parents=parents)


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

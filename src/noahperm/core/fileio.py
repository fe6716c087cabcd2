"""Atomic writes: the one implementation (:func:`replacing`) and its file form (:func:`atomic_file`).

A reader never sees a half-written file: the data go to ``.<name>.<pid>.<random>.tmp`` in the
target's directory (same file system, so ``os.replace`` is atomic) and replace the target only
when complete; on any error (or Ctrl-C) the temporary file is removed and an existing target
is left untouched. Zarr stores (directories) go through the same :func:`replacing` with their
own temporary name and completion marker (``noahperm.core.zarrio.atomic_zarr``).

An operating-system error of the write (permission denied, disk full, a directory where the
file goes) never names the temporary path, which the user neither chose nor can find afterwards:
:func:`replacing` re-raises it naming what the user must fix, the directory for a permission
error (``<dir>: Permission denied (cannot write <name> there)``), the target otherwise
(``<target>: No space left on device``). :func:`ensure_dir` names a file that stands where an
output directory goes.
"""

from __future__ import annotations

import contextlib
import errno
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


def ensure_dir(path) -> Path:
    """Create directory ``path`` and its parents if missing. A file standing where a directory
    goes raises ``NotADirectoryError`` naming that file (not a bare ``File exists``)."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        for p in (path, *path.parents):
            if p.exists() and not p.is_dir():
                raise NotADirectoryError(
                    errno.ENOTDIR, "not a directory (a file stands where an output directory "
                    "goes: move it away)", str(p)) from None
        raise
    return path


#: errno values of a failed write that carry no file name of their own
_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO,
                 errno.EACCES, errno.EPERM}
#: errno values a user fixes on the directory that receives the output
_DIRECTORY_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS}


def _is_internal(name, target: Path, tmp: Path) -> bool:
    """Whether ``name`` (an OSError's file name) is the temporary path, a path inside it or the
    aside name of an old target: names the user never gave."""
    if name is None or isinstance(name, int):
        return False
    p = Path(os.fsdecode(name))
    return p == tmp or tmp in p.parents or p.name.startswith(f"{target.name}.old-")


def _for_user(exc: OSError, target: Path, tmp: Path) -> OSError | None:
    """``exc`` re-made to name the user's path instead of the temporary one (None: leave it)."""
    internal = _is_internal(exc.filename, target, tmp) or _is_internal(exc.filename2, target, tmp)
    if not internal and not (exc.filename is None and exc.errno in _WRITE_ERRNOS):
        return None  # it names a path of the user's already (an input, say)
    what = exc.strerror or os.strerror(exc.errno or 0) or str(exc)
    if exc.errno in _DIRECTORY_ERRNOS:
        return OSError(exc.errno, f"{what} (cannot write {target.name} there)", str(target.parent))
    return OSError(exc.errno, what, str(target))


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
    ``tmp`` must be a sibling of ``target`` (same file system). An ``OSError`` naming ``tmp``
    (or nothing, for a failed write) is re-raised naming ``target`` or its directory.
    """
    target, tmp = Path(target), Path(tmp)
    if parents:
        ensure_dir(target.parent)
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
    except OSError as exc:
        remove(tmp)
        user = _for_user(exc, target, tmp)
        if user is None:
            raise
        raise user from exc
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
    ensure_dir(path.parent)
    kw.setdefault("index", False)
    kw.setdefault("float_format", "%.6g")
    with atomic_file(path) as tmp:
        df.to_csv(tmp, **kw)
    return path


def read_csv(path, required=(), missing_hint: str = ""):
    """A product's CSV table, refused with an ``InputError`` naming the file when it does not
    exist (``missing_hint``: what makes it, e.g. "run rule trends") or lacks a ``required``
    column."""
    import pandas as pd

    from noahperm.core.errors import InputError

    try:
        df = pd.read_csv(path)
    except FileNotFoundError:
        what = f"no such file ({missing_hint})" if missing_hint else "no such file"
        raise InputError(what, path=path) from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError("missing column(s)", path=path, field=", ".join(missing))
    return df

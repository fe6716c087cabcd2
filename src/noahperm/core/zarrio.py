"""Atomic Zarr stores and the CF attributes every stored variable carries.

A product store (``results/inputs/forcing.zarr``, ``domain.zarr``, ...) is written in three steps:

1. everything goes to a fresh sibling ``<target>.tmp-<uuid>`` (same directory, so the same file
   system and ``os.rename`` is atomic);
2. when all data are in, the metadata are consolidated into the root ``zarr.json``, the files are
   fsynced, and the completion marker ``<store>/.complete`` (JSON: product, time, attributes) is
   written and fsynced **last**;
3. the temporary store is renamed to ``<target>``. An old complete store there is first renamed
   aside (``<target>.old-<uuid>``) and removed only after the new one is in place (steps 2-3 are
   :func:`noahperm.core.fileio.replacing`, the one implementation of atomic writes).

A reader trusts a store only if its marker exists (:func:`is_complete`); :func:`open_complete`
refuses any other with an :class:`~noahperm.core.errors.InputError`. An interrupted write (exception,
Ctrl-C) removes its temporary store; a killed one leaves ``<target>.tmp-*``, which no reader
opens and the next write of the same target removes. Between the two renames of step 3 the
target is briefly absent (never incomplete); a crash there leaves ``<target>.old-*`` and no
target, so the next run rebuilds. One writer per target is assumed (Snakemake locks outputs).

Usage::

    with atomic_zarr("results/inputs/forcing.zarr", product="forcing") as tmp:
        ds.to_zarr(tmp, mode="w", consolidated=False)   # any number of writes to tmp
    ds = open_complete("results/inputs/forcing.zarr")
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import uuid
import warnings
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path

from noahperm.core.errors import InputError
from noahperm.core.fileio import ensure_dir, fsync_dir, remove, replacing

__all__ = [
    "MARKER",
    "atomic_zarr",
    "is_complete",
    "open_complete",
    "check_cf_attrs",
    "cf_attrs",
]

log = logging.getLogger(__name__)

#: Name of the completion marker inside a store.
MARKER = ".complete"

_REQUIRED = ("units", "long_name")


def cf_attrs(units: str, long_name: str, standard_name: str | None = None, **extra) -> dict:
    """Attribute dict ``units``, ``long_name`` (and ``standard_name``, extra keys) for a variable."""
    if not units or not long_name:
        raise ValueError("units and long_name must be non-empty")
    attrs = {"units": units, "long_name": long_name}
    if standard_name:
        attrs["standard_name"] = standard_name
    attrs.update(extra)
    return attrs


def check_cf_attrs(ds) -> None:
    """Raise ``ValueError`` unless every variable of ``ds`` (data and coordinates) has units and
    a long name.

    A datetime coordinate gets its ``units`` from the encoding (CF ``hours since ...``) and needs
    only ``long_name``.
    """
    missing = []
    for name, var in ds.variables.items():
        need = _REQUIRED
        if var.dtype.kind == "M":
            need = ("long_name",)
        lacking = [k for k in need if not str(var.attrs.get(k, "")).strip()]
        if lacking:
            missing.append(f"{name} (no {', '.join(lacking)})")
    if missing:
        raise ValueError("refusing to write variables without CF attributes: " + "; ".join(missing))


def is_complete(path: str | Path) -> bool:
    """True if ``path`` is a Zarr store whose write finished (its completion marker exists)."""
    p = Path(path)
    return (p / MARKER).is_file() and (p / "zarr.json").is_file()


def read_marker(path: str | Path) -> dict:
    """The completion marker's content (product, written_at, ...) of a complete store."""
    return json.loads((Path(path) / MARKER).read_text())


def open_complete(path: str | Path, *, product: str | None = None, chunks=None):
    """Open a complete store with xarray (lazily, no dask unless ``chunks`` is given).

    Raises :class:`~noahperm.core.errors.InputError` naming the path if the store is missing, was not
    completed (interrupted write) or holds another ``product`` than asked for.
    """
    import xarray as xr

    p = Path(path)
    if not p.exists():
        raise InputError("store does not exist (build it first)", path=p)
    if not is_complete(p):
        raise InputError(
            f"incomplete Zarr store (no {MARKER} marker: an interrupted or unfinished write); "
            "delete it and rebuild",
            path=p,
        )
    if product is not None:
        got = read_marker(p).get("product")
        if got != product:
            raise InputError(f"store holds product {got!r}, expected {product!r}", path=p)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Consolidated metadata", category=UserWarning)
        return xr.open_zarr(p, consolidated=True, chunks=chunks)


def _fsync_tree(root: Path) -> None:
    """fsync every file and directory under ``root`` (best effort on directories)."""
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            with open(os.path.join(dirpath, name), "rb") as fh:
                os.fsync(fh.fileno())
        fsync_dir(Path(dirpath))


def _stale_siblings(target: Path) -> list[Path]:
    return sorted(target.parent.glob(f"{target.name}.tmp-*")) + sorted(
        target.parent.glob(f"{target.name}.old-*")
    )


def finalize(store: Path, product: str, extra: Mapping | None = None, fsync: bool = True) -> None:
    """Consolidate the metadata of ``store`` and write its completion marker (last)."""
    import zarr

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Consolidated metadata", category=UserWarning)
        zarr.consolidate_metadata(str(store))
    if fsync:
        _fsync_tree(store)
    info = {"product": product, "written_at": datetime.now(UTC).isoformat(timespec="seconds")}
    info.update(dict(extra or {}))
    marker = store / MARKER
    with open(marker, "w") as fh:
        json.dump(info, fh, indent=1, default=str)
        fh.flush()
        if fsync:
            os.fsync(fh.fileno())
    if fsync:
        fsync_dir(store)


@contextlib.contextmanager
def atomic_zarr(
    path: str | Path, *, product: str, marker_info: Mapping | None = None, fsync: bool = True
) -> Iterator[Path]:
    """Context manager: yields a temporary store path; on success makes it ``path`` atomically.

    Parameters
    ----------
    path
        The target store. Its parent directory is created if needed.
    product
        Name recorded in the completion marker (``open_complete(..., product=...)`` checks it).
    marker_info
        Extra JSON-able entries for the marker (e.g. the config hash).
    fsync
        fsync files before the marker and the rename (default; tests may turn it off for speed).

    On an exception (including ``KeyboardInterrupt``) the temporary store is removed and the
    target is left as it was.
    """
    target = Path(path)
    ensure_dir(target.parent)
    for stale in _stale_siblings(target):
        log.info("removing leftover of an interrupted write: %s", stale)
        remove(stale)

    def complete(store: Path) -> None:
        if not (store / "zarr.json").is_file():
            raise RuntimeError(f"nothing was written to the temporary store {store}")
        finalize(store, product, marker_info, fsync=fsync)

    tmp = target.parent / f"{target.name}.tmp-{uuid.uuid4().hex}"
    with replacing(target, tmp, fsync=fsync, before_commit=complete) as store:
        yield store

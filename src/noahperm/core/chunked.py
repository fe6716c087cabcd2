"""Out-of-core work over cells: xarray + dask, chunk by chunk, on dask's threaded scheduler.

The result stages that read whole stores (``diagnose`` over a run's ``annual.zarr``, the
trend maps and the validation extraction over the members' ``permafrost.zarr``) open them
lazily with dask chunks of :data:`CELL_CHUNK` cells (every other dimension whole), so a task
holds one block of cells and the peak memory does not grow with the number of cells
(``benchmarks/bench_out_of_core.py`` measures it). The stores are written chunked the same way
(:func:`cell_encoding`), so a block of cells is one Zarr chunk per variable.

The tasks run on dask's own threaded scheduler with the rule's threads
(:func:`dask_threads`); every computation here reduces in a fixed order (member after member,
block after block), so the numbers do not depend on the threads or on the scheduling. Numerical
logic stays in the stages; this module only opens, chunks and schedules.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping

__all__ = ["CELL_CHUNK", "cell_encoding", "dask_threads", "open_by_cell", "shuffled_zstd"]

#: Cells per chunk [-] of the per-cell stores and of the dask blocks that read them: an
#: ``annual.zarr`` chunk of 1024 cells x 40 years x 18 layers of float64 is 5.9 MB per
#: variable (docs/scale.md: chunking and compression).
CELL_CHUNK = 1024


def shuffled_zstd():
    """The compressor of the large float64 stores (``annual.zarr``): Blosc with Zstandard
    level 3 after a byte shuffle. On the demo's annual aggregates (real model output) it
    stores 935 bytes a cell-year against 1059 with Zarr's default (Zstandard level 0 without
    shuffle) and 1296 uncompressed, at the same write and read speed (docs/scale.md)."""
    from zarr.codecs import BloscCodec

    return BloscCodec(cname="zstd", clevel=3, shuffle="shuffle")


@contextlib.contextmanager
def dask_threads(threads: int = 1) -> Iterator[None]:
    """Run dask computations inside on the threaded scheduler with ``threads`` workers."""
    import dask

    with dask.config.set(scheduler="threads", num_workers=max(1, int(threads))):
        yield


def open_by_cell(path, *, product: str, chunk_cells: int = CELL_CHUNK, variables=None):
    """Open a complete per-cell store lazily, as dask arrays of ``chunk_cells`` cells and every
    other dimension whole (only the chunks a computation needs are read, when it runs).

    ``variables``: keep only these data variables (and the coordinates)."""
    from noahperm.core.zarrio import open_complete

    ds = open_complete(path, product=product)
    if variables is not None:
        ds = ds[[v for v in variables if v in ds.data_vars]]
    # the coordinates are loaded (numpy: a few bytes per cell), the data variables chunked
    ds = ds.assign_coords({name: ds[name].load() for name in ds.coords})
    for name, var in ds.data_vars.items():
        ds[name] = var.chunk({d: max(1, int(chunk_cells)) if d == "cell" else -1
                              for d in var.dims})
    return ds


def cell_encoding(ds, chunk_cells: int = CELL_CHUNK, compressor=None,
                  extra: Mapping | None = None) -> dict:
    """Zarr encoding of ``ds``: every data variable with a ``cell`` dimension chunked by
    ``chunk_cells`` cells and whole along its other dimensions, compressed with
    ``compressor`` if given (else Zarr's default); ``extra``: per-variable entries to add."""
    enc = {}
    for name, var in ds.data_vars.items():
        if "cell" not in var.dims:
            continue
        enc[name] = {"chunks": tuple(min(max(1, int(chunk_cells)), n) if d == "cell" else n
                                     for d, n in zip(var.dims, var.shape, strict=True))}
        if compressor is not None:
            enc[name]["compressors"] = (compressor,)
    for name, e in (extra or {}).items():
        enc.setdefault(name, {}).update(e)
    return enc

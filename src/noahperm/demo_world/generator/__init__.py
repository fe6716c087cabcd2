"""The synthetic mini-QTP: a seeded generator of every raw input in its real format.

``generate(config, raw_dir)`` writes, under ``raw_dir`` (the layout of the real data, see
``docs/inputs.md``):

* ``forcing/{var}_CMFD_V0106_B-01_03hr_010deg_{YYYYMM}.nc`` for the 7 CMFD variables and every
  month of ``demo.years`` (:mod:`.climate`, :mod:`.writers`);
* ``landcover/vegetation_1km.tif``, ``landcover/lai_climatology_1km.tif``,
  ``soil/soil_classes_1km.tif`` (18 bands), ``topography/dem_1km.tif``,
  ``masks/glacier_1km.tif``, ``masks/lake_1km.tif`` (:mod:`.world`);
* ``demo_manifest.json`` last, only when all of the above are complete: settings, their hash,
  the years written, the vegetation class table. A good Snakemake output for the whole set.

Not written here: the 2010 permafrost map and the observations (they come from the "truth" run
of a later stage). The world and the climate are described in ``docs/demo_world.md``.

Command line: ``noahperm make_demo_inputs --config-json JSON --out resources/demo/raw
[--years 1979 2018] [--overwrite] [--threads N]``.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from noahperm.core import layout
from noahperm.core.errors import InputError
from noahperm.core.fileio import atomic_file
from noahperm.demo_world.generator.climate import VARIABLES, ClimateGenerator
from noahperm.demo_world.generator.settings import (
    DEFAULTS,
    GENERATOR_VERSION,
    demo_settings,
    settings_hash,
)
from noahperm.demo_world.generator.world import (
    LAYER_THICKNESS_M,
    VEGETATION_CLASSES,
    World,
    build_world,
    layer_bounds,
)
from noahperm.demo_world.generator.writers import (
    HASH_ATTR,
    MAP_PATHS,
    forcing_path,
    geotiff_complete,
    netcdf_complete,
    write_cmfd_month,
    write_geotiff,
)

__all__ = [
    "DEFAULTS", "VEGETATION_CLASSES", "LAYER_THICKNESS_M", "MANIFEST", "GenerateResult",
    "World", "ClimateGenerator", "build_world", "demo_settings", "settings_hash", "generate",
]

log = logging.getLogger(__name__)

MANIFEST = layout.DEMO_MANIFEST
_TMP = re.compile(r"^\..+\.(\d+)\.[0-9a-f]{12}\.tmp$")


@dataclass
class GenerateResult:
    """What :func:`generate` did: files written and skipped (already complete), seconds."""

    written: int
    skipped: int
    seconds: float
    manifest: Path


def _map_layers(world: World) -> dict[str, tuple]:
    """name -> (array, nodata, band descriptions, units)."""
    top, bot = layer_bounds(LAYER_THICKNESS_M)
    soil_desc = [f"layer {i + 1} ({a:.3f}-{b:.3f} m)" for i, (a, b) in enumerate(zip(top, bot,
                                                                                    strict=True))]
    return {
        "vegetation": (world.vegetation, 0, ["vegetation class"], "class"),
        "lai": (world.lai, -9999.0, ["growing-season mean LAI"], "m2 m-2"),
        "soil": (world.soil, 0, soil_desc, "class"),
        "dem": (world.dem, -9999.0, ["elevation"], "m"),
        "glacier": (world.glacier.astype("uint8"), 255, ["glacier (1) or not (0)"], "1"),
        "lake": (world.lake.astype("uint8"), 255, ["lake (1) or not (0)"], "1"),
    }


def _remove_stale_temporaries(dirs) -> None:
    """Delete temporary files left by killed generator processes (their pid is gone)."""
    for d in dirs:
        if not d.is_dir():
            continue
        for p in d.iterdir():
            m = _TMP.match(p.name)
            if not m:
                continue
            pid = int(m.group(1))
            try:
                if pid != os.getpid():
                    os.kill(pid, 0)
                    continue  # still running
            except ProcessLookupError:
                pass
            except PermissionError:
                continue
            if pid != os.getpid():
                log.info("removing stale temporary %s", p)
                p.unlink(missing_ok=True)


def _write_maps(world: World, raw_dir: Path, digest: str, overwrite: bool, fsync: bool):
    written = skipped = 0
    for name, (arr, nodata, desc, units) in _map_layers(world).items():
        path = raw_dir / MAP_PATHS[name]
        count = arr.shape[0] if arr.ndim == 3 else 1
        if not overwrite and geotiff_complete(path, count, arr.shape[-2:], digest):
            skipped += 1
            continue
        write_geotiff(path, arr, world.west, world.north, world.fine_res, nodata, desc,
                      {HASH_ATTR: digest, "source": "noahperm synthetic mini-QTP"}, units, fsync)
        written += 1
    return written, skipped


def _write_years(settings: dict, raw_dir: str, years: list[int], overwrite: bool, fsync: bool,
                 progress=None) -> tuple[int, int]:
    """Forcing files of ``years`` (every month); ``progress`` is called once per month."""
    raw_dir = Path(raw_dir)
    digest = settings_hash(settings)
    world = build_world(settings)
    gen = ClimateGenerator(world)
    attrs = {
        "title": "Synthetic CMFD-format forcing: noahperm demo mini-QTP (not observations)",
        "source": f"noahperm.demo_world.generator generator version {GENERATOR_VERSION}, "
                  f"seed {settings['seed']}",
        "Conventions": "CF-1.6",
        HASH_ATTR: digest,
    }
    written = skipped = 0
    nlat, nlon = world.lat.size, world.lon.size
    for year in years:
        for month in range(1, 13):
            nt = gen.month_steps(year, month)
            todo = [v for v in VARIABLES
                    if overwrite or not netcdf_complete(forcing_path(raw_dir, v, year, month), v,
                                                        (nt, nlat, nlon), digest)]
            skipped += len(VARIABLES) - len(todo)
            if todo:
                fields = gen.month(year, month)
                for v in todo:
                    write_cmfd_month(forcing_path(raw_dir, v, year, month), v, fields["times"],
                                     world.lat, world.lon, fields[v], attrs, fsync)
                written += len(todo)
            if progress is not None:
                progress(1)
    return written, skipped


def generate(config: Mapping | None, raw_dir, *, years: tuple[int, int] | None = None,
             overwrite: bool = False, progress: bool = True, workers: int = 1,
             fsync: bool = False) -> GenerateResult:
    """Write the synthetic mini-QTP's raw inputs under ``raw_dir``.

    Parameters
    ----------
    config
        The workflow config (its ``demo`` section is used), the ``demo`` section itself, or
        None for the defaults (:data:`DEFAULTS`).
    raw_dir
        Root of the raw layout; created if missing.
    years
        ``(first, last)`` subset of ``demo.years`` to write (default: all). A month's files are
        the same whether written alone or with the whole period.
    overwrite
        Rewrite files even if complete. Otherwise a file is kept only if it opens, has the
        expected shape and carries the current settings hash; anything else is rewritten.
    progress
        Show a tqdm progress bar (months).
    workers
        Processes for the forcing (years are split among them).
    fsync
        fsync each file before its rename (durability against power loss; slower).

    Returns a :class:`GenerateResult`; logs a summary. Raises
    :class:`~noahperm.core.errors.InputError` for bad settings.
    """
    t0 = time.perf_counter()
    settings = demo_settings(config)
    digest = settings_hash(settings)
    y0, y1 = settings["years"]
    if years is not None:
        a, b = int(years[0]), int(years[1])
        if not (y0 <= a <= b <= y1):
            raise InputError(f"years {a}-{b} not within demo.years {y0}-{y1}", field="years")
        y0, y1 = a, b
    raw_dir = Path(raw_dir)
    raw_dir.mkdir(parents=True, exist_ok=True)
    dirs = [raw_dir, raw_dir / layout.FORCING_DIR] + sorted({(raw_dir / p).parent for p in MAP_PATHS.values()})
    _remove_stale_temporaries(dirs)
    manifest = raw_dir / MANIFEST
    manifest.unlink(missing_ok=True)  # rewritten last: its presence means "all complete"
    log.info("demo world %s: %d x %d cells, years %d-%d, seed %d -> %s", digest,
             settings["grid"]["nlon"], settings["grid"]["nlat"], y0, y1, settings["seed"], raw_dir)

    world = build_world(settings)
    written, skipped = _write_maps(world, raw_dir, digest, overwrite, fsync)
    year_list = list(range(y0, y1 + 1))
    from tqdm import tqdm

    with tqdm(total=12 * len(year_list), unit="month", desc="demo forcing",
              disable=not progress) as bar:
        if workers <= 1 or len(year_list) < 2:
            w, s = _write_years(settings, str(raw_dir), year_list, overwrite, fsync, bar.update)
            written, skipped = written + w, skipped + s
        else:
            chunks = [year_list[i::workers] for i in range(workers) if year_list[i::workers]]
            with ProcessPoolExecutor(max_workers=len(chunks)) as pool:
                futs = {pool.submit(_write_years, settings, str(raw_dir), ch, overwrite, fsync): ch
                        for ch in chunks}
                for fut in as_completed(futs):
                    w, s = fut.result()
                    written, skipped = written + w, skipped + s
                    bar.update(12 * len(futs[fut]))

    content = {
        "product": "noahperm synthetic mini-QTP raw inputs",
        "generator_version": GENERATOR_VERSION,
        "settings_hash": digest,
        "years_written": [y0, y1],
        "settings": settings,
        "maps": MAP_PATHS,
        "forcing_pattern": layout.FORCING_PATTERN,
        "variables": list(VARIABLES),
        "vegetation_classes": {str(k): {"name": n, "usgs": u}
                               for k, (n, u) in VEGETATION_CLASSES.items()},
    }
    with atomic_file(manifest, fsync=fsync, parents=True) as tmp:
        tmp.write_text(json.dumps(content, indent=2, sort_keys=True) + "\n")
    dt = time.perf_counter() - t0
    log.info("demo inputs: %d files written, %d already complete, %.1f s", written, skipped, dt)
    return GenerateResult(written=written, skipped=skipped, seconds=dt, manifest=manifest)

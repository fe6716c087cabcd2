"""One source for each fact: the raw-data layout (``noahperm.core.layout``), the variable
registry's stores (``noahperm.core.variables``) and the one atomic-write implementation
(``noahperm.core.fileio.replacing``)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from noahperm.core import layout
from noahperm.core.fileio import atomic_file, replacing
from noahperm.core.variables import STORES, attrs, var_attrs


def test_layout_imports_only_the_standard_library():
    code = ("import sys; import noahperm.core.layout; "
            "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    heavy = {"numpy", "pandas", "xarray", "zarr", "netCDF4", "rasterio", "scipy", "numba",
             "yaml"}
    assert not heavy & set(out)


def test_every_reader_and_writer_takes_the_layout():
    from noahperm.demo_world import generator
    from noahperm.demo_world.generator import writers
    from noahperm.demo_world.truth import make
    from noahperm.inputs import maps
    from noahperm.inputs.forcing import cmfd
    from noahperm.inputs.observations import store

    assert {k: m.relpath for k, m in maps.MAPS.items()} == layout.MAPS
    assert writers.MAP_PATHS == {k: v for k, v in layout.MAPS.items() if k != "permafrost"}
    assert tuple(writers.MAP_PATHS.values()) == layout.DOMAIN_MAPS
    assert cmfd.FILE_PATTERNS == layout.FORCING_FILE_PATTERNS
    assert store.RAW_FILES == layout.OBSERVATIONS
    assert make.RAW_PRODUCTS == layout.TRUTH_PRODUCTS
    assert generator.MANIFEST == layout.DEMO_MANIFEST == "demo_manifest.json"
    assert str(writers.forcing_path("raw", "temp", 1999, 7)) == \
        "raw/forcing/temp_CMFD_V0106_B-01_03hr_010deg_199907.nc"
    assert layout.FORCING_PATTERN == "forcing/{var}_CMFD_V0106_B-01_03hr_010deg_{YYYYMM}.nc"
    assert layout.PERMAFROST_MAP == "permafrost/permafrost_2010_1km.tif"


def test_registry_attributes_per_store():
    # model variables: the point-run registry
    assert var_attrs("STC") == attrs("STC") == {
        "units": "K", "long_name": "soil temperature (layer centre)",
        "standard_name": "soil_temperature"}
    # a store's own meaning of a name, its extra attributes in order, then the caller's
    assert attrs("depth", "observations") == {"units": "m",
                                              "long_name": "depth below the ground surface",
                                              "positive": "down"}
    a = attrs("SFCTMP", "forcing", source="CMFD temp [K]")
    assert list(a) == ["units", "long_name", "standard_name", "cell_methods", "source"]
    # no units for strings and datetimes
    assert attrs("site", "observations") == {"long_name": "site name",
                                             "cf_role": "timeseries_id"}
    # placeholders filled by the writer
    assert attrs("sparse", "domain", {"threshold": 0.5})["long_name"].startswith(
        "sparse vegetation (LAI < 0.5 m2 m-2)")
    # fallback to the model variables
    assert attrs("sldpth", "domain") == var_attrs("sldpth")
    with pytest.raises(KeyError, match="registry"):
        attrs("nonsense", "domain")
    with pytest.raises(KeyError, match="store"):
        attrs("STC", "nonsense")
    assert set(STORES["cmfd"]) == {"temp", "shum", "pres", "wind", "srad", "lrad", "prec"}


def test_the_readers_units_are_the_registrys():
    from noahperm.inputs.forcing import cmfd

    for var, spec in cmfd.CMFD_VARS.items():
        assert spec.cmfd_units == attrs(var, "cmfd")["units"]
        assert spec.units == attrs(spec.name, "forcing")["units"]


def test_replacing_files_and_directories(tmp_path):
    target = tmp_path / "a.txt"
    with atomic_file(target, fsync=False) as tmp:
        tmp.write_text("one")
    with pytest.raises(RuntimeError), atomic_file(target) as tmp:
        tmp.write_text("two")
        raise RuntimeError("interrupted")
    assert target.read_text() == "one" and sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]

    store = tmp_path / "s.d"
    for value in (1, 2):
        with replacing(store, tmp_path / f"s.d.tmp-{value}", parents=True) as tmp:
            tmp.mkdir()
            np.save(tmp / "x.npy", np.array([value]))
    assert np.load(store / "x.npy")[0] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "s.d"]


def test_forcing_files_name_every_file_the_cache_reads(tmp_path):
    """The workflow's per-file forcing inputs are the files the forcing cache reads: every
    variable (the reader's list) and month, either naming scheme, and the January after the
    period only when it is there."""
    from noahperm.inputs.forcing import cmfd

    assert layout.FORCING_VARIABLES == tuple(cmfd.CMFD_VARS)
    files = layout.forcing_files(tmp_path, (2000, 2001))
    assert len(files) == 7 * 24 and len(set(files)) == len(files)
    assert files[0].endswith("forcing/temp_CMFD_V0106_B-01_03hr_010deg_200001.nc")
    (tmp_path / "forcing").mkdir()
    old = tmp_path / "forcing" / layout.forcing_name("prec", 2000, 5, pattern=1)
    old.touch()
    after = tmp_path / layout.forcing_file("prec", 2002, 1)
    after.touch()
    files = layout.forcing_files(tmp_path, (2000, 2001))
    assert str(old) in files and files[-1] == str(after) and len(files) == 7 * 24 + 1
    assert str(after) not in layout.forcing_files(tmp_path, (2000, 2001), existing=False)


def test_source_digest_follows_the_sources(tmp_path, monkeypatch):
    """A stage's code version changes with any of its sources and only with them."""
    from noahperm.core import provenance as P

    pkg = tmp_path / "noahperm"
    (pkg / "kernel").mkdir(parents=True)
    (pkg / "figures").mkdir()
    (pkg / "kernel/a.py").write_text("x = 1\n")
    (pkg / "figures/f.py").write_text("y = 1\n")
    monkeypatch.setattr(P, "PACKAGE_DIR", pkg)
    P.source_digest.cache_clear()
    before = P.source_digest("kernel"), P.source_digest("figures")
    (pkg / "kernel/a.py").write_text("x = 2\n")
    P.source_digest.cache_clear()
    after = P.source_digest("kernel"), P.source_digest("figures")
    P.source_digest.cache_clear()
    assert before[0] != after[0] and before[1] == after[1]
    with pytest.raises(FileNotFoundError):
        P.source_digest("nothing")
    P.source_digest.cache_clear()
    monkeypatch.undo()
    for stage in P.STAGE_SOURCES:  # every part named exists
        assert len(P.stage_code_version(stage)) == 16

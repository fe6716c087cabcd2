# noahperm: developer entry points. `make demo` and `make test` work on a fresh machine with
# Python 3.11: they create .venv from the pinned lock first (wheels only, no conda).

SHELL := /bin/bash

LOCK := requirements/lock-py311.txt
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# pip itself is pinned too, so a fresh venv installs the lock the same way every time.
PIP_VERSION ?= 26.3
PIP_FLAGS := --disable-pip-version-check --only-binary=:all: --no-binary=connection-pool

# Python 3.11: python3.11, or python3 when that is 3.11.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || \
	{ python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null && command -v python3; })

# Numba's on-disk cache of compiled kernels (kept out of the source tree and out of git).
NUMBA_CACHE_DIR ?= $(CURDIR)/.cache/numba
export NUMBA_CACHE_DIR

.PHONY: help venv test lint demo point-demo bench bench-grid bench-sensitivity bench-inputs clean clean-results distclean

help:
	@echo "make venv       create $(VENV) from $(LOCK) (Python 3.11, wheels only)"
	@echo "make test       pytest + ruff + snakemake --lint (creates $(VENV) if needed)"
	@echo "make lint       ruff check and snakemake --lint"
	@echo "make demo       run the whole workflow on the embedded demo (snakemake --cores all)"
	@echo "make point-demo a point run of a synthetic site into results/point-demo"
	@echo "make bench      run benchmarks/bench_kernel.py (kernel speed)"
	@echo "make bench-inputs  run benchmarks/bench_inputs.py (input caches)"
	@echo "make bench-sensitivity  run benchmarks/bench_sensitivity.py (samples per second, paper cost)"
	@echo "make clean      remove caches and build leftovers; distclean also removes $(VENV)"

venv: $(STAMP)

# Re-installs only when the lock or pyproject.toml changed (the stamp is newer otherwise).
$(STAMP): $(LOCK) pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: Python 3.11 not found (python3.11 or python3)" >&2; exit 1; }
	$(VPY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null || \
		{ rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	$(VPY) -m pip install --disable-pip-version-check --quiet --upgrade pip==$(PIP_VERSION)
	$(VPY) -m pip install $(PIP_FLAGS) --quiet -r $(LOCK)
	$(VPY) -m pip install --disable-pip-version-check --quiet --no-deps --no-build-isolation -e .
	$(VPY) -m pip check
	touch $@

test: venv
	$(VPY) -m pytest -q
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/snakemake --lint

lint: venv
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/snakemake --lint

demo: venv
	$(VENV)/bin/snakemake --cores all

point-demo: venv
	$(VENV)/bin/noahperm demo --out results/point-demo

bench: venv
	$(VPY) benchmarks/bench_kernel.py

bench-grid: venv
	$(VPY) benchmarks/bench_grid.py

bench-sensitivity: venv
	$(VPY) benchmarks/bench_sensitivity.py

bench-inputs: venv
	$(VPY) benchmarks/bench_inputs.py

clean:
	rm -rf .cache .pytest_cache .ruff_cache build dist src/*.egg-info
	find src tests benchmarks -name __pycache__ -type d -prune -exec rm -rf {} + 2>/dev/null || true

distclean: clean
	rm -rf $(VENV)

clean-results:
	rm -rf results resources logs benchmarks/out .snakemake

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

.PHONY: help venv test test-slurm lint format demo report aot point-demo bench bench-point bench-grid bench-inputs bench-sensitivity bench-calibration eval-calibration clean clean-results distclean

help:
	@echo "make venv       create $(VENV) from $(LOCK) (Python 3.11, wheels only)"
	@echo "make test       pytest + ruff + snakemake --lint + snakefmt --check (creates $(VENV) if needed)"
	@echo "make test-slurm the workflow on a real one-node SLURM (tests/test_slurm.py; root)"
	@echo "make lint       ruff check, snakemake --lint and snakefmt --check (the rule files)"
	@echo "make format     format the rule files with snakefmt"
	@echo "make demo       run the whole workflow on the embedded demo (snakemake --cores all)"
	@echo "make report     the demo (if not done) and its HTML report: results/report.html"
	@echo "make aot        (optional) ahead-of-time build of the point kernel, for fast point runs;"
	@echo "                without it (or when it fails) point runs use Numba's JIT build"
	@echo "make point-demo a point run of a synthetic site into results/point-demo"
	@echo "make bench      run benchmarks/bench_kernel.py (kernel speed)"
	@echo "make bench-point  run benchmarks/bench_point.py (point run end to end, AOT and JIT)"
	@echo "make bench-inputs  run benchmarks/bench_inputs.py (input caches)"
	@echo "make bench-calibration  evaluations per minute, projected paper cost (after make demo)"
	@echo "make eval-calibration   the demo's twin check against the hidden truth (after make demo)"
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
	$(VENV)/bin/snakefmt --check Snakefile workflow/rules

# The workflow through profiles/slurm on a real one-node SLURM started on this machine (Debian's
# Slurm, munge, slurmdbd, MariaDB; installed on first use, needs root). About 10 minutes.
test-slurm: venv
	NOAHPERM_TEST_SLURM=1 $(VPY) -m pytest -q -s -m slurm tests/test_slurm.py

lint: venv
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/snakemake --lint
	$(VENV)/bin/snakefmt --check Snakefile workflow/rules

# Formats the rule files (snakefmt, settings in pyproject.toml); `make lint` checks them.
format: venv
	$(VENV)/bin/snakefmt Snakefile workflow/rules

# The whole paper on the embedded demo, then its HTML report (results/report.html).
demo: venv
	$(VENV)/bin/snakemake --cores all
	$(VENV)/bin/snakemake --report results/report.html

# Every figure and table of the run with its caption, in one self-contained HTML file
# (snakemake --report; docs/results.md): what `make demo` ends with (the workflow has nothing
# to do when it is current).
report: demo

# The ahead-of-time build of the point kernel (src/noahperm/point/_aot/, ignored by git): rebuilt
# when the kernel's sources changed, skipped when current. Never fails the make: without a
# compiler point runs fall back to the JIT build (docs/kernel.md).
aot: venv
	$(VPY) -m noahperm.point.aot build

point-demo: venv aot
	$(VENV)/bin/noahperm demo --out results/point-demo

bench: venv
	$(VPY) benchmarks/bench_kernel.py

bench-point: venv aot
	$(VPY) benchmarks/bench_point.py

bench-grid: venv
	$(VPY) benchmarks/bench_grid.py

bench-sensitivity: venv
	$(VPY) benchmarks/bench_sensitivity.py

bench-inputs: venv
	$(VPY) benchmarks/bench_inputs.py

bench-calibration: venv
	$(VPY) benchmarks/bench_calibration.py

eval-calibration: venv
	$(VPY) benchmarks/eval_calibration.py

clean:
	rm -rf .cache .pytest_cache .ruff_cache build dist src/*.egg-info src/noahperm/point/_aot
	find src tests benchmarks -name __pycache__ -type d -prune -exec rm -rf {} + 2>/dev/null || true

distclean: clean
	rm -rf $(VENV)

clean-results:
	rm -rf results resources logs benchmarks/out .snakemake

# offshoring-be: the commands users know, as thin wrappers. The pipeline itself is declared once, as pytask tasks
# (replication/*/task_*.py; docs/DESIGN.md): `make all` runs `python -m replication build`, which reruns exactly
# what an edit, a deleted or changed file, or a new vintage or country needs.
#   make all                  create .venv (locked versions) on first use and build every output
#   make test                 run the test suite (realdata tests read the mirror, ../shared/data by default)
#   make all VINTAGE=wiod2016 COUNTRY=BEL JOBS=1   another vintage / country (outputs/<vintage>/ for other vintages)
# Raw files come from $REPLICATION_MIRROR (default: ../shared/data when present), otherwise from the manifest URLs.

# the folder of this Makefile: `make -f <clone>/Makefile` from another folder works on that clone
ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
VINTAGE ?= wiod2013
COUNTRY ?= BEL
JOBS ?= 1
VENV ?= $(ROOT)/.venv
# The project's own virtual environment (created on first use); PYTHON=python3 uses another one.
PYTHON ?= $(VENV)/bin/python
INSTALLED := $(if $(filter $(VENV)/bin/python,$(PYTHON)),$(VENV)/.installed)
REPLICATION_MIRROR ?= $(if $(wildcard $(ROOT)/../shared/data),$(abspath $(ROOT)/../shared/data))
export REPLICATION_MIRROR
# one BLAS thread per process: JOBS tasks run side by side, the estimation stage forks its own variant workers
# (outputs are byte-identical either way)
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
# matplotlib's settings and font cache in the environment's folder, never ~/.cache/matplotlib (docs/DESIGN.md)
PYTHON_VENV := $(if $(INSTALLED),$(VENV),$(if $(wildcard $(dir $(PYTHON))../pyvenv.cfg),$(dir $(PYTHON))..))
export MPLCONFIGDIR ?= $(abspath $(or $(PYTHON_VENV),$(ROOT)/.build))/matplotlib
REPLICATION := cd $(ROOT) && $(PYTHON) -m replication $(if $(QUIET),--quiet)

.PHONY: all install dry-run verify test test-fast test-slow golden golden-update latex lint bench clean clean-all help

all: | $(INSTALLED)
	@$(REPLICATION) build --vintage $(VINTAGE) --country $(COUNTRY) --jobs $(JOBS) $(if $(STRICT),--strict)

# what `make all` would run, running nothing
dry-run: | $(INSTALLED)
	@$(REPLICATION) build --vintage $(VINTAGE) --country $(COUNTRY) --dry-run

help:
	@sed -n '1,7p' $(ROOT)/Makefile

install: $(INSTALLED)

$(VENV)/.installed: $(ROOT)/pyproject.toml $(ROOT)/requirements.lock
	python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "error: Python 3.11 or newer is needed (python3 is %d.%d)" % sys.version_info[:2])'
	python3 -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	cd $(ROOT) && $(VENV)/bin/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	$(VENV)/bin/python -c "import matplotlib.font_manager"  # the font cache, once per environment
	touch $@

# two `make all` runs from scratch must give byte-identical outputs
verify: | $(INSTALLED)
	cd $(ROOT) && $(PYTHON) tools/verify_determinism.py

test: | $(INSTALLED)
	cd $(ROOT) && $(PYTHON) -m pytest -q

# the fast tier: no raw data, no Monte Carlo (pytest -m "not slow and not realdata")
test-fast: | $(INSTALLED)
	cd $(ROOT) && $(PYTHON) -m pytest -q -m "not slow and not realdata"

# the slow and real-data tiers alone (CI runs the fast tier first, then these: each test runs once)
test-slow: | $(INSTALLED)
	cd $(ROOT) && $(PYTHON) -m pytest -q -m "slow or realdata"

# golden snapshots of claims.csv, every estimate, every regression table, the skill channel, the trade-off and the
# analysis tables (tests/golden/): compare after make all; golden-update rewrites them (commit the diff deliberately)
golden: all
	cd $(ROOT) && $(PYTHON) tools/golden.py

golden-update: all
	cd $(ROOT) && $(PYTHON) tools/golden.py --update

# every LaTeX table compiled alone on a 6.5 x 9 inch text block: fails on a table too wide, too tall or empty;
# all tables together in outputs/paper/tables.pdf (pdflatex)
latex: | $(INSTALLED)
	cd $(ROOT) && $(PYTHON) tools/check_latex.py

lint: | $(INSTALLED)
	cd $(ROOT) && $(PYTHON) -m ruff check replication tests benchmarks tools
	cd $(ROOT) && $(PYTHON) -m ruff format --check replication tests benchmarks tools
	$(REPLICATION) spec-docs
	$(REPLICATION) pipeline-graph

bench: | $(INSTALLED)
	cd $(ROOT) && $(PYTHON) benchmarks/bench_pipeline.py
	cd $(ROOT) && $(PYTHON) benchmarks/bench_estimators.py

# every generated path: the interim data, pytask's state, and everything in outputs/ but its committed README.md
clean:
	rm -rf $(ROOT)/.build $(ROOT)/data/interim $(ROOT)/.pytask $(ROOT)/pytask.lock
	find $(ROOT)/outputs -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +

clean-all: clean
	rm -rf $(ROOT)/data/raw

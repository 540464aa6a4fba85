# offshoring-be: one command rebuilds everything; Make re-runs only what changed.
#   make all                  create .venv (locked versions) on first use and build every output
#   make test                 run the test suite (realdata tests read the mirror, ../shared/data by default)
#   make all VINTAGE=wiod2016 COUNTRY=BEL   another vintage / country (outputs/<vintage>/ for non-default vintages)
# Raw files come from $REPLICATION_MIRROR (default: ../shared/data when present), otherwise from the manifest URLs.

VINTAGE ?= wiod2013
COUNTRY ?= BEL
VENV ?= .venv
# The project's own virtual environment (created on first use); PYTHON=python3 uses another one.
PYTHON ?= $(VENV)/bin/python
INSTALLED := $(if $(filter $(VENV)/bin/python,$(PYTHON)),$(VENV)/.installed)
# raw files: the verified copies in ../shared/data when present (as `make test` and `make verify` use), else downloads
REPLICATION_MIRROR ?= $(if $(wildcard ../shared/data),$(abspath ../shared/data))
export REPLICATION_MIRROR
REPLICATION := $(PYTHON) -m replication $(if $(QUIET),--quiet)
# STRICT=1: a spec variant the data cannot identify stops the run instead of being recorded as not identified
STRICT_FLAG := $(if $(STRICT),--strict)
RUN := --vintage $(VINTAGE) --country $(COUNTRY)
# two stages at a time and one BLAS thread per process (measured on 2 cores: cold make all 143 s serial, 87 s with
# -j2, 80 s with -j2 and one BLAS thread); outputs are byte-identical to a serial run. JOBS=1 runs serially.
JOBS ?= 2
MAKEFLAGS += --jobs=$(JOBS)
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
# glibc's allocator keeps freed memory in the process instead of unmapping it (every array of the 5.7-million-row
# IO table is larger than the 32 MB above which glibc maps and unmaps each allocation, and touching fresh pages is
# slow on virtual machines): alternating cold builds on 2 cores 30.2 and 26.0 s against 32.2 and 29.2 s, peak
# memory unchanged (0.82-0.83 GB), outputs byte-identical. Other C libraries ignore the two variables
export MALLOC_MMAP_MAX_ ?= 0
export MALLOC_TRIM_THRESHOLD_ ?= 17179869184
# matplotlib's settings and font cache: the environment's own (<virtual environment of PYTHON>/matplotlib, else
# .build/matplotlib), never ~/.config/matplotlib or ~/.cache/matplotlib, which another matplotlib may have written: a
# cache without matplotlib's own fonts made the figures use the system's DejaVu Sans (other PDF bytes) and printed 21
# findfont warnings per process
PYTHON_VENV := $(if $(INSTALLED),$(VENV),$(if $(wildcard $(dir $(PYTHON))../pyvenv.cfg),$(dir $(PYTHON))..))
export MPLCONFIGDIR ?= $(abspath $(or $(PYTHON_VENV),.build))/matplotlib
# each stage is forked from a warm worker that has imported pandas, SciPy, statsmodels, linearmodels and matplotlib
# once (replication/warm.py: same arguments, folder, environment and streams; outputs byte-identical); WARM=0 runs
# every stage in a fresh process
WARM ?= 1
export REPLICATION_WARM := $(filter-out 0,$(WARM))

# Every path of the run comes from replication/core/layout.py (one rule for Python, Make and the manifest):
# INTERIM OUT TIDY OFFSHORING PANEL TABLES FIGURES EST_DIR REGTAB_DIR RESULTS REPORT SKILLS_ON SKILL_* TRADEOFF_OUT
LAYOUT_MK := .build/layout-$(VINTAGE)-$(COUNTRY).mk
include $(LAYOUT_MK)
$(LAYOUT_MK): replication/core/layout.py replication/core/config.py config/vintages.toml
	@mkdir -p $(@D)
	@PYTHONPATH=. python3 -m replication.core.layout $(RUN) > $@.tmp && mv $@.tmp $@

CORE := replication/__init__.py replication/core/config.py replication/core/errors.py replication/core/fileio.py \
        replication/core/progress.py replication/inputs/vintages.py replication/core/layout.py
CONFIG := config/vintages.toml $(wildcard config/classifications/*.csv) $(wildcard config/anomalies/*.csv)
RAW_STAMP := data/raw/.verified
ESTIMATORS := $(wildcard replication/estimators/*.py replication/estimators/gmm/*.py) replication/core/keys.py \
              replication/specs/spec.py replication/specs/schema.py replication/specs/files.py replication/specs/estimate.py
TABLE_CODE := replication/report/regression_tables.py replication/analysis/identification.py replication/report/render.py
# spec file -> estimates JSON -> regression table, one rule per spec file (a file with [parameters] stands for one
# spec per value): generated from the specs by replication/core/layout.py, with the lists ESTIMATES, REGTABS,
# SKILL_ESTIMATES and SKILL_REGTABS. Editing a spec re-estimates only its specs; editing the table code re-renders
# the tables without re-estimating.
RULES_MK := .build/rules-$(VINTAGE)-$(COUNTRY).mk
include $(RULES_MK)
$(RULES_MK): replication/core/layout.py replication/specs/files.py $(wildcard estimations/belgium/*.toml estimations/skills/*.toml)
	@mkdir -p $(@D)
	@PYTHONPATH=. python3 -m replication.core.layout $(RUN) --rules > $@.tmp && mv $@.tmp $@
# the skill channel on EU KLEMS countries and the trade-off: default vintage and country only (SKILLS_ON)
SKILL_TIDY := data/interim/euklems_countries/tidy.json
SKILLS := $(if $(SKILLS_ON),$(SKILL_ANALYSIS) $(SKILL_REGTABS))
TRADEOFF := $(if $(SKILLS_ON),$(TRADEOFF_OUT))

.PHONY: all install data tidy offshoring tables figures panel estimates regression-tables analysis results report \
        skills scenarios coefficient-figure verify test test-fast golden golden-update latex lint bench clean clean-all \
        help

# vintages whose accounts carry what the estimation panel needs (output, inputs, prices, hours, skills,
# capital in the IO classification); the others stop after the offshoring tables and figures
PANEL_VINTAGES ?= wiod2013 national_sut_csv
all: $(TABLES) $(FIGURES) $(if $(filter $(VINTAGE),$(PANEL_VINTAGES)),$(ESTIMATES) $(REGTABS) $(RESULTS) $(REPORT) $(MANIFEST_FILE))

help:
	@sed -n '1,6p' Makefile

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	python3 -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	$(VENV)/bin/python -c "import matplotlib.font_manager"  # the font cache, once per environment
	touch $@

data: $(RAW_STAMP)
tidy: $(TIDY)
offshoring: $(OFFSHORING)
tables: $(TABLES)
figures: $(FIGURES)
panel: $(PANEL)
estimates: $(ESTIMATES)
regression-tables: $(REGTABS)
analysis results: $(RESULTS)
report: $(REPORT) $(MANIFEST_FILE)
skills: $(SKILL_ANALYSIS) $(SKILL_REGTABS)
scenarios: $(TRADEOFF_OUT)
coefficient-figure: $(COEF_FIGURE)

$(RAW_STAMP): data/manifest.toml replication/inputs/raw_files.py $(CORE) | $(INSTALLED)
	$(REPLICATION) data
	touch $@

# a vintage that takes a tidy table from another (config/vintages.toml: io_use = { vintage = ... }) is built after
# it (TIDY_FROM_<vintage>), so every raw file is read once per build
$(TIDY): $(RAW_STAMP) $(CONFIG) $(CORE) replication/inputs/tidy.py replication/inputs/schemas.py replication/core/keys.py \
         $(wildcard replication/inputs/sources/*.py) $(wildcard data/raw/national_sut_csv/*.csv) $(TIDY_FROM_$(VINTAGE)) \
         | $(INSTALLED)
	$(REPLICATION) tidy --vintage $(VINTAGE)

$(OFFSHORING): $(TIDY) config/offshoring.toml replication/measures/offshoring.py
	$(REPLICATION) offshoring --vintage $(VINTAGE)

$(TABLES): $(OFFSHORING) config/vintages.toml $(wildcard data/published/*.csv) replication/report/offshoring_tables.py \
           replication/report/render.py
	$(REPLICATION) tables $(RUN)

$(FIGURES): $(OFFSHORING) $(wildcard data/published/*.csv) replication/report/figures.py \
            replication/report/offshoring_tables.py
	$(REPLICATION) figures $(RUN)

# the panel's aggregates of the IO table need no offshoring intensities: built beside the offshoring stage
$(PANEL_IO): $(TIDY) config/offshoring.toml replication/measures/offshoring.py replication/panels/panel.py
	$(REPLICATION) panel-io --vintage $(VINTAGE)

# the estimation panel also reads the EU KLEMS accounts (ICT capital) of the wiod2013_euklems vintage
$(PANEL): $(OFFSHORING) $(PANEL_IO) $(TIDY) config/panel.toml replication/panels/panel.py \
          data/interim/wiod2013_euklems/tidy.json
	$(REPLICATION) panel --vintage $(VINTAGE)

ifneq ($(VINTAGE),wiod2013_euklems)
data/interim/wiod2013_euklems/tidy.json: $(RAW_STAMP) $(CONFIG) $(CORE) replication/inputs/tidy.py replication/inputs/schemas.py \
                                          replication/core/keys.py \
                                          $(wildcard replication/inputs/sources/*.py) $(TIDY_FROM_wiod2013_euklems) \
                                          | $(INSTALLED)
	$(REPLICATION) tidy --vintage wiod2013_euklems
endif
ifneq ($(VINTAGE),wiod2013)
data/interim/wiod2013/tidy.json: $(RAW_STAMP) $(CONFIG) $(CORE) replication/inputs/tidy.py replication/inputs/schemas.py \
                                 replication/core/keys.py \
                                 $(wildcard replication/inputs/sources/*.py) | $(INSTALLED)
	$(REPLICATION) tidy --vintage wiod2013
endif

# niced: it runs beside the WIOD tidy stage, which every later stage waits for, and nothing needs it before the
# offshoring stage that follows that one (alternating cold builds on 2 cores: the WIOD tables ready 1.5-2 s sooner,
# make all 33.8 and 35.3 s against 36.8 and 36.3 s)
$(SKILL_TIDY): $(RAW_STAMP) $(CONFIG) $(CORE) replication/inputs/tidy.py replication/inputs/schemas.py replication/core/keys.py \
               replication/inputs/sources/euklems2009.py | $(INSTALLED)
	nice -n 10 $(REPLICATION) tidy --vintage euklems_countries

$(SKILL_PANEL): $(SKILL_TIDY) data/interim/wiod2013/offshoring.parquet data/interim/wiod2013/tidy.json \
                config/skill_panel.toml replication/panels/skill_panel.py
	$(REPLICATION) skill-panel

$(SKILL_SELECTION): $(SKILL_PANEL) config/skill_panel.toml replication/panels/skill_selection.py
	$(REPLICATION) skill-selection

$(SKILL_ANALYSIS): $(SKILL_ESTIMATES) $(SKILL_SELECTION) config/skill_analysis.toml replication/analysis/skill_analysis.py
	$(REPLICATION) skill-analysis

$(TRADEOFF_OUT): $(ESTIMATES) $(SKILL_ANALYSIS) $(PANEL) config/tradeoff.toml $(wildcard scenarios/*.toml) \
                 replication/analysis/tradeoff.py replication/report/frontier.py
	$(REPLICATION) scenarios

# analysis: decompositions, identifying variation, coverage, measured data notes, then claims.csv (checked)
$(RESULTS): $(ESTIMATES) $(if $(SKILLS_ON),$(SKILL_ANALYSIS)) $(TABLES) $(PANEL) config/decomposition.toml \
            config/claims.toml $(wildcard data/published/*.csv) replication/analysis/tables.py replication/analysis/decomposition.py \
            replication/claims/engine.py replication/analysis/identification.py
	$(REPLICATION) analysis $(RUN)

# the offshoring coefficients by origin, drawn as soon as the estimates exist (not in the build's last step)
$(COEF_FIGURE): $(ESTIMATES) replication/report/coefficients.py replication/report/figures.py \
                replication/analysis/identification.py
	$(REPLICATION) coefficient-figure $(RUN)

# the report and the run's MANIFEST (every output with its sha256 and provenance) come last; grouped targets: if
# an interrupted run left the report without its manifest, Make redoes the step
$(REPORT) $(MANIFEST_FILE) &: $(RESULTS) $(REGTABS) $(TABLES) $(FIGURES) $(COEF_FIGURE) $(SKILLS) $(TRADEOFF) \
           $(wildcard replication/report/*.py) replication/inputs/stamps.py
	$(REPLICATION) report $(RUN)

# two `make all` runs from scratch must give byte-identical outputs
verify: | $(INSTALLED)
	$(PYTHON) tools/verify_determinism.py

test: | $(INSTALLED)
	$(PYTHON) -m pytest -q

# golden snapshots of claims.csv, every estimate and every regression table (tests/golden/): compare after make all;
# golden-update rewrites them (commit the diff deliberately, with the reason)
golden: $(RESULTS) $(REGTABS) $(SKILLS) | $(INSTALLED)
	$(PYTHON) tools/golden.py

golden-update: $(RESULTS) $(REGTABS) $(SKILLS) | $(INSTALLED)
	$(PYTHON) tools/golden.py --update

# every LaTeX table compiled alone on a 6.5-inch text block: fails on an overfull box or an empty table (pdflatex)
latex: | $(INSTALLED)
	$(PYTHON) tools/check_latex.py

# the fast tier: no raw data, no Monte Carlo (pytest -m "not slow and not realdata")
test-fast: | $(INSTALLED)
	$(PYTHON) -m pytest -q -m "not slow and not realdata"

lint: | $(INSTALLED)
	$(PYTHON) -m ruff check replication tests benchmarks tools
	$(PYTHON) -m ruff format --check replication tests benchmarks tools
	$(PYTHON) -m replication spec-docs

bench: | $(INSTALLED)
	$(PYTHON) benchmarks/bench_pipeline.py
	$(PYTHON) benchmarks/bench_estimators.py

# every generated path: the interim data, the layout cache, and everything in outputs/ but its committed README.md
clean:
	rm -rf .build data/interim
	find outputs -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +

clean-all: clean
	rm -rf data/raw

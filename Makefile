# offshoring-be: one command rebuilds everything; Make re-runs only what changed.
#   make all                  create .venv (locked versions) on first use and build every output
#   make test                 run the test suite (realdata tests read the mirror, ../shared/data by default)
#   make all VINTAGE=wiod2016 COUNTRY=BEL   another vintage / country (outputs/<vintage>/ for non-default vintages)
# Raw files come from $REPLICATION_MIRROR when set (CI: ../shared/data), otherwise from the manifest URLs.

VINTAGE ?= wiod2013
COUNTRY ?= BEL
VENV ?= .venv
# The project's own virtual environment (created on first use); PYTHON=python3 uses another one.
PYTHON ?= $(VENV)/bin/python
INSTALLED := $(if $(filter $(VENV)/bin/python,$(PYTHON)),$(VENV)/.installed)
REPLICATION := $(PYTHON) -m replication $(if $(QUIET),--quiet)

INTERIM := data/interim/$(VINTAGE)
OUT := $(if $(filter wiod2013,$(VINTAGE)),outputs,outputs/$(VINTAGE))

CORE := replication/__init__.py replication/config.py replication/errors.py replication/fileio.py \
        replication/progress.py replication/vintages.py
CONFIG := config/vintages.toml $(wildcard config/classifications/*.csv) $(wildcard config/anomalies/*.csv)
RAW_STAMP := data/raw/.verified
TIDY := $(INTERIM)/tidy.json
OFFSHORING := $(INTERIM)/offshoring.parquet
TABLES := $(OUT)/tables/offshoring_$(COUNTRY).csv
FIGURES := $(OUT)/figures/offshoring_trends_$(COUNTRY).png
PANEL := $(INTERIM)/panel.parquet
EST_DIR := $(OUT)/$(if $(filter BEL,$(COUNTRY)),estimates,estimates_$(COUNTRY))
SPECS := $(wildcard estimations/belgium/*.toml)
ESTIMATES := $(patsubst estimations/belgium/%.toml,$(EST_DIR)/%.json,$(SPECS))
ESTIMATORS := $(wildcard replication/estimators/*.py replication/estimators/gmm/*.py) replication/specs.py \
              replication/models.py replication/report/regression_tables.py
# the skill channel on EU KLEMS countries (default vintage and country only): panel -> selection -> estimates -> analysis
SKILL_TIDY := data/interim/euklems_countries/tidy.json
SKILL_PANEL := data/interim/skills/panel.parquet
SKILL_SELECTION := data/interim/skills/estimation_panel.parquet
SKILL_SPECS := $(wildcard estimations/skills/*.toml)
SKILL_ESTIMATES := $(patsubst estimations/skills/%.toml,outputs/skills/estimates/%.json,$(SKILL_SPECS))
SKILL_ANALYSIS := outputs/skills/selection.csv
SKILLS := $(if $(and $(filter wiod2013,$(VINTAGE)),$(filter BEL,$(COUNTRY))),$(SKILL_ANALYSIS))
# productivity versus inclusion: history and scenarios (default vintage and country)
TRADEOFF_OUT := outputs/tradeoff/frontier.png
TRADEOFF := $(if $(SKILLS),$(TRADEOFF_OUT))
RESULTS := $(OUT)/$(if $(filter BEL,$(COUNTRY)),claims.csv,claims_$(COUNTRY).csv)
REPORT := $(OUT)/$(if $(filter BEL,$(COUNTRY)),report,report_$(COUNTRY))/index.html

.PHONY: all install data tidy offshoring tables figures panel estimates results report skills scenarios verify test lint bench clean \
        clean-all help

# vintages whose accounts carry what the estimation panel needs (output, inputs, prices, hours, skills,
# capital in the IO classification); the others stop after the offshoring tables and figures
PANEL_VINTAGES ?= wiod2013 national_sut_csv
all: $(TABLES) $(FIGURES) $(if $(filter $(VINTAGE),$(PANEL_VINTAGES)),$(ESTIMATES) $(RESULTS) $(REPORT))

help:
	@sed -n '1,6p' Makefile

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	python3 -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

data: $(RAW_STAMP)
tidy: $(TIDY)
offshoring: $(OFFSHORING)
tables: $(TABLES)
figures: $(FIGURES)
panel: $(PANEL)
estimates: $(ESTIMATES)
results: $(RESULTS)
report: $(REPORT)
skills: $(SKILL_ANALYSIS)
scenarios: $(TRADEOFF_OUT)

$(RAW_STAMP): data/manifest.toml replication/manifest.py $(CORE) | $(INSTALLED)
	$(REPLICATION) data
	touch $@

$(TIDY): $(RAW_STAMP) $(CONFIG) $(CORE) replication/tidy.py replication/schemas.py \
         $(wildcard replication/sources/*.py) $(wildcard data/raw/national_sut_csv/*.csv) | $(INSTALLED)
	$(REPLICATION) tidy --vintage $(VINTAGE)

$(OFFSHORING): $(TIDY) config/offshoring.toml replication/offshoring.py
	$(REPLICATION) offshoring --vintage $(VINTAGE)

$(TABLES): $(OFFSHORING) config/vintages.toml $(wildcard data/published/*.csv) replication/report/offshoring_tables.py \
           replication/report/render.py
	$(REPLICATION) tables --vintage $(VINTAGE) --country $(COUNTRY)

$(FIGURES): $(OFFSHORING) $(wildcard data/published/*.csv) replication/report/figures.py \
            replication/report/offshoring_tables.py
	$(REPLICATION) figures --vintage $(VINTAGE) --country $(COUNTRY)

# the estimation panel also reads the EU KLEMS accounts (ICT capital) of the wiod2013_euklems vintage
$(PANEL): $(OFFSHORING) $(TIDY) config/panel.toml replication/panel.py data/interim/wiod2013_euklems/tidy.json
	$(REPLICATION) panel --vintage $(VINTAGE)

ifneq ($(VINTAGE),wiod2013_euklems)
data/interim/wiod2013_euklems/tidy.json: $(RAW_STAMP) $(CONFIG) $(CORE) replication/tidy.py replication/schemas.py \
                                          $(wildcard replication/sources/*.py) | $(INSTALLED)
	$(REPLICATION) tidy --vintage wiod2013_euklems
endif

$(SKILL_TIDY): $(RAW_STAMP) $(CONFIG) $(CORE) replication/tidy.py replication/schemas.py \
               replication/sources/euklems2009.py | $(INSTALLED)
	$(REPLICATION) tidy --vintage euklems_countries

$(SKILL_PANEL): $(SKILL_TIDY) data/interim/wiod2013/offshoring.parquet data/interim/wiod2013/tidy.json \
                config/skill_panel.toml replication/skill_panel.py
	$(REPLICATION) skill-panel

$(SKILL_SELECTION): $(SKILL_PANEL) config/skill_panel.toml replication/skill_selection.py
	$(REPLICATION) skill-selection

outputs/skills/estimates/%.json: estimations/skills/%.toml $(SKILL_SELECTION) $(ESTIMATORS)
	$(REPLICATION) skill-estimates $<

$(SKILL_ANALYSIS): $(SKILL_ESTIMATES) $(SKILL_SELECTION) config/skill_analysis.toml replication/skill_analysis.py
	$(REPLICATION) skill-analysis

$(TRADEOFF_OUT): $(ESTIMATES) $(SKILL_ANALYSIS) $(PANEL) config/tradeoff.toml $(wildcard scenarios/*.toml) \
                 replication/tradeoff.py replication/report/tradeoff.py
	$(REPLICATION) scenarios

# one spec -> one estimates file: editing a spec re-estimates only that spec
$(EST_DIR)/%.json: estimations/belgium/%.toml $(PANEL) $(ESTIMATORS)
	$(REPLICATION) estimates --vintage $(VINTAGE) --country $(COUNTRY) $<

$(RESULTS): $(ESTIMATES) $(SKILLS) $(TABLES) $(PANEL) config/decomposition.toml config/claims.toml $(wildcard data/published/*.csv) \
            replication/decomposition.py replication/claims.py replication/identification.py replication/report/results.py
	$(REPLICATION) results --vintage $(VINTAGE) --country $(COUNTRY)

# the report and outputs/MANIFEST.json (every output with its sha256 and provenance) come last
$(REPORT): $(RESULTS) $(TABLES) $(FIGURES) $(SKILLS) $(TRADEOFF) replication/report/document.py replication/report/skills.py \
           replication/report/tradeoff.py \
           replication/provenance.py
	$(REPLICATION) report --vintage $(VINTAGE) --country $(COUNTRY)

# two `make all` runs from scratch must give byte-identical outputs
verify: | $(INSTALLED)
	$(PYTHON) tools/verify_determinism.py

test: | $(INSTALLED)
	$(PYTHON) -m pytest -q

lint: | $(INSTALLED)
	$(PYTHON) -m ruff check replication tests benchmarks tools
	$(PYTHON) -m ruff format --check replication tests benchmarks tools

bench: | $(INSTALLED)
	$(PYTHON) benchmarks/bench_pipeline.py
	$(PYTHON) benchmarks/bench_estimators.py

clean:
	rm -rf data/interim outputs/tables outputs/figures outputs/estimates* outputs/claims*.csv outputs/report* outputs/skills \
	       outputs/tradeoff \
	       outputs/data \
	       outputs/MANIFEST.json \
	       outputs/wiod2013_euklems outputs/wiod2016 outputs/national_sut_csv

clean-all: clean
	rm -rf data/raw

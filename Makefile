# Retention Radar — every target sets up .venv (pinned) on first use.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt constraints.txt | cksum | cut -d' ' -f1)

export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DBT_PROFILES_DIR := $(CURDIR)/profiles
export PYTHONDONTWRITEBYTECODE := 1

DEMO_LANDING ?= data/demo_landing
DEMO_SIZE ?= demo
DEMO_SEED ?= 42
TARGET ?= dev
ifeq ($(TARGET),dev)
DB ?= warehouse/radar.duckdb
else
DB ?= warehouse/landing-$(TARGET).duckdb
endif
VENV_SPARK := .venv-spark
SPARK_STAMP := $(VENV_SPARK)/.installed-$(shell cat requirements-spark.txt constraints-spark.txt | cksum | cut -d' ' -f1)
export SPARK_LOCAL_IP ?= 127.0.0.1
AS_OF ?=
LANDING ?=

.PHONY: help setup demo run test lint docs bench alerts digest clean setup-spark setup-postgres pg-start pg-stop \
	console semantic setup-chromium cdnow mutation test-fast metrics backtest quality-docs

help:
	@echo "make demo    set up, generate demo data, validate, load and build (warehouse/radar.duckdb)"
	@echo "make test    set up and run every test"
	@echo "make run LANDING=<dir> [AS_OF=YYYY-MM-DD] [DB=<path>]   the pipeline on any landing folder"
	@echo "make run LANDING=<dir> TARGET=postgres|spark   the same on PostgreSQL (RADAR_PG_*) or Spark (.venv-spark)"
	@echo "make pg-start / pg-stop   a throwaway local PostgreSQL (prints the RADAR_PG_* variables)"
	@echo "make alerts [AS_OF=…] [NICKNAME=0]   each mentor's ranked task list as CSV (exports/alerts/<as_of>/) and a summary"
	@echo "make test-fast   lint + pytest without Spark, PostgreSQL and the browser (the inner loop)"
	@echo "make mutation [MUTATION_ARGS='--only <path> --limit N']   flip SQL comparisons, report survivors"
	@echo "make backtest [DB=<path>] [AS_OF=YYYY-MM-DD]   warning-quality backtest (marts.alert_backtest)"
	@echo "make quality-docs [QUALITY_DBS=\"<db> …\"]   docs/warning_quality.md and .json from the backtests"
	@echo "make lint    sqlfluff + ruff"
	@echo "make bench [SIZE=S|M|L|XL]   benchmark (docs/benchmarks.md)"
	@echo "make cdnow   the real CDNOW transactions end to end (warehouse/cdnow.duckdb) and the churn model's AUC"
	@echo "make docs    dbt docs (target/index.html) and GX Data Docs (target/gx_data_docs)"
	@echo "make console [DB=<path>] [CONSOLE_PORT=8501]   the Radar console (Streamlit) on 127.0.0.1, read-only"
	@echo "make semantic   validate the semantic layer (dbt parse + mf validate-configs --skip-dw)"
	@echo "make metrics [METRICS=activity_rate,unit_output] [GROUP_BY=metric_time__month] [DB=…] [MF_ARGS=…]   MetricFlow query"

$(STAMP): requirements.txt constraints.txt
	@echo "setting up $(VENV) (pinned, first run only)..."
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install -q --disable-pip-version-check --only-binary=dbt-core-experimental-parser \
		-r requirements.txt -c constraints.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

setup: $(STAMP)

$(SPARK_STAMP): requirements-spark.txt constraints-spark.txt
	@echo "setting up $(VENV_SPARK) (dbt-spark + pyspark, first run only, ~1.5 min)..."
	@command -v java >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless; \
		else echo "the spark target needs Java 17 (apt-get install openjdk-17-jre-headless)"; exit 2; fi; }
	@test -x $(VENV_SPARK)/bin/python || $(PYTHON) -m venv $(VENV_SPARK)
	@$(VENV_SPARK)/bin/pip install -q --disable-pip-version-check --only-binary=dbt-core-experimental-parser \
		-r requirements-spark.txt -c constraints-spark.txt
	@rm -f $(VENV_SPARK)/.installed-*
	@touch $@

setup-spark: $(SPARK_STAMP)

setup-postgres:
	@scripts/pg_server.sh install

pg-start:
	@scripts/pg_server.sh start

pg-stop:
	@scripts/pg_server.sh stop

$(DEMO_LANDING)/manifest.json: | $(STAMP)
	$(BIN)/python scripts/generate_demo_data.py --out $(DEMO_LANDING) --size $(DEMO_SIZE) --seed $(DEMO_SEED) --force

demo: $(STAMP) $(DEMO_LANDING)/manifest.json
	$(BIN)/python scripts/radar_run.py --landing $(DEMO_LANDING) --db $(DB) --reload $(if $(AS_OF),--as-of $(AS_OF))
	@$(BIN)/python scripts/demo_digest.py --db $(DB)
	@$(BIN)/python scripts/export_alerts.py --db $(DB) --out exports/alerts $(if $(filter 0,$(NICKNAME)),--no-nickname)
	@echo "warehouse: $(DB)   GX Data Docs: target/gx_data_docs/index.html   mentor CSVs: exports/alerts/"

digest: $(STAMP)
	$(BIN)/python scripts/demo_digest.py --db $(DB)

# NICKNAME=0 leaves the member nickname (PII, added at export time only) out of the files.
NICKNAME ?= 1
alerts: $(STAMP)
	@test -z "$(AS_OF)" || $(BIN)/python scripts/radar_run.py --landing $(or $(LANDING),$(DEMO_LANDING)) --db $(DB) --as-of $(AS_OF)
	$(BIN)/python scripts/export_alerts.py --db $(DB) --out exports/alerts $(if $(filter 0,$(NICKNAME)),--no-nickname)

# The warning-quality backtest on a built warehouse (its own step; make run does not run it).
backtest: $(STAMP)
	$(BIN)/python scripts/backtest.py --db $(DB) $(if $(AS_OF),--as-of $(AS_OF))

# docs/warning_quality.md and .json from the backtest tables of these warehouses (each must have run make backtest).
QUALITY_DBS ?= warehouse/radar.duckdb $(wildcard warehouse/cdnow.duckdb)
quality-docs: $(STAMP)
	$(BIN)/python -m radar.quality_docs $(QUALITY_DBS)

run: $(STAMP) $(if $(filter spark,$(TARGET)),$(SPARK_STAMP))
	@test -n "$(LANDING)" || { echo "usage: make run LANDING=<dir> [AS_OF=YYYY-MM-DD] [DB=<path>] [TARGET=dev|postgres|spark]"; exit 2; }
	$(BIN)/python scripts/radar_run.py --landing $(LANDING) --db $(DB) --target $(TARGET) $(if $(AS_OF),--as-of $(AS_OF))

# Test files run on PYTEST_WORKERS pytest-xdist workers (default: one per core),
# a whole file per worker (its module fixtures are built once), the longest files first
# (pytests/conftest.py LONGEST_FIRST); 1 runs in one process.
PYTEST_WORKERS ?= $(shell nproc)
PYTEST_PARALLEL := $(if $(filter-out 1,$(PYTEST_WORKERS)),-n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder)

test: $(STAMP) $(SPARK_STAMP) setup-postgres setup-chromium lint semantic
	RADAR_TEST_FAST= $(BIN)/python -m pytest $(PYTEST_PARALLEL)

# The inner loop: lint and every pytest except the engines (Spark, PostgreSQL) and the browser
# (deselected by marker, pytest.ini), scenario builds without their dbt data tests
# (RADAR_TEST_FAST, pytests/conftest.py); `make test` still runs everything.
test-fast: $(STAMP) lint
	RADAR_TEST_FAST=1 $(BIN)/python -m pytest $(PYTEST_PARALLEL) -m "not engines and not browser"

lint: $(STAMP)
	$(BIN)/ruff check radar scripts pytests console
	$(BIN)/python scripts/check_function_length.py --max 60 radar/generate.py
	$(BIN)/python scripts/check_macro_lint.py
	@mkdir -p target
	# one sqlfluff process per core (each compiles the project once): 44 s -> 27 s on 2 cores
	RADAR_DB_PATH=$(CURDIR)/target/lint.duckdb $(BIN)/sqlfluff lint --processes $(shell nproc) models tests analyses

docs: $(STAMP)
	RADAR_DB_PATH=$(DB) $(BIN)/dbt docs generate
	@echo "dbt docs: target/index.html — lineage, columns, exposures (console pages), semantic models and metrics"
	@echo "  serve: $(BIN)/dbt docs serve --port 8080"
	@if [ -f target/gx_data_docs/index.html ]; then \
		echo "GX Data Docs: target/gx_data_docs/index.html (validation results, written by the last load)"; \
	else echo "GX Data Docs: not written yet — every load (make demo / make run) writes them to target/gx_data_docs/"; fi

# Semantic layer (models/marts/semantic/): dbt parse writes target/semantic_manifest.json,
# MetricFlow validates it; pytests/test_console.py also runs the warehouse checks on built data.
semantic: $(STAMP)
	@mkdir -p target
	@RADAR_DB_PATH=$(CURDIR)/target/lint.duckdb $(BIN)/dbt parse --quiet
	$(BIN)/mf validate-configs --skip-dw

# MetricFlow over the warehouse DB, from any shell: the Makefile sets DBT_PROFILES_DIR, and the
# semantic manifest is parsed against the same file (its database name is the file's name).
METRICS ?= activity_rate,unit_output
GROUP_BY ?= metric_time__month
ORDER_BY ?= $(GROUP_BY)
metrics: $(STAMP)
	@mkdir -p target
	@RADAR_DB_PATH=$(abspath $(DB)) $(BIN)/dbt parse --quiet
	@RADAR_DB_PATH=$(abspath $(DB)) MF_TRACKING_DISABLED=1 $(BIN)/mf query --metrics $(METRICS) --group-by $(GROUP_BY) --order $(ORDER_BY) $(MF_ARGS)

# The Radar console over the warehouse DB (read-only); --db points it at any warehouse file.
CONSOLE_PORT ?= 8501
console: $(STAMP)
	@test -f "$(DB)" || echo "note: $(DB) does not exist (make demo builds it); the console will say so"
	$(BIN)/streamlit run console/app.py --server.address 127.0.0.1 --server.port $(CONSOLE_PORT) \
		--server.headless true --browser.gatherUsageStats false --client.toolbarMode minimal -- --db $(DB)

# Debian's chromium for the console's browser test (Playwright drives it; never `playwright install`),
# and a CJK font so the Chinese labels render in screenshots.
setup-chromium:
	@test -x /usr/bin/chromium || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei; \
		else echo "the console browser test needs Debian's chromium (apt-get install chromium)"; exit 2; fi; }

# Real data end to end: the CDNOW transactions (from the lifetimes 0.11.3 wheel,
# pip download, never installed) mapped to the landing contract (radar/cdnow.py),
# built into its own warehouse (it carries no phone or nickname, so the demo PII key is
# allowed explicitly; its 1997-98 dates need an earlier platform start than the default
# 2000-01-01); then the churn model's out-of-time AUC at a cut-off.
CDNOW_LANDING ?= data/cdnow_landing
CDNOW_DB ?= warehouse/cdnow.duckdb
CDNOW_CUTOFF ?= 1998-03-31
cdnow: $(STAMP)
	$(BIN)/python scripts/cdnow_landing.py --out $(CDNOW_LANDING)
	$(BIN)/python scripts/radar_run.py --landing $(CDNOW_LANDING) --db $(CDNOW_DB) --reload --allow-demo-key --platform-start 1997-01-01 $(if $(AS_OF),--as-of $(AS_OF))
	$(BIN)/python scripts/churn_auc.py --db $(CDNOW_DB) --cutoff $(CDNOW_CUTOFF)

# Flip each SQL comparison in models/ and macros/ one at a time in a temporary copy and run the
# unit tests (docs/mutation.md). Not part of `make test`; slow (~15 s a mutant), resumable:
# make mutation MUTATION_ARGS='--only models/marts/groups --limit 20'
MUTATION_ARGS ?=
mutation: $(STAMP)
	$(BIN)/python scripts/mutation.py $(MUTATION_ARGS)

SIZE ?= S
bench: $(STAMP)
	$(BIN)/python scripts/bench.py --size $(SIZE)

clean:
	rm -rf target logs $(DEMO_LANDING) warehouse

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
DB ?= warehouse/radar.duckdb
AS_OF ?=
LANDING ?=

.PHONY: help setup demo run test lint docs bench clean

help:
	@echo "make demo    set up, generate demo data, validate, load and build (warehouse/radar.duckdb)"
	@echo "make test    set up and run every test"
	@echo "make run LANDING=<dir> [AS_OF=YYYY-MM-DD] [DB=<path>]   the pipeline on any landing folder"
	@echo "make lint    sqlfluff + ruff"
	@echo "make bench [SIZE=S|M|L]   benchmark (docs/benchmarks.md)"
	@echo "make docs    dbt docs (target/index.html) and GX Data Docs (target/gx_data_docs)"

$(STAMP): requirements.txt constraints.txt
	@echo "setting up $(VENV) (pinned, first run only)..."
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install -q --disable-pip-version-check --only-binary=dbt-core-experimental-parser \
		-r requirements.txt -c constraints.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

setup: $(STAMP)

$(DEMO_LANDING)/manifest.json: | $(STAMP)
	$(BIN)/python scripts/generate_demo_data.py --out $(DEMO_LANDING) --size $(DEMO_SIZE) --seed $(DEMO_SEED) --force

demo: $(STAMP) $(DEMO_LANDING)/manifest.json
	$(BIN)/python scripts/radar_run.py --landing $(DEMO_LANDING) --db $(DB) --reload $(if $(AS_OF),--as-of $(AS_OF))

run: $(STAMP)
	@test -n "$(LANDING)" || { echo "usage: make run LANDING=<dir> [AS_OF=YYYY-MM-DD] [DB=<path>]"; exit 2; }
	$(BIN)/python scripts/radar_run.py --landing $(LANDING) --db $(DB) $(if $(AS_OF),--as-of $(AS_OF))

test: $(STAMP) lint
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check radar scripts pytests
	@mkdir -p target
	RADAR_DB_PATH=$(CURDIR)/target/lint.duckdb $(BIN)/sqlfluff lint models tests analyses

docs: $(STAMP)
	RADAR_DB_PATH=$(DB) $(BIN)/dbt docs generate
	@echo "dbt docs: target/index.html (serve: $(BIN)/dbt docs serve --port 8080)"
	@echo "GX Data Docs: target/gx_data_docs/index.html (written by every load)"

SIZE ?= S
bench: $(STAMP)
	$(BIN)/python scripts/bench.py --size $(SIZE)

clean:
	rm -rf target logs $(DEMO_LANDING) warehouse

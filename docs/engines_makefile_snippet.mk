# ---- Engines (PostgreSQL, Spark): changes to the Makefile, for the lead to apply ----
#
# 1. Next to the other variables (replacing `DB ?= warehouse/radar.duckdb`):

TARGET ?= dev
ifeq ($(TARGET),dev)
DB ?= warehouse/radar.duckdb
else
DB ?= warehouse/landing-$(TARGET).duckdb
endif
VENV_SPARK := .venv-spark
SPARK_STAMP := $(VENV_SPARK)/.installed-$(shell cat requirements-spark.txt constraints-spark.txt | cksum | cut -d' ' -f1)
export SPARK_LOCAL_IP ?= 127.0.0.1

# 2. .PHONY gains: setup-spark setup-postgres pg-start pg-stop

# 3. New targets:

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

# 4. `run` passes the target (replace its recipe line):
#	$(BIN)/python scripts/radar_run.py --landing $(LANDING) --db $(DB) --target $(TARGET) $(if $(AS_OF),--as-of $(AS_OF))
#    and `run: $(STAMP)` becomes `run: $(STAMP) $(if $(filter spark,$(TARGET)),$(SPARK_STAMP))`

# 5. `test` sets up both engines first (pytests/test_engines.py needs them):
#
# test: $(STAMP) $(SPARK_STAMP) setup-postgres lint
# 	$(BIN)/python -m pytest
#
# 6. `help` gains:
#	@echo "make run LANDING=<dir> TARGET=postgres|spark   the same on PostgreSQL (RADAR_PG_*) or Spark (.venv-spark)"
#	@echo "make pg-start / pg-stop   a throwaway local PostgreSQL (prints the RADAR_PG_* variables)"
#
# 7. .gitignore gains:
#	.venv-spark/
#	metastore_db/
#	spark-warehouse/
#	derby.log

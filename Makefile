# logreview developer commands. Each target bootstraps its own virtualenv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: test lint typecheck unit integration suite test-py312 test-min-sdk test-native demo bench bench-native cost soak package clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check stream_processor daily_report tests bench scripts
	$(BIN)/ruff format --check stream_processor daily_report tests bench scripts

typecheck: $(STAMP)
	$(BIN)/mypy

# Tests run in parallel with pytest-xdist, one worker per core (WORKERS=1 for a serial run).
# --dist loadgroup: tests that share a module- or session-scoped fixture (a deployed stack, a built
# package, a generated day) stay on one worker (tests/conftest.py groups them); the rest spread.
WORKERS ?= auto
XDIST   := -n $(WORKERS) --dist loadgroup --durations=15

unit: $(STAMP)  # tests/unit/: pure code, no endpoint
	$(BIN)/pytest -m unit $(XDIST)

integration: $(STAMP)  # tests/integration/ (moto's server) and tests/deployed/ (the template in moto)
	$(BIN)/pytest -m "integration or deployed" $(XDIST)

suite: $(STAMP)  # every test in one run, so one scheduler keeps every core busy to the end
	$(BIN)/pytest $(XDIST)

test: lint typecheck suite template-check test-py312 test-min-sdk test-native

# The hot path compiled with mypyc (scripts/native.py, build/native/): built, its output checked
# byte for byte against the source's (bench.identity), then every unit test run on it. The Lambda
# package stays pure Python (docs/processor.md, "Native code").
test-native: $(STAMP)
	$(BIN)/python scripts/native.py --check
	LOGREVIEW_NATIVE=build/native $(BIN)/pytest -p no:cacheprovider $(XDIST) tests/unit

# `bench peers` with the native build's package first on the path (the peers are the same).
bench-native: $(STAMP)
	$(BIN)/python scripts/native.py --check
	cd build/native && PYTHONPATH=$(CURDIR) $(CURDIR)/$(BIN)/python -m bench peers

# The Lambda runtime is python3.12: when this machine has one, the code runs on it too. Not the
# whole suite a second time: every unit test (all of the pure code) and the integration tests that
# take each function end to end through boto3 and moto (processor, daily report, rollup, replay,
# alerts). The rest of tests/integration and tests/deployed (faults, load, duplicates, the
# deployed stack, the browser, the package build) test our logic and the template, which do not
# depend on the interpreter, and take most of the suite's time; they run on 3.11 above.
PY312_TESTS := tests/unit \
	tests/integration/processor/test_handler_integration.py \
	tests/integration/daily_report/test_daily_e2e.py \
	tests/integration/daily_report/test_rollup.py \
	tests/integration/replay/test_replay_archive.py \
	tests/integration/alerts/test_alerts.py
PY312 ?= $(shell for p in $$(command -v python3.12) $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12); do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null && { echo "$$p"; break; }; done)
test-py312:
	@if [ -z "$(PY312)" ]; then echo "test-py312: no python3.12 on this machine, skipped"; exit 0; fi; \
	test -x .venv312/bin/python || $(PY312) -m venv .venv312; \
	.venv312/bin/python -m pip install --quiet --upgrade pip && \
	.venv312/bin/python -m pip install --quiet -e '.[dev]' && \
	.venv312/bin/python -m pytest -p no:cacheprovider $(XDIST) $(PY312_TESTS)

# The alert state's conditional writes need PutObject's IfMatch: run the alert tests against the
# oldest boto3/botocore pyproject.toml declares (read from it), in a virtualenv of their own.
SDK_FLOOR = $(shell sed -n 's/^ *"botocore>=\([0-9.]*\)".*/\1/p' pyproject.toml)
MINSDK    := .venv-minsdk
test-min-sdk:
	test -x $(MINSDK)/bin/python || $(PYTHON) -m venv $(MINSDK)
	$(MINSDK)/bin/python -m pip install --quiet --upgrade pip
	$(MINSDK)/bin/python -m pip install --quiet -e . "boto3==$(SDK_FLOOR)" "botocore==$(SDK_FLOOR)" \
		pytest pytest-timeout hypothesis "moto[server]==5.2.5"
	$(MINSDK)/bin/python -c 'import botocore, sys; sys.exit(botocore.__version__ != "$(SDK_FLOOR)")'
	$(MINSDK)/bin/python -m pytest -p no:cacheprovider tests/integration/alerts/test_alerts.py \
		tests/integration/alerts/test_alert_channels.py tests/integration/alerts/test_alert_sdk_floor.py \
		tests/unit/stream_processor/alerting/test_alert_sdk_floor.py

demo: $(STAMP)
	$(BIN)/logreview demo

bench: $(STAMP)
	$(BIN)/python -m bench

# Direct vs Kinesis: requests and billed ms per invocation against moto behind a 15 ms round trip,
# turned into $/GB and $/month (prices in bench/prices.py); prints the crossover fleet size.
cost: $(STAMP)
	$(BIN)/python -m bench.cost

soak: $(STAMP)
	$(BIN)/python -m bench.soak --events 1000000 --workers 4

# Deployable artifact: build/logreview.zip for python3.12 on arm64, built without Docker.
package: $(STAMP)
	$(BIN)/python scripts/package.py

# template.yaml: cfn-lint (any error or warning fails) and checkov (any failed check fails).
.PHONY: template-check
template-check: $(STAMP)
	$(BIN)/cfn-lint template.yaml
	$(BIN)/checkov --framework cloudformation --file template.yaml --quiet --compact --skip-download

clean:
	rm -rf $(VENV) .venv312 $(MINSDK) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache demo-output

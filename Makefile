# logreview developer commands. Each target bootstraps its own virtualenv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: test lint typecheck unit test-py312 test-min-sdk demo bench cost soak package clean

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

unit: $(STAMP)
	$(BIN)/pytest

test: lint typecheck unit template-check test-py312 test-min-sdk

# The Lambda runtime is python3.12: run the suite on it too when this machine has one.
PY312 ?= $(shell for p in $$(command -v python3.12) $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12); do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null && { echo "$$p"; break; }; done)
test-py312:
	@if [ -z "$(PY312)" ]; then echo "test-py312: no python3.12 on this machine, skipped"; exit 0; fi; \
	test -x .venv312/bin/python || $(PY312) -m venv .venv312; \
	.venv312/bin/python -m pip install --quiet --upgrade pip && \
	.venv312/bin/python -m pip install --quiet -e '.[dev]' && \
	.venv312/bin/python -m pytest -p no:cacheprovider

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
	$(MINSDK)/bin/python -m pytest -p no:cacheprovider -q tests/integration/test_alerts.py \
		tests/integration/test_alert_channels.py tests/integration/test_alert_sdk_floor.py \
		tests/unit/test_alert_sdk_floor.py

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

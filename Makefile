# logreview developer commands. Each target bootstraps its own virtualenv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: test lint typecheck unit demo bench soak package clean

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

test: lint typecheck unit template-check

demo: $(STAMP)
	$(BIN)/logreview demo

bench: $(STAMP)
	$(BIN)/python -m bench

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
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache demo-output

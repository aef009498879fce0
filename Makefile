# Two commands on a fresh machine: `make run` and `make test`.
# Each creates .venv on first use and installs the project into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: run test lint bench screenshot clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

# The benchmarks' peers (python-frontmatter, ruamel.yaml) only come with `make bench`.
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,bench]'
	touch $(BENCH_STAMP)

run: $(STAMP)
	$(BIN)/copydesk $(FOLDER)

# The layering contracts (pyproject.toml) first, then every test.
test: $(STAMP)
	$(BIN)/lint-imports --no-cache
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/lint-imports --no-cache

bench: $(BENCH_STAMP)
	for script in bench/bench_*.py; do $(BIN)/python $$script || exit 1; done

screenshot: $(STAMP)
	bash tools/screenshot.sh

clean:
	rm -rf $(VENV) build *.egg-info

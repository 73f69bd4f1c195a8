# The two commands a new user needs: `make demo` and `make test`. Both create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

CHROMIUM := /usr/bin/chromium
# Root in CI and sandboxes; sudo elsewhere.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint format install bench bench-frontier clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,sqlite,polars]"
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/negpersona demo --out out/demo

# The report's tests render it in Debian's chromium (driven by Playwright, no browser download).
$(CHROMIUM):
	$(SUDO) apt-get install -y chromium || \
		($(SUDO) apt-get update && $(SUDO) apt-get install -y chromium)

# The Spark conformance suite runs a local Spark, which needs Java 17+.
JAVA := /usr/bin/java
$(JAVA):
	$(SUDO) apt-get install -y openjdk-17-jre-headless || \
		($(SUDO) apt-get update && $(SUDO) apt-get install -y openjdk-17-jre-headless)

test: $(STAMP) $(CHROMIUM) $(JAVA)
	$(BIN)/ruff check src tests bench docs
	$(BIN)/ruff format --check src tests bench docs
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 --durations=15

lint: $(STAMP)
	$(BIN)/ruff check src tests bench docs

format: $(STAMP)
	$(BIN)/ruff format src tests bench docs
	$(BIN)/ruff check --fix src tests bench docs

bench: $(STAMP)
	$(BIN)/python bench/discovery.py

# Exclusion curves against RIPPER, pysubgroup, a tree, LightGBM and a DuckDB query (issue 9).
bench-frontier: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python bench/frontier.py

clean:
	rm -rf $(VENV) out

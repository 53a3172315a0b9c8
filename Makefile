# Jimu: `make run` starts a demo instance, `make test` runs the whole suite.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test

.PHONY: run test install install-test i18n lint screenshots bench clean

run: install i18n
	$(BIN)/jimu run --demo

test: install-test i18n
	$(BIN)/pytest $(PYTEST_ARGS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(TSTAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install -q -e ".[test]"
	touch $@

install: $(STAMP)

install-test: $(TSTAMP)

# Compile every package's translation catalog (*.po -> *.mo).
i18n: $(STAMP)
	@for d in $$(find builder runtime -type d -name translations); do \
		$(BIN)/pybabel -q compile -d $$d || exit 1; done

lint: install-test
	$(BIN)/ruff check builder runtime tests bench

screenshots: install-test i18n
	$(BIN)/python -m tests.browser.screenshots

clean:
	rm -rf $(VENV) data

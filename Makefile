# Two commands set everything up on a fresh machine: `make reproduce` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# `make reproduce` installs the runtime dependencies only; `make test` adds the test extras
# (dit, pgmpy and their pandas / scikit-learn tail) and the optional Dask executor, so CI tests it.
# Both install the versions CI tested (constraints.txt).
RUN_STAMP  := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test

.PHONY: reproduce test lint test-thorough bench wheel-check clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml constraints.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -c constraints.txt -e .
	touch $(RUN_STAMP)

$(TEST_STAMP): pyproject.toml constraints.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -c constraints.txt -e ".[test,dask]"
	touch $(RUN_STAMP) $(TEST_STAMP)

reproduce: $(RUN_STAMP)
	$(VENV)/bin/mdmtheory reproduce

# A developer's `make test` skips the tests marked slow (pyproject.toml's markers) and runs the rest
# on two processes (pytest-xdist); CI (CI=true, as .ci/run is run) runs every test in one process,
# so the timing tests (Ctrl-C stops within a second) have the machine to themselves.
PYTEST_ARGS := $(if $(filter true,$(CI)),,-m "not slow" -n 2)

test: $(TEST_STAMP)
	$(PY) -m pytest -q $(PYTEST_ARGS)

# The lint rules and the import contract ([tool.ruff] and [tool.importlinter] in pyproject.toml).
lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

# The property tests with ten times the examples and fresh random draws each run.
test-thorough: $(TEST_STAMP)
	$(PY) -m pytest -q --hypothesis-profile=thorough

bench: $(TEST_STAMP)
	$(PY) -m benchmarks

# Build a wheel, install it in a clean virtual environment and run it outside the checkout.
wheel-check: $(RUN_STAMP)
	bash .ci/wheel-check

clean:
	rm -rf $(VENV) build *.egg-info

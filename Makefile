# Two commands do all the set-up on a fresh machine (Python 3.11+ and make; no servers):
#   make demo   — install into .venv, create demo data on SQLite, serve on http://127.0.0.1:8000
#                 (make demo PORT=8080 HOST=0.0.0.0 to serve elsewhere)
#   make test   — install into .venv with the test extras and run the whole suite
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

.PHONY: install demo serve test test-fast lint bench-quality bench-import bench-distribution

install: $(VENV)/.installed

demo: install
	$(VENV)/bin/jinbiao demo --host $(HOST) --port $(PORT)

serve: install
	$(VENV)/bin/jinbiao serve

# The suite in parallel (pytest-xdist): one worker per core, at most four. Each worker process
# makes its own database, data folder and queue (tests/conftest.py), so they never share state;
# tests are handed out one at a time as workers free up ("worksteal"). PYTEST_PARALLEL= runs it
# in one process.
PYTEST_PARALLEL ?= -n auto --maxprocesses=4 --dist worksteal

test: install
	$(VENV)/bin/pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

test-fast: install
	$(VENV)/bin/pytest -m "not browser" -x $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench-quality: install
	$(PY) tests/benchmarks/bench_quality.py

bench-import: install
	$(PY) tests/benchmarks/bench_import.py

bench-distribution: install
	$(PY) tests/benchmarks/bench_distribution.py

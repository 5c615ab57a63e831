# adminduk: two commands for a fresh machine with Python 3.11 and make.
#   make run   - venv, install, migrate, demo data and users, serve on http://127.0.0.1:8000
#   make test  - install what the tests need and run the whole suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
HOST ?= 127.0.0.1:8000

.PHONY: run test bench lint check clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

run: $(STAMP)
	$(PY) -m adminduk migrate --noinput -v 0
	$(PY) -m adminduk demo
	@echo "adminduk: http://$(HOST)/  (Ctrl-C untuk berhenti)"
	$(PY) -m adminduk runserver --noreload $(HOST)

test: $(STAMP)
	$(PY) -m pytest -n 2 -q $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check adminduk bench

check: $(STAMP)
	$(PY) -m adminduk check
	$(PY) -m adminduk makemigrations --check --dry-run

bench: $(STAMP)
	$(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var

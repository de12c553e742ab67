# Bastion: everything from a fresh machine with only Python 3.11 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_PEOPLE ?= 10000
DEMO_SEED ?= 2020
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo test test-only bench lint format messages clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	mkdir -p var
	$(BIN)/bastion migrate --noinput -v0
	$(BIN)/bastion demo --people $(DEMO_PEOPLE) --seed $(DEMO_SEED) --keep-existing
	@echo "Bastion is serving the demo university on http://$(HOST):$(PORT)/ with its worker (Ctrl-C stops both)"
	$(BIN)/bastion serve_demo $(HOST):$(PORT)

test: install test-only

test-only:
	$(BIN)/ruff check bastion bench
	$(BIN)/ruff format --check bastion bench
	$(BIN)/bastion makemigrations --check --dry-run
	$(BIN)/pytest

# ONLY=<text>: only the benchmarks whose module or name contains it (as BENCH_ONLY).
bench: install
	$(if $(ONLY),BENCH_ONLY='$(ONLY)') $(BIN)/python -m bench

format: install
	$(BIN)/ruff format bastion bench
	$(BIN)/ruff check --fix bastion bench

# Needs GNU gettext (msgfmt); the compiled catalogues are committed, so users never need it.
APPS := $(patsubst bastion/%/locale,%,$(wildcard bastion/*/locale))
messages: install
	for app in $(APPS); do (cd bastion/$$app && ../../$(BIN)/bastion makemessages -l zh_Hans --no-obsolete -i 'tests/*' -v0 && ../../$(BIN)/bastion compilemessages -v0) || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache

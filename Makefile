# iopsbot — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# Installation stamps: re-install only when pyproject.toml changes.
INSTALLED := $(VENV)/.installed
INSTALLED_DEV := $(VENV)/.installed-dev
PO_FILES := $(wildcard locales/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run test bench lint i18n catalogs postgres-bin synapse-bin clean help

help:
	@echo "make run    - install, migrate the SQLite database, start the bot (console chat without tokens)"
	@echo "make test   - install test tools, start PostgreSQL, run the whole suite"
	@echo "make bench  - run the benchmarks"
	@echo "make lint   - ruff + mypy --strict on core/ and bots/"
	@echo "make i18n   - extract UI strings, update and compile the catalogs"

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "iopsbot needs Python >= 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	@touch $@

$(INSTALLED_DEV): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test,lint]'
	@touch $(INSTALLED) $@

# Compiled catalogs are build products: rebuilt whenever a .po file changes.
locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po | $(INSTALLED)
	$(BIN)/pybabel compile -D messages -i $< -o $@

catalogs: $(MO_FILES)

run: $(INSTALLED) catalogs
	$(BIN)/iopsbot db upgrade
	$(BIN)/iopsbot run

# The PostgreSQL server binaries the storage tests start a throwaway cluster with.
postgres-bin:
	@bash tests/services/ensure-postgres.sh

# The Synapse homeserver the Matrix tests start (its own venv under build/, installed once).
synapse-bin:
	@PYTHON=$(PYTHON) bash tests/services/ensure-synapse.sh

test: $(INSTALLED_DEV) catalogs postgres-bin synapse-bin
	IOPSBOT_REQUIRE_SERVICES=1 $(BIN)/pytest -q

bench: $(INSTALLED_DEV) catalogs
	$(PY) -m benchmarks

lint: $(INSTALLED_DEV)
	$(BIN)/ruff check core bots tests benchmarks
	$(BIN)/ruff format --check core bots tests benchmarks
	$(BIN)/mypy --strict core bots

i18n: $(INSTALLED)
	$(BIN)/pybabel extract --no-location --sort-output --project=iopsbot -F locales/babel.cfg \
		-k _ -k ngettext:1,2 -k pgettext:1c,2 -o locales/messages.pot core
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -D messages -i locales/messages.pot -d locales
	$(MAKE) catalogs

clean:
	rm -rf $(VENV) build *.egg-info $(MO_FILES)

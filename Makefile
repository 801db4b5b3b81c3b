# Two commands for a fresh machine: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
PORT ?= 5000
PYTEST_ARGS ?=
# Coverage of directory/ and badges/ with the floor from pyproject.toml ([tool.coverage.report]);
# `make test COVERAGE=` skips it (for a partial run, e.g. PYTEST_ARGS=tests/test_public.py).
COVERAGE ?= --cov --cov-report=term:skip-covered
STAMP := $(VENV)/.installed
CATALOGS := $(wildcard directory/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: install run stack test test-meili test-stack lint format translations extract-messages clean

install: $(STAMP) $(COMPILED)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

# Compiled catalogs are build output (not committed).
%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile -i $< -o $@ -l $(word 3,$(subst /, ,$<))

translations: $(COMPILED)

run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(FLASK) search-setup
	$(FLASK) reindex --if-empty
	@echo "Serving http://127.0.0.1:$(PORT) (search index kept current by search-sync --follow --daily)"
	@trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(FLASK) search-sync --follow --daily & worker=$$!; \
	  $(FLASK) run --host 127.0.0.1 --port $(PORT)

# The production shape on loopback (deploy/stack.py): nginx on http://127.0.0.1:$(STACK_PORT) in
# front of two gunicorn nodes, a worker, PostgreSQL, Redis and Meilisearch. Ctrl-C stops it all.
STACK_PORT ?= 8080
stack: install
	$(BIN)/python deploy/stack.py --port $(STACK_PORT)

test: install
	$(BIN)/pytest -n 2 --dist loadfile $(COVERAGE) $(PYTEST_ARGS)

# The live Meilisearch suite (contract on both engines, fault tests, engine parity) beside a
# throw-away server: $MEILI_BIN, else ../shared/bin/meilisearch, else one on PATH (else they skip).
test-meili: install
	$(PYTHON) tools/with_meilisearch.py -- $(BIN)/pytest -p no:cacheprovider -m meili tests/search $(PYTEST_ARGS)

# The tests that drive that stack (also part of `make test` when its parts are installed).
test-stack: install
	$(PYTHON) tools/with_meilisearch.py -- $(BIN)/pytest -p no:cacheprovider -m stack tests/stack $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Refresh the French catalog after adding strings: make extract-messages, translate, commit.
extract-messages: install
	$(BIN)/pybabel -q extract -F babel.cfg -k lazy_gettext -k _l -o messages.pot .
	$(BIN)/pybabel -q update -N -i messages.pot -d directory/translations
	rm -f messages.pot

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .import_linter_cache test-artifacts .coverage .coverage.*

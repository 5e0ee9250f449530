# W4R Live. `make run` serves the app; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-sqlite test-postgres bench lint messages install install-test-deps install-bench-deps clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

run: install
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=1 $(PY) manage.py loadcase casepacks/2024-maryia-kalesnikava
	DJANGO_DEBUG=1 $(PY) manage.py demo_facilitator
	DJANGO_DEBUG=1 $(VENV)/bin/uvicorn w4r.asgi:application --host $(HOST) --port $(PORT) --lifespan off --timeout-graceful-shutdown 2

# Debian's Chromium (Playwright's own browser download is not used) and
# PostgreSQL, for the browser tests and the second database run; GNU gettext
# (xgettext, msgfmt) for the catalog tests, which extract and compile.
install-test-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v msgfmt >/dev/null && command -v xgettext >/dev/null || missing="$$missing gettext"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

test: install install-test-deps
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

# Each run: the tests that need no browser, then the browser tests, each set
# on both cores (pytest-xdist; every worker has its own database and servers).
# The PostgreSQL run leaves out the tests marked `database_free`, which start
# their own SQLite app and would only repeat the first run.
PYTEST := $(PY) -m pytest -p no:cacheprovider -n 2
UNIT_TESTS := $(PYTEST) --ignore=tests/browser $(PYTEST_ARGS)
BROWSER_TESTS := $(PYTEST) tests/browser $(PYTEST_ARGS)
NOT_DATABASE_FREE := -m "not database_free"

test-sqlite: install
	$(UNIT_TESTS)
	$(BROWSER_TESTS)

test-postgres: install
	.ci/with-postgres bash -c '$(UNIT_TESTS) $(NOT_DATABASE_FREE) && $(BROWSER_TESTS)'

# The load benchmark (docs/performance.md): both configurations, each phone
# count in BENCH_N; not part of `make test` (a 20-phone smoke run is).
BENCH_N ?= 100,500,1000,2000,4000
BENCH_ARGS ?=
install-bench-deps: install-test-deps
	@command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { \
	  echo "Installing: nginx-light"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; }
	$(PY) -m pip install --quiet -e ".[test,bench]"

bench: install install-bench-deps
	mkdir -p var
	$(PY) -m bench --phones $(BENCH_N) --json var/bench.json --out var/bench.md $(BENCH_ARGS)

# The translation catalogs (docs/languages.md): every marked string of the
# Python code and the templates into locale/<language>/LC_MESSAGES/django.po,
# of static/w4r/*.js into djangojs.po, for each language; then compiled to
# the .mo files Django reads. Run it after changing strings, before translating.
LANGUAGES_TO_TRANSLATE := -l fr -l es -l ar
MESSAGES_IGNORE := --ignore=.venv --ignore=static/vendor --ignore=staticfiles --ignore=var --ignore=node_modules
messages: install
	DJANGO_DEBUG=1 $(PY) manage.py makemessages -d django $(LANGUAGES_TO_TRANSLATE) $(MESSAGES_IGNORE)
	DJANGO_DEBUG=1 $(PY) manage.py makemessages -d djangojs $(LANGUAGES_TO_TRANSLATE) $(MESSAGES_IGNORE)
	DJANGO_DEBUG=1 $(PY) manage.py compilemessages $(LANGUAGES_TO_TRANSLATE) $(MESSAGES_IGNORE)

lint: install
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) var

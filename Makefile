# `make run` and `make test` work on a fresh Debian machine; see README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet --build-constraint build-constraints.txt
export PORT PYTHON

.PHONY: help run serve test lint check bench lighthouse clean

help:
	@echo "make run    serve the site with debug on at http://127.0.0.1:$(PORT)/"
	@echo "make serve  production-like: gunicorn and the task worker (DJANGO_SECRET_KEY required)"
	@echo "make test   run the test suite (SQLite, or PostgreSQL with DATABASE_URL)"
	@echo "make lint   ruff, the import layers (lint-imports), translations complete and compiled"
	@echo "make bench  measure page speed (see bench/README.md)"
	@echo "make lighthouse  Lighthouse scores of the main pages (see docs/lighthouse.md)"

# The default SQLite database, collected static files and the benchmark's database live here.
var:
	@mkdir -p var

$(PY):
	@python=$$(scripts/find-python) && echo "Creating $(VENV) with $$python" && "$$python" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade 'pip>=26'

$(VENV)/.installed: pyproject.toml build-constraints.txt | $(PY)
	$(PIP) .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml build-constraints.txt | $(PY)
	$(PIP) '.[dev]'
	@touch $(VENV)/.installed $@

run: export DJANGO_DEBUG ?= true
run: $(VENV)/.installed | var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py load_content
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

serve: export DJANGO_DEBUG = false
serve: $(VENV)/.installed | var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py load_content
	exec scripts/serve

# Tests always run with the development settings; production settings are tested explicitly.
test: export DJANGO_DEBUG = true
test: $(VENV)/.installed-dev | var
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	@command -v msgfmt >/dev/null || { echo "Installing gettext for the translation check."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; }
	$(PY) scripts/check-translations

check: export DJANGO_DEBUG = true
check: $(VENV)/.installed-dev | var
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

bench: $(VENV)/.installed
	bench/run

lighthouse: $(VENV)/.installed
	$(PY) bench/lighthouse/run.py

clean:
	rm -rf $(VENV) build *.egg-info

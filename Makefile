# Two commands: `make run` (the app with demo data and a real Celery worker) and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# Django 6 needs Python 3.12+; take the first one found (pyenv installs included).
PYTHON ?= $(shell for p in python3.12 python3.13 python3.14 $$HOME/.pyenv/versions/3.12*/bin/python3 $$HOME/.pyenv/versions/3.13*/bin/python3 python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then echo $$p; break; fi; done)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install worker bench clean

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is required (Django 6)."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

run: install
	export DJANGO_DEBUG=$${DJANGO_DEBUG:-1}; \
	$(PY) manage.py migrate --noinput && \
	$(PY) manage.py setup_demo && \
	trap 'kill 0' EXIT; \
	$(VENV)/bin/celery -A registry worker --pool=solo --loglevel=WARNING & \
	$(PY) manage.py runserver $(HOST):$(PORT)

worker: install
	$(VENV)/bin/celery -A registry worker --pool=solo --loglevel=INFO

test: install
	$(VENV)/bin/pytest -n 2 --dist loadfile

bench: install
	$(PY) bench/import_export.py && $(PY) bench/analysis.py && $(PY) bench/api.py && $(PY) bench/pages.py

clean:
	rm -rf $(VENV) var

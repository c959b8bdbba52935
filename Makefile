# Linkage: the two commands are `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
export FLASK_APP := wsgi

.PHONY: run test install migrate demo bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/flask db upgrade

demo: migrate
	$(BIN)/flask seed demo

## make run: venv, dependencies, database, demo data, server on http://127.0.0.1:5000
run: demo
	@echo "Serving on http://127.0.0.1:5000  (API docs: http://127.0.0.1:5000/api/docs)"
	$(BIN)/gunicorn --bind 127.0.0.1:5000 --workers 2 --threads 4 --access-logfile - wsgi:app

## make test: the whole suite (SQLite; set TEST_DATABASE_URL for PostgreSQL)
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## make bench: county-scale benchmark (see bench/README.md)
bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache

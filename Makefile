# The two commands: `make run` (the chat on the default corpus) and `make test` (the whole suite).
# Both set up .venv from nothing first; `make setup` alone does only that, and is idempotent.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup run index test eval bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: setup
	$(VENV)/bin/qa index --corpus corpus --index embeddings
	$(PY) app.py

index: setup
	$(VENV)/bin/qa index --corpus corpus --index embeddings

test: setup
	$(PY) -m pytest

clean:
	rm -rf embeddings/data-* embeddings/manifest.json embeddings/.lock .pytest_cache

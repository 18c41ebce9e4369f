# The two commands: `make run` (the chat on the default corpus) and `make test` (the whole suite);
# `make test-fast` is the edit-test loop, in under a minute: every test but the slow ones (the real model,
# servers, the browser, killed indexing processes).
# Both set up .venv from nothing first; `make setup` alone does only that, and is idempotent.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup run index test test-fast eval clean chromium tesseract

setup: $(STAMP) chromium tesseract

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The browser tests drive Debian's chromium through Playwright (`playwright install` needs the internet).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "note: chromium is not installed and this is not root: the browser tests will be skipped"; fi; }

# Scanned PDFs are read by Debian's Tesseract with its English, French and Russian models (qa/formats/ocr.py);
# the tests write their PDFs in DejaVu Sans (any script).
TESSERACT_PACKAGES := tesseract-ocr tesseract-ocr-eng tesseract-ocr-fra tesseract-ocr-rus fonts-dejavu-core
tesseract:
	@missing=""; for p in $(TESSERACT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "note:$$missing not installed and this is not root: scanned PDFs are not read, the OCR tests are skipped"; fi; fi

# app.py brings the index of corpus/ up to date (progress bars on stderr), then serves the chat.
run: setup
	$(PY) app.py

index: setup
	$(VENV)/bin/qa index --corpus corpus --index embeddings

# The seed test set through `qa eval`, full pipeline beside dense-only and BM25-only.
eval: setup
	$(VENV)/bin/qa eval tests/data/seeds_qa.jsonl --corpus corpus --index embeddings --compare

test: setup
	$(PY) -m pytest

test-fast: $(STAMP)
	$(PY) -m pytest -m "not slow"

clean:
	rm -rf embeddings/data-* embeddings/manifest.json embeddings/.lock .pytest_cache

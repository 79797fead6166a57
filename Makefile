# The two commands of the README:
#   make demo   set everything up, load the synthetic demo data into SQLite, show it
#   make test   set everything up and run the whole test suite (lint, types, tests)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: demo setup assets test-setup bench-setup browser ocr test lint typecheck pytest bench clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/ -/'

demo: setup  ## set up, load the synthetic demo data, then serve the web app on 127.0.0.1:8000
	$(BIN)/nervecentre demo
	$(BIN)/nervecentre demo-users
	$(BIN)/nervecentre serve

setup: $(VENV)/.installed assets  ## create the virtual environment, install nervecentre (no extras) and the chart's scripts

test-setup: $(VENV)/.installed-test assets  ## setup, plus what the tests need (pytest, ruff, mypy, …)

bench-setup: $(VENV)/.installed-bench assets  ## setup, plus what the benchmarks compare with
	@if command -v npm >/dev/null 2>&1; then npm ci --prefix benchmarks/js --no-audit --no-fund --loglevel=error; \
	else echo "npm missing: bench_chart.py will run without its cytoscape.js anchor"; fi

# One stamp per install, so that the demo gets the package alone and a changed pyproject.toml
# reinstalls each extra that was installed.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-%: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[$*]'
	touch $@

# The link chart's browser libraries (sigma.js, graphology) come from the npm registry, pinned by
# the assets' package-lock.json, bundled into a git-ignored static/vendor/ that the app serves
# itself (never a CDN). Without npm the app still runs; the chart page says what is missing.
ASSETS := nervecentre/web/assets
CHART_LIBS := nervecentre/web/static/vendor/chart-libs.js
assets: $(CHART_LIBS)  ## install and bundle the link chart's npm libraries (npm ci), if changed

$(CHART_LIBS): $(ASSETS)/package-lock.json $(ASSETS)/entry.mjs $(ASSETS)/build.mjs
	@command -v npm >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; }
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix $(ASSETS) --no-audit --no-fund --loglevel=error && npm run --prefix $(ASSETS) --silent build; \
	else echo "npm missing: run 'sudo apt-get install npm', then 'make assets' (the link chart needs it)"; fi

# The browser tests drive Debian's Chromium (never a downloaded browser) and check every page
# with axe-core, a test-only npm package pinned by tests/js/package-lock.json (never served).
AXE := tests/js/node_modules/axe-core/axe.min.js
browser:  ## install Debian's chromium and axe-core (npm ci) for the end-to-end tests, if missing
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "chromium missing: run 'sudo apt-get install chromium' (browser tests will skip)"; fi; }
	@{ [ -f $(AXE) ] && [ ! tests/js/package-lock.json -nt tests/js/node_modules/.package-lock.json ]; } || { \
	  command -v npm >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; }; \
	  if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/js --no-audit --no-fund --loglevel=error; \
	  else echo "npm missing: run 'sudo apt-get install npm' (accessibility tests will skip)"; fi; }

# The library OCRs scanned PDFs with Debian's Tesseract and its English, Hindi and Marathi data;
# the tests run the real one (CI requires it: NERVECENTRE_TEST_REQUIRE_OCR=1).
OCR_PACKAGES := tesseract-ocr tesseract-ocr-eng tesseract-ocr-hin tesseract-ocr-mar
ocr:  ## install Debian's tesseract-ocr with Hindi and Marathi for the library's OCR, if missing
	@{ command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx mar; } || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(OCR_PACKAGES); \
	  else echo "Tesseract missing: run 'sudo apt-get install $(OCR_PACKAGES)' (OCR tests will skip)"; fi; }

test: test-setup browser ocr lint typecheck pytest  ## set up, then lint, type-check and run every test

lint: test-setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: test-setup
	$(BIN)/mypy

pytest: test-setup browser ocr
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

bench: bench-setup  ## run every benchmark (slow, an hour or more; not part of the tests)
	$(BIN)/python benchmarks/bench_import.py
	$(BIN)/python benchmarks/bench_hashing.py
	$(BIN)/python benchmarks/bench_pdq_recall.py
	$(BIN)/python benchmarks/bench_matching.py
	$(BIN)/python benchmarks/bench_crawl.py
	$(BIN)/python benchmarks/bench_hashset_import.py
	$(BIN)/python benchmarks/bench_reports.py
	$(BIN)/python benchmarks/bench_exports.py
	$(BIN)/python benchmarks/bench_resolve.py
	$(BIN)/python benchmarks/bench_resolve_learn.py
	$(BIN)/python benchmarks/bench_scam.py
	$(BIN)/python benchmarks/bench_web.py --keep benchmarks/out/web
	$(BIN)/python benchmarks/bench_library.py
	$(BIN)/python benchmarks/bench_chart.py
	$(BIN)/python benchmarks/bench_graph.py

clean:  ## remove the virtual environment and demo data
	rm -rf $(VENV) nervecentre-data

# One home for the commands the README names. Every target sets up what it needs itself.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Lambda runs Python 3.13: develop and test on the same minor version (installed here through pyenv).
PYTHON ?= $(shell ls -d $$HOME/.pyenv/versions/3.13*/bin/python3 2>/dev/null | sort -V | tail -n 1 || true)
ifeq ($(strip $(PYTHON)),)
PYTHON := $(shell command -v python3.13 || command -v python3)
endif

VENV := .venv
BIN := $(VENV)/bin
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
STAMP := $(VENV)/.installed
SAM_STAMP := $(SAM_VENV)/.installed
OUT ?= out
CHROMIUM := /usr/bin/chromium
# axe-core for the browser tests' accessibility checks, pinned by its lock file.
NODE_DEPS := tests/e2e/js/node_modules/.installed

.PHONY: help venv browser node-deps test test-fast test-e2e reliability fuzz load lint typecheck demo demo-library bench bench-quick bench-film bench-search bench-cold bench-memory bench-backfill cost samples invoke sam-build layer-size security deploy clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml layers/palettes/requirements.txt
	@$(PYTHON) -c 'import sys; v=sys.version_info; print(f"using Python {v.major}.{v.minor}.{v.micro} at {sys.executable}"); sys.version_info[:2] == (3, 13) or print("warning: Lambda runs 3.13; tests are running on another version", file=sys.stderr)'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]' -r layers/palettes/requirements.txt
	touch $@

venv: $(STAMP)  ## create .venv with the library, the CLI and the dev tools

$(SAM_STAMP):
	test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --upgrade pip
	# SAM CLI and checkov pin their own boto3, so they live apart from the project's venv.
	$(SAM_VENV)/bin/python -m pip install --quiet aws-sam-cli checkov cfn-lint
	touch $@

browser:  ## Debian's Chromium for the browser tests (installed when missing; needs root or sudo)
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; \
	  else echo "the browser tests need $(CHROMIUM): run 'apt-get install -y chromium' as root" >&2; exit 1; fi; \
	  $$SUDO apt-get update && $$SUDO apt-get install -y chromium; \
	fi

$(NODE_DEPS): tests/e2e/js/package.json tests/e2e/js/package-lock.json
	npm ci --prefix tests/e2e/js --no-audit --no-fund
	touch $@

node-deps: $(NODE_DEPS)  ## axe-core from npm (npm ci) for the browser tests

test: $(STAMP) browser $(NODE_DEPS)  ## run every test tier (unit, handlers on moto, end to end in Chromium, reliability, fuzz)
	$(BIN)/python -m pytest

test-fast: $(STAMP)  ## unit and handler tests only
	$(BIN)/python -m pytest -m "not e2e and not slow"

reliability: $(STAMP)  ## faults, delivery, hostile input, 20 s loader fuzzing, API fuzzing (~2.5 min)
	$(BIN)/python -m pytest tests/reliability -m "not slow"

fuzz: $(STAMP)  ## fuzz the image loader for SECONDS (default 60); findings in out/fuzz-artifacts
	$(BIN)/python scripts/fuzz_loader.py --seconds $(or $(SECONDS),60)

load: $(STAMP)  ## 1000 uploads through the local stack: nothing lost, throughput, p50/p95
	$(BIN)/python -m scripts.load_test --stills 1000 --films 10 --uploaders 8 --json $(OUT)/load-1000.json

lint: $(STAMP)  ## ruff, on every Python file
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)  ## mypy --strict on every Python folder (tests: fixture arguments may go unannotated)
	$(BIN)/mypy layers/palettes/palettes layers/service/palette_service src functions local scripts bench samples tests

demo-library: $(STAMP)  ## palettes of the sample stills with the library alone
	$(BIN)/palettes extract samples/stills/* --swatch --out $(OUT)/library --format json
	@echo "documents and swatches in $(OUT)/library"

demo: $(STAMP)  ## the README's run command: the whole service on 127.0.0.1 with the sample stills (Ctrl-C stops; DEMO_EXIT=1 exits)
	$(BIN)/python -m local.demo $(DEMO_ARGS)

test-e2e: $(STAMP) browser $(NODE_DEPS)  ## end-to-end tests only (local stack, HTTP API, client, Chromium)
	$(BIN)/python -m pytest -m e2e

bench: $(STAMP)  ## benchmark against the notebook method, peers and the decode floor, then cold starts and the memory sweep (~9 min; figures in bench/*results.txt)
	$(BIN)/python -m bench.benchmark | tee bench/results.txt
	$(MAKE) --no-print-directory bench-cold bench-memory

bench-cold: $(STAMP)  ## handler import times and the first palette beside the eager-import baseline, as shipped (bytecode) and without bytecode (~10 min on 2 busy cores; figures in bench/cold_start_results.txt)
	@echo '$$ make bench-cold   # $(BIN)/python -m bench.cold_start' > bench/cold_start_results.txt
	$(BIN)/python -m bench.cold_start | tee -a bench/cold_start_results.txt

bench-memory: $(STAMP)  ## the extract function's memory from a sweep of CPU shares: ms and cost per still (~2 min; figures in bench/memory_sweep_results.txt)
	@echo '$$ make bench-memory   # $(BIN)/python -m bench.memory_sweep' > bench/memory_sweep_results.txt
	$(BIN)/python -m bench.memory_sweep | tee -a bench/memory_sweep_results.txt

bench-quick: $(STAMP)  ## the benchmark with fewer images and repeats (about a minute)
	$(BIN)/python -m bench.benchmark --quick

bench-film: $(STAMP)  ## film palettes from colour summaries beside the pooled pixels, and a 10,000-still film (~4 min; figures in bench/film_results.txt)
	$(BIN)/python -m bench.film | tee bench/film_results.txt

bench-search: $(STAMP)  ## colour search on 100,000 generated stills: recall and NDCG against brute force, cost per query, at 1M by extrapolation (~10 min; figures in bench/search_results.txt)
	$(BIN)/python -m bench.search | tee bench/search_results.txt

cost: $(STAMP)  ## the cost of a million stills and a million API reads, from measured counts (MEASURE=1: re-measure with the metered 1000-still load test first, ~30 min on 2 shared cores)
	@if [ -n "$(MEASURE)" ]; then \
	  $(BIN)/python -m scripts.load_test --stills 1000 --films 10 --uploaders 8 --counts $(OUT)/load-counts.json && \
	  $(BIN)/python -m bench.cost --counts $(OUT)/load-counts.json; \
	else \
	  $(BIN)/python -m bench.cost; \
	fi

bench-backfill: $(STAMP)  ## STILLS (default 10,000) through the local S3 Batch Operations path beside the invoke path: throughput, nothing lost, DynamoDB writes (figures in bench/backfill_results.txt)
	$(BIN)/python -m bench.backfill --stills $(or $(STILLS),10000) | tee bench/backfill_results.txt

samples: $(STAMP)  ## rebuild samples/stills and samples/LICENSES.md from the installed scikit-image wheel
	$(BIN)/python samples/make_samples.py

invoke: $(STAMP)  ## the events/ files through the real handlers on moto (what sam local invoke does, without Docker)
	$(BIN)/python scripts/invoke.py

sam-build: $(SAM_STAMP)  ## sam build (arm64, no Docker), then trim the layers and compile layers and functions to bytecode (unchecked-hash .pyc)
	PATH="$(dir $(PYTHON)):$$PATH" $(SAM) build
	$(SAM_VENV)/bin/python scripts/layer_size.py

layer-size: $(SAM_STAMP)  ## measure the built layers and functions against the budgets
	$(SAM_VENV)/bin/python scripts/layer_size.py --no-trim

security: $(SAM_STAMP)  ## sam validate --lint, build, trim + size budgets, checkov
	bash scripts/sam_checks.sh

deploy: sam-build  ## first deployment (asks for stack parameters)
	$(SAM) deploy --guided

clean:  ## remove build output (keeps the virtual environments)
	rm -rf $(OUT) .aws-sam build test-artifacts .pytest_cache .mypy_cache .ruff_cache

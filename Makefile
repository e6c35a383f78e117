# Front door for developers and CI. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
RASA   := $(BIN)/rasa
export PYTHONPATH := $(CURDIR)
# make run / make test act for demo customers: the sender id is the customer id.
export BOT_DEV_MODE ?= true
# Every Python folder the linters and the formatter look at.
PY_DIRS := bot actions components channels scripts tests migrations benchmarks evaluation

.PHONY: help setup run run-prod prod-health test-faults train test test-fast test-browser token test-e2e validate test-stories evaluate crossval faq-crossval pipelines lint types format seed review shell bench load bench-workers fuzz lookups lock services clean

help: ## list targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

setup: ## create .venv from the pinned lock (no-op when up to date)
	@scripts/setup.sh

run: setup ## set up, seed, train if needed, start action server (5055) + Rasa (5005)
	@$(PY) -m bot.cli prepare
	@scripts/train-if-needed.sh
	@scripts/run.sh

run-prod: setup ## production topology: nginx, 2 Rasa + 2 action servers, PostgreSQL/Redis/RabbitMQ (secrets from the environment; README)
	@BOT_DEV_MODE=false scripts/run-prod.sh

prod-health: ## health of a running `make run-prod`, one line per process and service
	@scripts/prod-health.sh

test-faults: setup services ## production topology under faults (starts its own nginx, Rasa and action servers on 16xxx ports)
	@$(BIN)/pytest -m faults -p no:cacheprovider -q

train: setup ## train a model (Rasa skips unchanged parts)
	@$(RASA) train --fixed-model-name "model-$$(date +%Y%m%d-%H%M%S)" --quiet

test: setup services ## everything CI runs: lint, data validate, pytest (unit, db, actions, NLU, e2e), dialogue tests, fault tests (production topology); trains beside the model-free tests
	@scripts/test-all.sh

test-e2e: setup services ## REST end-to-end conversations only (starts both servers)
	@scripts/train-if-needed.sh
	@$(BIN)/pytest -m e2e

test-fast: setup ## tests that need no server, no PostgreSQL/Redis/RabbitMQ and no model (SQLite only)
	@$(BIN)/pytest -m "not e2e and not slow and not browser and not services and not faults"

test-browser: setup ## the chat widget in headless Chromium (starts both servers); screenshots in results/browser
	@scripts/train-if-needed.sh
	@$(BIN)/pytest -m browser

token: setup ## development only: a signed token for a demo customer: make token CUSTOMER=demo_balance
	@$(PY) -m bot.cli token $(or $(CUSTOMER),demo_balance)

test-stories: setup ## dialogue-policy tests (rasa test core on tests/conversations)
	@$(RASA) test core --stories tests/conversations --fail-on-prediction-errors --out results/core --quiet

evaluate: setup ## score the model on the real held-out set with baselines (trains Rasa's default pipeline too, ~40 min); writes docs/nlu.md
	@scripts/train-if-needed.sh
	@$(PY) -m evaluation.report

crossval: setup ## journey gate settings by 3-fold cross-validation on the real training messages (3 trainings); writes docs/nlu-crossval.md
	@$(PY) -m evaluation.crossval

faq-crossval: setup ## FAQ answer threshold by 3-fold cross-validation on the real out-of-scope training messages (3 small trainings); writes docs/nlu-faq.md
	@$(PY) -m evaluation.faq_crossval

pipelines: setup ## NLU pipeline sizes by 3-fold cross-validation, training time included (3 trainings per candidate); writes docs/nlu-pipelines.md
	@$(PY) -m evaluation.pipelines

validate: setup ## rasa data validate (fails on warnings; see scripts/validate_data.py)
	@$(PY) scripts/validate_data.py

lint: setup ## ruff format check, ruff lint, mypy
	@$(BIN)/ruff format --check --quiet $(PY_DIRS) || { echo "run: make format" >&2; exit 1; }
	@$(BIN)/ruff check $(PY_DIRS)
	@$(BIN)/mypy

types: setup ## mypy only
	@$(BIN)/mypy

format: setup ## ruff format + import sorting
	@$(BIN)/ruff check --select I --fix $(PY_DIRS)
	@$(BIN)/ruff format $(PY_DIRS)

seed: setup ## migrate and replace the demo customers with fresh copies
	@$(PY) -m bot.cli seed

review: setup ## operator review: list pending requests, or decide one: make review ID=3 DECISION=approve (reject: REASON=owed|risk_assessment|identity_unverified|legal_retention|other)
	@if [ -n "$(ID)" ]; then $(PY) -m bot.cli review $(ID) $(or $(DECISION),approve) --reason $(or $(REASON),other); else $(PY) -m bot.cli requests; fi

shell: setup ## chat in the terminal as a demo customer: make shell CUSTOMER=demo_balance
	@$(PY) -m bot.cli prepare
	@scripts/train-if-needed.sh
	@scripts/run.sh --shell $(or $(CUSTOMER),demo_balance)

bench: setup ## print closure-check, long-input rule, NLU, concurrency, and full-turn cost beside Rasa's moodbot (trains it: +2-4 min) figures
	@$(PY) benchmarks/bench_closure.py "sqlite:///$$(mktemp -d)/bench.db" "$${BENCH_POSTGRES_URL:-postgresql+psycopg2://postgres@127.0.0.1:5432/test}"
	@$(PY) benchmarks/bench_long_input.py
	@scripts/train-if-needed.sh
	@$(PY) benchmarks/bench_nlu.py
	@$(PY) benchmarks/bench_concurrency.py
	@$(PY) benchmarks/bench_turns.py

load: setup services ## 200 conversations (5 s think time) against the production topology on 17xxx ports, then integrity checks; not in make test (docs/benchmarks.md)
	@scripts/train-if-needed.sh
	@nice -n 5 $(PY) benchmarks/load.py $(LOAD_ARGS)

bench-workers: setup services ## throughput of the production topology with 1 Rasa worker, then 2, three rounds (100 conversations, no think time; target >= 1.7x); not in make test (docs/benchmarks.md)
	@scripts/train-if-needed.sh
	@nice -n 5 $(PY) benchmarks/bench_workers.py $(or $(BENCH_ARGS),--rounds 3)

fuzz: setup services ## long property-based fuzzing run (HYPOTHESIS_PROFILE=long, 10,000+ cases; starts both servers); prints figures
	@scripts/train-if-needed.sh
	@HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-long} $(BIN)/pytest -m fuzz -p no:cacheprovider -q

lookups: setup ## regenerate NLU lookups/synonyms and the jieba alias dictionary from data/catalog
	@$(PY) scripts/generate_nlu_lookups.py

lock: ## re-resolve requirements/*.in into requirements/lock.txt
	@scripts/lock.sh

services: ## start local PostgreSQL / Redis / RabbitMQ if they are installed but stopped
	@scripts/ensure-services.sh

clean: ## remove trained models, results and the local database
	rm -rf models results var/*.db .pytest_cache

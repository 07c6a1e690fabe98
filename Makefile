# Lantern. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_APP ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.11*/bin/python3.11) $(shell command -v python3.11))
PYTHON_RASA ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.10*/bin/python3.10) $(shell command -v python3.10))
VENV := .venv
RASA_VENV := .venv-rasa
RASA := RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=3 SQLALCHEMY_SILENCE_UBER_WARNING=1 PYTHONPATH=$(CURDIR) $(RASA_VENV)/bin/rasa
MODEL := models/lantern.tar.gz
TRAINING_INPUTS := config.yml $(shell find domain data/nlu data/rules data/stories -name '*.yml' 2>/dev/null)
export RASA_TELEMETRY_ENABLED := false

.PHONY: help setup keys demo-code train run health chat test lint typecheck validate unit e2e soak nlu-report nlu-languages nlu-per-language bench bench-quick screenshots lock clean

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: $(VENV)/.installed $(RASA_VENV)/.installed ## Build both virtual environments from the hash-pinned locks (no-op when unchanged)

$(VENV)/.installed: requirements/app.lock
	test -x $(VENV)/bin/python || $(PYTHON_APP) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r $<
	touch $@

$(RASA_VENV)/.installed: requirements/rasa.lock
	test -x $(RASA_VENV)/bin/python || $(PYTHON_RASA) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r $<
	touch $@

keys: $(VENV)/.installed ## Create keys (the front end's public key and the key pins too), the database and a demo partner charity under var/ (never overwrites)
	$(VENV)/bin/python -m bot local-setup

demo-code: $(VENV)/.installed ## Print the demo caseworker's current sign-in code (local runs only)
	@$(VENV)/bin/python -m bot demo-code

train: $(MODEL) ## Train the Rasa model when config.yml, domain/ or training data changed

$(MODEL): $(TRAINING_INPUTS) $(RASA_VENV)/.installed
	$(RASA) train --config config.yml --domain domain --data data/nlu data/rules data/stories \
		--out models --fixed-model-name lantern --quiet
	touch $@

run: setup keys train ## Start everything: chat at http://127.0.0.1:8081/, console at http://127.0.0.1:8080/
	$(VENV)/bin/python -m bot.devstack

health: ## Each server of a running `make run`: up or down, restarts, URL (exit 1 if any is down)
	@$(VENV)/bin/python -m bot health

chat: setup keys train ## Start Rasa and the actions and chat in this terminal instead
	$(VENV)/bin/python -m bot.devstack --chat

lint: $(VENV)/.installed ## ruff (with bandit rules) and ruff-format
	$(VENV)/bin/ruff check bot actions tests
	$(VENV)/bin/ruff format --check bot actions tests

typecheck: $(VENV)/.installed ## mypy --strict on bot/ and actions/
	$(VENV)/bin/mypy

validate: $(RASA_VENV)/.installed ## rasa data validate --fail-on-warnings
	$(RASA) data validate --config config.yml --domain domain --data data/nlu data/rules data/stories \
		--fail-on-warnings

unit: $(VENV)/.installed ## Tests that need no running servers
	$(VENV)/bin/python -m pytest -q -m "not e2e"

e2e: setup keys train ## Tests against the real Rasa server and action server
	$(VENV)/bin/python -m pytest -q -m e2e

test: setup keys train lint typecheck validate ## Every check: lint, types, Rasa data, all tests, conversation tests
	$(VENV)/bin/python -m pytest -q
	$(RASA) test core --model $(MODEL) --stories tests/conversations --fail-on-prediction-errors \
		--out var/results/conversations

soak: setup keys train ## The fault tests on the real stack and the full fuzz (>= 100,000 inputs); prints its counts
	LANTERN_SOAK=1 $(VENV)/bin/python -m pytest -q -s -m soak

nlu-report: setup ## Cross-validate the English NLU, data/nlu/en (5 folds), and write docs/results/nlu/
	$(RASA) test nlu --config config.yml --nlu data/nlu/en --cross-validation --folds 5 \
		--out docs/results/nlu

nlu-languages: setup train ## Held-out intent accuracy per language through the trained model (var/results/)
	PYTHONPATH=$(CURDIR) $(RASA_VENV)/bin/python bench/nlu_by_language.py

nlu-per-language: nlu-languages ## One NLU model per language against the multilingual one (docs/results/)
	PYTHONPATH=$(CURDIR) $(RASA_VENV)/bin/python bench/nlu_per_language.py

lock: ## Re-resolve the hash-pinned locks from requirements/*.in (needs uv)
	uv pip compile --python-version 3.11 --generate-hashes requirements/app.in -o requirements/app.lock
	uv pip compile --python-version 3.10 --generate-hashes requirements/rasa.in -o requirements/rasa.lock

bench: setup keys train ## Speed benchmarks, the side-by-side load, `make run`'s first answer (QUICK=1: 2 s a row, no first answer; LANTERN_WORKERS=N)
	$(VENV)/bin/python bench/seal_bench.py --seconds 1
	$(VENV)/bin/python bench/firewall_bench.py
	$(VENV)/bin/python bench/screen_bench.py
	RASA_TELEMETRY_ENABLED=false PYTHONPATH=$(CURDIR) $(RASA_VENV)/bin/python bench/action_validation_bench.py
	RASA_TELEMETRY_ENABLED=false PYTHONPATH=$(CURDIR) $(RASA_VENV)/bin/python bench/rasa_ext_bench.py
	$(VENV)/bin/python bench/load.py $(if $(QUICK),--quick)
	$(if $(QUICK),,$(VENV)/bin/python bench/first_answer.py)

bench-quick: ## `make bench QUICK=1`: checks the load harness runs and prints its table
	$(MAKE) bench QUICK=1

screenshots: setup keys train ## Re-take the README's screenshots into docs/screenshots/ from real runs
	LANTERN_UPDATE_SCREENSHOTS=1 $(VENV)/bin/python -m pytest -q tests/emulator/test_page.py \
		tests/e2e/test_caseworker_journey.py

clean: ## Remove the trained model and test results (keeps var/ data and keys)
	rm -rf models var/results

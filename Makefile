# botcheck: `make demo` and `make test` work on a fresh machine with Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo demo-serve test lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "botcheck needs Python 3.11 or newer; set PYTHON=python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/botcheck demo

demo-serve: $(STAMP)
	$(BIN)/botcheck demo --serve

# A line per test file as it finishes (tests/progress.py) and the 15 slowest tests at the end.
test: $(STAMP)
	$(BIN)/python -m pytest -q -p tests.progress --durations=15

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache demo-reports *.egg-info

# Channel languages (reports/i18n.py): extract every marked string into the template and bring
# each catalog up to date (new strings come in empty; translate them in the .po, then run the
# tests: tests/reports/test_i18n.py fails while any string is untranslated or fuzzy).
LOCALES := fr ja es de pt
POT := reports/locale/botcheck.pot
.PHONY: messages
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k say -k nsay:1,2 -k N_ --no-location --omit-header \
		--sort-output -o $(POT) .
	for lang in $(LOCALES); do \
		$(BIN)/pybabel update -D botcheck -i $(POT) -d reports/locale -l $$lang \
			--init-missing --no-fuzzy-matching --ignore-obsolete || exit 1; \
	done

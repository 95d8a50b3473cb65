# Everything installs into .venv with the machine's python3; nothing else is needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench clean

# The main job: build the curated graph (cached), summarise it and answer a question from it.
run: $(STAMP)
	$(BIN)/kg build
	$(BIN)/kg stats --brief
	$(BIN)/kg fought JNIM --year 2024

# Debian's chromium (browser tests) and Virtuoso's server package alone (remote tests:
# virtuoso-opensource-7-bin has no init script, so no system-wide Virtuoso starts) and libfiu's
# fiu-run (tests/test_faults.py: I/O errors injected into every writing command).
test: $(STAMP)
	sh scripts/install-debian.sh browser /usr/bin/chromium chromium fonts-dejavu-core
	sh scripts/install-debian.sh Virtuoso /usr/bin/virtuoso-t virtuoso-opensource-7-bin
	sh scripts/install-debian.sh "fault injection" /usr/bin/fiu-run fiu-utils
	$(BIN)/ruff check kg tests bench
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check kg tests bench

bench: $(STAMP)
	$(BIN)/python bench/bench_cli.py

# pip's and the build backend's chatter (this machine's index notes, setuptools'
# "Editable installation" notice) goes to $(VENV)/install.log, shown only if the install fails.
$(STAMP): pyproject.toml
	@echo "setting up $(VENV) (pip install -e '.[test]'; log in $(VENV)/install.log)"
	@$(PYTHON) -m venv $(VENV)
	@{ $(BIN)/python -m pip install --upgrade pip && $(BIN)/python -m pip install -e '.[test]'; } \
		> $(VENV)/install.log 2>&1 || { tail -n 40 $(VENV)/install.log; exit 1; }
	@touch $(STAMP)

clean:
	rm -rf $(VENV) .pytest_cache

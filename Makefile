# Two commands: `make run` serves the workbench, `make test` checks everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KEY_FILE := .streamlit/pseudonym.key
PORT ?= 8501

.PHONY: run test lint audit lock install key chromium postgres bench bench-large docs sample clean

# Exactly the locked, hash-checked set; then the project itself, without resolving again.
$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

install: $(STAMP)

# Re-resolve pyproject.toml (runtime and every extra) for Python 3.11 on Linux, with
# hashes. Existing pins are kept where they still fit; `make lock LOCK_ARGS=--upgrade`
# moves everything to the newest releases.
lock: | $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --all-extras --generate-hashes \
		--python-version 3.11 --python-platform x86_64-unknown-linux-gnu \
		--custom-compile-command "make lock" --quiet $(LOCK_ARGS) --output-file requirements.lock

# A local pseudonymisation key for analyst mode, readable by the owner only.
$(KEY_FILE): | $(STAMP)
	mkdir -p .streamlit
	umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $(KEY_FILE)
	chmod 600 $(KEY_FILE)

key: $(KEY_FILE)

run: $(STAMP) $(KEY_FILE)
	INSIGHT_ROLE=$${INSIGHT_ROLE:-dpo} INSIGHT_PSEUDONYM_KEY_FILE=$${INSIGHT_PSEUDONYM_KEY_FILE:-$(KEY_FILE)} \
		$(BIN)/streamlit run app.py \
		--server.address 127.0.0.1 --server.port $(PORT) --browser.gatherUsageStats false

# The browser tests need a Chromium: from $$CHROMIUM / $$INSIGHT_CHROMIUM or on PATH.
# When there is none, install it with apt (through sudo when not root) where possible,
# and Chromium's headless shell beside it where the packages have one (reports print
# their PDF with it for a third of the CPU; without it they print with Chromium). A
# machine that has Chromium already is left as it is.
CHROMIUM_FOUND = test -n "$${CHROMIUM}$${INSIGHT_CHROMIUM}" \
	|| command -v chromium || command -v chromium-browser || command -v google-chrome
chromium:
	@{ $(CHROMIUM_FOUND); } >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
		if command -v apt-get >/dev/null 2>&1 && { [ -z "$$sudo" ] || command -v sudo >/dev/null 2>&1; }; then \
			echo "Installing Chromium (apt)"; \
			$$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -qq chromium >/dev/null \
			|| echo "Chromium could not be installed: the browser tests will be skipped"; \
			$$sudo env DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -qq chromium-headless-shell >/dev/null 2>&1 || true; \
		else \
			echo "No Chromium and no apt: set CHROMIUM=/path/to/chromium for the browser tests"; \
		fi; }

# The ledger tests start a PostgreSQL server of their own (tests/postgres_server.py) from
# Debian's package; when there is none, install it with apt (through sudo when not root).
POSTGRES_FOUND = test -n "$${INSIGHT_PG_BINDIR}" || ls /usr/lib/postgresql/*/bin/initdb \
	|| command -v initdb
postgres:
	@{ $(POSTGRES_FOUND); } >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi; \
		if command -v apt-get >/dev/null 2>&1 && { [ -z "$$sudo" ] || command -v sudo >/dev/null 2>&1; }; then \
			echo "Installing PostgreSQL (apt)"; \
			$$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -qq postgresql >/dev/null \
			|| echo "PostgreSQL could not be installed: the PostgreSQL ledger tests will fail on CI"; \
		else \
			echo "No PostgreSQL and no apt: set INSIGHT_PG_BINDIR to its bin folder"; \
		fi; }

LINT = $(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy && $(BIN)/lint-imports
# Known advisories against every locked package (skipped, with a note, when offline).
AUDIT = $(BIN)/python scripts/audit_lock.py requirements.lock

lint: $(STAMP)
	$(LINT)

audit: $(STAMP)
	$(AUDIT)

# The checks (lint, audit) run beside the tests and report after them: mypy's half
# minute from a fresh clone and the audit's wait on the network no longer hold them back.
# They run in a session of their own (`setsid`), stopped with the tests on Ctrl-C.
# While the checks start, one collection writes the tests' rewritten modules to
# __pycache__ (even where PYTHONDONTWRITEBYTECODE is set), so that each worker reads them
# instead of rewriting every test module again.
test: $(STAMP) chromium postgres
	@checks=$$(mktemp) || exit 2; \
	setsid sh -c '$(LINT); lint=$$?; $(AUDIT) && exit $$lint' >$$checks 2>&1 & pid=$$!; \
	trap 'kill -TERM -$$pid 2>/dev/null; rm -f $$checks; exit 130' INT TERM; \
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest --collect-only -q -n 0 -p no:cacheprovider >/dev/null; \
	$(BIN)/pytest -q; tests=$$?; \
	wait $$pid; checked=$$?; cat $$checks; rm -f $$checks; \
	if [ $$checked -ne 0 ]; then echo "make test: the checks above failed"; fi; \
	exit $$((tests != 0 || checked != 0))

# Generated docs: the rules reference from the rule registry, the sample's page from
# the committed sample and its planted cases (tests fail when either is stale).
docs: $(STAMP)
	$(BIN)/python -m insight_workbench.rules.reference docs/rules.md
	$(BIN)/python -m insight_workbench.sample.reference data/sample docs/sample.md

# Regenerate the committed sample (same seed, same bytes), its planted.json and its page.
SAMPLE_SEED := 7
sample: $(STAMP)
	$(BIN)/insight-workbench sample --out data/sample --seed $(SAMPLE_SEED)
	$(BIN)/python -m insight_workbench.sample.reference data/sample docs/sample.md

# Speed targets on the committed sample: `--help` under 0.3 s, check under 2 s, every page
# under 1 s warm. The start-up times go into benchmarks/results.md.
bench: $(STAMP)
	$(BIN)/python benchmarks/startup_bench.py
	$(BIN)/python benchmarks/check_bench.py data/sample
	$(BIN)/python benchmarks/pages_bench.py

# The large snapshot (`sample --preset large`, 41M rows, generated into build/): ingest,
# open, check and every rule, sar, schedule, usage, a report's data steps, peer rules in
# pandas and plain DuckDB, memory limits and scaling, each beside its floor and target.
# The "Large snapshot" section of benchmarks/results.md.
bench-large: $(STAMP)
	$(BIN)/python benchmarks/large_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

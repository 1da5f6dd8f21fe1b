# Two commands: `make run` serves the workbench, `make test` checks everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
KEY_FILE := .streamlit/pseudonym.key
PORT ?= 8501

.PHONY: run test lint install chromium bench bench-large docs sample clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

install: $(STAMP)

# A local pseudonymisation key for analyst mode, readable by the owner only.
$(KEY_FILE): | $(STAMP)
	mkdir -p .streamlit
	umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $(KEY_FILE)
	chmod 600 $(KEY_FILE)

run: $(STAMP) $(KEY_FILE)
	INSIGHT_ROLE=$${INSIGHT_ROLE:-dpo} INSIGHT_PSEUDONYM_KEY_FILE=$${INSIGHT_PSEUDONYM_KEY_FILE:-$(KEY_FILE)} \
		$(BIN)/streamlit run app.py \
		--server.address 127.0.0.1 --server.port $(PORT) --browser.gatherUsageStats false

# The browser tests drive Debian's Chromium; install it when it is missing.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Chromium (apt)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: $(STAMP) chromium lint
	$(BIN)/pytest -q

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

# Tens of millions of log rows: loading, the access rules and the usage tables.
bench-large: $(STAMP)
	$(BIN)/python benchmarks/load_bench.py --rows 10000000
	$(BIN)/python benchmarks/access_bench.py --rows 10000000
	$(BIN)/python benchmarks/usage_bench.py --generate build/usage-bench --logins 10000000

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

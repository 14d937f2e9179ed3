# Two commands for a newcomer: `make run` and `make test`. Both set up what they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint test-sqlite test-postgresql bench install install-test chromium wrk lock clean screenshot

# Every machine installs the exact versions of the lock files (`make lock` renews them).
$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.lock
	$(PY) -m pip install -q -r requirements-test.lock
	touch $@

# Renew the lock files from pyproject.toml (after changing a dependency, or to take upgrades).
LOCK := $(PY) -m piptools compile -q --strip-extras --no-emit-index-url --no-emit-find-links $(LOCK_ARGS)
lock:
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q pip-tools
	$(LOCK) --output-file requirements.lock pyproject.toml
	$(LOCK) --extra test -c requirements.lock --output-file requirements-test.lock pyproject.toml

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Debian's Chromium drives the browser tests; Playwright never downloads a browser.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null; \
	fi

# The demo's oauth2 integrations point at the bundled demo provider on this very server, on the
# port of this start (demo-oauth-url re-points them when the port changed since the first run).
DEMO_OAUTH_BASE_URL := http://$(HOST):$(PORT)/demo-oauth
run: install
	$(FLASK) db upgrade
	DEMO_OAUTH_BASE_URL=$(DEMO_OAUTH_BASE_URL) $(FLASK) seed-demo --if-empty
	DEMO_OAUTH_BASE_URL=$(DEMO_OAUTH_BASE_URL) $(FLASK) demo-oauth-url
	@echo "Serving http://$(HOST):$(PORT) with a job queue consumer beside it  (Ctrl-C stops both)"
	@DEMO_OAUTH_BASE_URL=$(DEMO_OAUTH_BASE_URL) $(VENV)/bin/huey_consumer app.jobs.worker.huey \
	    --workers 2 --worker-type thread --max-delay 2 --quiet & consumer=$$!; \
	  trap 'kill -TERM $$consumer 2>/dev/null; wait $$consumer' EXIT INT TERM; \
	  DEMO_OAUTH_BASE_URL=$(DEMO_OAUTH_BASE_URL) $(FLASK) run --host $(HOST) --port $(PORT)

# Renew docs/screenshot.png (the README's picture) from the current code and the demo data.
screenshot: install-test chromium
	$(PY) -m tests.readme_screenshot

# The two legs share nothing (each makes its own databases, queues, ports and Redis names), so they run
# side by side; each leg's output is printed whole when it ends.
test: install-test chromium
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgresql

lint: install-test
	@echo "== ruff =="
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

test-sqlite:
	@echo "== test suite on SQLite =="
	TEST_DATABASE=sqlite $(PY) -m pytest $(PYTEST_ARGS)

test-postgresql:
	@if $(PY) -m tests.pg_available; then \
	  echo "== test suite on PostgreSQL =="; \
	  TEST_DATABASE=postgresql $(PY) -m pytest $(PYTEST_ARGS); \
	else \
	  echo "== PostgreSQL leg skipped: no server answers on 127.0.0.1:5432 =="; \
	fi

# The benchmark's load generator is Debian's wrk (installed here when missing).
wrk:
	@if ! command -v wrk >/dev/null; then \
	  echo "Installing Debian's wrk for the benchmark"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; \
	fi

bench: install-test wrk
	$(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache test-artifacts

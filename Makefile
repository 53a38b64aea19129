# Two commands: `make demo` and `make test`. Both build .venv from uv.lock first.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
UV_VERSION := 0.13.9
UV = $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")
VENV := .venv
PYTEST_WORKERS ?= 2
VENDOR := kuznia/studio/static/vendor
CHROMIUM ?= /usr/bin/chromium

.PHONY: setup demo test lint bench clean browser load-tools

$(VENV)/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 || \
		$(PYTHON) -m pip install --quiet "uv==$(UV_VERSION)" || \
		$(PYTHON) -m pip install --quiet --user "uv==$(UV_VERSION)"
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

# Studio's chart library comes from the npm registry (package-lock.json), never from git.
$(VENDOR)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	mkdir -p $(VENDOR)
	cp node_modules/uplot/dist/uPlot.iife.min.js node_modules/uplot/dist/uPlot.min.css $(VENDOR)/
	@touch $@

# The Studio tests drive Debian's Chromium; install it when the machine lacks it (needs root).
browser:
	@test -x $(CHROMIUM) || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

setup: $(VENV)/.synced $(VENDOR)/.installed

demo: setup
	$(VENV)/bin/python examples/demo.py

lint: setup
	$(VENV)/bin/ruff check kuznia tests benchmarks examples
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

test: lint browser
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS)

# The serving benchmark drives both servers with wrk (Debian's package; needs root to install).
load-tools:
	@command -v wrk >/dev/null 2>&1 || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk)

bench: setup load-tools
	$(VENV)/bin/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) demo-workspace .pytest_cache .mypy_cache .ruff_cache node_modules $(VENDOR) test-artifacts

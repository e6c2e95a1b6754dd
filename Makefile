# community-sim: the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Find a Python >= 3.12 by itself: $PYTHON if set, then python3.13/3.12/python3 on
# PATH, then interpreters installed under pyenv, then /usr/local and /usr.
find_python = $(shell for c in "$$PYTHON" python3.12 python3.13 python3.14 python3 \
	$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV) \
	$$(ls -d /root/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV) \
	/usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do \
	  [ -n "$$c" ] && command -v "$$c" >/dev/null 2>&1 && \
	  "$$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null && \
	  { command -v "$$c"; break; }; done)

.PHONY: help venv demo test test-all test-browser bench browser-deps dashboard-assets dashboard clean

help:
	@echo "make demo      create .venv, install, run the flagship scenario (core vs blast), write plots + report"
	@echo "make test      fast test suite (what CI runs)"
	@echo "make test-all  every test, including slow ones and the browser test (fetches its assets once)"
	@echo "make dashboard interactive dashboard on http://127.0.0.1:8765 (fetches Solara's front-end files once)"
	@echo "make test-browser  drive the dashboard in headless Chromium (installs Debian's chromium if missing)"
	@echo "make bench     speed and memory benchmarks -> benchmarks/RESULTS.md"

$(STAMP): pyproject.toml requirements.lock
	@PYBIN="$(call find_python)"; \
	if [ -z "$$PYBIN" ]; then \
	  echo "error: community-sim needs Python >= 3.12 (Mesa 3.5 requires it) and none was found." >&2; \
	  echo "       Looked at \$$PYTHON, python3.1x/python3 on PATH, pyenv versions and /usr/bin." >&2; \
	  echo "       Install one (e.g. 'pyenv install 3.12') or run: make PYTHON=/path/to/python3.12 demo" >&2; \
	  exit 1; fi; \
	echo "Using $$PYBIN ($$($$PYBIN --version))"; \
	[ -x $(PY) ] || $$PYBIN -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip 2>&1 | grep -v "WARNING: Location" || true
	$(PY) -m pip install -q -c requirements.lock -e ".[test]" 2>&1 | grep -v "WARNING: Location" || true
	$(PY) -c "import sim, mesa; print('installed community-sim', sim.__version__, 'with mesa', mesa.__version__)"
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/community-sim run scenarios/core_vs_blast.toml --out results/demo

test: $(STAMP)
	$(PY) -m pytest -q -n 2

test-all: $(STAMP) dashboard-assets browser-deps
	$(PY) -m pytest -q -n 2 -m ""

# Solara loads its JS/CSS from a CDN unless they sit in the venv's proxy cache (npm registry, ~100 MB, once).
SOLARA_CDN := $(VENV)/share/solara/cdn
$(SOLARA_CDN)/.complete: scripts/fetch_solara_assets.sh | $(STAMP)
	scripts/fetch_solara_assets.sh $(VENV)
	@touch $@

dashboard-assets: $(SOLARA_CDN)/.complete

dashboard: $(STAMP) dashboard-assets
	$(VENV)/bin/community-sim dashboard

# Debian's Chromium for the browser test (never downloaded by Playwright).
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium; \
	fi
	@/usr/bin/chromium --version 2>/dev/null | tail -1

test-browser: $(STAMP) dashboard-assets browser-deps
	$(PY) -m pytest -q -p no:xdist -m browser tests/test_dashboard_browser.py

bench: $(STAMP)
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) results .pytest_cache

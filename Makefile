# mailcore: the two commands a user needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DATA ?= $(CURDIR)/data
DEMO_DOMAIN ?= example.com
DEMO_USER ?= demo@example.com
DEMO_PASSWORD ?= demo-password
MAILCORE := $(VENV)/bin/mailcore --data-dir $(DATA)

NPM ?= npm
FRONTEND_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) \
	$(wildcard frontend/index.html frontend/package.json frontend/package-lock.json frontend/vite.config.ts frontend/tsconfig.json)

.PHONY: run test lint typecheck pytest bench install clean frontend frontend-test

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# The web app: installed from the lock file, built when missing or older than its sources.
frontend/node_modules/.installed: frontend/package-lock.json
	cd frontend && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(NPM) ci --no-audit --no-fund --loglevel=error
	touch $@

frontend/dist/index.html: frontend/node_modules/.installed $(FRONTEND_SOURCES)
	cd frontend && $(NPM) run build
	touch $@

frontend: frontend/dist/index.html

frontend-test: install frontend/node_modules/.installed
	cd frontend && $(NPM) run typecheck && $(NPM) run lint && $(NPM) test && $(NPM) run check:api
	cd frontend && $(NPM) run build && $(NPM) run e2e

run: install frontend
	@$(PY) scripts/demo_setup.py --data-dir $(DATA) --domain $(DEMO_DOMAIN) --user $(DEMO_USER) --password $(DEMO_PASSWORD)
	@echo "demo account: $(DEMO_USER)  password: $(DEMO_PASSWORD)"
	exec $(MAILCORE) serve

test: install lint typecheck frontend pytest frontend-test

lint: install
	$(VENV)/bin/ruff check src apps tests benchmarks scripts

typecheck: install
	$(VENV)/bin/mypy

pytest: install
	$(VENV)/bin/pytest -q -p no:cacheprovider

bench: install
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info

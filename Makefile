# mailcore: the two commands a user needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DATA ?= $(CURDIR)/data
DEMO_DOMAIN ?= example.com
DEMO_USER ?= demo@example.com
DEMO_PASSWORD ?= demo-password
MAILCORE := $(VENV)/bin/mailcore --data-dir $(DATA)

.PHONY: run test lint typecheck pytest bench install clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: install
	@$(PY) scripts/demo_setup.py --data-dir $(DATA) --domain $(DEMO_DOMAIN) --user $(DEMO_USER) --password $(DEMO_PASSWORD)
	@echo "demo account: $(DEMO_USER)  password: $(DEMO_PASSWORD)"
	exec $(MAILCORE) serve

test: install lint typecheck pytest

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

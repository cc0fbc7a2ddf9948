# FitKart: `make run` serves the app with demo data; `make test` runs the whole suite.
VENV      := .venv
PYTHON    ?= python3
FLASK     := FITKART_ENV=$${FITKART_ENV:-development} FLASK_APP=wsgi $(VENV)/bin/flask
DEMO_USERS ?= 300
DEMO_DAYS  ?= 90
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run test lint format clean bench-fraud

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: install
	$(FLASK) db upgrade
	$(FLASK) seed initial
	$(FLASK) seed demo --users $(DEMO_USERS) --days $(DEMO_DAYS)
	$(FLASK) jobs run leaderboards
	$(FLASK) jobs run reconcile_wallets
	@echo ""
	@echo "FitKart is starting on http://$(HOST):$(PORT)"
	@echo "  development admin:  admin@fitkart.example / fitkart-admin"
	@echo "  demo member:        member1@demo.fitkart.example / fitkart-demo"
	@echo ""
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install
	$(VENV)/bin/pytest

# The labeled anti-cheat simulation: false flags and catches per pattern (bench/fraud/).
bench-fraud: install
	$(VENV)/bin/python -m bench.fraud

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis

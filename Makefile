# FitKart: `make run` serves the app with demo data; `make test` runs the whole suite;
# `make serve` runs gunicorn the way production does.
VENV      := .venv
PYTHON    ?= python3
FLASK     := FITKART_ENV=$${FITKART_ENV:-development} FLASK_APP=wsgi $(VENV)/bin/flask
DEMO_USERS ?= 300
DEMO_DAYS  ?= 90
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run serve test bench bench-fraud lint format clean totp-code

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
	@echo "    second factor:    run 'make totp-code' in another terminal for its 6-digit code"
	@echo "  demo member:        member1@demo.fitkart.example / fitkart-demo"
	@echo ""
	SCHEDULER_ENABLED=$${SCHEDULER_ENABLED:-true} $(FLASK) run --host $(HOST) --port $(PORT)

# The development admin's current authenticator code (development only).
totp-code:
	@$(FLASK) users totp-code $${EMAIL:-admin@fitkart.example}

# Production serving: gunicorn with gunicorn.conf.py (set SECRET_KEY, DATABASE_URL, REDIS_URL…).
serve: install
	FITKART_ENV=$${FITKART_ENV:-production} $(VENV)/bin/gunicorn -c gunicorn.conf.py wsgi:app

# Installs Debian's Chromium for the browser tests when missing and possible; else skips them.
# Ends with the coverage of app/ (files below 100%); `make test COVERAGE=` leaves it out.
COVERAGE ?= --cov=app --cov-report=term:skip-covered
test: install
	@if bash scripts/ensure-chromium.sh; then $(VENV)/bin/pytest $(COVERAGE) $(PYTEST_ARGS); \
	else FITKART_SKIP_BROWSER=1 $(VENV)/bin/pytest $(COVERAGE) $(PYTEST_ARGS); fi

# The load harness (bench/load/): gunicorn as in production, wrk at 1, 8 and 32 clients.
SCALE ?= tiny
bench: install
	$(VENV)/bin/python bench/load/harness.py --scale $(SCALE) $(BENCH_ARGS)

# The labeled anti-cheat simulation: false flags and catches per pattern (bench/fraud/).
bench-fraud: install
	$(VENV)/bin/python -m bench.fraud

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy app

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis .mypy_cache .coverage

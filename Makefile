# Two commands for a new user: `make run` (the demo, no external services) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test venv lint format migrate-check worker beat clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

venv: $(VENV)/.installed

# The demo: SQLite in ./db.sqlite3, tasks run in-process, email printed to the console (the day's reminders
# are sent once at start; `manage.py send_reminders --now` sends whatever is due since).
run: venv
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py load_regions
	DEBUG=1 $(BIN)/python manage.py load_demo
	DEBUG=1 $(BIN)/python manage.py send_reminders --now
	@echo "Admin: http://$(HOST):$(PORT)/admin/"
	@echo "Sign in with a demo login above, then its code: DEBUG=1 $(BIN)/python manage.py demo_code USERNAME"
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

# The database is DATABASE_URL if set, else the local PostgreSQL if it answers, else SQLite (the header says which).
# Locally the test database is kept between runs (new migrations are applied to it); CI (CI=true) builds it fresh.
test: venv
	$(BIN)/python -m pytest $(if $(filter true,$(CI)),--create-db,--reuse-db) $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate-check: venv
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

# Production-like: both need CELERY_BROKER_URL (Redis) and the same DATABASE_URL as the web process.
worker: venv
	$(BIN)/celery -A config worker --loglevel=INFO

# One beat per installation: it reads the schedules from the database (django-celery-beat).
beat: venv
	$(BIN)/celery -A config beat --loglevel=INFO

# Every path people use against its floor at the issue's scale (1M cases; persons with encrypted NIK and phone):
# floors answer the same JSON by raw SQL; sections read, intake, serve (BENCH_ARGS="--sections read,serve").
# PostgreSQL at DATABASE_URL (default: the local server), its own database BENCH_DB (default rehab_bench),
# gunicorn driven by wrk (apt-get install wrk). See README "Benchmarks".
# Then one morning's reminders (100,000 follow-ups due, 2,000 caseworkers) composed and sent through a local SMTP
# server, in its own database BENCH_REMINDERS_DB (default rehab_bench_reminders).
bench: venv
	$(BIN)/python bench/api.py $(BENCH_ARGS)
	$(BIN)/python bench/reminders.py $(BENCH_REMINDERS_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache .ruff_cache

# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run test test-sqlite test-postgres lint format bench-scheduling bench-scheduling-families bench-feeds bench-pages bench-load clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements.txt requirements-test.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $(VENV)/.installed $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

instance/secret_key: | $(VENV)/.installed
	$(BIN)/python -c "from pathlib import Path; from board.config import write_instance_secret; write_instance_secret(Path('instance'))"

# The demo is served over plain http on localhost, so it opts out of Secure cookies; its
# email goes to a local SMTP catcher (aiosmtpd) on port 1025, readable at
# /notifications/caught-mail; it stops with the server (Ctrl-C reaches both).
CATCHER_PORT ?= 1025
run: $(VENV)/.installed node_modules/.installed instance/secret_key
	$(BIN)/flask board setup-demo
	$(BIN)/python -m board.notifications.catcher --port $(CATCHER_PORT) --mailbox instance/caught-mail & \
	FLASK_SESSION_COOKIE_SECURE=false FLASK_MAIL_PORT=$(CATCHER_PORT) FLASK_MAIL_CATCHER_DIR=instance/caught-mail $(BIN)/flask board serve

test: $(VENV)/.installed-test node_modules/.installed lint
	$(BIN)/python -m pytest tests
	TEST_DATABASE=postgresql $(BIN)/python -m pytest tests/board

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench-scheduling: $(VENV)/.installed-test
	$(BIN)/python -m bench.scheduling --repeat 3

# every family and size once, with the 100 s HiGHS MIP at 2k and 5k: about 30 minutes
bench-scheduling-families: $(VENV)/.installed-test
	$(BIN)/python -m bench.scheduling_families

bench-pages: $(VENV)/.installed-test
	$(BIN)/python -m bench.pages

bench-feeds: $(VENV)/.installed-test
	command -v wrk || (apt-get update && apt-get install -y wrk)
	$(BIN)/python -m bench.feeds

bench-load: $(VENV)/.installed-test
	command -v hey || (apt-get update && apt-get install -y hey)
	$(BIN)/python -m bench.load

clean:
	rm -rf $(VENV) instance/*.sqlite3 .pytest_cache

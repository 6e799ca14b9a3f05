# The README's two commands: `make run` and `make test` (and `make serve`, the production set). All create .venv
# on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)
FLASK  := $(BIN)/flask --app app
PO     := $(wildcard trading/translations/*/LC_MESSAGES/messages.po)
MO     := $(PO:.po=.mo)

# `make run` is the training set-up: simulated clock, plain http on the loopback address
# (so the session cookie cannot be Secure there), key holders' keys may be kept on the server (a training set-up).
# Override any of them on the command line.
export TRADING_CLOCK ?= simulated
RUN_ENV := TRADING_SESSION_COOKIE_SECURE=false TRADING_REMEMBER_COOKIE_SECURE=false TRADING_SERVER_KEPT_HOLDER_KEYS=true

# `make serve` is the production set on this machine: gunicorn on 127.0.0.1:8000, PostgreSQL (the database
# `trading`, created if missing), Redis for the login counts and the job queue, one RQ worker and the clock step's
# scheduler (trading/serve.py); Ctrl-C stops them all. Its blobs have their own folder (init-db removes the blobs its
# database does not name, so two databases never share one). Its session cookie is Secure: for a trial over plain http,
# run `TRADING_SESSION_COOKIE_SECURE=false TRADING_REMEMBER_COOKIE_SECURE=false make serve`.
SERVE_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/trading
SERVE_REDIS_URL    ?= redis://127.0.0.1:6379/0
SERVE_ENV := DATABASE_URL=$(SERVE_DATABASE_URL) TRADING_JOBS=rq TRADING_REDIS_URL=$(SERVE_REDIS_URL) \
	TRADING_RATELIMIT_STORAGE_URI=$(SERVE_REDIS_URL) TRADING_SERVER_KEPT_HOLDER_KEYS=$${TRADING_SERVER_KEPT_HOLDER_KEYS:-true} \
	TRADING_BLOB_DIR=$${TRADING_BLOB_DIR:-$(CURDIR)/instance/serve-blobs}

.PHONY: run serve kek test lint bench messages clean-venv

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ >/dev/null

# The key-encryption key that wraps the platform's keys in instance/keys (trading/keyring.py). Unless
# TRADING_KEK is set, `make run` creates a training one once, owner-only, at TRADING_KEK_FILE or else
# ~/.config/trading-platform/kek (outside the project, so a copy of instance/ does not carry it).
kek: $(STAMP)
	@if [ -z "$$TRADING_KEK" ]; then $(BIN)/python -m trading.keyring new-kek $${TRADING_KEK_FILE:+"$$TRADING_KEK_FILE"}; fi

run: $(STAMP) $(MO) kek
	$(FLASK) init-db
	$(FLASK) demo --if-empty
	$(RUN_ENV) $(FLASK) run --host 127.0.0.1 --port 5000

serve: $(STAMP) $(MO) kek
	$(SERVE_ENV) $(BIN)/python -m trading.serve create-database
	$(SERVE_ENV) $(FLASK) init-db
	$(SERVE_ENV) $(FLASK) demo --if-empty
	$(SERVE_ENV) $(BIN)/python -m trading.serve

# The suite runs on every core (pytest-xdist, work stealing: the long files do not end up queued on one core);
# PYTEST_ARGS="-n0 ..." runs it in one process.
test: $(STAMP) $(MO)
	$(BIN)/python -m pytest -q -n auto --dist worksteal $(PYTEST_ARGS); status=$$?; [ $$status -eq 5 ] && exit 1 || exit $$status

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP) $(MO)
	for script in benchmarks/*.py; do $(BIN)/python $$script || exit 1; done

# Re-extract the translatable strings and merge them into the catalogues (then translate the new ones).
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _l -o trading/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i trading/translations/messages.pot -d trading/translations --no-fuzzy-matching

clean-venv:
	rm -rf $(VENV)

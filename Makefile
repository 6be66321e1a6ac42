# lawreq: `make run` for a first look, `make test` for the whole suite.
VENV ?= .venv
PY := $(VENV)/bin/python
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils chromium gettext
PYTEST_ARGS ?=
DEMO_PASSWORD_FILE := data/demo-password

.PHONY: run test lint bench migrations-check system-deps venv worker beat run-prod check-deploy lock scan fuzz

system-deps:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing system packages: $$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# Installs exactly the locked tree (hashes checked); `make lock` regenerates the lock files.
$(VENV)/.installed: requirements-dev.lock
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --require-hashes -r requirements-dev.lock
	touch $@

venv: $(VENV)/.installed

run: system-deps venv
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py collectstatic --noinput -v0
	@mkdir -p data; test -s $(DEMO_PASSWORD_FILE) || $(PY) -c "import secrets; print(secrets.token_urlsafe(12))" > $(DEMO_PASSWORD_FILE)
	$(PY) manage.py demo_setup --password "$$(cat $(DEMO_PASSWORD_FILE))"
	@echo; echo "Demo logins: officer.us officer.fr analyst reviewer auditor admin, password: $$(cat $(DEMO_PASSWORD_FILE))"
	@echo "Web UI http://127.0.0.1:8000/   API docs http://127.0.0.1:8000/api/docs/"; echo
	$(PY) manage.py runserver 127.0.0.1:8000

# Browser tests run on their own: Playwright's sync API leaves an event loop running in its
# process, which pyHanko's synchronous signing (asyncio.run) cannot share.
test: system-deps venv
	$(PY) -m pytest -n 2 --create-db -m "not browser and not fuzz" $(PYTEST_ARGS)
	$(PY) -m pytest --create-db -m browser $(PYTEST_ARGS)

# ruff (rules and formatting), then the import contract: the apps' layers never point back up.
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

migrations-check: venv
	$(PY) manage.py makemigrations --check --dry-run

bench: venv
	@for script in bench/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

worker: venv
	$(VENV)/bin/celery -A lawreq worker -l info

beat: venv
	$(VENV)/bin/celery -A lawreq beat -l info

# Production mode on real components (scripts/run-prod.sh): gunicorn, a Celery worker and beat, the
# audit sequencer, PostgreSQL as the application role, keys made once outside the repository.
run-prod: system-deps venv
	bash scripts/run-prod.sh

# The deployment check of production mode, in a production environment built for it (real keys in a
# temporary folder; the database is named, not reached).
check-deploy: venv
	bash scripts/check-deploy.sh

# The lock files of the whole dependency tree (pip-tools, hashes), from the requirements files.
lock: venv
	bash scripts/lock.sh

# bandit (no HIGH finding; reviewed ones in bandit.yaml) and pip-audit over the lock files.
scan: venv
	bash scripts/scan.sh

# schemathesis over the API schema, for each role and anonymously (tests/fuzz; FUZZ_EXAMPLES per operation).
fuzz: venv
	$(PY) -m pytest --create-db -m fuzz tests/fuzz $(PYTEST_ARGS)

# The two commands: `make run` and `make test`. Both create the virtualenv on first use and start
# an embedded PostgreSQL and Redis when DATABASE_URL / REDIS_URL are unset.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
PYTEST_ARGS ?=

.PHONY: run test test-citus lint bench bench-scale install clean-data demo-terminal screenshots

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

run: $(STAMP)
	$(PY) manage.py serve

# With `make run` serving: the demo terminal sells offline, then uploads its queue.
demo-terminal: $(STAMP)
	$(PY) manage.py sync_demo

# Browser tests (tests/browser) run when a Chromium is found, and the summary says plainly when
# they are skipped; POS_REQUIRE_BROWSER_TESTS=1 makes that an error (CI).
test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

# The tenant isolation, sync push/pull and sale concurrency tests against a local Citus cluster
# (deploy/citus/build.sh once, then deploy/citus/cluster.sh start; docs/operations.md). The test
# database test_pos is made by cluster.sh on every node and kept between runs (--reuse-db).
CITUS_TESTS ?= tests/test_isolation.py tests/sync/test_push.py tests/sync/test_pull.py \
	tests/sync/test_push_concurrency.py tests/sales/test_concurrency.py tests/reports/test_sales_hours.py \
	tests/citus
test-citus: $(STAMP)
	deploy/citus/cluster.sh start
	POS_CITUS=1 DATABASE_URL=$$(deploy/citus/cluster.sh url) nice -n 10 $(PY) -m pytest --reuse-db \
		$(CITUS_TESTS) $(PYTEST_ARGS)

# The browser tests, writing their screenshots into docs/images/.
screenshots: $(STAMP)
	POS_SCREENSHOTS=1 $(PY) -m pytest tests/browser $(PYTEST_ARGS)

# Lint, layers and type-check; the settings need a database URL to import, not a database.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	DATABASE_URL=postgres://lint@127.0.0.1:1/lint REDIS_URL=redis://127.0.0.1:1/0 SECRET_KEY=lint \
		$(VENV)/bin/mypy pos_platform shared_apps tenant_apps sync

bench: $(STAMP)
	$(PY) bench/provision.py
	$(PY) bench/migrate_noop.py
	$(PY) bench/billing_validate.py
	$(PY) bench/online_sale.py
	$(PY) bench/sync_ingest.py
	$(PY) bench/sales_hours.py
	$(PY) bench/copy_format.py
	$(PY) bench/db_binding.py
	$(PY) bench/pooling.py
	$(PY) bench/portal.py
	$(PY) bench/faults.py

# Many shops on one PostgreSQL (docs/performance.md): provisions up to SHOPS shops into a database
# kept between runs (pos_scale on POS_SCALE_DATABASE_URL's server, else the configured or embedded
# one), then measures migrate, requests, backend memory and the catalog at that size.
SHOPS ?= 1000
bench-scale: $(STAMP)
	nice -n 10 $(PY) bench/scale.py --shops $(SHOPS)

clean-data:
	rm -rf .data

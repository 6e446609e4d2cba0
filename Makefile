# Two commands on a fresh machine: `make run` (portal with demo data) and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
FLASK := $(VENV)/bin/flask --app wsgi
PORT ?= 5000
HOST ?= 127.0.0.1
PYTEST_ARGS ?=
# `make test` runs the suite on TEST_WORKERS processes (pytest-xdist; auto = one per core,
# 0 = all in this process). Each worker has its own database, live server and Chromium.
TEST_WORKERS ?= auto
# Every package `make install` installs, pinned with its hashes; `make lock` writes it.
LOCK := requirements.lock
# The W3C's Nu HTML Checker (tests/pages/test_markup.py), fetched from npm into the cache
# and checked against the tarball's sha256; it runs on the machine's Java (17+).
VNU_VERSION := 26.9.27
VNU_SHA256 := 5970d3ffca91a627cf0965e5d91bb2e4242307c29292998de0b419d6a901b2b7
VNU_DIR := .cache/vnu/$(VNU_VERSION)
export VNU_JAR := $(CURDIR)/$(VNU_DIR)/vnu.jar
# Chromium and Playwright write their profiles inside the project, nowhere else.
export XDG_CONFIG_HOME := $(CURDIR)/.config
export XDG_CACHE_HOME := $(CURDIR)/.cache
export PLAYWRIGHT_BROWSERS_PATH := $(CURDIR)/.cache/ms-playwright

.PHONY: install lock lint db run test serve clean vnu

# The lock pins pip and setuptools too: the project itself is then installed with the
# locked setuptools (no build isolation), so nothing unpinned is fetched. The lock is the
# whole set (pip-compile resolved it), so it is installed as it is, without resolving it
# again (--no-deps), and `pip check` then proves every requirement met, the project's own
# included: resolving again, the venv's first pip (Python 3.11's 23.2) took weasyprint's
# `fonttools[woff]` for an unpinned requirement once a newer fonttools was published.
$(VENV)/.installed: $(LOCK) pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install --quiet --require-hashes --no-deps -r $(LOCK)
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	$(PIP) check
	touch $@

install: $(VENV)/.installed

## make lock: re-resolve requirements.lock from the pins in pyproject.toml (pip-tools);
## versions already locked are kept unless LOCK_ARGS says otherwise (e.g. --upgrade-package NAME)
LOCK_ARGS ?=
lock: install
	$(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	  --no-emit-index-url --no-emit-find-links --extra test --extra dev $(LOCK_ARGS) \
	  --output-file $(LOCK) pyproject.toml

## make lint: ruff, then the import contracts ([tool.importlinter] in pyproject.toml)
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-logo --cache-dir .cache/import-linter

db: install
	$(FLASK) db upgrade
	$(FLASK) reference load

## make run: the portal with demo data at http://127.0.0.1:5000 (PORT=8000 changes it)
# `flask run` reads its host and port from these, and the app builds BASE_URL (the links in
# emails and share cards) from them unless BASE_URL is set (portal/config.py).
run: export FLASK_RUN_HOST := $(HOST)
run: export FLASK_RUN_PORT := $(PORT)
# The worker (outbox and periodic jobs) runs beside the development server and stops with it.
run: db
	$(FLASK) seed demo --if-empty
	$(FLASK) worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; $(FLASK) run

## make worker: the outbox and the periodic jobs (portal/worker.py), as production runs them
.PHONY: worker
worker: db
	$(FLASK) worker

$(VNU_JAR):
	mkdir -p $(VNU_DIR)
	cd $(VNU_DIR) && npm pack --silent --cache $(CURDIR)/.cache/npm vnu-jar@$(VNU_VERSION) >/dev/null
	cd $(VNU_DIR) && echo "$(VNU_SHA256)  vnu-jar-$(VNU_VERSION).tgz" | sha256sum --check --quiet
	cd $(VNU_DIR) && tar -xzf vnu-jar-$(VNU_VERSION).tgz -O package/build/dist/vnu.jar > vnu.jar.part
	mv $(VNU_DIR)/vnu.jar.part $(VNU_JAR) && rm $(VNU_DIR)/vnu-jar-$(VNU_VERSION).tgz

vnu: $(VNU_JAR)

## make test: the whole suite in parallel (SQLite; DATABASE_URL=postgresql+psycopg://... for PostgreSQL)
test: install $(VNU_JAR)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

## make serve: production-style, gunicorn on the same setup
serve: db
	$(VENV)/bin/gunicorn --no-control-socket -w 2 -b $(HOST):$(PORT) wsgi:app

clean:
	rm -rf $(VENV) .cache .config .pytest_cache

## make bench: server time, throughput and weights on the large set (BENCH_ARGS=--quick for a smoke run)
BENCH_ARGS ?=
.PHONY: bench
bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

## make load: load, races and faults against gunicorn (LOAD_SECONDS shortens the 60 s mix)
.PHONY: load
load: install
	$(PY) -m pytest -m load tests/load $(PYTEST_ARGS)

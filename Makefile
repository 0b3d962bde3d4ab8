# Two front doors: `make demo` runs the whole system on embedded defaults, `make test` runs the suite.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000

.PHONY: demo test install install-test lint bench-recharge bench-recharge-profile bench-sweep bench-freshness bench-command bench-settle bench-billrun bench-notify kiosk bench-kiosk bench-console bench-tenant clean

$(VENV)/.installed-server: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[server,worker]'
	touch $@

$(VENV)/.installed-test: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(VENV)/.installed-server $@

$(VENV)/.installed-kiosk: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[kiosk]'
	touch $@

install: $(VENV)/.installed-server

install-test: $(VENV)/.installed-test

demo: install
	PORT=$(PORT) $(PY) -m ops.demo

test: install-test
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install-test
	$(VENV)/bin/ruff check .

bench-recharge: install-test
	$(PY) -m ops.bench.recharge

bench-recharge-profile: install-test
	$(PY) -m ops.bench.recharge_profile -v

bench-sweep: install-test
	$(PY) -m ops.bench.sweep

bench-freshness: install-test
	$(PY) -m ops.bench.freshness

bench-command: install-test
	$(PY) -m ops.bench.command

bench-settle: install-test
	$(PY) -m ops.bench.settle

bench-billrun: install-test
	$(PY) -m ops.bench.billrun

bench-notify: install-test
	$(PY) -m ops.bench.notify

# The lobby kiosk against the running demo (start `make demo` first, same PORT).
kiosk: install $(VENV)/.installed-kiosk
	PORT=$(PORT) $(PY) -m ops.kiosk_demo

# Under Xvfb: start to home, keypad touch p95, sandbox approval to the done screen.
bench-kiosk: install-test
	$(PY) -m ops.bench.kiosk

bench-console: install-test
	$(PY) -m ops.bench.console

bench-tenant: install-test
	$(PY) -m ops.bench.tenant

clean:
	rm -rf $(VENV) instance/*.sqlite3 instance/redis .pytest_cache

PYTHON ?= python3

.PHONY: install test test-slow bench bench-quick

install:
	$(PYTHON) -m pip install -r requirements.txt
	$(PYTHON) -m pip install --no-deps -e .

test:
	$(PYTHON) -m pytest -q

test-slow:
	$(PYTHON) -m pytest -q -m slow

bench:
	$(PYTHON) -m benchmarks.all

bench-quick:
	$(PYTHON) -m benchmarks.all --quick

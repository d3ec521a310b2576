PYTHON ?= python3

.PHONY: install test test-slow bench

install:
	$(PYTHON) -m pip install -r requirements.txt
	$(PYTHON) -m pip install --no-deps -e .

test:
	$(PYTHON) -m pytest -q

test-slow:
	$(PYTHON) -m pytest -q -m slow

bench:
	$(PYTHON) -m benchmarks.run
	$(PYTHON) -m benchmarks.bicubic --sets Set5 Set14 --scales 2 3 4
	$(PYTHON) -m benchmarks.metrics_speed --n 100
	$(PYTHON) -m benchmarks.bench_dgpnet
	$(PYTHON) -m benchmarks.bench_darsr
	$(PYTHON) -m benchmarks.bench_inference_modes --lr_size 64 --repeats 2
	$(PYTHON) -m benchmarks.bench_training

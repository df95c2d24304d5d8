# Two entry points, each doing its own set-up on a fresh machine with Python 3:
#   make demo   - translate digits <-> restyled digits, print figures, save a PNG grid
#   make test   - run the whole test suite
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# torch/torchvision are pinned here (the set-up layer), not in pyproject.toml
TORCH_PIN := torch==2.14.1 torchvision==0.29.1

.PHONY: demo test install benchmark clean

$(VENV)/.installed: pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet $(TORCH_PIN)
	$(PY) -m pip install --quiet -e ".[dev,plot,dask]"
	touch $@

install: $(VENV)/.installed

demo: install
	$(PY) examples/demo.py

test: install
	$(PY) -m pytest -q

benchmark: install
	$(PY) benchmarks/throughput.py

clean:
	rm -rf $(VENV) demo_output

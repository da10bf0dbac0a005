# The two commands a new user types (see README.md).
.PHONY: run test lint bench

run:
	bash scripts/setup.sh
	.venv/bin/drumbeat run configs/scenarios/baseline.toml --out results/baseline --force

test:
	bash scripts/setup.sh --test
	MPLBACKEND=Agg .venv/bin/python -m pytest

lint:
	.venv/bin/ruff check simulation experiments tests benchmarks

bench:
	.venv/bin/python benchmarks/bench_core.py

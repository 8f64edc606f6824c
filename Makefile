# The two commands of the README: `make run` starts everything, `make test` runs the whole suite.
.PHONY: run test bench lint

run:
	./scripts/run.sh

test:
	./scripts/test.sh $(ARGS)

bench:
	./scripts/bench.sh

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/lint-imports --no-cache --no-logo

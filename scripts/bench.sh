#!/usr/bin/env bash
# Run the benchmarks (not part of the test suite). Results: benchmarks/results/*.json.
# Needs PostgreSQL and Redis like the tests; each benchmark starts its own app processes.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
.venv/bin/python -m benchmarks.live_fanout "$@"
.venv/bin/python -m benchmarks.vote_ingest.run
.venv/bin/python -m benchmarks.page_load
echo "The 30-minute soak runs separately: .venv/bin/python -m benchmarks.soak.run"

#!/usr/bin/env bash
# Run the whole test suite (unit, integration, simulation, end-to-end) against real PostgreSQL and
# Redis. Installs what it needs (venv, packages, bun, Chromium where the machine allows).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"

# Debian tools the suite drives: Chromium (browser tests), faketime (the suite at later dates),
# nginx (the app behind the README's reverse proxy: tests/integration/ops/test_nginx.py), promtool from
# prometheus (the alert rules' unit tests).
missing=()
for tool in /usr/bin/chromium:chromium /usr/bin/faketime:faketime /usr/sbin/nginx:nginx /usr/bin/promtool:prometheus; do
  [ -x "${tool%%:*}" ] || missing+=("${tool##*:}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing ${missing[*]} (Debian packages)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "The tests need ${missing[*]}: run 'sudo apt-get install ${missing[*]}'." >&2
    exit 1
  fi
fi

pg="${TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test}"
rd="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
.venv/bin/python - "$pg" "$rd" <<'PY' || exit 1
import sys, psycopg, redis
try:
    psycopg.connect(sys.argv[1], connect_timeout=5).close()
except Exception as exc:
    sys.exit(f"PostgreSQL is not reachable at {sys.argv[1]}: {exc}\nStart it (README, 'Testing') and retry.")
try:
    redis.Redis.from_url(sys.argv[2], socket_connect_timeout=5).ping()
except Exception as exc:
    sys.exit(f"Redis is not reachable at {sys.argv[2]}: {exc}\nStart it (README, 'Testing') and retry.")
PY

echo "==> ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "==> import-linter (layer contracts: .importlinter, docs/architecture.md)"
.venv/bin/lint-imports --no-cache --no-logo
if [ "$#" -gt 0 ]; then  # a chosen subset (e.g. `make test ARGS=tests/unit`): just that
  exec .venv/bin/pytest "$@"
fi
# Unit tests need no services (tests/conftest.py): run them first with PostgreSQL and Redis pointed
# at a closed port, which proves it on every run, then everything else with the real services.
echo "==> pytest tests/unit (PostgreSQL and Redis unreachable on purpose)"
TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:1/test TEST_REDIS_URL=redis://127.0.0.1:1 \
  .venv/bin/pytest tests/unit
# Then three lanes at once, each a pytest session with its own PostgreSQL database and Redis DB
# (TEST_REDIS_DB): much of the suite waits on sockets, workers and the browser, so on 2 cores this
# takes about half the time of running them one after another.
#   browser      tests/e2e: the app as `make run` starts it (SQLite) and a PostgreSQL variant
#   integration  tests/integration and tests/sim, each database test on SQLite and PostgreSQL; the
#                time-sensitive directories (DATED) only on PostgreSQL here, as later-dates runs
#                their SQLite half
#   later-dates  DATED at later machine dates: nothing may depend on the day the code was written
#                (DESIGN.md §13). Only the wall clock moves (libfaketime; scripts/faketime explains
#                the sleep shim): +1 year on SQLite, +3 years on PostgreSQL. So every dated test runs
#                on both databases and at three dates, and no (test, database) pair twice at a later
#                one. pytest-timeout's thread method: a hung test ends the run with every stack printed.
DATED=(tests/integration/sync tests/integration/sync_domain tests/sim tests/integration/voting tests/integration/fan)
logs="$PWD/data/test-logs"
rm -rf "$logs" && mkdir -p "$logs"
lane() {  # lane NAME REDIS_DB COMMAND...: run COMMAND in the background, output in $logs/NAME.log
  local name=$1 db=$2
  shift 2
  (
    start=$SECONDS
    # --durations: each log ends with its slowest tests, which is where the time budget goes.
    if TEST_REDIS_DB=$db PYTEST_ADDOPTS="--durations=25" "$@" >"$logs/$name.log" 2>&1; then rc=0; else rc=$?; fi
    echo "$rc $((SECONDS - start))" >"$logs/$name.rc"
    echo "    $name finished in $((SECONDS - start)) s ($([ "$rc" = 0 ] && echo passed || echo FAILED))"
  ) &
}
integration() {
  local rc=0 dated
  dated=$(printf -- '--ignore=%s ' "${DATED[@]}")  # (tests/sim is all DATED, so not named here)
  # shellcheck disable=SC2086  # one word per --ignore
  .venv/bin/pytest tests/integration $dated || rc=1
  echo "==> pytest ${DATED[*]} -k 'not sqlite' (today; their SQLite half runs in later-dates)"
  .venv/bin/pytest -k "not sqlite" "${DATED[@]}" || rc=1
  return "$rc"
}
later_dates() {
  local rc=0 when
  for when in "+1y not postgresql" "+3y not sqlite"; do
    echo "==> pytest at today ${when%% *} (libfaketime), -k '${when#* }': ${DATED[*]}"
    PYTHONPATH="$PWD/scripts/faketime" FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "${when%% *}" \
      .venv/bin/pytest -q --timeout-method=thread -k "${when#* }" "${DATED[@]}" || rc=1
  done
  return "$rc"
}
echo "==> pytest in three lanes (logs in data/test-logs/): browser, integration, later-dates"
lane browser 5 .venv/bin/pytest tests/e2e
lane integration 6 integration
lane later-dates 7 later_dates
wait
failed=0
for name in browser integration later-dates; do
  read -r rc took <"$logs/$name.rc"
  if [ "$rc" = 0 ]; then
    echo "==> $name: passed in $took s"
    grep -E "^=+ .*(passed|failed|error).* in |^[0-9]+ passed" "$logs/$name.log" | sed 's/^/    /'
  else
    echo "==> $name: FAILED in $took s (full log: data/test-logs/$name.log)"
    cat "$logs/$name.log"
    failed=1
  fi
done
exit "$failed"

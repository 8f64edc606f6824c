#!/usr/bin/env bash
# Run the whole test suite (unit, integration, simulation, end-to-end) against real PostgreSQL and
# Redis. Installs what it needs (venv, packages, bun, Chromium where the machine allows).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing Chromium for browser tests (Debian package)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Browser tests need Chromium at /usr/bin/chromium: run 'sudo apt-get install chromium'." >&2
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
echo "==> pytest"
exec .venv/bin/pytest "$@"

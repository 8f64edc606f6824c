#!/usr/bin/env bash
# Create .venv, install pinned packages (with the explicit redis override) and bun, idempotently.
# Sourced by scripts/run.sh and scripts/test.sh; exports PATH and Reflex's bun settings.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null 2>&1 || PY=python3
"$PY" -c 'import sys; assert sys.version_info[:2] >= (3, 11), "Python 3.11+ is required"'

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $("$PY" --version)"
  "$PY" -m venv .venv
fi
stamp=".venv/.requirements.sha"
want="$(cat requirements.txt overrides.txt | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "==> installing pinned packages"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check uv==0.13.9
  # arq 0.28 pins redis<6 but Reflex 0.10 needs redis>=6.4: overrides.txt lifts it (README, Dependencies).
  .venv/bin/uv pip install --quiet --python .venv/bin/python -r requirements.txt --override overrides.txt
  echo "$want" > "$stamp"
fi

# Reflex 0.10 wants Node 22 for npm; bun from the npm registry works on Node 20.
BUN_VERSION=1.4.4
if ! command -v bun >/dev/null 2>&1 && [ ! -x .tools/bun/node_modules/.bin/bun ]; then
  command -v npm >/dev/null 2>&1 || { echo "npm is required to install bun (apt-get install npm)"; exit 1; }
  echo "==> installing bun $BUN_VERSION from the npm registry"
  npm install --silent --prefix .tools/bun "bun@$BUN_VERSION" >/dev/null
fi
export PATH="$ROOT/.tools/bun/node_modules/.bin:$ROOT/.venv/bin:$PATH"
export REFLEX_USE_SYSTEM_BUN=1 REFLEX_CHECK_LATEST_VERSION=0 REFLEX_TELEMETRY_ENABLED=0

#!/usr/bin/env bash
# Start the whole app on embedded defaults: SQLite file, Redis (started if none), demo data,
# the local API simulator, the arq worker and the Reflex app. Ctrl-C stops everything.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/bootstrap.sh"
exec .venv/bin/python -m setlist_app.launcher "$@"

#!/usr/bin/env bash
# Install everything and run the app with demo data on SQLite (tasks run in-process).
# Usage: bash scripts/demo.sh            (then open http://127.0.0.1:8000; the demo logins are printed)
#   HOST=0.0.0.0 PORT=8000 SIZE=small|large bash scripts/demo.sh
# Safe to run again: seed_demo only adds what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
export DJANGO_SETTINGS_MODULE=config.settings.local
.venv/bin/python manage.py migrate --noinput
shown=$HOST; [ "$HOST" = 0.0.0.0 ] && shown=$(hostname -I 2>/dev/null | awk '{print $1}'); shown=${shown:-127.0.0.1}
.venv/bin/python manage.py seed_demo --size "${SIZE:-small}" --url "http://$shown:$PORT/"
exec .venv/bin/python manage.py runserver "$HOST:$PORT"

#!/usr/bin/env bash
# Install what the tests need and run the whole suite on PostgreSQL, with Redis for the Celery worker test.
# Usage: bash scripts/test.sh [pytest args]
#   DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test; pytest-django uses test_<name>)
#   CELERY_TEST_BROKER_URL (default redis://127.0.0.1:6379/15)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
bash scripts/services.sh
bash scripts/test-packages.sh || echo "WARNING: chromium, chromium-driver or poppler-utils could not be installed; the browser and PDF tests will fail." >&2
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -r requirements-test.txt
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
export CELERY_TEST_BROKER_URL=${CELERY_TEST_BROKER_URL:-redis://127.0.0.1:6379/15}
export DJANGO_SETTINGS_MODULE=config.settings.test
if ! out=$(.venv/bin/python manage.py makemigrations --check --dry-run 2>&1); then
  echo "$out" >&2
  echo "Models and migrations disagree: run manage.py makemigrations." >&2
  exit 1
fi
exec .venv/bin/python -m pytest "$@"

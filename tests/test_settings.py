"""Settings profiles: local runs with nothing else installed; production passes ``check --deploy``.

Each profile is loaded in a subprocess with a controlled environment, so the variables that
scripts/test.sh exports (DATABASE_URL, ...) do not leak into what is being checked.
"""
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
# Variables that choose backends; none of them may reach the subprocess unless the test sets it.
CONTROLLED = ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND",
              "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DJANGO_DEBUG", "REDIS_URL", "EMAIL_URL",
              "DJANGO_SECURE_SSL_REDIRECT", "DJANGO_SECURE_HSTS_SECONDS")


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in CONTROLLED}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True,
                          timeout=120)


def load(module: str, **env: str) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "from config.celery_app import app; "
        "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], 'name': str(s.DATABASES['default']['NAME']),"
        " 'eager': s.CELERY_TASK_ALWAYS_EAGER, 'broker': s.CELERY_BROKER_URL, 'debug': s.DEBUG,"
        " 'app_eager': app.conf.task_always_eager}))"
    )
    result = run(["-c", code], DJANGO_SETTINGS_MODULE=module, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def no_dotenv():
    if (ROOT / ".env").exists():
        pytest.skip(".env exists and overrides the defaults under test")


def test_local_defaults_to_sqlite_and_eager_tasks_without_a_broker(no_dotenv):
    local = load("config.settings.local")
    assert local["engine"] == "django.db.backends.sqlite3"
    assert local["name"].endswith("db.sqlite3")
    assert local["broker"] == ""
    assert local["eager"] is True and local["app_eager"] is True
    assert local["debug"] is True


def test_a_broker_url_turns_eager_mode_off(no_dotenv):
    local = load("config.settings.local", CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
                 DATABASE_URL="postgres://u:p@127.0.0.1:5432/x")
    assert local["eager"] is False and local["app_eager"] is False
    assert local["engine"] == "django.db.backends.postgresql"


def production_env(**extra) -> dict:
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),  # 67 random characters
        "DJANGO_ALLOWED_HOSTS": "dangjian.example.org",
        "DATABASE_URL": "postgres://branch:secret@127.0.0.1:5432/branch",
        **extra,
    }


def test_production_passes_check_deploy_without_warnings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **production_env())
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in result.stdout, output
    assert "WARNING" not in result.stdout and "?: (" not in output


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without_required_settings(missing):
    env = production_env()
    del env[missing]
    result = run(["manage.py", "check"], **env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_test_settings_run_tasks_eagerly_with_fast_hashing():
    from config.celery_app import app

    assert settings.CELERY_TASK_ALWAYS_EAGER is True and app.conf.task_always_eager is True
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"


def test_beat_schedule_names_registered_tasks():
    from config.celery_app import app

    app.loader.import_default_modules()
    schedule = app.conf.beat_schedule
    assert schedule["term-expiry-reminders"]["task"] == "branches.tasks.send_term_reminders"
    for entry in schedule.values():
        assert entry["task"] in app.tasks, f"{entry['task']} is scheduled but not registered"

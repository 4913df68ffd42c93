"""A real Celery worker on Redis runs ``branches.tasks.send_term_reminders`` against committed rows.

The rest of the suite runs tasks eagerly (config/settings/test.py). Here the project's Celery app is
pointed at Redis (``CELERY_TEST_BROKER_URL``, set by scripts/test.sh; default db 15), an embedded worker
thread consumes a queue private to this run (so parallel runs on the same Redis never take each other's
messages), and the eager configuration is put back afterwards. The test is ``transaction=True``: the
worker thread has its own database connection and only sees committed rows.

Without Redis the test fails when ``CI`` is set and is skipped otherwise.
"""
import datetime
import os
import uuid
from contextlib import contextmanager

import pytest
from celery.result import EagerResult
from celery.signals import task_postrun
from dateutil.relativedelta import relativedelta
from django.db import connections
from django.utils import timezone

from branches.choices import Role, UnitKind
from branches.models import CommitteeTerm, Notification, Reminder
from branches.services import appointment_create

from .factories import UserFactory, make_unit

BROKER_URL = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")
SAVED_KEYS = ("broker_url", "result_backend", "task_always_eager", "task_default_queue", "worker_hijack_root_logger")

pytestmark = pytest.mark.celery_worker


def _redis_client():
    import redis

    return redis.Redis.from_url(BROKER_URL, socket_connect_timeout=3, socket_timeout=3)


def _require_redis() -> None:
    try:
        _redis_client().ping()
    except Exception as exc:  # noqa: BLE001 - any failure to reach Redis means the same thing here
        message = (f"Redis at {BROKER_URL} is not reachable ({type(exc).__name__}: {exc}); "
                   "start it with scripts/services.sh or set CELERY_TEST_BROKER_URL")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _drop_cached_connections(app) -> None:
    """Forget the broker pool, producer pool, queues and result backend built from the old settings."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    amqp = app.__dict__.pop("amqp", None)  # cached_property: queues, router, producer pool
    if amqp is not None and amqp._producer_pool is not None:
        amqp._producer_pool.force_close_all()
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


@contextmanager
def broker_mode(app):
    """Point ``app`` at Redis with a private queue, then restore the eager test configuration."""
    saved = {key: app.conf[key] for key in SAVED_KEYS}
    queue = f"test-worker-{uuid.uuid4().hex[:12]}"
    app.conf.update(broker_url=BROKER_URL, result_backend=BROKER_URL, task_always_eager=False,
                    task_default_queue=queue, worker_hijack_root_logger=False)
    _drop_cached_connections(app)
    try:
        yield app
    finally:
        app.conf.update(saved)
        _drop_cached_connections(app)
        client = _redis_client()
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        client.close()


def _close_worker_db(sender=None, **kwargs):
    # Runs in the worker thread after each task: its connection must not outlive the test, or the
    # test database cannot be flushed and dropped.
    connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_term_reminders_once():
    from celery.contrib.testing.worker import start_worker

    from branches.tasks import send_term_reminders
    from config.celery_app import app

    _require_redis()
    broker_before = app.conf.broker_url
    today = timezone.localdate()
    committee = make_unit(None, kind=UnitKind.COMMITTEE, name="工作线程测试党委", code="CW001")
    branch = make_unit(committee, kind=UnitKind.BRANCH, name="工作线程测试党支部", code="CW001-B01")
    term = CommitteeTerm.objects.create(unit=branch, years=3,
                                        start_date=today - relativedelta(years=3) + datetime.timedelta(days=20))
    assert (term.end_date - today).days == 20
    secretary = UserFactory(username="worker_secretary")
    appointment_create(actor=None, user=secretary, unit=branch, role=Role.SECRETARY)

    task_postrun.connect(_close_worker_db, weak=False)
    try:
        with broker_mode(app), start_worker(app, perform_ping_check=False, pool="solo", concurrency=1,
                                             shutdown_timeout=30):
            first = send_term_reminders.delay()
            assert not isinstance(first, EagerResult)
            assert first.get(timeout=30) == 1
            again = send_term_reminders.delay()  # a second run finds the Reminder row and sends nothing
            assert again.get(timeout=30) == 0
            assert {first.status, again.status} == {"SUCCESS"}
            first.forget(), again.forget()
    finally:
        task_postrun.disconnect(_close_worker_db)

    reminder = Reminder.objects.get(unit=branch)
    assert reminder.key.startswith(f"term:{term.pk}:")
    notes = Notification.objects.filter(recipient=secretary, unit=branch)
    assert notes.count() == 1
    assert branch.name in notes.get().title

    assert app.conf.task_always_eager is True, "eager mode must be restored for the rest of the suite"
    assert app.conf.broker_url == broker_before
    assert isinstance(send_term_reminders.delay(), EagerResult)

"""The term-expiry reminder job: thresholds, recipients, once per unit and threshold, command and task."""
import datetime
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from branches.choices import Role
from branches.models import Notification, Reminder
from branches.reminders import REMINDER_KIND, term_reminders_send
from branches.services import appointment_create, term_create, unit_dissolve
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

D = datetime.date


@pytest.fixture
def term_a(admin_user, branch_a):
    # 3 years from 2024-01-15: ends 2027-01-15; 6 months before = 2026-07-15, 4 months = 2026-09-15,
    # 1 month = 2026-12-15, expired from 2027-01-16
    return term_create(actor=admin_user, unit=branch_a, start_date=D(2024, 1, 15))


def test_nothing_before_the_first_threshold(secretary, term_a):
    assert term_reminders_send(D(2026, 7, 14)) == 0
    assert not Notification.objects.exists()


def test_runs_twice_sends_once(secretary, term_a, branch_a):
    mail.outbox.clear()
    assert term_reminders_send(D(2026, 7, 15)) == 1
    assert term_reminders_send(D(2026, 7, 15)) == 0
    assert term_reminders_send(D(2026, 8, 1)) == 0  # same threshold, later day
    notes = list(Notification.objects.all())
    assert len(notes) == 1 and notes[0].recipient == secretary and notes[0].unit == branch_a
    assert "2027-01-15" in notes[0].title and branch_a.get_absolute_url() in notes[0].url
    assert Reminder.objects.get().key == f"term:{term_a.pk}:six_months"


def test_each_threshold_once(secretary, term_a):
    days = [D(2026, 7, 15), D(2026, 9, 15), D(2026, 12, 15), D(2027, 1, 15), D(2027, 1, 16), D(2027, 3, 1)]
    assert [term_reminders_send(d) for d in days] == [1, 1, 1, 0, 1, 0]
    assert sorted(Reminder.objects.values_list("key", flat=True)) == sorted(
        f"term:{term_a.pk}:{t}" for t in ("six_months", "request_due", "one_month", "expired"))
    titles = list(Notification.objects.order_by("pk").values_list("title", flat=True))
    assert "换届请示" in titles[1] and "2026-09-15" in titles[1]
    assert "expired" in titles[3]


def test_late_first_run_sends_only_the_most_advanced(secretary, term_a):
    assert term_reminders_send(D(2026, 12, 20)) == 1
    assert Reminder.objects.get().key.endswith(":one_month")


def test_new_term_resets_reminders(admin_user, secretary, branch_a, term_a):
    assert term_reminders_send(D(2026, 7, 15)) == 1
    with time_machine.travel(datetime.datetime(2027, 1, 10, 9, 0), tick=False):
        new = term_create(actor=admin_user, unit=branch_a, start_date=D(2027, 1, 10))
    # the replaced term sends nothing more; the new one starts afresh 6 months before its end
    assert term_reminders_send(D(2029, 7, 9)) == 0
    assert term_reminders_send(D(2029, 7, 10)) == 1
    assert Reminder.objects.filter(key__startswith=f"term:{new.pk}:").count() == 1


def test_no_secretary_goes_to_parent_admins(admin_user, branch_b):
    term_create(actor=admin_user, unit=branch_b, start_date=D(2023, 1, 10))  # expired
    viewer_b = UserFactory(username="viewer_b")
    appointment_create(actor=None, user=viewer_b, unit=branch_b, role=Role.VIEWER)
    assert term_reminders_send() == 1
    assert [n.recipient for n in Notification.objects.all()] == [admin_user]


def test_admins_of_the_nearest_superior_unit(admin_user, committee):
    from branches.choices import UnitKind
    from tests.factories import make_unit

    gb = make_unit(committee, kind=UnitKind.GENERAL_BRANCH, name="总支")
    branch = make_unit(gb, kind=UnitKind.BRANCH, name="总支下支部")
    gb_admin = UserFactory(username="gb_admin")
    appointment_create(actor=None, user=gb_admin, unit=gb, role=Role.ADMIN)
    term_create(actor=admin_user, unit=branch, start_date=D(2023, 1, 10))
    assert term_reminders_send() == 1
    assert [n.recipient for n in Notification.objects.all()] == [gb_admin]


def test_nobody_to_notify_records_nothing(committee):
    from branches.choices import UnitKind
    from tests.factories import make_unit

    lonely = make_unit(committee, kind=UnitKind.BRANCH, name="无人支部")
    term_create(actor=None, unit=lonely, start_date=D(2023, 1, 10))
    assert term_reminders_send() == 0
    assert not Reminder.objects.exists()


def test_dissolved_units_are_skipped(admin_user, secretary, branch_b):
    term_create(actor=admin_user, unit=branch_b, start_date=D(2023, 1, 10))
    unit_dissolve(actor=admin_user, unit=branch_b)
    assert term_reminders_send() == 0


def test_concurrent_insert_sends_nothing(monkeypatch, secretary, term_a):
    """A run that loses the race (the other inserted the row first) notifies nobody."""
    def raced(*args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint reminder_once")

    monkeypatch.setattr(Reminder.objects, "get_or_create", raced)
    assert term_reminders_send(D(2026, 7, 15)) == 0
    assert not Notification.objects.exists()


def test_existing_row_from_another_run_is_respected(secretary, term_a, branch_a):
    Reminder.objects.create(unit=branch_a, kind=REMINDER_KIND, key=f"term:{term_a.pk}:six_months")
    assert term_reminders_send(D(2026, 7, 15)) == 0
    assert not Notification.objects.exists()


def test_management_command(secretary, term_a):
    out = StringIO()
    call_command("send_term_reminders", "--date", "2026-07-15", stdout=out)
    assert out.getvalue().startswith("1 ")
    out = StringIO()
    call_command("send_term_reminders", "--date", "2026-07-15", stdout=out)
    assert out.getvalue().startswith("0 ")
    with pytest.raises(CommandError):
        call_command("send_term_reminders", "--date", "2026-13-01")


def test_management_command_defaults_to_today(secretary, admin_user, branch_b):
    term_create(actor=admin_user, unit=branch_b, start_date=D(2023, 1, 10))
    out = StringIO()
    call_command("send_term_reminders", stdout=out)
    assert out.getvalue().startswith("1 ")


def test_celery_task(admin_user, secretary, branch_b):
    from branches.tasks import send_term_reminders

    term_create(actor=admin_user, unit=branch_b, start_date=D(2023, 1, 10))
    assert send_term_reminders.apply().get() == 1
    assert send_term_reminders() == 0
    assert send_term_reminders.name == "branches.tasks.send_term_reminders"


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_send_once(admin_user, branch_a, secretary):
    """Two workers at the same moment (PostgreSQL: real row locks): exactly one reminder goes out."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs a database with concurrent writers")
    term_create(actor=admin_user, unit=branch_a, start_date=D(2023, 1, 10))
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(term_reminders_send(D(2026, 5, 20)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [0, 1]
    assert Notification.objects.count() == 1 and Reminder.objects.count() == 1

"""Meeting reminders: 7 days before a period ends without its required meeting and when it is overdue; once per
unit, type, period and phase however often the job runs (command and task)."""
import datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from branches.models import Notification, Reminder
from meetings.choices import MeetingType as T
from meetings.reminders import meeting_reminders_send
from meetings.tasks import send_meeting_reminders

from .conftest import make_meeting

pytestmark = pytest.mark.django_db
D = datetime.date


def _titles(user):
    return sorted(Notification.objects.filter(recipient=user).values_list("title", flat=True))


def branch_titles(user):
    return [t for t in _titles(user) if t.startswith("第一党支部")]


def test_due_then_overdue_once(branch_a, members_a, secretary):
    with time_machine.travel(datetime.datetime(2026, 5, 20, 8), tick=False):
        # all 2026 periods ended so far were met; the May theme day is not held yet
        for month in (1, 2, 3, 4):
            make_meeting(branch_a, meeting_type=T.THEME_DAY, date=D(2026, month, 8))
        make_meeting(branch_a, meeting_type=T.GENERAL, date=D(2026, 2, 8))
        make_meeting(branch_a, meeting_type=T.LECTURE, date=D(2026, 3, 8), lecturer=members_a[0], lecture_title="党课")
        for t in (T.ORG_LIFE, T.APPRAISAL):
            make_meeting(branch_a, meeting_type=t, date=D(2025, 12, 8))
        make_meeting(branch_a, meeting_type=T.TALK, date=D(2025, 12, 9), host=members_a[0], partner=members_a[1])
        for m in range(1, 13):
            make_meeting(branch_a, meeting_type=T.THEME_DAY, date=D(2025, m, 8))
        for m in (2, 5, 8, 11):
            make_meeting(branch_a, meeting_type=T.GENERAL, date=D(2025, m, 9))
            make_meeting(branch_a, meeting_type=T.LECTURE, date=D(2025, m, 9), lecturer=members_a[0], lecture_title="课")
        meeting_reminders_send(D(2026, 5, 20))         # 11 days before the end of May: too early for the branch
        assert branch_titles(secretary) == []
    meeting_reminders_send(D(2026, 5, 25))              # 6 days left
    assert branch_titles(secretary) == ["第一党支部: Theme party day still to hold by 2026-05-31"]
    assert meeting_reminders_send(D(2026, 5, 25)) == 0  # run twice: sent once
    meeting_reminders_send(D(2026, 5, 31))
    assert len(branch_titles(secretary)) == 1
    meeting_reminders_send(D(2026, 6, 1))               # overdue
    assert meeting_reminders_send(D(2026, 6, 1)) == 0
    meeting_reminders_send(D(2026, 6, 2))
    assert Reminder.objects.filter(kind="meeting_frequency", unit=branch_a).count() == 2
    assert len(branch_titles(secretary)) == 2
    assert any("overdue for 2026年5月" in t for t in branch_titles(secretary))


def test_party_group_reminds_the_branch_secretary(branch_a, group_a, members_a, secretary):
    sent = meeting_reminders_send(D(2026, 5, 26))
    assert sent >= 2
    assert Reminder.objects.filter(unit=group_a, key__startswith="group:2026-05:due").exists()
    assert any(t.startswith("第一党小组") for t in _titles(secretary))


def test_nobody_to_notify_records_nothing(branch_b):
    assert meeting_reminders_send(D(2026, 5, 26)) == 0
    assert not Reminder.objects.filter(unit=branch_b).exists()


def test_command_and_task(branch_a, members_a, secretary):
    out = StringIO()
    with time_machine.travel(datetime.datetime(2026, 5, 26, 8), tick=False):
        call_command("send_meeting_reminders", stdout=out)
        first = int(out.getvalue().split()[0])
        assert first > 0
        assert send_meeting_reminders() == 0
    out = StringIO()
    call_command("send_meeting_reminders", "--date", "2026-05-26", stdout=out)
    assert out.getvalue().startswith("0 meeting reminder")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("send_meeting_reminders", "--date", "26.5.2026")

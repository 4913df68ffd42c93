"""Membership-development reminders: each rule on its first day (not the day before), once per person, item and
period however often the job runs; recipients; the command, the Celery task and the beat entry; query counts."""
import datetime
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.choices import Role, UnitKind
from branches.models import Notification, Reminder
from branches.services import appointment_create
from members.choices import MemberStatus as S
from members.models import DevelopmentPolicy, DevelopmentStepKind as K
from members.pipeline import pipeline_record_step, pipeline_state, pipeline_timeline
from members.reminders import REMINDER_KIND, calendar_period, development_reminders_send
from tests.factories import UserFactory, make_unit

from .helpers import person
from .test_pipeline import walk

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture(autouse=True)
def _clock():
    """Steps are recorded as of 2026-07-01 (the service refuses future dates); the job gets ``today=``."""
    with time_machine.travel(datetime.datetime(2026, 7, 1, 10, 0), tick=False):
        yield


def keys(p=None):
    qs = Reminder.objects.filter(kind=REMINDER_KIND)
    if p is not None:
        qs = qs.filter(key__startswith=f"{p.pk}:")
    return sorted(qs.values_list("key", flat=True))


def runs(days):
    return [development_reminders_send(d) for d in days]


# -- calendar periods -----------------------------------------------------------------------------------------

def test_calendar_periods():
    assert calendar_period(D(2026, 5, 20), 3) == (D(2026, 4, 1), D(2026, 6, 30), "2026Q2")
    assert calendar_period(D(2026, 12, 31), 3) == (D(2026, 10, 1), D(2026, 12, 31), "2026Q4")
    assert calendar_period(D(2026, 7, 1), 6) == (D(2026, 7, 1), D(2026, 12, 31), "2026H2")
    assert calendar_period(D(2026, 2, 28), 2)[1] == D(2026, 2, 28)


# -- each rule ------------------------------------------------------------------------------------------------

def test_talk_due_seven_days_before_and_once(branch_a, secretary):
    p = person(branch_a, name="申请人", status=S.APPLICANT, birth=D(1995, 3, 1))
    pipeline_record_step(actor=secretary, person=p, kind=K.APPLICATION, date=D(2026, 1, 10))
    # due 2026-02-10 (1 month), as the timeline says
    item = next(i for i in pipeline_timeline(pipeline_state(p), D(2026, 2, 1)) if i.kind == K.TALK)
    assert item.latest == D(2026, 2, 10)
    assert runs([D(2026, 2, 2), D(2026, 2, 3), D(2026, 2, 3), D(2026, 2, 11), D(2026, 3, 1)]) == [0, 1, 0, 0, 0]
    assert keys(p) == [f"{p.pk}:talk:2026-02-10"]
    note = Notification.objects.get()
    assert note.recipient == secretary and note.unit == branch_a
    assert note.url == reverse("members:person_pipeline", args=[p.pk])
    assert "申请人" in note.title and "due by 2026-02-10" in note.title
    assert "within 1 month(s) of the application of 2026-01-10" in note.body and "7 days" in note.body


def test_talk_recorded_or_overdue_first_run(branch_a, secretary):
    done = person(branch_a, name="已谈话", status=S.APPLICANT, birth=D(1995, 3, 1))
    late = person(branch_a, name="未谈话", status=S.APPLICANT, birth=D(1995, 3, 1))
    for p in (done, late):
        pipeline_record_step(actor=secretary, person=p, kind=K.APPLICATION, date=D(2026, 1, 10))
    pipeline_record_step(actor=secretary, person=done, kind=K.TALK, date=D(2026, 1, 20))
    assert development_reminders_send(D(2026, 4, 1)) == 1        # a first run long after the date: overdue
    assert keys() == [f"{late.pk}:talk:2026-02-10"]
    assert "overdue" in Notification.objects.get().title


def test_committee_rule_moves_the_talk_date(committee, branch_a, secretary):
    DevelopmentPolicy.objects.create(unit=committee, key="talk_within_months", value=2, effective_from=D(2020, 1, 1))
    p = person(branch_a, name="申请人", status=S.APPLICANT, birth=D(1995, 3, 1))
    pipeline_record_step(actor=secretary, person=p, kind=K.APPLICATION, date=D(2026, 1, 10))
    assert runs([D(2026, 2, 3), D(2026, 3, 2), D(2026, 3, 3)]) == [0, 0, 1]
    assert keys(p) == [f"{p.pk}:talk:2026-03-10"]
    assert "测试党委" in Notification.objects.get().body


def test_thought_report_and_inspection_each_period(branch_a, secretary):
    act = person(branch_a, name="积极分子", status=S.ACTIVIST, application_date=D(2025, 12, 1),
                 activist_date=D(2026, 3, 1))
    # Q2 and H1 both end on 2026-06-30: 15 days before is 06-15
    assert runs([D(2026, 6, 14), D(2026, 6, 15), D(2026, 6, 20), D(2026, 6, 30)]) == [0, 2, 0, 0]
    assert keys(act) == [f"{act.pk}:inspection:2026H1", f"{act.pk}:thought_report:2026Q2"]
    # Q3 ends 09-30: the thought report again, the inspection (H2, ends 12-31) not yet
    assert runs([D(2026, 9, 14), D(2026, 9, 15), D(2026, 9, 16)]) == [0, 1, 0]
    assert f"{act.pk}:thought_report:2026Q3" in keys(act)
    titles = list(Notification.objects.order_by("pk").values_list("title", flat=True))
    assert "2026Q2" in titles[0] + titles[1] and "2026-06-30" in titles[0]
    body = Notification.objects.filter(title__contains="thought report").first().body
    assert "every 3 months" in body and "15 days" in body


def test_a_report_in_the_period_means_no_reminder(branch_a, secretary):
    act = person(branch_a, name="积极分子", status=S.ACTIVIST, application_date=D(2025, 12, 1),
                 activist_date=D(2026, 3, 1))
    pipeline_record_step(actor=secretary, person=act, kind=K.THOUGHT_REPORT, date=D(2026, 4, 2))
    pipeline_record_step(actor=secretary, person=act, kind=K.INSPECTION, date=D(2026, 3, 31))     # in H1
    assert development_reminders_send(D(2026, 6, 15)) == 0
    pipeline_record_step(actor=secretary, person=act, kind=K.THOUGHT_REPORT, date=D(2026, 3, 31))
    assert development_reminders_send(D(2026, 9, 15)) == 1      # a report in Q1/Q2 does not cover Q3


def test_who_gets_which_periodic_reminder(branch_a, secretary):
    cand = person(branch_a, name="发展对象", status=S.CANDIDATE, application_date=D(2023, 1, 1),
                  activist_date=D(2023, 3, 1), candidate_date=D(2024, 3, 2))
    prob = person(branch_a, name="预备党员", status=S.PROBATIONARY, application_date=D(2023, 1, 1),
                  activist_date=D(2023, 3, 1), candidate_date=D(2024, 3, 2), admission_date=D(2026, 1, 10))
    person(branch_a, name="正式党员")
    applicant = person(branch_a, name="申请人", status=S.APPLICANT)
    assert development_reminders_send(D(2026, 6, 15)) == 3
    assert keys(cand) == [f"{cand.pk}:inspection:2026H1", f"{cand.pk}:thought_report:2026Q2"]
    assert keys(prob) == [f"{prob.pk}:thought_report:2026Q2"]
    assert keys(applicant) == []


def test_one_year_activist_mark(branch_a, secretary):
    act = person(branch_a, name="积极分子", status=S.ACTIVIST, application_date=D(2025, 3, 1),
                 activist_date=D(2025, 5, 10))
    item = next(i for i in pipeline_timeline(pipeline_state(act), D(2026, 5, 1)) if i.kind == K.CANDIDATE_DECISION)
    assert item.earliest == D(2026, 5, 10)
    assert runs([D(2026, 5, 9), D(2026, 5, 10), D(2026, 5, 11), D(2026, 5, 30)]) == [0, 1, 0, 0]
    assert keys(act) == [f"{act.pk}:activist_year:2026-05-10"]
    assert "candidate decision is possible from 2026-05-10" in Notification.objects.get().title


def test_approval_approaching_then_passed(branch_a, secretary, full_members):
    cand = walk(person(branch_a, name="王申请", status=S.APPLICANT, birth=D(1995, 3, 1)), full_members, secretary,
                until=K.COMMITTEE_APPROVAL)
    assert cand.status == S.CANDIDATE
    # vote 2025-05-20: due 2025-08-20 (3 months), lapses after 2025-11-20 (6 months)
    approval = next(i for i in pipeline_timeline(pipeline_state(cand), D(2025, 7, 1)) if i.kind == K.COMMITTEE_APPROVAL)
    assert approval.latest == D(2025, 8, 20)
    days = [D(2025, 7, 20), D(2025, 7, 21), D(2025, 8, 1), D(2025, 8, 20), D(2025, 8, 21), D(2025, 10, 1),
            D(2025, 11, 21)]
    sent = runs(days)
    assert sent == [0, 1, 0, 0, 1, 0, 0]
    assert keys(cand) == [f"{cand.pk}:approval_approaching:2025-05-20", f"{cand.pk}:approval_passed:2025-05-20"]
    last = Notification.objects.order_by("-pk").first()
    assert "was due by 2025-08-20" in last.title and "2025-11-20" in last.title


def test_approved_means_no_approval_reminder(branch_a, secretary, full_members):
    walk(person(branch_a, name="王申请", status=S.APPLICANT, birth=D(1995, 3, 1)), full_members, secretary,
         until=K.OATH)
    assert development_reminders_send(D(2025, 8, 21)) == 0


def test_probation_ending(branch_a, secretary, full_members):
    prob = walk(person(branch_a, name="王申请", status=S.APPLICANT, birth=D(1995, 3, 1)), full_members, secretary,
                until=K.FULL_APPLICATION)
    assert pipeline_state(prob).probation_end() == D(2026, 5, 20)
    assert runs([D(2026, 4, 19), D(2026, 4, 20), D(2026, 5, 19), D(2026, 5, 20)]) == [0, 1, 0, 0]
    assert keys(prob) == [f"{prob.pk}:probation_end:2026-05-20"]
    assert "probation ends on 2026-05-20" in Notification.objects.get().title


def test_probation_ending_not_after_full_approval(branch_a, secretary, full_members):
    full = walk(person(branch_a, name="王申请", status=S.APPLICANT, birth=D(1995, 3, 1)), full_members, secretary)
    assert full.status == S.FULL
    assert development_reminders_send(D(2026, 4, 20)) == 0


def test_extension_ending(branch_a, secretary, full_members):
    prob = walk(person(branch_a, name="王申请", status=S.APPLICANT, birth=D(1995, 3, 1)), full_members, secretary,
                until=K.FULL_APPROVAL)
    pipeline_record_step(actor=secretary, person=prob, kind=K.FULL_APPROVAL, date=D(2026, 6, 1),
                         extra={"passed": False})
    pipeline_record_step(actor=secretary, person=prob, kind=K.PROBATION_EXTENDED, date=D(2026, 6, 10),
                         extra={"months": 6})
    assert pipeline_state(prob).probation_end() == D(2026, 11, 20)
    assert runs([D(2026, 10, 20), D(2026, 10, 21), D(2026, 11, 1), D(2026, 11, 20)]) == [0, 1, 0, 0]
    assert keys(prob) == [f"{prob.pk}:extension_end:2026-11-20"]
    note = Notification.objects.get()
    assert "extended probation ends on 2026-11-20" in note.title and "extended on 2026-06-10" in note.body


# -- recipients, once, robustness -----------------------------------------------------------------------------

def _activist_at_mark(unit, name="积极分子"):
    """An activist whose one-year mark is 2026-05-10 (no other rule is due that day)."""
    return person(unit, name=name, status=S.ACTIVIST, application_date=D(2025, 3, 1), activist_date=D(2025, 5, 10))


def test_email_to_the_secretary(branch_a, secretary, django_capture_on_commit_callbacks):
    _activist_at_mark(branch_a)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert development_reminders_send(D(2026, 5, 10)) == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [secretary.email]
    assert "积极分子" in mail.outbox[0].subject and "at least 12 months" in mail.outbox[0].body


def test_no_secretary_goes_to_the_nearest_unit_above_with_one(committee, branch_b, secretary, admin_user):
    gb = make_unit(committee, kind=UnitKind.GENERAL_BRANCH, name="总支")
    branch = make_unit(gb, kind=UnitKind.BRANCH, name="总支下支部")
    gb_secretary = UserFactory(username="gb_secretary")
    appointment_create(actor=None, user=gb_secretary, unit=gb, role=Role.SECRETARY)
    committee_secretary = UserFactory(username="c_secretary")
    appointment_create(actor=None, user=committee_secretary, unit=committee, role=Role.SECRETARY)
    viewer_b = UserFactory(username="viewer_b")
    appointment_create(actor=None, user=viewer_b, unit=branch_b, role=Role.VIEWER)
    in_branch = _activist_at_mark(branch, "总支下")
    in_b = _activist_at_mark(branch_b, "二支部")
    assert development_reminders_send(D(2026, 5, 10)) == 2
    assert [n.recipient for n in Notification.objects.filter(url__contains=f"/{in_branch.pk}/")] == [gb_secretary]
    assert [n.recipient for n in Notification.objects.filter(url__contains=f"/{in_b.pk}/")] == [committee_secretary]
    assert secretary not in [n.recipient for n in Notification.objects.all()]   # branch_a's secretary: not theirs


def test_nobody_to_notify_records_nothing(db):
    lonely_c = make_unit(None, kind=UnitKind.COMMITTEE, name="无人党委")
    lonely = make_unit(lonely_c, kind=UnitKind.BRANCH, name="无人支部")
    _activist_at_mark(lonely)
    assert development_reminders_send(D(2026, 5, 10)) == 0
    assert not Reminder.objects.exists()


def test_people_who_left_are_skipped(branch_a, secretary):
    person(branch_a, name="退出", status=S.WITHDREW, application_date=D(2025, 3, 1), activist_date=D(2025, 5, 10),
           left_date=D(2026, 1, 1))
    assert development_reminders_send(D(2026, 5, 10)) == 0


def test_existing_row_from_another_run_is_respected(branch_a, secretary):
    act = _activist_at_mark(branch_a)
    Reminder.objects.create(unit=branch_a, kind=REMINDER_KIND, key=f"{act.pk}:activist_year:2026-05-10")
    assert development_reminders_send(D(2026, 5, 10)) == 0
    assert not Notification.objects.exists()


def test_concurrent_insert_sends_nothing(monkeypatch, branch_a, secretary):
    def raced(*args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint reminder_once")

    _activist_at_mark(branch_a)
    monkeypatch.setattr(Reminder.objects, "create", raced)
    assert development_reminders_send(D(2026, 5, 10)) == 0
    assert not Notification.objects.exists()


def test_an_activist_without_activist_date_gets_no_mark(branch_a, secretary):
    undated = person(branch_a, name="无日期", status=S.ACTIVIST)
    ok = _activist_at_mark(branch_a)
    assert development_reminders_send(D(2026, 5, 10)) == 1
    assert keys(ok) and not keys(undated)


def test_an_error_for_one_person_does_not_stop_the_others(monkeypatch, branch_a, secretary):
    from members import reminders

    real = reminders._activist_year

    def fails_for_one(state, today, timeline):
        if state.person.name == "坏记录":
            raise TypeError("inconsistent data")
        return real(state, today, timeline)

    monkeypatch.setattr(reminders, "_activist_year", fails_for_one)
    bad, ok = _activist_at_mark(branch_a, "坏记录"), _activist_at_mark(branch_a, "好记录")
    assert development_reminders_send(D(2026, 5, 10)) == 1
    assert keys(ok) and not keys(bad)


def test_default_day_is_today(branch_a, secretary):
    _activist_at_mark(branch_a)
    with time_machine.travel(datetime.datetime(2026, 5, 9, 10, 0), tick=False):
        assert development_reminders_send() == 0
    with time_machine.travel(datetime.datetime(2026, 5, 10, 8, 0), tick=False):
        assert development_reminders_send() == 1
        assert development_reminders_send() == 0


# -- queries --------------------------------------------------------------------------------------------------

def test_queries_do_not_grow_with_the_number_of_people(branch_a, branch_b, secretary):
    """Evaluating any number of people is a fixed number of queries (sent keys, policy rows, holidays, people,
    steps); sending adds one query for the recipients and a fixed few per reminder (savepoint, the Reminder
    row, the notifications, release)."""
    appointment_create(actor=None, user=UserFactory(username="sec_b"), unit=branch_b, role=Role.SECRETARY)
    day = D(2026, 5, 10)

    def add(n, offset):
        for i in range(n):
            p = _activist_at_mark(branch_a if i % 2 else branch_b, f"积极分子{offset + i}")
            pipeline_record_step(actor=secretary, person=p, kind=K.THOUGHT_REPORT, date=D(2025, 6, 1))

    def measure():
        with CaptureQueriesContext(connection) as ctx:
            sent = development_reminders_send(day)
        return sent, len(ctx)

    add(2, 0)
    sent_2, first_2 = measure()
    again_2 = measure()
    add(6, 10)
    sent_6, first_6 = measure()
    again_6 = measure()
    assert (sent_2, sent_6) == (2, 6)
    assert again_2 == again_6 == (0, again_2[1])           # evaluation only: constant in the number of people
    assert again_2[1] <= 6
    # sending: one query for the recipients of all units, then a fixed few per reminder sent
    extra_2, extra_6 = first_2 - again_2[1], first_6 - again_6[1]
    per_send = (extra_6 - extra_2) / 4
    assert extra_2 == 1 + 2 * per_send
    assert per_send <= 5


# -- command, task, beat --------------------------------------------------------------------------------------

def test_management_command(branch_a, secretary):
    _activist_at_mark(branch_a)
    out = StringIO()
    call_command("send_development_reminders", "--date", "2026-05-10", stdout=out)
    assert out.getvalue().startswith("1 ")
    out = StringIO()
    call_command("send_development_reminders", "--date", "2026-05-10", stdout=out)
    assert out.getvalue().startswith("0 ")
    with pytest.raises(CommandError):
        call_command("send_development_reminders", "--date", "2026-13-01")


def test_celery_task_and_beat_entry(branch_a, secretary):
    from config.celery_app import app
    from members.tasks import send_development_reminders

    _activist_at_mark(branch_a)
    with time_machine.travel(datetime.datetime(2026, 5, 10, 7, 10), tick=False):
        assert send_development_reminders.apply().get() == 1
        assert send_development_reminders() == 0
    assert send_development_reminders.name == "members.tasks.send_development_reminders"
    assert app.conf.beat_schedule["development-reminders"]["task"] == send_development_reminders.name


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_send_once(branch_a, secretary):
    """Two workers at the same moment (PostgreSQL: real row locks): each reminder goes out once."""
    import threading

    from django.db import connections

    if connection.vendor != "postgresql":
        pytest.skip("needs a database with concurrent writers")
    _activist_at_mark(branch_a)
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(development_reminders_send(D(2026, 5, 10)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [0, 1]
    assert Notification.objects.count() == 1 and Reminder.objects.count() == 1

"""Meeting services: the roll on a date, attendance rules, planned -> held, notices, resolutions with the general
meeting's vote rule (and a linked development vote), attachments, audit of every write."""
import datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from branches.models import AuditEntry, Notification
from meetings.choices import AttendanceStatus as A, MeetingStatus, MeetingType as T
from meetings.models import Attendance
from meetings.selectors import attendance_rate, attendance_rows, lapse_risks, roll_on
from meetings.services import (attachment_add, meeting_attendance_set, meeting_cancel, meeting_complete,
                               meeting_update, resolution_add)
from members.choices import MemberStatus
from tests.factories import make_person

from .conftest import make_meeting

pytestmark = pytest.mark.django_db
D = datetime.date


def test_roll_on_a_date(branch_a, group_a, members_a, frozen_today):
    late = make_person(branch_a, name="新党员", status=MemberStatus.PROBATIONARY, admission_date=D(2026, 3, 1))
    left = make_person(branch_a, name="转出者", status=MemberStatus.TRANSFERRED_OUT, admission_date=D(2010, 1, 1),
                       full_member_date=D(2011, 1, 1), left_date=D(2026, 2, 1))
    make_person(branch_a, name="积极分子", status=MemberStatus.ACTIVIST)
    names = lambda people: {p.name for p in people}  # noqa: E731
    assert names(roll_on(branch_a, D(2026, 1, 15))) == {p.name for p in members_a} | {"转出者"}
    assert names(roll_on(branch_a, D(2026, 4, 1))) == {p.name for p in members_a} | {"新党员"}
    assert late.pk and left.pk
    assert names(roll_on(group_a, D(2026, 4, 1))) == {"党员0", "党员1", "党员2"}


def test_committee_meeting_expects_the_committee(branch_a, members_a, term_a, frozen_today):
    m = make_meeting(branch_a, meeting_type=T.COMMITTEE, date=D(2026, 5, 6))
    assert {a.person.name for a in m.attendances.select_related("person")} == {"党员0", "党员1", "党员2"}


def test_held_meeting_cannot_be_in_the_future(branch_a, members_a, frozen_today):
    with pytest.raises(ValidationError) as exc:
        make_meeting(branch_a, date=D(2026, 6, 1))
    assert "record it as planned" in str(exc.value)


def test_group_meeting_needs_a_group(branch_a, group_a, members_a, frozen_today):
    with pytest.raises(ValidationError):
        make_meeting(branch_a, meeting_type=T.GROUP)
    m = make_meeting(group_a, meeting_type=T.GROUP)
    assert m.attendances.count() == 3


def test_talk_is_a_pair(branch_a, members_a, frozen_today):
    with pytest.raises(ValidationError) as exc:
        make_meeting(branch_a, meeting_type=T.TALK, host=members_a[0], partner=members_a[0])
    assert "must be different" in str(exc.value)
    m = make_meeting(branch_a, meeting_type=T.TALK, host=members_a[0], partner=members_a[1], topic="思想交流")
    assert m.attendances.count() == 0


def test_lecture_needs_lecturer_and_title(branch_a, members_a, frozen_today):
    with pytest.raises(ValidationError) as exc:
        make_meeting(branch_a, meeting_type=T.LECTURE)
    assert "lecturer" in exc.value.message_dict and "lecture_title" in exc.value.message_dict
    make_meeting(branch_a, meeting_type=T.LECTURE, lecturer=members_a[0], lecture_title="学习党章")


def test_attendance_rules(meeting, members_a, secretary):
    p0, p1, p2 = members_a[:3]
    with pytest.raises(ValidationError) as exc:
        meeting_attendance_set(actor=secretary, meeting=meeting, entries={p0.pk: (A.LEAVE, "")})
    assert "enter the reason" in str(exc.value)
    outsider = make_person(meeting.unit, name="外人", status=MemberStatus.APPLICANT)
    with pytest.raises(ValidationError):
        meeting_attendance_set(actor=secretary, meeting=meeting, entries={outsider.pk: (A.PRESENT, "")})
    n = meeting_attendance_set(actor=secretary, meeting=meeting, entries={
        p0.pk: (A.PRESENT, ""), p1.pk: (A.LEAVE, "出差"), p2.pk: (A.ABSENT, "ignored")})
    assert n == 3
    assert Attendance.objects.get(meeting=meeting, person=p1).reason == "出差"
    assert Attendance.objects.get(meeting=meeting, person=p2).reason == ""
    entry = AuditEntry.objects.filter(object_id=str(meeting.pk), note="Attendance recorded").get()
    assert entry.after["党员1"].startswith("On leave")
    assert meeting_attendance_set(actor=secretary, meeting=meeting, entries={p0.pk: (A.PRESENT, "")}) == 0


def test_attendance_rate_and_lapse_risk(branch_a, members_a, secretary, frozen_today):
    p0, p1, p2 = members_a[:3]
    for month in (1, 2, 3, 4, 5):
        m = make_meeting(branch_a, meeting_type=T.THEME_DAY, date=D(2026, month, 8))
        meeting_attendance_set(actor=None, meeting=m, entries={
            p0.pk: (A.PRESENT, ""), p1.pk: (A.ABSENT, ""), p2.pk: (A.LEAVE if month == 3 else A.ABSENT, "病假")})
    rows = attendance_rows([p0.pk, p1.pk, p2.pk], D(2025, 5, 21), D(2026, 5, 20))
    assert attendance_rate(rows[p0.pk]) == 100 and attendance_rate(rows[p1.pk]) == 0
    assert attendance_rate({}) is None
    risks = list(lapse_risks(secretary, branch_a, frozen_today))
    assert [p.name for p in risks] == ["党员1"]     # 党员2 was on leave once; the rest were invited only
    assert risks[0].n_expected == 5


def test_lapse_risk_ignores_new_members(branch_a, members_a, secretary, frozen_today):
    newcomer = make_person(branch_a, name="新人", status=MemberStatus.PROBATIONARY, admission_date=D(2026, 1, 1))
    m = make_meeting(branch_a, meeting_type=T.THEME_DAY, date=D(2026, 2, 8))
    meeting_attendance_set(actor=None, meeting=m, entries={newcomer.pk: (A.ABSENT, "")})
    assert newcomer not in list(lapse_risks(secretary, branch_a, frozen_today))


def test_planned_meeting_notifies_and_is_completed(branch_a, members_a, secretary, frozen_today, django_capture_on_commit_callbacks):
    members_a[0].email = "p0@example.org"
    members_a[0].save()
    with django_capture_on_commit_callbacks(execute=True):
        m = make_meeting(branch_a, actor=secretary, status=MeetingStatus.PLANNED, date=D(2026, 5, 28),
                         agenda="传达精神\n讨论发展", place="党员活动室")
    assert m.notified_at is not None
    note = Notification.objects.get(recipient=secretary)
    assert "传达精神" in note.body and note.url == m.get_absolute_url()
    assert len(mail.outbox) == 1 and "p0@example.org" in mail.outbox[0].bcc
    assert mail.outbox[0].attachments[0][0].endswith(".ics")
    assert "BEGIN:VEVENT" in mail.outbox[0].attachments[0][1]
    with pytest.raises(ValidationError):
        meeting_complete(actor=secretary, meeting=m)       # not yet
    with pytest.raises(ValidationError):
        meeting_attendance_set(actor=secretary, meeting=m, entries={members_a[0].pk: (A.PRESENT, "")})
    meeting_attendance_set(actor=secretary, meeting=m, entries={members_a[1].pk: (A.LEAVE, "外出")})
    with time_machine.travel(datetime.datetime(2026, 5, 28, 18), tick=False):
        m = meeting_complete(actor=secretary, meeting=m)
    assert m.status == MeetingStatus.HELD
    with pytest.raises(ValidationError):
        meeting_cancel(actor=secretary, meeting=m, reason="x")     # a held meeting is not cancelled


def test_edit_is_audited_and_syncs_the_roll(meeting, members_a, secretary, branch_a):
    newcomer = make_person(branch_a, name="新人", status=MemberStatus.PROBATIONARY, admission_date=D(2026, 5, 12))
    meeting_update(actor=secretary, meeting=meeting, date=D(2026, 5, 15), minutes="会议纪要")
    entry = AuditEntry.objects.filter(object_id=str(meeting.pk), action="update").latest("pk")
    assert entry.before["date"] == "2026-05-10" and entry.after["minutes"] == "会议纪要"
    assert meeting.attendances.filter(person=newcomer).exists()


def test_resolution_vote_rule(meeting, members_a, secretary):
    with pytest.raises(ValidationError) as exc:
        resolution_add(actor=secretary, meeting=meeting, text="通过", present=2, yes=2, no=0, abstain=0)
    assert "No quorum" in str(exc.value)
    res = resolution_add(actor=secretary, meeting=meeting, text="同意", present=4, yes=2, no=1, abstain=1)
    assert res.entitled == 5 and res.vote.passed is False      # 2 yes is not more than half of 5
    res = resolution_add(actor=secretary, meeting=meeting, text="同意", present=4, yes=3, no=1, abstain=0)
    assert res.vote.passed is True


def test_linked_development_vote(meeting, members_a, secretary):
    from members.models import DevelopmentStep, DevelopmentStepKind as K, DevelopmentVote

    candidate = make_person(meeting.unit, name="候选人", status=MemberStatus.CANDIDATE,
                            application_date=D(2024, 1, 1), activist_date=D(2024, 3, 1), candidate_date=D(2025, 4, 1))
    step = DevelopmentStep.objects.create(person=candidate, kind=K.BRANCH_VOTE, date=meeting.date, extra={"passed": True})
    DevelopmentVote.objects.create(step=step, entitled=5, present=5, yes=5, no=0, abstain=0)
    with pytest.raises(ValidationError):
        resolution_add(actor=secretary, meeting=meeting, text="", development_step=step, yes=3)
    res = resolution_add(actor=secretary, meeting=meeting, text="", development_step=step)
    assert res.yes is None and res.vote.yes == 5 and "候选人" in res.text
    with pytest.raises(ValidationError):
        resolution_add(actor=secretary, meeting=meeting, text="", development_step=step)    # linked once


PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 100


def test_attachment_type_and_size(meeting, secretary, settings):
    with pytest.raises(ValidationError):
        attachment_add(actor=secretary, meeting=meeting, kind="photo", file=SimpleUploadedFile("x.exe", b"MZ..."))
    with pytest.raises(ValidationError) as exc:
        attachment_add(actor=secretary, meeting=meeting, kind="photo", file=SimpleUploadedFile("fake.png", b"<html>"))
    assert "not really" in str(exc.value)
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024))
    with pytest.raises(ValidationError):
        attachment_add(actor=secretary, meeting=meeting, kind="document", file=big)
    att = attachment_add(actor=secretary, meeting=meeting, kind="photo", file=SimpleUploadedFile("会场.png", PNG))
    assert att.content_type == "image/png" and att.size == len(PNG)
    assert AuditEntry.objects.filter(object_id=str(att.pk), action="create").exists()


def test_linked_discipline_vote_is_confidential(as_user, meeting, members_a, secretary, viewer, admin_user):
    """A discipline decision voted on at the general meeting is linked (no copy of the counts); only users who may
    see discipline cases see it."""
    from django.urls import reverse

    from discipline.choices import CaseKind, StepKind
    from discipline.models import Case, CaseStep, CaseVote

    case = Case.objects.create(number="D-1", kind=CaseKind.values[0], person=members_a[4], unit=meeting.unit,
                               opened_on=D(2026, 4, 1), summary="事实")
    to_status = CaseStep._meta.get_field("to_status").choices[0][0]
    step = CaseStep.objects.create(case=case, kind=StepKind.BRANCH_DECISION, date=meeting.date, to_status=to_status,
                                   extra={"passed": True})
    CaseVote.objects.create(step=step, entitled=5, present=5, yes=4, no=1, abstain=0)
    other = CaseStep.objects.create(case=case, kind=StepKind.BRANCH_DECISION, date=D(2026, 1, 1),
                                    to_status=step.to_status)
    with pytest.raises(ValidationError):
        resolution_add(actor=secretary, meeting=meeting, text="", decision=other)      # another day
    res = resolution_add(actor=secretary, meeting=meeting, text="", decision=step)
    assert res.yes is None and res.vote.yes == 4 and res.vote.passed
    with pytest.raises(ValidationError):
        resolution_add(actor=secretary, meeting=meeting, text="", decision=step)       # linked once
    url = reverse("meetings:meeting_detail", args=[meeting.pk])
    assert "A discipline decision (confidential)." in as_user(viewer).get(url).content.decode()
    page = as_user(admin_user).get(url).content.decode()
    assert "confidential" not in page and "passed" in page

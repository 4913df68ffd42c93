"""Review fixes of the meetings app: exported text cells are stored as typed (no visible apostrophe, never a
formula), notices match attendee emails whatever their case, attendance writes in bulk with the same audit, a
cancelled meeting keeps its pages closed, and the edit page shows the saved record when the form is refused."""
import datetime
import zipfile
from io import BytesIO

import pytest
from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook

from branches.models import AuditEntry, Notification
from meetings.choices import AttendanceStatus as A, MeetingStatus
from meetings.exporters import export_attendance, export_meetings
from meetings.models import Attendance
from meetings.services import meeting_attendance_set, meeting_cancel, meeting_notify
from tests.factories import UserFactory

from .conftest import make_meeting

pytestmark = pytest.mark.django_db
D = datetime.date


def _sheet_xml(content: bytes) -> str:
    with zipfile.ZipFile(BytesIO(content)) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_exported_text_has_no_visible_apostrophe_and_is_no_formula(meeting, members_a):
    meeting.topic, meeting.place = "=1+1", "00123"
    content = export_meetings([meeting])
    row = list(load_workbook(BytesIO(content)).active.iter_rows(min_row=2, max_row=2))[0]
    topic, place = row[5], row[6]
    assert topic.value == "=1+1" and topic.data_type == "s"
    assert place.value == "00123" and place.data_type == "s"
    xml = _sheet_xml(content)
    assert "<f>" not in xml and "quotePrefix" not in xml
    assert "'=1+1" not in content.decode("latin-1") and "'00123" not in content.decode("latin-1")


def test_attendance_export_keeps_names_as_typed(members_a):
    p = members_a[0]
    p.name = "=HYPERLINK(1)"
    content = export_attendance([(p, {"present": 2}, 100)], [])
    wb = load_workbook(BytesIO(content))
    header, first = list(wb.active.values)[:2]
    assert header[0] == "姓名" and first[0] == "=HYPERLINK(1)" and first[3] == 2 and first[6] == "100%"
    assert "<f>" not in _sheet_xml(content)
    assert wb.active["A1"].fill.fgColor.rgb.endswith("F2DCDB") and wb.active["A1"].font.b


def test_meeting_list_export_through_the_page_has_no_formula(as_user, secretary, branch_a, members_a, frozen_today):
    make_meeting(branch_a, topic="=SUM(A1:A2)", place="0042")
    r = as_user(secretary).get(reverse("meetings:meeting_export"))
    rows = list(load_workbook(BytesIO(r.content)).active.values)
    assert ("=SUM(A1:A2)", "0042") in {(row[5], row[6]) for row in rows[1:]}
    assert "<f>" not in _sheet_xml(r.content)


def test_notice_matches_emails_whatever_the_case(branch_a, members_a, secretary, frozen_today,
                                                 django_capture_on_commit_callbacks):
    members_a[0].email = "p0@example.org"
    members_a[0].save()
    user = UserFactory(username="p0_login", email="P0@Example.ORG")
    m = make_meeting(branch_a, actor=secretary, status=MeetingStatus.PLANNED, date=D(2026, 5, 28), notify=False)
    with django_capture_on_commit_callbacks(execute=True):
        sent = meeting_notify(actor=secretary, meeting=m)
    assert Notification.objects.filter(recipient=user).exists()
    bcc = mail.outbox[-1].bcc
    assert [a for a in bcc if a.lower() == "p0@example.org"] == ["p0@example.org"]      # one address per mailbox
    assert sent == len(bcc)
    meeting_cancel(actor=secretary, meeting=m, reason="改期")
    assert Notification.objects.filter(recipient=user).count() == 2


def test_attendance_bulk_write_is_audited_once(meeting, members_a, secretary, branch_a):
    from tests.factories import make_person

    p0, p1, p2 = members_a[:3]
    newcomer = make_person(branch_a, name="后来者", admission_date=D(2015, 7, 1),
                           full_member_date=D(2016, 7, 1))      # on the roll, no row yet
    assert not Attendance.objects.filter(meeting=meeting, person=newcomer).exists()
    n = meeting_attendance_set(actor=secretary, meeting=meeting, entries={
        p0.pk: (A.PRESENT, ""), p1.pk: (A.LEAVE, " 出差 "), newcomer.pk: (A.ABSENT, "x")})
    assert n == 3
    got = {a.person_id: (a.status, a.reason) for a in Attendance.objects.filter(meeting=meeting)}
    assert got[p0.pk] == (A.PRESENT, "") and got[p1.pk] == (A.LEAVE, "出差") and got[newcomer.pk] == (A.ABSENT, "")
    assert got[p2.pk] == (A.INVITED, "")
    entries = AuditEntry.objects.filter(object_id=str(meeting.pk), note="Attendance recorded")
    assert entries.count() == 1
    entry = entries.get()
    label = lambda status: str(A(status).label)  # noqa: E731
    assert entry.before == {p0.name: label(A.INVITED), p1.name: label(A.INVITED), newcomer.name: None}
    assert entry.after == {p0.name: label(A.PRESENT), p1.name: label(A.LEAVE) + "（出差）",
                           newcomer.name: label(A.ABSENT)}
    # a refused entry writes nothing
    with pytest.raises(Exception):
        meeting_attendance_set(actor=secretary, meeting=meeting, entries={p2.pk: (A.PRESENT, ""),
                                                                          p0.pk: (A.LEAVE, "")})
    assert Attendance.objects.get(meeting=meeting, person=p2).status == A.INVITED
    assert AuditEntry.objects.filter(object_id=str(meeting.pk), note="Attendance recorded").count() == 1


@pytest.mark.parametrize("name", ["meeting_attendance", "resolution_create", "attachment_create", "meeting_edit"])
def test_cancelled_meeting_pages_go_back_to_the_meeting(as_user, secretary, branch_a, members_a, frozen_today, name):
    m = make_meeting(branch_a, status=MeetingStatus.PLANNED, date=D(2026, 6, 2), notify=False)
    meeting_cancel(actor=None, meeting=m, reason="改期")
    c = as_user(secretary)
    for r in (c.get(reverse(f"meetings:{name}", args=[m.pk])), c.post(reverse(f"meetings:{name}", args=[m.pk]))):
        assert r.status_code == 302 and r["Location"] == m.get_absolute_url()


def test_refused_edit_shows_the_saved_record(as_user, secretary, meeting):
    r = as_user(secretary).post(reverse("meetings:meeting_edit", args=[meeting.pk]),
                                {"topic": "新的主题", "meeting_type": meeting.meeting_type, "date": "not a date"})
    assert r.status_code == 200 and r.context["meeting"].topic == "学习会议"
    assert r.context["form"].instance is not r.context["meeting"]

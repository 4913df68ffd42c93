"""Meeting pages: permission matrix for every view (anonymous, out of scope, read-only, writer), the record flow
(create -> attendance -> detail), actions with confirmation, bad input never a 500, constant query counts on the
list and matrix pages, exports, the calendar file and the person/dashboard hooks."""
import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, get_resolver, reverse

from branches.choices import UnitKind
from meetings.choices import AttendanceStatus as A, MeetingStatus, MeetingType as T
from meetings.models import Attendance, Meeting, MeetingAttachment, Resolution
from meetings.services import attachment_add, resolution_add
from tests.factories import make_person, make_unit

from .conftest import make_meeting

pytestmark = pytest.mark.django_db
D = datetime.date
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


@pytest.fixture
def objects(meeting, secretary, members_a, branch_a):
    res = resolution_add(actor=secretary, meeting=meeting, text="同意")
    att = attachment_add(actor=secretary, meeting=meeting, kind="photo", file=SimpleUploadedFile("a.png", PNG))
    planned = make_meeting(branch_a, status=MeetingStatus.PLANNED, date=D(2026, 5, 30), notify=False)
    return {"meeting": meeting, "resolution": res, "attachment": att, "planned": planned, "unit": branch_a}


def _urls():
    def walk(patterns, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, p.namespace or namespace)
            elif namespace == "meetings":
                yield f"meetings:{p.name}", list(p.pattern.converters.keys())
    return list(walk(get_resolver().url_patterns, None))


URLS = _urls()


def _url(name, params, objects):
    kwargs = {}
    for param in params:
        if param == "unit_pk":
            kwargs[param] = objects["unit"].pk
        elif param == "year":
            kwargs[param] = 2026
        elif name == "meetings:resolution_delete":
            kwargs[param] = objects["resolution"].pk
        elif "attachment_d" in name:
            kwargs[param] = objects["attachment"].pk
        elif name in ("meetings:meeting_complete", "meetings:meeting_cancel", "meetings:meeting_notify"):
            kwargs[param] = objects["planned"].pk
        else:
            kwargs[param] = objects["meeting"].pk
    return reverse(name, kwargs=kwargs)


def test_every_url_is_covered():
    assert len(URLS) >= 20


@pytest.mark.parametrize("name,params", URLS, ids=[n for n, _ in URLS])
def test_anonymous_is_sent_to_login(client, name, params, objects):
    url = _url(name, params, objects)
    for response in (client.get(url), client.post(url, {})):
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), (url, response)


OBJECT_PAGES = {"meeting_detail", "meeting_calendar", "meeting_minutes_pdf", "attachment_download", "unit_register_pdf"}
WRITE_PAGES = {"meeting_edit", "meeting_attendance", "meeting_complete", "meeting_cancel", "meeting_notify",
               "resolution_create", "resolution_delete", "attachment_create", "attachment_delete"}


@pytest.mark.parametrize("name,params", URLS, ids=[n for n, _ in URLS])
def test_permission_matrix(as_user, name, params, objects, outsider, viewer, secretary, admin_user):
    url = _url(name, params, objects)
    short = name.split(":")[1]
    if short in OBJECT_PAGES:
        expect = {"outsider": 404, "viewer": 200, "secretary": 200, "admin": 200}
    elif short in WRITE_PAGES:
        expect = {"outsider": 404, "viewer": 403, "secretary": 200, "admin": 200}
    elif short == "meeting_create":
        expect = {"outsider": 200, "viewer": 403, "secretary": 200, "admin": 200}   # outsider: their own units
    else:      # lists and reports: each user sees their own scope
        expect = {"outsider": 200, "viewer": 200, "secretary": 200, "admin": 200}
    for who, user in (("outsider", outsider), ("viewer", viewer), ("secretary", secretary), ("admin", admin_user)):
        assert as_user(user).get(url).status_code == expect[who], (url, who)


def test_out_of_scope_unit_is_not_offered(as_user, outsider, branch_a, objects):
    c = as_user(outsider)
    r = c.get(reverse("meetings:meeting_create") + f"?unit={branch_a.pk}")
    assert r.status_code == 200 and "form-unit" not in r.content.decode()       # back to the unit choice
    assert c.post(reverse("meetings:meeting_create"), {"unit_pk": branch_a.pk, "topic": "x"}).status_code == 404
    assert branch_a.name not in c.get(reverse("meetings:meeting_list")).content.decode()
    assert c.get(reverse("meetings:compliance") + f"?unit={branch_a.pk}").context["unit"] != branch_a


def test_viewer_cannot_write(as_user, viewer, objects):
    c = as_user(viewer)
    m = objects["meeting"]
    assert c.post(reverse("meetings:meeting_edit", args=[m.pk]), {"topic": "改"}).status_code == 403
    assert c.post(reverse("meetings:meeting_cancel", args=[objects["planned"].pk]), {"reason": "x"}).status_code == 403
    assert Meeting.objects.get(pk=objects["planned"].pk).status == MeetingStatus.PLANNED


@pytest.mark.parametrize("name,params", URLS, ids=[n for n, _ in URLS])
def test_bad_input_never_gives_a_500(as_user, name, params, objects, admin_user):
    garbage = {"page": "abc", "sort": "evil;drop", "unit": "xyz", "year": "99999", "mode": "x", "scope": "y",
               "date_from": "2026-13-45", "meeting_type": "party", "status": "king", "q": "%' OR 1=1 --"}
    post = {"meeting_type": "planet", "date": "2026-02-31", "start_time": "25:99", "host": "abc", "topic": "x" * 500,
            "unit_pk": "-1", "status_1": "god", "reason": "", "present": "-5", "yes": "NaN", "kind": "virus",
            "development_step": "0"}
    c = as_user(admin_user)
    url = _url(name, params, objects)
    assert c.get(url, garbage).status_code < 500
    assert c.post(url, post).status_code < 500
    assert c.post(url, {}).status_code < 500


# -- the record flow -------------------------------------------------------------------------------------------

def test_record_a_held_meeting_with_attendance(as_user, secretary, branch_a, members_a, term_a, frozen_today):
    c = as_user(secretary)
    r = c.get(reverse("meetings:meeting_create"), {"unit": branch_a.pk})
    assert r.status_code == 200 and "党员0" in r.content.decode()
    r = c.post(reverse("meetings:meeting_create") + f"?unit={branch_a.pk}", {
        "unit_pk": branch_a.pk, "meeting_type": T.COMMITTEE, "status": MeetingStatus.HELD, "date": "2026-05-18",
        "start_time": "14:30", "end_time": "16:00", "place": "会议室", "host": members_a[0].pk,
        "recorder": members_a[1].pk, "topic": "研究五月工作", "agenda": "一\n二", "minutes": "纪要"})
    m = Meeting.objects.get(topic="研究五月工作")
    assert r.status_code == 302 and r["Location"] == reverse("meetings:meeting_attendance", args=[m.pk])
    page = c.get(r["Location"])
    assert [row["person"].name for row in page.context["rows"]] == ["党员0", "党员1", "党员2"]
    p0, p1, p2 = members_a[:3]
    r = c.post(r["Location"], {f"status_{p0.pk}": "present", f"status_{p1.pk}": "leave", f"reason_{p1.pk}": "",
                               f"status_{p2.pk}": "absent"})
    assert r.status_code == 200 and "enter the reason" in r.content.decode()
    assert not Attendance.objects.filter(meeting=m).exclude(status=A.INVITED).exists()     # nothing saved
    r = c.post(reverse("meetings:meeting_attendance", args=[m.pk]), {
        f"status_{p0.pk}": "present", f"status_{p1.pk}": "leave", f"reason_{p1.pk}": "出差", f"status_{p2.pk}": "absent"})
    assert r.status_code == 302
    detail = c.get(m.get_absolute_url()).content.decode()
    assert "出差" in detail and "attendance-missing" not in detail
    comp = c.get(reverse("meetings:compliance"), {"unit": branch_a.pk, "year": 2026})
    cell = next(p for label, periods, rule in comp.context["types"] for p in periods
                if p.meeting_type == T.COMMITTEE and p.span.key == "2026-05")
    assert cell.state == "met"


def test_form_errors_say_what_to_fix(as_user, secretary, branch_a, members_a, frozen_today):
    c = as_user(secretary)
    r = c.post(reverse("meetings:meeting_create") + f"?unit={branch_a.pk}", {
        "unit_pk": branch_a.pk, "meeting_type": T.LECTURE, "status": MeetingStatus.HELD, "date": "2026-06-18",
        "topic": "党课"})
    errors = r.content.decode()
    assert r.status_code == 200 and "record it as planned" in errors
    assert not Meeting.objects.filter(topic="党课").exists()


def test_plan_complete_cancel(as_user, secretary, branch_a, members_a, frozen_today):
    c = as_user(secretary)
    c.post(reverse("meetings:meeting_create") + f"?unit={branch_a.pk}", {
        "unit_pk": branch_a.pk, "meeting_type": T.GENERAL, "status": MeetingStatus.PLANNED, "date": "2026-05-20",
        "topic": "计划会议"})
    m = Meeting.objects.get(topic="计划会议")
    assert m.notified_at is not None
    confirm = c.get(reverse("meetings:meeting_complete", args=[m.pk]))
    assert "will be recorded as held" in confirm.content.decode()
    r = c.post(reverse("meetings:meeting_complete", args=[m.pk]))
    assert r["Location"] == reverse("meetings:meeting_attendance", args=[m.pk])
    assert Meeting.objects.get(pk=m.pk).status == MeetingStatus.HELD
    r = c.post(reverse("meetings:meeting_cancel", args=[m.pk]), {"reason": "x"})
    assert Meeting.objects.get(pk=m.pk).status == MeetingStatus.HELD      # a held meeting is not cancelled
    other = make_meeting(branch_a, status=MeetingStatus.PLANNED, date=D(2026, 6, 2), notify=False)
    assert c.post(reverse("meetings:meeting_cancel", args=[other.pk]), {"reason": ""}).status_code == 200
    c.post(reverse("meetings:meeting_cancel", args=[other.pk]), {"reason": "改期"})
    assert Meeting.objects.get(pk=other.pk).status == MeetingStatus.CANCELLED
    assert c.get(reverse("meetings:meeting_edit", args=[other.pk])).status_code == 302


def test_resolution_and_attachment_pages(as_user, secretary, meeting, members_a):
    c = as_user(secretary)
    r = c.post(reverse("meetings:resolution_create", args=[meeting.pk]), {"text": "决议", "present": "1", "yes": "1"})
    assert r.status_code == 200 and "No quorum" in r.content.decode()
    c.post(reverse("meetings:resolution_create", args=[meeting.pk]), {"text": "决议", "present": "5", "yes": "4"})
    res = Resolution.objects.get(meeting=meeting)
    c.post(reverse("meetings:resolution_delete", args=[res.pk]))
    assert not Resolution.objects.filter(pk=res.pk).exists()
    r = c.post(reverse("meetings:attachment_create", args=[meeting.pk]),
               {"kind": "photo", "file": SimpleUploadedFile("x.txt", b"hello")})
    assert r.status_code == 200 and "only images" in r.content.decode()
    c.post(reverse("meetings:attachment_create", args=[meeting.pk]),
           {"kind": "photo", "file": SimpleUploadedFile("x.png", PNG)})
    att = MeetingAttachment.objects.get(meeting=meeting)
    got = c.get(reverse("meetings:attachment_download", args=[att.pk]))
    assert got["Content-Type"] == "image/png" and b"".join(got.streaming_content) == PNG


def test_calendar_file(as_user, viewer, meeting):
    r = as_user(viewer).get(reverse("meetings:meeting_calendar", args=[meeting.pk]))
    body = r.content.decode()
    assert r["Content-Type"].startswith("text/calendar") and "BEGIN:VEVENT" in body and "\r\n" in body


# -- query counts ----------------------------------------------------------------------------------------------

def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_queries_constant(as_user, secretary, branch_a, members_a, frozen_today):
    c = as_user(secretary)
    url = reverse("meetings:meeting_list")
    make_meeting(branch_a, host=members_a[0])
    few = _count(c, url)
    for i in range(12):
        make_meeting(branch_a, meeting_type=T.THEME_DAY, date=D(2026, 1 + i % 5, 3), host=members_a[i % 5],
                     recorder=members_a[1])
    assert _count(c, url) == few


def test_matrix_queries_constant(as_user, admin_user, committee, branch_a, members_a, frozen_today):
    c = as_user(admin_user)
    url = reverse("meetings:compliance") + f"?unit={committee.pk}&year=2026"
    few = _count(c, url)
    for i in range(5):
        b = make_unit(committee, kind=UnitKind.BRANCH, name=f"新支部{i}", code=f"C001-M{i}")
        make_person(b, name=f"成员{i}")
        make_meeting(b, meeting_type=T.THEME_DAY, date=D(2026, 3, 3))
    assert _count(c, url) == few
    assert _count(c, url.replace("year=2026", "year=2026&mode=quarter&scope=groups")) == few


def test_attendance_report_queries_constant(as_user, admin_user, committee, branch_a, members_a, frozen_today):
    c = as_user(admin_user)
    url = reverse("meetings:attendance_report") + f"?unit={committee.pk}"
    few = _count(c, url)
    for i in range(8):
        make_person(branch_a, name=f"新{i}")
    make_meeting(branch_a, meeting_type=T.THEME_DAY, date=D(2026, 3, 3))
    assert _count(c, url) == few


# -- exports, printables, hooks --------------------------------------------------------------------------------

def test_exports(as_user, admin_user, committee, meeting):
    c = as_user(admin_user)
    for url in (reverse("meetings:meeting_export"), reverse("meetings:compliance_export") + f"?unit={committee.pk}",
                reverse("meetings:attendance_export") + f"?unit={committee.pk}"):
        r = c.get(url)
        assert r.status_code == 200 and r.content[:2] == b"PK", url
    from io import BytesIO

    from openpyxl import load_workbook

    wb = load_workbook(BytesIO(c.get(reverse("meetings:meeting_export")).content))
    rows = list(wb.active.values)
    assert rows[0][0] == "日期" and rows[1][5] == "学习会议"


def test_dashboard_and_person_panel(as_user, secretary, branch_a, members_a, meeting, frozen_today):
    c = as_user(secretary)
    tasks = {t.key: t for t in c.get(reverse("branches:dashboard")).context["tasks"]}
    assert tasks["meetings_overdue"].count > 0 and tasks["meetings_overdue"].urgent
    from meetings.services import meeting_attendance_set

    meeting_attendance_set(actor=None, meeting=meeting, entries={members_a[0].pk: (A.PRESENT, "")})
    page = c.get(reverse("members:person_detail", args=[members_a[0].pk])).content.decode()
    assert 'data-testid="panel-meetings"' in page and "100%" in page


def test_a_talk_says_which_pair_it_counts_for(as_user, secretary, branch_a, members_a, term_a):
    from meetings.choices import MeetingType

    from .conftest import make_meeting

    talk = make_meeting(branch_a, meeting_type=MeetingType.TALK, date=datetime.date(2026, 3, 3), host=members_a[0],
                        partner=members_a[4], topic="谈心谈话")
    page = as_user(secretary).get(reverse("meetings:meeting_detail", args=[talk.pk])).content.decode()
    assert 'data-testid="talk-kind">committee member with a member<' in page

"""The printables: one meeting's minutes with the sign-in sheet, the yearly register and the compliance matrix,
read back with pdftotext (Chinese text, page numbers) and pdffonts (the CJK font embedded)."""
import datetime
import subprocess

import pytest
from django.urls import reverse

from meetings.choices import AttendanceStatus as A, MeetingType as T
from meetings.services import meeting_attendance_set, resolution_add

from .conftest import make_meeting

pytestmark = pytest.mark.django_db
D = datetime.date


def _text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def _fonts(pdf: bytes) -> str:
    return subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


def test_minutes_with_sign_in_sheet(as_user, viewer, meeting, members_a):
    meeting_attendance_set(actor=None, meeting=meeting, entries={members_a[0].pk: (A.PRESENT, ""),
                                                                 members_a[1].pk: (A.LEAVE, "出差")})
    resolution_add(actor=None, meeting=meeting, text="同意某事", present=4, yes=4, no=0, abstain=0)
    r = as_user(viewer).get(reverse("meetings:meeting_minutes_pdf", args=[meeting.pk]))
    assert r["Content-Type"] == "application/pdf"
    text = _text(r.content)
    for s in ("会议记录", "签到表", "党员大会", "学习会议", "党员1（出差）", "应到 5 人", "同意某事", "通过", "第 1 页 共 2 页"):
        assert s in text, s
    assert "DroidSansFallback" in _fonts(r.content)


def test_yearly_register_and_matrix(as_user, admin_user, committee, branch_a, members_a, frozen_today):
    make_meeting(branch_a, meeting_type=T.THEME_DAY, date=D(2026, 3, 5), topic="三月主题党日")
    make_meeting(branch_a, meeting_type=T.GENERAL, date=D(2026, 1, 5), topic="一月党员大会")
    c = as_user(admin_user)
    text = _text(c.get(reverse("meetings:unit_register_pdf", args=[branch_a.pk, 2026])).content)
    assert "三会一课记录本" in text and "应开未开" in text
    assert text.index("一月党员大会") < text.index("三月主题党日")
    assert c.get(reverse("meetings:unit_register_pdf", args=[branch_a.pk, 1066])).status_code == 404
    text = _text(c.get(reverse("meetings:compliance_pdf") + f"?unit={committee.pk}&year=2026").content)
    assert "三会一课落实情况统计表" in text and "第一党支部" in text and "第 1 页" in text

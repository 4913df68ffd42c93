import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_render(as_user, secretary, meeting, branch_a, committee, admin_user):
    c = as_user(secretary)
    for url in [reverse("meetings:meeting_list"), reverse("meetings:meeting_detail", args=[meeting.pk]),
                reverse("meetings:meeting_edit", args=[meeting.pk]),
                reverse("meetings:meeting_attendance", args=[meeting.pk]),
                reverse("meetings:meeting_create"), reverse("meetings:meeting_create") + f"?unit={branch_a.pk}",
                reverse("meetings:compliance") + f"?unit={branch_a.pk}",
                reverse("meetings:attendance_report"), reverse("meetings:policy"),
                reverse("meetings:resolution_create", args=[meeting.pk]),
                reverse("meetings:attachment_create", args=[meeting.pk]),
                reverse("meetings:meeting_export"), reverse("meetings:meeting_calendar", args=[meeting.pk])]:
        r = c.get(url)
        assert r.status_code == 200, (url, r.status_code)
    a = as_user(admin_user)
    for url in [reverse("meetings:compliance") + f"?unit={committee.pk}", reverse("meetings:compliance_export") + f"?unit={committee.pk}",
                reverse("members:person_detail", args=[meeting.host_id]), reverse("branches:dashboard")]:
        r = a.get(url)
        assert r.status_code == 200, (url, r.status_code)

"""Working days: the holiday table over the chinesecalendar package over Monday–Friday; the public-notice rule;
the holiday-calendar pages (committee administrators only)."""
import datetime

import pytest
from django.urls import include, path, reverse

from branches.models import AuditEntry
from branches.services import appointment_create
from members import urls as member_urls
from members import urls_holidays
from members.choices import MemberStatus
from members.models import DevelopmentStep, DevelopmentStepKind as K, Holiday
from members.pipeline import PipelineState, pipeline_timeline
from members.policy import PolicySet, add_working_days
from members.workdays import (holiday_create, holiday_delete, is_workday, package_exceptions, package_is_workday,
                              preloaded_holidays)
from tests.factories import UserFactory

from .helpers import person

pytestmark = pytest.mark.django_db
D = datetime.date

# Until members/urls.py includes urls_holidays (the lead's one-line change), this module mounts it itself.
_INCLUDED = any(getattr(p, "name", None) == "holiday_list" for p in member_urls.urlpatterns)
if not _INCLUDED:
    from config import urls as _root

    urlpatterns = [
        path("members/", include((member_urls.urlpatterns + urls_holidays.urlpatterns, "members"))),
        *[p for p in _root.urlpatterns if getattr(p, "namespace", None) != "members"],
    ]


@pytest.fixture(autouse=True)
def _holiday_urls(settings):
    if not _INCLUDED:
        settings.ROOT_URLCONF = __name__


# -- is_workday -----------------------------------------------------------------------------------------------

def test_national_day_2025_per_package():
    for day in range(1, 9):
        assert not is_workday(D(2025, 10, day)), f"2025-10-0{day} is a National Day holiday"
    assert is_workday(D(2025, 9, 28))          # Sunday, make-up working day
    assert is_workday(D(2025, 10, 11))         # Saturday, make-up working day
    assert is_workday(D(2025, 10, 9))          # an ordinary Thursday
    assert not is_workday(D(2025, 10, 12))     # an ordinary Sunday


def test_holiday_row_overrides_the_package():
    Holiday.objects.create(date=D(2025, 10, 8), is_workday=True, name="改为上班")
    Holiday.objects.create(date=D(2025, 9, 29), is_workday=False, name="单位休假")
    assert is_workday(D(2025, 10, 8)) and not is_workday(D(2025, 9, 29))
    assert not is_workday(D(2025, 10, 7))      # the package still decides the other days


def test_years_the_package_does_not_know_count_monday_to_friday():
    assert package_is_workday(D(2031, 1, 1)) is None
    assert is_workday(D(2031, 1, 1))           # a Wednesday: no data, so a working day
    assert not is_workday(D(2031, 1, 4))       # Saturday
    Holiday.objects.create(date=D(2031, 1, 1), is_workday=False, name="元旦")
    assert not is_workday(D(2031, 1, 1))       # the table fills the gap
    assert add_working_days(D(2030, 12, 31), 2) == D(2031, 1, 2)


# -- add_working_days -----------------------------------------------------------------------------------------

def test_five_working_days_skip_the_national_day_holiday():
    # Fri 26 Sep (1), Sun 28 make-up (2), Mon 29 (3), Tue 30 (4), 1–8 Oct off, Thu 9 Oct (5)
    assert add_working_days(D(2025, 9, 26), 5) == D(2025, 10, 9)
    # an ordinary week: Monday to Friday
    assert add_working_days(D(2025, 5, 12), 5) == D(2025, 5, 16)
    # a notice posted on a holiday starts counting on the next working day
    assert add_working_days(D(2025, 10, 3), 1) == D(2025, 10, 9)
    assert add_working_days(D(2025, 10, 3), 3) == D(2025, 10, 11)   # Thu 9, Fri 10, Sat 11 make-up


def test_table_entry_changes_the_count():
    Holiday.objects.create(date=D(2025, 10, 9), is_workday=False, name="延长假期")
    assert add_working_days(D(2025, 9, 26), 5) == D(2025, 10, 10)


def test_one_query_per_call_and_none_when_preloaded(django_assert_num_queries):
    Holiday.objects.create(date=D(2025, 10, 9), is_workday=False, name="延长假期")
    with django_assert_num_queries(1):
        assert add_working_days(D(2025, 9, 1), 40) == D(2025, 10, 31)
    with django_assert_num_queries(1):
        with preloaded_holidays():
            assert add_working_days(D(2025, 9, 26), 5) == D(2025, 10, 10)
            assert add_working_days(D(2025, 9, 1), 40) == D(2025, 10, 31)
            assert not is_workday(D(2025, 10, 9))


def test_public_notice_rule_uses_the_calendar(branch_a):
    """The pipeline's notice end and the earliest branch vote on the timeline follow the holiday calendar."""
    cand = person(branch_a, name="候选人", status=MemberStatus.CANDIDATE, application_date=D(2023, 1, 5),
                  activist_date=D(2023, 3, 1), candidate_date=D(2024, 3, 2))
    notice = DevelopmentStep(person=cand, kind=K.PUBLIC_NOTICE, date=D(2025, 9, 26))
    state = PipelineState(cand, [notice], PolicySet(branch_a))
    assert state.notice_end(notice) == D(2025, 10, 9)
    vote = next(i for i in pipeline_timeline(state, D(2025, 9, 30)) if i.kind == K.BRANCH_VOTE)
    assert vote.earliest == D(2025, 10, 10)


def test_package_exceptions_for_reference():
    days = {d.date: d for d in package_exceptions(2025)}
    assert days[D(2025, 10, 1)].is_workday is False and days[D(2025, 10, 1)].name == "National Day"
    assert days[D(2025, 9, 28)].is_workday is True
    assert D(2025, 10, 4) not in days          # a holiday on a Saturday is no exception to Monday–Friday
    assert package_exceptions(2031) == []
    from django.utils import translation

    with translation.override("zh-hans"):
        assert {d.date: d.name for d in package_exceptions(2025)}[D(2025, 10, 1)] == "国庆节"


# -- services -------------------------------------------------------------------------------------------------

def test_create_and_delete_are_audited(admin_user):
    h = holiday_create(actor=admin_user, date=D(2031, 1, 1), is_workday=False, name=" 元旦 ")
    assert h.name == "元旦"
    created = AuditEntry.objects.get(action="create", object_id=str(h.pk), content_type__model="holiday")
    assert created.actor == admin_user and created.after["date"] == "2031-01-01"
    pk = h.pk
    holiday_delete(actor=admin_user, holiday=h)
    assert not Holiday.objects.exists()
    deleted = AuditEntry.objects.get(action="delete", object_id=str(pk), content_type__model="holiday")
    assert deleted.before["name"] == "元旦"


def test_create_refuses_duplicates_and_empty_names(admin_user):
    holiday_create(actor=admin_user, date=D(2031, 1, 1), is_workday=False, name="元旦")
    with pytest.raises(Exception) as exc:
        holiday_create(actor=admin_user, date=D(2031, 1, 1), is_workday=True, name="")
    assert set(exc.value.message_dict) == {"date", "name"}
    assert "already in the table" in exc.value.message_dict["date"][0]
    assert Holiday.objects.count() == 1


# -- pages ----------------------------------------------------------------------------------------------------

@pytest.fixture
def entry():
    return Holiday.objects.create(date=D(2025, 10, 8), is_workday=True, name="改为上班")


def _urls(entry):
    return [reverse("members:holiday_list"), reverse("members:holiday_create"),
            reverse("members:holiday_delete", args=[entry.pk])]


def test_anonymous_is_sent_to_login(client, entry):
    for url in _urls(entry):
        for method in (client.get, client.post):
            resp = method(url)
            assert resp.status_code == 302 and "/accounts/login/" in resp["Location"], url


@pytest.mark.parametrize("who", ["viewer", "secretary", "outsider"])
def test_without_unit_manage_is_403(request, as_user, entry, who):
    c = as_user(request.getfixturevalue(who))
    for url in _urls(entry):
        assert c.get(url).status_code == 403, url
    assert c.post(reverse("members:holiday_create"),
                  {"date": "2031-01-01", "kind": "holiday", "name": "x"}).status_code == 403
    assert c.post(reverse("members:holiday_delete", args=[entry.pk])).status_code == 403
    assert Holiday.objects.count() == 1


def test_admin_of_a_general_branch_may_maintain(as_user, branch_a, entry):
    """UNIT_MANAGE anywhere is enough: the table is global."""
    from branches.choices import Role

    user = UserFactory(username="branch_admin")
    appointment_create(actor=None, user=user, unit=branch_a, role=Role.ADMIN)
    assert as_user(user).get(reverse("members:holiday_list")).status_code == 200


def test_list_shows_entries_and_the_package(as_user, admin_user, entry):
    resp = as_user(admin_user).get(reverse("members:holiday_list"), {"year": "2025"})
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "Holiday calendar 2025" in html and "改为上班" in html
    assert f'data-testid="holiday-delete-{entry.pk}"' in html
    assert 'data-testid="package-2025-10-01"' in html and 'data-testid="package-2025-09-28"' in html
    # the package's 2025-10-08 holiday is marked as overridden by the table entry
    row = html.split('data-testid="package-2025-10-08"')[1].split("</tr>")[0]
    assert 'data-testid="overridden"' in row
    assert 'data-testid="package-2025-10-04"' not in html   # weekend holiday: not an exception


def test_list_for_a_year_the_package_does_not_cover(as_user, admin_user):
    resp = as_user(admin_user).get(reverse("members:holiday_list"), {"year": "2031"})
    assert resp.status_code == 200
    assert 'data-testid="package-missing"' in resp.content.decode()
    assert 'data-testid="empty-state"' in resp.content.decode()


@pytest.mark.parametrize("year", ["abc", "99999", "", "-1", "2025.5"])
def test_bad_year_falls_back_to_this_year(as_user, admin_user, year, frozen_today):
    resp = as_user(admin_user).get(reverse("members:holiday_list"), {"year": year, "page": "zz"})
    assert resp.status_code == 200 and "Holiday calendar 2026" in resp.content.decode()


def test_list_queries_do_not_grow_with_rows(as_user, admin_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = as_user(admin_user)
    url = reverse("members:holiday_list")
    Holiday.objects.create(date=D(2025, 1, 2), name="a")
    c.get(url, {"year": "2025"})
    with CaptureQueriesContext(connection) as one:
        c.get(url, {"year": "2025"})
    for day in range(3, 13):
        Holiday.objects.create(date=D(2025, 1, day), name=f"h{day}")
    with CaptureQueriesContext(connection) as many:
        resp = c.get(url, {"year": "2025"})
    assert "h12" in resp.content.decode()
    assert len(many) == len(one)


def test_create(as_user, admin_user):
    c = as_user(admin_user)
    form = c.get(reverse("members:holiday_create"), {"date": "2025-10-09", "kind": "holiday"})
    assert form.status_code == 200 and 'value="2025-10-09"' in form.content.decode()
    resp = c.post(reverse("members:holiday_create"), {"date": "2025-10-09", "kind": "holiday", "name": "延长假期"})
    assert resp.status_code == 302 and resp["Location"].endswith("?year=2025")
    h = Holiday.objects.get()
    assert (h.date, h.is_workday, h.name) == (D(2025, 10, 9), False, "延长假期")
    assert not is_workday(D(2025, 10, 9))
    resp = c.post(reverse("members:holiday_create"), {"date": "2025-10-12", "kind": "workday", "name": "调休"})
    assert resp.status_code == 302 and Holiday.objects.get(date=D(2025, 10, 12)).is_workday


@pytest.mark.parametrize("data, field", [
    ({"date": "2025-13-45", "kind": "holiday", "name": "x"}, "Date"),
    ({"date": "2025-10-09", "kind": "nonsense", "name": "x"}, "Kind"),
    ({"date": "2025-10-09", "kind": "holiday", "name": ""}, "Name"),
    ({"date": "1200-01-01", "kind": "holiday", "name": "x"}, "Date"),
    ({"date": "2025-10-08", "kind": "holiday", "name": "x"}, "Date"),   # already in the table
])
def test_create_bad_input_names_the_field(as_user, admin_user, entry, data, field):
    resp = as_user(admin_user).post(reverse("members:holiday_create"), data)
    assert resp.status_code == 200
    html = resp.content.decode()
    assert 'data-testid="form-errors"' in html and f"<li>{field}:" in html
    assert Holiday.objects.count() == 1


def test_delete_asks_then_deletes(as_user, admin_user, entry):
    c = as_user(admin_user)
    url = reverse("members:holiday_delete", args=[entry.pk])
    page = c.get(url)
    assert page.status_code == 200 and "2025-10-08" in page.content.decode()
    assert Holiday.objects.exists()
    resp = c.post(url)
    assert resp.status_code == 302 and resp["Location"].endswith("?year=2025")
    assert not Holiday.objects.exists()
    assert AuditEntry.objects.filter(action="delete", object_id=str(entry.pk), actor=admin_user,
                                     content_type__model="holiday").exists()
    assert c.get(url).status_code == 404 and c.post(url).status_code == 404


def test_superuser_may_maintain(as_user, entry):
    su = UserFactory(username="root", is_superuser=True, is_staff=True)
    c = as_user(su)
    assert c.get(reverse("members:holiday_list")).status_code == 200
    assert c.post(reverse("members:holiday_delete", args=[entry.pk])).status_code == 302

"""The audit log page: scope, filters, the object link, query count, request ids written by services."""
import datetime

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.audit import audit_record, request_id_var
from branches.choices import AuditAction, Role
from branches.models import Appointment, AuditEntry, Unit
from branches.services import appointment_create, unit_update
from tests.factories import UserFactory, make_person, make_unit

pytestmark = pytest.mark.django_db

URL = reverse("access:audit_list")



def _rows(response):
    return list(response.context["table"].data)


# --- permission matrix --------------------------------------------------------------------------------

def test_anonymous_is_sent_to_login(client, committee):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    entry = AuditEntry.objects.first()
    response = client.get(reverse("access:audit_object", args=[entry.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_viewer_without_audit_view_gets_403(as_user, viewer, branch_a):
    assert as_user(viewer).get(URL).status_code == 403
    entry = AuditEntry.objects.filter(unit=branch_a).first()
    assert as_user(viewer).get(reverse("access:audit_object", args=[entry.pk])).status_code == 403


def test_outsider_sees_none_of_another_tree(as_user, outsider, admin_user, branch_a, other_committee):
    unit_update(actor=admin_user, unit=branch_a, phone="010-1234")
    response = as_user(outsider).get(URL)
    assert response.status_code == 200
    units = {e.unit for e in _rows(response)}
    assert units == {other_committee}  # the outsider's own tree only (its creation and their appointment)
    entry = AuditEntry.objects.filter(unit=branch_a).first()
    assert as_user(outsider).get(reverse("access:audit_object", args=[entry.pk])).status_code == 404


def test_secretary_sees_their_branch_and_below(as_user, secretary, admin_user, committee, branch_a, group_a,
                                              branch_b):
    unit_update(actor=admin_user, unit=branch_b, phone="1")
    unit_update(actor=admin_user, unit=group_a, phone="2")
    rows = _rows(as_user(secretary).get(URL))
    assert rows and {e.unit for e in rows} <= {branch_a, group_a}
    assert any(e.unit == group_a and e.action == AuditAction.UPDATE for e in rows)


def test_admin_sees_their_tree_and_unitless_rows_are_superuser_only(as_user, admin_user, committee, branch_a,
                                                                     other_committee):
    nobody_unit = UserFactory(username="account_only")
    audit_record(actor=admin_user, action=AuditAction.UPDATE, obj=nobody_unit, before={"email": "a"},
                 after={"email": "b"}, unit=None)
    rows = _rows(as_user(admin_user).get(URL))
    assert rows
    assert all(e.unit is not None and e.unit.path.startswith(committee.path) for e in rows)
    boss = UserFactory(username="boss", is_superuser=True)
    all_rows = _rows(as_user(boss).get(URL))
    assert any(e.unit is None for e in all_rows)
    assert any(e.unit == other_committee for e in all_rows)


# --- content ------------------------------------------------------------------------------------------

def test_row_shows_time_actor_action_object_unit_request_and_diff(as_user, admin_user, branch_a):
    token = request_id_var.set("rid-0001-abcdef")
    try:
        unit_update(actor=admin_user, unit=branch_a, phone="010-5555", name="第一党支部（新）")
    finally:
        request_id_var.reset(token)
    response = as_user(admin_user).get(URL, {"action": AuditAction.UPDATE})
    html = response.content.decode()
    entry = AuditEntry.objects.get(action=AuditAction.UPDATE, object_id=str(branch_a.pk))
    assert _rows(response) == [entry]
    assert "Updated" in html                                      # get_action_display
    assert "第一党支部（新）" in html and "committee_admin" in html
    assert reverse("access:audit_object", args=[entry.pk]) in html  # object link, resolved on click
    assert "?request_id=rid-0001-abcdef" in html
    assert "<details" in html and "010-5555" in html              # expandable before/after
    assert dict((f, (b, a)) for f, b, a in entry.changes)["Phone"] == (None, "010-5555")


def test_object_link_redirects_to_the_object_page(as_user, admin_user, branch_a, secretary):
    c = as_user(admin_user)
    unit_entry = AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(Unit),
                                           object_id=str(branch_a.pk)).first()
    response = c.get(reverse("access:audit_object", args=[unit_entry.pk]))
    assert response.status_code == 302 and response.url == branch_a.get_absolute_url()
    appt = Appointment.objects.get(user=secretary)
    appt_entry = AuditEntry.objects.get(action=AuditAction.APPOINT, object_id=str(appt.pk))
    response = c.get(reverse("access:audit_object", args=[appt_entry.pk]))
    assert response.url == reverse("access:user_detail", args=[secretary.pk])


def test_object_link_for_a_deleted_object_explains(as_user, admin_user, branch_a):
    ghost = Unit(pk=987654, name="已删除的单位", path="00010099", depth=2)
    entry = audit_record(actor=admin_user, action=AuditAction.UPDATE, obj=ghost, unit=branch_a)
    response = as_user(admin_user).get(reverse("access:audit_object", args=[entry.pk]), follow=True)
    assert response.redirect_chain[-1][0] == URL
    assert "no longer exists" in response.content.decode()


# --- filters ------------------------------------------------------------------------------------------

def test_filters(as_user, admin_user, committee, branch_a, branch_b, group_a):
    clerk = UserFactory(username="clerk_zhao", first_name="赵六")
    appointment_create(actor=admin_user, user=clerk, unit=branch_b, role=Role.DUES_CLERK)
    with time_machine.travel(datetime.datetime(2026, 3, 10, 10, 0, tzinfo=datetime.timezone.utc), tick=False):
        unit_update(actor=clerk, unit=branch_b, phone="1")
    with time_machine.travel(datetime.datetime(2026, 4, 20, 10, 0, tzinfo=datetime.timezone.utc), tick=False):
        unit_update(actor=admin_user, unit=group_a, phone="2")
    person = make_person(branch_a, name="李四")
    c = as_user(admin_user)

    def rows(**params):
        response = c.get(URL, params)
        assert response.status_code == 200
        return _rows(response)

    assert {e.actor for e in rows(actor="赵六")} == {clerk}
    assert {e.actor for e in rows(actor="CLERK")} == {clerk}
    by_unit = rows(unit=branch_a.pk)
    assert by_unit and {e.unit for e in by_unit} <= {branch_a, group_a} and any(e.unit == group_a for e in by_unit)
    person_ct = ContentType.objects.get_for_model(person)
    assert [e.object_id for e in rows(content_type=person_ct.pk)] == [str(person.pk)]
    assert {e.action for e in rows(action=AuditAction.APPOINT)} == {AuditAction.APPOINT}
    march = rows(date_from="2026-03-01", date_to="2026-03-31")
    assert [(e.actor, e.unit) for e in march] == [(clerk, branch_b)]
    assert [e.unit for e in rows(date_from="2026-04-20", date_to="2026-04-20")] == [group_a]
    assert rows(date_from="2026-05-01", date_to="2026-05-31") == []


def test_filter_by_request_id(as_user, admin_user, branch_a, branch_b):
    token = request_id_var.set("batch-42")
    try:
        unit_update(actor=admin_user, unit=branch_a, phone="1")
        unit_update(actor=admin_user, unit=branch_b, phone="2")
    finally:
        request_id_var.reset(token)
    rows = _rows(as_user(admin_user).get(URL, {"request_id": "batch-42"}))
    assert {e.unit for e in rows} == {branch_a, branch_b} and len(rows) == 2


def test_unit_filter_choices_are_scoped(as_user, secretary, branch_a, group_a, committee, other_committee):
    form = as_user(secretary).get(URL).context["filter"].form
    assert set(form.fields["unit"].queryset) == {branch_a, group_a}


# --- request id end to end ----------------------------------------------------------------------------

def test_request_through_the_client_carries_its_id_into_the_audit_row(as_user, admin_user, secretary, branch_a):
    appt = Appointment.objects.get(user=secretary)
    response = as_user(admin_user).post(reverse("access:appointment_end", args=[appt.pk]))
    rid = response["X-Request-ID"]
    assert len(rid) == 32
    entry = AuditEntry.objects.get(action=AuditAction.END, object_id=str(appt.pk))
    assert entry.request_id == rid and entry.actor == admin_user
    assert entry.before["ended_at"] is None and entry.after["ended_by"] == admin_user.pk


# --- queries and paging -------------------------------------------------------------------------------

def _count(client, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_constant_number_of_queries(as_user, admin_user, committee, branch_a):
    c = as_user(admin_user)
    few, response = _count(c)
    assert 0 < len(_rows(response)) < 10
    for i in range(8):
        unit = make_unit(committee, name=f"新支部{i}")
        unit_update(actor=admin_user, unit=unit, phone=str(i))
        make_person(unit, name=f"党员{i}", birth=datetime.date(1980, 1, 1 + i))
        appointment_create(actor=admin_user, user=UserFactory(username=f"x{i}"), unit=unit, role=Role.VIEWER)
    many, response = _count(c)
    assert len(_rows(response)) > 30
    assert many == few
    filtered, response = _count(c, {"unit": committee.pk, "action": AuditAction.APPOINT, "actor": "admin"})
    assert len(_rows(response)) == 8
    assert filtered == few + 1  # the chosen unit is looked up once to validate the filter
    assert few <= 13  # plus one query per related model named in the diffs (unit, user, ...), not per row


def test_paginates(as_user, admin_user, committee):
    for i in range(60):
        audit_record(actor=admin_user, action=AuditAction.UPDATE, obj=committee, before={"n": i}, after={"n": i + 1})
    c = as_user(admin_user)
    first = c.get(URL)
    assert first.context["result_count"] == AuditEntry.objects.filter(unit__path__startswith=committee.path).count()
    assert len(list(first.context["table"].paginated_rows)) == 50
    second = c.get(URL, {"page": 2})
    assert second.status_code == 200
    newest_first = [r.record.pk for r in first.context["table"].paginated_rows]
    assert newest_first == sorted(newest_first, reverse=True)

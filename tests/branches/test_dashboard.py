"""The dashboard: scope cards with links, warnings most urgent first (capped), appointments, unread inbox,
and a constant number of queries."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from branches import selectors
from branches.choices import UnitKind
from branches.models import Notification
from branches.notifications import notification_send
from branches.services import term_create
from members.choices import MemberStatus
from tests.branches.helpers import add_person
from tests.factories import UserFactory, make_unit

pytestmark = [pytest.mark.django_db]

URL = reverse("branches:dashboard")


def _cards(resp):
    return {c["key"]: c for c in resp.context["cards"]}


def test_anonymous_redirected(client):
    resp = client.get(URL)
    assert resp.status_code == 302 and reverse("login") in resp["Location"]


def test_user_without_appointment_sees_what_to_do(as_user, committee):
    resp = as_user(UserFactory(username="nobody")).get(URL)
    assert resp.status_code == 200 and 'data-testid="no-scope"' in resp.content.decode()


def test_cards_count_the_scope_and_link_to_lists(as_user, admin_user, secretary, committee, branch_a, group_a,
                                                 branch_b):
    add_person(branch_a, name="甲")
    add_person(branch_a, name="乙", status=MemberStatus.PROBATIONARY)
    add_person(branch_a, name="丙", status=MemberStatus.ACTIVIST)
    add_person(branch_b, name="丁")
    add_person(branch_b, name="戊", status=MemberStatus.WITHDREW)
    cards = _cards(as_user(admin_user).get(URL))
    assert {k: c["value"] for k, c in cards.items()} == {"units": 4, "full": 2, "probationary": 1, "pipeline": 1}
    assert cards["units"]["url"] == reverse("branches:unit_tree")
    assert cards["full"]["url"] == reverse("members:person_list") + "?status=full"
    assert cards["pipeline"]["url"] == reverse("members:person_list") + "?status=pipeline"
    mine = _cards(as_user(secretary).get(URL))
    assert {k: c["value"] for k, c in mine.items()} == {"units": 2, "full": 1, "probationary": 1, "pipeline": 1}


def test_outsider_sees_only_own_scope(as_user, outsider, committee, branch_a, other_committee):
    resp = as_user(outsider).get(URL)
    assert _cards(resp)["units"]["value"] == 1
    assert all(w.unit.pk == other_committee.pk for w in resp.context["warnings"])
    assert committee.name not in resp.content.decode()


def test_warnings_most_urgent_first_and_capped(monkeypatch, as_user, admin_user, committee, branch_a, branch_b):
    term_create(actor=admin_user, unit=branch_b, start_date=datetime.date.today().replace(year=2020))  # expired
    for i in range(3):
        make_unit(committee, kind=UnitKind.BRANCH, name=f"空支部{i}")
    monkeypatch.setattr(selectors, "WARNINGS_SHOWN", 2)
    resp = as_user(admin_user).get(URL)
    shown = resp.context["warnings"]
    assert len(shown) == 2 and shown[0].code == "term_expired" and shown[0].severity == "danger"
    assert resp.context["warnings_total"] == 6 and resp.context["warnings_more"] == 4
    html = resp.content.decode()
    assert 'data-testid="warnings-more"' in html and "4 more warnings" in html
    assert "Rule" in html and escape(shown[0].rule) in html


def test_appointments_and_latest_unread_notifications(as_user, admin_user, secretary, branch_a):
    for i in range(7):
        notification_send(recipients=[secretary], title=f"通知{i}", unit=branch_a, email=False)
    Notification.objects.filter(title="通知6").update(read_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    resp = as_user(secretary).get(URL)
    assert [a.unit for a in resp.context["appointments"]] == [branch_a]
    titles = [n.title for n in resp.context["notifications"]]
    assert len(titles) == 5 and "通知6" not in titles and titles[0] == "通知5"


def _grow(parent, n):
    for i in range(n):
        b = make_unit(parent, kind=UnitKind.BRANCH, name=f"支部{i}")
        g = make_unit(b, kind=UnitKind.PARTY_GROUP, name=f"小组{i}")
        add_person(b, name=f"党员{i}", party_group=g)
        add_person(b, name=f"预备{i}", status=MemberStatus.PROBATIONARY)
        if i % 2:
            term_create(actor=None, unit=b, start_date=datetime.date(2023, 3, 1))


def _queries(client):
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(URL)
    assert resp.status_code == 200
    return len(ctx.captured_queries)


def test_dashboard_query_count_is_constant(as_user, admin_user, secretary, committee):
    client = as_user(admin_user)
    _grow(committee, 3)
    for i in range(3):
        notification_send(recipients=[admin_user], title=f"n{i}", email=False)
    small = _queries(client)
    _grow(make_unit(committee, kind=UnitKind.COMMITTEE, name="二级党委"), 12)
    for i in range(10):
        notification_send(recipients=[admin_user], title=f"m{i}", email=False)
    assert _queries(client) == small
    assert small <= 20   # scope, counts, warnings, inbox, plus one or two per to-do provider (review, transfers, overdue)

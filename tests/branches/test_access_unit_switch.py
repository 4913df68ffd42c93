"""The current-unit switcher: POST only, scoped, kept in the session, cheap in the context processor."""
import datetime

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.choices import Role
from branches.context_processors import CURRENT_UNIT_SESSION_KEY, get_current_unit, shell
from branches.services import appointment_create, appointment_end, unit_update
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SWITCH = reverse("access:unit_switch")
HOME = reverse("branches:dashboard")



def test_anonymous_is_sent_to_login(client, branch_a):
    response = client.post(SWITCH, {"unit": branch_a.pk})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_get_is_not_allowed(as_user, secretary, branch_a):
    assert as_user(secretary).get(SWITCH, {"unit": branch_a.pk}).status_code == 405


def test_switch_within_scope_is_stored_and_shown(as_user, admin_user, committee, branch_a):
    c = as_user(admin_user)
    response = c.post(SWITCH, {"unit": branch_a.pk, "next": "/access/audit/?page=2"})
    assert response.status_code == 302 and response.url == "/access/audit/?page=2"
    assert c.session[CURRENT_UNIT_SESSION_KEY] == branch_a.pk
    page = c.get(reverse("access:notification_list"))
    assert page.context["current_unit"] == branch_a
    assert 'data-testid="current-unit">第一党支部<' in page.content.decode()


def test_switch_redirects_to_unit_page_without_a_safe_next(as_user, secretary, branch_a, group_a):
    c = as_user(secretary)
    assert c.post(SWITCH, {"unit": group_a.pk}).url == group_a.get_absolute_url()
    assert c.post(SWITCH, {"unit": group_a.pk, "next": "https://evil.example/"}).url == group_a.get_absolute_url()


@pytest.mark.parametrize("who, unit", [
    ("secretary", "committee"), ("secretary", "branch_b"), ("outsider", "branch_a"), ("admin_user", "other_committee"),
])
def test_switch_out_of_scope_is_404(who, unit, request, as_user):
    user, target = request.getfixturevalue(who), request.getfixturevalue(unit)
    c = as_user(user)
    assert c.post(SWITCH, {"unit": target.pk}).status_code == 404
    assert CURRENT_UNIT_SESSION_KEY not in c.session


def test_switch_to_garbage_is_404(as_user, secretary):
    c = as_user(secretary)
    assert c.post(SWITCH, {"unit": "abc"}).status_code == 404
    assert c.post(SWITCH, {}).status_code == 404


def test_a_choice_that_left_the_scope_is_dropped(as_user, committee, branch_a, branch_b):
    user = UserFactory(username="two_hats")
    appointment_create(actor=None, user=user, unit=branch_a, role=Role.SECRETARY)
    appt_b = appointment_create(actor=None, user=user, unit=branch_b, role=Role.SECRETARY)
    c = as_user(user)
    c.post(SWITCH, {"unit": branch_b.pk})
    assert c.get(reverse("access:notification_list")).context["current_unit"] == branch_b
    appointment_end(actor=None, appointment=appt_b)
    page = c.get(reverse("access:notification_list"))
    assert page.context["current_unit"] == branch_a  # the one unit left in scope
    assert CURRENT_UNIT_SESSION_KEY not in c.session


def test_dissolved_unit_is_dropped(as_user, admin_user, branch_a):
    c = as_user(admin_user)
    c.post(SWITCH, {"unit": branch_a.pk})
    branch_a.dissolved_on = datetime.date(2026, 1, 1)
    branch_a.save()
    assert c.get(reverse("access:notification_list")).context["current_unit"] != branch_a


def test_default_is_the_only_scope_root(as_user, secretary, branch_a):
    response = as_user(secretary).get(reverse("access:notification_list"))
    assert response.context["scope_roots"] == [branch_a]
    assert response.context["current_unit"] == branch_a


def test_dropdown_posts_to_the_switch_and_links_the_unit_page(as_user, secretary, branch_a):
    html = as_user(secretary).get(reverse("access:notification_list")).content.decode()
    assert f'action="{SWITCH}"' in html
    assert f'name="unit" value="{branch_a.pk}"' in html
    assert f'href="{branch_a.get_absolute_url()}"' in html


def _request(user, session=None):
    request = RequestFactory().get("/")
    request.user = user
    request.session = dict(session or {})
    return request


def test_context_processor_query_budget(committee, branch_a, branch_b, group_a):
    user = UserFactory(username="multi")
    appointment_create(actor=None, user=user, unit=branch_a, role=Role.SECRETARY)
    appointment_create(actor=None, user=user, unit=branch_b, role=Role.VIEWER)
    # A chosen root: no query beyond unread count, appointments, roots.
    with CaptureQueriesContext(connection) as ctx:
        ctx_data = shell(_request(user, {CURRENT_UNIT_SESSION_KEY: branch_b.pk}))
    assert ctx_data["current_unit"] == branch_b and len(ctx.captured_queries) == 3
    # A chosen unit below the roots: one more, scoped.
    user = type(user).objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as ctx:
        ctx_data = shell(_request(user, {CURRENT_UNIT_SESSION_KEY: group_a.pk}))
    assert ctx_data["current_unit"] == group_a and len(ctx.captured_queries) == 4
    # Cached on the request: a second call (render_table runs context processors again) costs nothing.
    request = _request(type(user).objects.get(pk=user.pk))
    shell(request)
    with CaptureQueriesContext(connection) as ctx:
        shell(request)
        get_current_unit(request)
    assert len(ctx.captured_queries) == 0


def test_out_of_scope_session_value_is_ignored(secretary, committee, other_committee):
    request = _request(secretary, {CURRENT_UNIT_SESSION_KEY: other_committee.pk})
    assert get_current_unit(request) is None
    assert CURRENT_UNIT_SESSION_KEY not in request.session
    request = _request(secretary, {CURRENT_UNIT_SESSION_KEY: "junk"})
    assert get_current_unit(request) is None


def test_navbar_shows_the_short_name(as_user, admin_user, secretary, branch_a):
    unit_update(actor=admin_user, unit=branch_a, short_name="一支部")
    html = as_user(secretary).get(reverse("access:notification_list")).content.decode()
    assert 'data-testid="current-unit">一支部<' in html


def test_nav_flags(secretary, viewer, admin_user):
    keys = ("appointments", "audit", "review", "unit_manage")

    def flags(user):
        nav = shell(_request(user))["nav_can"]
        return {k: nav[k] for k in keys}

    assert flags(admin_user) == {"appointments": True, "audit": True, "review": True, "unit_manage": True}
    assert flags(secretary) == {"appointments": False, "audit": True, "review": False, "unit_manage": False}
    assert flags(viewer) == {"appointments": False, "audit": False, "review": False, "unit_manage": False}

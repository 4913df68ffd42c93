"""The notifications inbox: own rows only, unread first, mark read, open (no open redirects), navbar count."""
import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branches.models import Notification
from branches.notifications import (
    notification_mark_read, notification_send, notifications_for, safe_local_url, unit_secretaries, unread_count,
)

pytestmark = pytest.mark.django_db

LIST = reverse("access:notification_list")
READ_ALL = reverse("access:notification_mark_all_read")



def _send(user, title, url="", minutes_ago=0, read=False):
    [n] = notification_send(recipients=[user], title=title, url=url, email=False)
    Notification.objects.filter(pk=n.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
        read_at=timezone.now() if read else None)
    n.refresh_from_db()
    return n


def _open(pk):
    return reverse("access:notification_open", args=[pk])


# --- permission matrix --------------------------------------------------------------------------------

def test_anonymous_is_sent_to_login(client, secretary):
    n = _send(secretary, "hello", url="/units/")
    for response in (client.get(LIST), client.post(READ_ALL), client.get(_open(n.pk))):
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    n.refresh_from_db()
    assert n.read_at is None


@pytest.mark.parametrize("who", ["admin_user", "secretary", "viewer", "outsider"])
def test_everyone_has_an_inbox_with_only_their_own_rows(who, request, as_user, secretary, outsider):
    user = request.getfixturevalue(who)
    _send(secretary, "for the secretary")
    _send(outsider, "for the outsider")
    response = as_user(user).get(LIST)
    assert response.status_code == 200
    assert {n.recipient for n in response.context["notifications"]} <= {user}
    html = response.content.decode()
    assert ("for the secretary" in html) == (user == secretary)
    assert ("for the outsider" in html) == (user == outsider)


def test_another_users_notification_is_404_and_stays_unread(as_user, secretary, viewer):
    n = _send(secretary, "private", url="/units/")
    assert as_user(viewer).get(_open(n.pk)).status_code == 404
    n.refresh_from_db()
    assert n.read_at is None
    assert as_user(viewer).get(_open(999999)).status_code == 404


def test_mark_all_read_is_post_only(as_user, secretary):
    assert as_user(secretary).get(READ_ALL).status_code == 405


# --- behaviour ----------------------------------------------------------------------------------------

def test_unread_first_then_newest(as_user, secretary):
    old_unread = _send(secretary, "old unread", minutes_ago=60)
    new_read = _send(secretary, "new read", minutes_ago=1, read=True)
    new_unread = _send(secretary, "new unread", minutes_ago=5)
    older_read = _send(secretary, "older read", minutes_ago=120, read=True)
    response = as_user(secretary).get(LIST)
    assert list(response.context["notifications"]) == [new_unread, old_unread, new_read, older_read]
    assert list(notifications_for(secretary)) == [new_unread, old_unread, new_read, older_read]
    assert response.context["unread_notifications"] == 2
    assert 'data-testid="unread-count">2<' in response.content.decode()


def test_paginates(as_user, secretary):
    for i in range(25):
        _send(secretary, f"n{i}", minutes_ago=i)
    c = as_user(secretary)
    first = c.get(LIST)
    assert len(first.context["notifications"]) == 20 and first.context["is_paginated"]
    second = c.get(LIST, {"page": 2})
    assert [n.title for n in second.context["notifications"]] == [f"n{i}" for i in range(20, 25)]


def test_mark_all_read(as_user, secretary, viewer):
    mine = [_send(secretary, f"m{i}") for i in range(3)]
    theirs = _send(viewer, "not mine")
    response = as_user(secretary).post(READ_ALL)
    assert response.status_code == 302 and response.url == LIST
    assert all(n.read_at for n in Notification.objects.filter(pk__in=[m.pk for m in mine]))
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert unread_count(secretary) == 0 and unread_count(viewer) == 1


def test_open_marks_read_and_redirects(as_user, secretary, branch_a):
    n = _send(secretary, "go", url=branch_a.get_absolute_url() + "?tab=history")
    response = as_user(secretary).get(_open(n.pk))
    assert response.status_code == 302
    assert response.url == branch_a.get_absolute_url() + "?tab=history"
    n.refresh_from_db()
    assert n.read_at is not None
    first_read = n.read_at
    as_user(secretary).get(_open(n.pk))
    n.refresh_from_db()
    assert n.read_at == first_read  # opening again does not move the read time


@pytest.mark.parametrize("url", [
    "https://evil.example/phish", "//evil.example/phish", "/\\evil.example", "javascript:alert(1)",
    "evil.example/x", "", "http://testserver/units/",
])
def test_open_refuses_open_redirects(as_user, secretary, url):
    n = _send(secretary, "bad link", url=url)
    response = as_user(secretary).get(_open(n.pk))
    assert response.status_code == 302
    assert response.url == LIST
    n.refresh_from_db()
    assert n.read_at is not None


def test_safe_local_url():
    assert safe_local_url("/members/1/") == "/members/1/"
    assert safe_local_url(" /x ") == "/x"
    for bad in ("//x.org", "/\\x.org", "https://x.org/", "x", "", None, "/\t/x.org"):
        assert safe_local_url(bad) == ""


# --- services and the navbar --------------------------------------------------------------------------

def test_send_skips_inactive_and_emails_after_commit(secretary, viewer, branch_a, django_capture_on_commit_callbacks):
    viewer.is_active = False
    viewer.save()
    with django_capture_on_commit_callbacks(execute=True):
        rows = notification_send(recipients=[secretary, viewer, secretary], title="会议提醒", body="body",
                                 url="/units/", unit=branch_a)
    assert [n.recipient for n in rows] == [secretary]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [secretary.email]
    assert "会议提醒" in mail.outbox[0].subject and "/units/" in mail.outbox[0].body


def test_mark_read_and_unit_secretaries(secretary, viewer, branch_a):
    a, b = _send(secretary, "a"), _send(secretary, "b")
    assert notification_mark_read(user=viewer, notification_ids=[a.pk]) == 0
    assert notification_mark_read(user=secretary, notification_ids=[a.pk]) == 1
    assert unread_count(secretary) == 1
    b.refresh_from_db()
    assert b.read_at is None
    assert unit_secretaries(branch_a) == [secretary]


def test_navbar_count_costs_one_query(as_user, secretary):
    for i in range(5):
        _send(secretary, f"n{i}")
    with CaptureQueriesContext(connection) as ctx:
        response = as_user(secretary).get(LIST)
    assert response.context["unread_notifications"] == 5
    count_queries = [q for q in ctx.captured_queries if 'FROM "branches_notification"' in q["sql"]
                     and "COUNT(" in q["sql"]]
    assert len(count_queries) == 2  # the navbar badge, and the inbox paginator

"""Every page of the app: anonymous users are sent to the login page, and no input reaches a 500.

A safety net under the per-view permission matrices: a new URL that forgets its login check or
crashes on bad input fails here.
"""
import datetime

import pytest
from django.urls import URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

from branches.models import AuditEntry, CommitteeTerm, Notification
from branches.notifications import notification_send
from branches.services import term_create
from members.committee_services import position_add
from members.models import (CommitteePosition, DevelopmentPlan, Holiday, ReviewKind, ReviewRequest, Transfer, TransferKind,
                            TransferStatus)

APP_NAMESPACES = {"branches", "members", "committee", "access", "meetings", "dues", "discipline"}

GARBAGE_QUERY = {"page": "abc", "sort": "evil;drop", "unit": "xyz", "status": "nope", "q": "%' OR 1=1 --",
                 "date_from": "2026-13-45", "role": "god", "show_dissolved": "maybe", "parent": "-1"}
GARBAGE_POST = {
    "name": "<script>alert(1)</script>", "code": "x" * 500, "kind": "planet", "unit": "abc", "parent": "999999",
    "target": "-1", "citizen_id": "1" * 300, "birth_date": "1990-02-31", "gender": "X", "status": "king",
    "start_date": "2026-13-45", "years": "7", "role": "god", "person": "NaN", "position": "emperor",
    "username": "", "password1": "1", "password2": "2", "account": "both", "user": "0", "token": "not-a-uuid",
    "dissolved_on": "yesterday", "confirm": "maybe", "language": "xx", "ended_on": "soon",
}


def _app_urls():
    def walk(patterns, prefix, namespace):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)
            elif namespace in APP_NAMESPACES:
                yield f"{namespace}:{p.name}", p.pattern.converters
    return list(walk(get_resolver().url_patterns, "", None))


APP_URLS = _app_urls()


def test_every_app_url_is_listed():
    names = {name for name, _ in APP_URLS}
    assert {"branches:unit_tree", "members:person_list", "access:audit_list", "committee:position_add"} <= names


@pytest.fixture
def objects(committee, branch_a, group_a, member_a, admin_user, secretary):
    term = term_create(actor=None, unit=branch_a, start_date=datetime.date(2024, 1, 1), years=3)
    position = position_add(actor=None, term=term, person=member_a, position="secretary",
                            started_on=datetime.date(2024, 1, 1))
    notification_send(recipients=[admin_user], title="t", url="/units/")
    review = ReviewRequest.objects.create(person=member_a, kind=ReviewKind.FULL_APPROVAL, unit=branch_a)
    plan = DevelopmentPlan.objects.create(unit=branch_a, year=2026, planned=3)
    transfer = Transfer.objects.create(
        number="T-1", kind=TransferKind.INTERNAL, person=member_a, person_status=member_a.status, from_unit=branch_a,
        to_unit=committee, issued_on=datetime.date(2026, 1, 5), valid_until=datetime.date(2026, 4, 5),
        status=TransferStatus.PENDING)
    holiday = Holiday.objects.create(date=datetime.date(2026, 10, 8), name="国庆节")
    return {
        "holiday": holiday, "review": review, "plan": plan, "transfer": transfer,
        "unit": branch_a, "person": member_a, "term": term, "position": position,
        "appointment": admin_user.appointments.first(), "user": secretary,
        "audit": AuditEntry.objects.filter(unit=branch_a).first(),
        "notification": Notification.objects.filter(recipient=admin_user).first(),
    }


def _kwargs(name, params, objects):
    kwargs = {}
    for param in params:
        if param == "unit_pk":
            kwargs[param] = objects["unit"].pk
        elif param == "person_pk":
            kwargs[param] = objects["person"].pk
        elif param == "term_pk":
            kwargs[param] = objects["term"].pk
        elif param == "pk":
            key = {"members": "person", "committee": "position"}.get(name.split(":")[0], "unit")
            # URL names say which object their pk is (members:review_detail, members:transfer_accept, ...)
            for word, obj_key in (("appointment", "appointment"), ("user", "user"), ("audit", "audit"),
                                  ("notification", "notification"), ("review", "review"), ("plan", "plan"),
                                  ("transfer", "transfer"), ("holiday", "holiday")):
                if word in name:
                    key = obj_key
            kwargs[param] = objects[key].pk
        elif param == "year":
            kwargs[param] = 2026
        elif isinstance(params[param], IntConverter):
            kwargs[param] = 999999          # no such row: the page must answer 404, not 500
        else:
            kwargs[param] = "x"
    return kwargs


@pytest.mark.django_db
@pytest.mark.parametrize("name,params", APP_URLS, ids=[n for n, _ in APP_URLS])
def test_anonymous_is_sent_to_login(client, name, params, objects):
    url = reverse(name, kwargs=_kwargs(name, params, objects))
    response = client.get(url)
    if response.status_code == 405:  # POST-only action
        response = client.post(url)
    assert response.status_code == 302, (url, response.status_code)
    assert response["Location"].startswith(reverse("login")), response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("name,params", APP_URLS, ids=[n for n, _ in APP_URLS])
def test_bad_input_never_gives_a_500(as_user, name, params, objects, admin_user):
    client = as_user(admin_user)
    url = reverse(name, kwargs=_kwargs(name, params, objects))
    assert client.get(url, GARBAGE_QUERY).status_code < 500
    assert client.post(url, GARBAGE_POST).status_code < 500
    assert client.post(url, {}).status_code < 500
    assert CommitteePosition.objects.filter(pk=objects["position"].pk).exists() or "position_end" in name
    assert CommitteeTerm.objects.filter(pk=objects["term"].pk).exists()

"""Access management: appointment list, create, end, user page; the services behind them."""
import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.choices import AuditAction, Role
from branches.models import Appointment, AuditEntry, Notification
from branches.permissions import APPOINTMENT_MANAGE
from branches.scope import clear_cache, has_perm
from branches.services import appointment_create
from branches.services_access import appointment_grant, appointment_revoke, user_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
STRONG = "Grass-roots-2026!"
LIST = reverse("access:appointment_list")
CREATE = reverse("access:appointment_create")


@pytest.fixture
def other_admin(other_committee):
    user = UserFactory(username="other_admin")
    appointment_create(actor=None, user=user, unit=other_committee, role=Role.ADMIN)
    return user


def _appt(user, unit):
    return Appointment.objects.get(user=user, unit=unit, ended_at__isnull=True)


# --- permission matrix --------------------------------------------------------------------------------

def test_anonymous_is_sent_to_login(client, secretary, branch_a):
    appt = _appt(secretary, branch_a)
    for url in (LIST, CREATE, reverse("access:appointment_end", args=[appt.pk]),
                reverse("access:user_detail", args=[secretary.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login") + "?next=")
    response = client.post(reverse("access:appointment_end", args=[appt.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert _appt(secretary, branch_a).ended_at is None


@pytest.mark.parametrize("who", ["viewer", "secretary", "outsider"])
def test_users_without_appointment_manage_get_403(who, request, as_user, branch_a):
    user = request.getfixturevalue(who)
    c = as_user(user)
    assert c.get(LIST).status_code == 403
    assert c.get(CREATE).status_code == 403
    assert c.post(CREATE, {"unit": branch_a.pk, "role": Role.VIEWER, "account": "existing",
                           "username": user.username}).status_code == 403


def test_viewer_cannot_end_an_appointment_in_scope(as_user, viewer, secretary, branch_a):
    appt = _appt(secretary, branch_a)
    c = as_user(viewer)
    assert c.get(reverse("access:appointment_end", args=[appt.pk])).status_code == 403
    assert c.post(reverse("access:appointment_end", args=[appt.pk])).status_code == 403
    assert _appt(secretary, branch_a).ended_at is None


def test_appointment_out_of_scope_is_404(as_user, other_admin, outsider, secretary, branch_a):
    appt = _appt(secretary, branch_a)
    for user in (other_admin, outsider):
        c = as_user(user)
        assert c.get(reverse("access:appointment_end", args=[appt.pk])).status_code == 404
        assert c.post(reverse("access:appointment_end", args=[appt.pk])).status_code == 404
        assert c.get(reverse("access:user_detail", args=[secretary.pk])).status_code == 404
    assert _appt(secretary, branch_a).ended_at is None


def test_other_trees_admin_sees_only_their_tree(as_user, other_admin, admin_user, secretary, viewer, outsider):
    response = as_user(other_admin).get(LIST)
    assert response.status_code == 200
    rows = list(response.context["table"].data)
    assert {a.user for a in rows} == {other_admin, outsider}


def test_admin_sees_appointments_of_their_tree(as_user, admin_user, secretary, viewer, outsider, branch_a):
    response = as_user(admin_user).get(LIST)
    assert response.status_code == 200
    rows = list(response.context["table"].data)
    assert {a.user for a in rows} == {admin_user, secretary, viewer}
    assert response.context["result_count"] == 3
    html = response.content.decode()
    assert "secretary_a" in html and "outsider" not in html
    assert reverse("access:appointment_end", args=[_appt(secretary, branch_a).pk]) in html


# --- list: filters, sorting, paging, queries ----------------------------------------------------------

def test_list_hides_ended_unless_asked(as_user, admin_user, secretary, viewer, branch_a):
    appointment_revoke(actor=admin_user, appointment=_appt(viewer, branch_a))
    c = as_user(admin_user)
    active = {a.user for a in c.get(LIST).context["table"].data}
    assert viewer not in active and secretary in active
    ended = list(c.get(LIST, {"state": "ended"}).context["table"].data)
    assert [a.user for a in ended] == [viewer]
    assert len(c.get(LIST, {"state": "all"}).context["table"].data) == 3


def test_list_filters_by_unit_subtree_role_and_user(as_user, admin_user, secretary, viewer, branch_a, branch_b,
                                                   group_a):
    clerk = UserFactory(username="clerk_b", first_name="王芳")
    appointment_create(actor=admin_user, user=clerk, unit=branch_b, role=Role.DUES_CLERK)
    grouper = UserFactory(username="group_viewer")
    appointment_create(actor=admin_user, user=grouper, unit=group_a, role=Role.VIEWER)
    c = as_user(admin_user)

    def users(**params):
        return {a.user.username for a in c.get(LIST, params).context["table"].data}

    assert users(unit=branch_a.pk) == {"secretary_a", "viewer_a", "group_viewer"}
    assert users(unit=branch_b.pk) == {"clerk_b"}
    assert users(role=Role.VIEWER) == {"viewer_a", "group_viewer"}
    assert users(q="王芳") == {"clerk_b"}
    assert users(q="VIEWER_A") == {"viewer_a"}


def test_unit_filter_dropdown_is_scoped(as_user, admin_user, other_committee, branch_a):
    form = as_user(admin_user).get(LIST).context["filter"].form
    units = set(form.fields["unit"].queryset)
    assert branch_a in units and other_committee not in units
    # A unit outside the scope is not a valid choice: the filter refuses it and shows nothing.
    response = as_user(admin_user).get(LIST, {"unit": other_committee.pk})
    assert response.status_code == 200
    assert response.context["filter"].errors
    assert list(response.context["table"].data) == []


def test_list_sorts_and_paginates(as_user, admin_user, committee):
    for i in range(30):
        appointment_create(actor=admin_user, user=UserFactory(username=f"u{i:02d}"), unit=committee, role=Role.VIEWER)
    c = as_user(admin_user)
    page1 = c.get(LIST, {"sort": "user"})
    assert page1.context["result_count"] == 31
    names = [row.record.user.username for row in page1.context["table"].paginated_rows]
    assert len(names) == 25 and names == sorted(names)
    page2 = c.get(LIST, {"sort": "user", "page": 2})
    assert len(list(page2.context["table"].paginated_rows)) == 6
    desc = [row.record.user.username for row in c.get(LIST, {"sort": "-user"}).context["table"].paginated_rows]
    assert desc[0] == "u29"


def _count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_runs_a_constant_number_of_queries(as_user, admin_user, committee, branch_a, branch_b):
    c = as_user(admin_user)
    few = _count_queries(c, LIST)
    for i in range(12):
        unit = (committee, branch_a, branch_b)[i % 3]
        appointment_create(actor=admin_user, user=UserFactory(username=f"many{i}"), unit=unit, role=Role.SECRETARY)
    many = _count_queries(c, LIST)
    assert many == few
    assert many <= 10


# --- create -------------------------------------------------------------------------------------------

def test_create_page_preselects_unit_and_limits_dropdown(as_user, admin_user, branch_a, other_committee):
    c = as_user(admin_user)
    response = c.get(CREATE, {"unit": branch_a.pk})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["unit"] == branch_a
    assert other_committee not in set(form.fields["unit"].queryset)
    assert c.get(CREATE, {"unit": other_committee.pk}).status_code == 404


def test_appoint_existing_user(as_user, admin_user, branch_b):
    person = UserFactory(username="zhang", first_name="张伟")
    c = as_user(admin_user)
    response = c.post(CREATE, {"unit": branch_b.pk, "role": Role.SECRETARY, "account": "existing",
                               "username": "ZHANG"})
    assert response.status_code == 302
    assert response.url == reverse("access:user_detail", args=[person.pk])
    appt = _appt(person, branch_b)
    assert appt.role == Role.SECRETARY and appt.created_by == admin_user
    # The appointee is told in-app (and by email, after commit).
    note = Notification.objects.get(recipient=person)
    assert branch_b.name in note.title and note.url == branch_b.get_absolute_url()
    audit = AuditEntry.objects.get(action=AuditAction.APPOINT, object_id=str(appt.pk))
    assert audit.actor == admin_user and audit.unit == branch_b and audit.after["role"] == Role.SECRETARY


def test_appoint_refuses_unknown_inactive_and_duplicate(as_user, admin_user, secretary, branch_a):
    UserFactory(username="gone", is_active=False)
    c = as_user(admin_user)
    before = Appointment.objects.count()
    r = c.post(CREATE, {"unit": branch_a.pk, "role": Role.VIEWER, "account": "existing", "username": "nobody"})
    assert r.status_code == 200 and "username" in r.context["form"].errors
    r = c.post(CREATE, {"unit": branch_a.pk, "role": Role.VIEWER, "account": "existing", "username": "gone"})
    assert r.status_code == 200 and "username" in r.context["form"].errors
    r = c.post(CREATE, {"unit": branch_a.pk, "role": Role.SECRETARY, "account": "existing",
                        "username": "secretary_a"})
    assert r.status_code == 200 and "role" in r.context["form"].errors
    assert Appointment.objects.count() == before


def test_admin_cannot_appoint_outside_their_scope(as_user, admin_user, other_committee):
    person = UserFactory(username="li")
    r = as_user(admin_user).post(CREATE, {"unit": other_committee.pk, "role": Role.ADMIN, "account": "existing",
                                          "username": "li"})
    assert r.status_code == 200
    assert "unit" in r.context["form"].errors
    assert not Appointment.objects.filter(user=person).exists()


def test_appoint_with_a_new_account(as_user, admin_user, branch_a, django_capture_on_commit_callbacks):
    c = as_user(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(CREATE, {"unit": branch_a.pk, "role": Role.ORGANIZER, "account": "new",
                            "new_username": "wangfang", "full_name": "王芳", "email": "wf@example.org",
                            "password1": STRONG, "password2": STRONG},
                   headers={"X-Request-ID": "req-create-1"})
    assert r.status_code == 302
    assert r["X-Request-ID"] == "req-create-1"
    user = User.objects.get(username="wangfang")
    assert user.is_active and user.get_full_name() == "王芳" and user.check_password(STRONG)
    assert _appt(user, branch_a).role == Role.ORGANIZER
    created = AuditEntry.objects.get(action=AuditAction.CREATE, object_id=str(user.pk),
                                     content_type__app_label="auth")
    assert created.actor == admin_user and created.unit == branch_a and created.request_id == "req-create-1"
    assert "password" not in created.after and created.after["username"] == "wangfang"
    appointed = AuditEntry.objects.get(action=AuditAction.APPOINT, after__user=user.pk)
    assert appointed.request_id == "req-create-1"
    # Told in-app and, after commit, by email.
    assert Notification.objects.filter(recipient=user).count() == 1
    assert [m.to for m in mail.outbox] == [["wf@example.org"]]
    # The new person can sign in with the initial password (through the login page, as axes needs).
    login = Client().post(reverse("login"), {"username": "wangfang", "password": STRONG})
    assert login.status_code == 302 and login.url == reverse("branches:dashboard")


@pytest.mark.parametrize("password, code", [
    ("short1!", "password_too_short"),
    ("1234567890123", "password_entirely_numeric"),
    ("password123", "password_too_common"),
    ("weakling2026x", "password_too_similar"),
])
def test_new_account_password_is_validated(as_user, admin_user, branch_a, password, code):
    r = as_user(admin_user).post(CREATE, {
        "unit": branch_a.pk, "role": Role.VIEWER, "account": "new", "new_username": "weakling2026",
        "full_name": "弱密码",
        "password1": password, "password2": password})
    assert r.status_code == 200
    assert code in {e.code for e in r.context["form"].errors.as_data()["password1"]}
    assert not User.objects.filter(username="weakling2026").exists()


def test_new_account_refuses_taken_username_and_mismatch(as_user, admin_user, secretary, branch_a):
    c = as_user(admin_user)
    r = c.post(CREATE, {"unit": branch_a.pk, "role": Role.VIEWER, "account": "new", "new_username": "Secretary_A",
                        "full_name": "x", "password1": STRONG, "password2": STRONG})
    assert "new_username" in r.context["form"].errors
    r = c.post(CREATE, {"unit": branch_a.pk, "role": Role.VIEWER, "account": "new", "new_username": "fresh",
                        "full_name": "x", "password1": STRONG, "password2": STRONG + "x"})
    assert "password2" in r.context["form"].errors
    r = c.post(CREATE, {"unit": branch_a.pk, "role": Role.VIEWER, "account": "new", "new_username": "fresh"})
    assert {"full_name", "password1", "password2"} <= set(r.context["form"].errors)
    assert not User.objects.filter(username="fresh").exists()


# --- end ----------------------------------------------------------------------------------------------

def test_end_asks_for_confirmation_then_ends(as_user, admin_user, secretary, branch_a):
    appt = _appt(secretary, branch_a)
    url = reverse("access:appointment_end", args=[appt.pk])
    c = as_user(admin_user)
    page = c.get(url)
    assert page.status_code == 200
    assert [t.name for t in page.templates][0] == "generic/confirm.html"
    assert "secretary_a" in page.content.decode()
    appt.refresh_from_db()
    assert appt.ended_at is None
    response = c.post(url, headers={"X-Request-ID": "req-end-1"})
    assert response.status_code == 302
    appt.refresh_from_db()
    assert appt.ended_at is not None and appt.ended_by == admin_user
    entry = AuditEntry.objects.get(action=AuditAction.END, object_id=str(appt.pk))
    assert entry.actor == admin_user and entry.request_id == "req-end-1"
    assert entry.before["ended_at"] is None and entry.after["ended_at"] is not None
    clear_cache(secretary)
    assert not has_perm(secretary, "view", branch_a)
    assert Notification.objects.filter(recipient=secretary, title__contains=branch_a.name).exists()


def test_end_redirects_to_safe_next_only(as_user, admin_user, secretary, viewer, branch_a):
    c = as_user(admin_user)
    url = reverse("access:appointment_end", args=[_appt(secretary, branch_a).pk])
    assert c.post(url + "?next=/access/appointments/%3Fstate%3Dall").url == "/access/appointments/?state=all"
    url = reverse("access:appointment_end", args=[_appt(viewer, branch_a).pk])
    assert c.post(url + "?next=https://evil.example/").url == reverse("access:user_detail", args=[viewer.pk])


def test_cannot_end_own_last_admin_appointment(as_user, admin_user, committee, branch_a):
    own = _appt(admin_user, committee)
    c = as_user(admin_user)
    response = c.post(reverse("access:appointment_end", args=[own.pk]), follow=True)
    own.refresh_from_db()
    assert own.ended_at is None
    assert "last administrator appointment" in response.content.decode()
    # With a second admin appointment the first one may go.
    appointment_create(actor=None, user=admin_user, unit=branch_a, role=Role.ADMIN)
    clear_cache(admin_user)
    c.post(reverse("access:appointment_end", args=[own.pk]))
    own.refresh_from_db()
    assert own.ended_at is not None


def test_ending_twice_is_refused_with_a_message(as_user, admin_user, secretary, branch_a):
    appt = _appt(secretary, branch_a)
    c = as_user(admin_user)
    c.post(reverse("access:appointment_end", args=[appt.pk]))
    response = c.post(reverse("access:appointment_end", args=[appt.pk]), follow=True)
    assert "already ended" in response.content.decode()
    assert AuditEntry.objects.filter(action=AuditAction.END, object_id=str(appt.pk)).count() == 1
    assert c.get(reverse("access:appointment_end", args=[appt.pk])).status_code == 302


# --- user page ----------------------------------------------------------------------------------------

def test_user_page_lists_appointments_in_scope_only(as_user, admin_user, other_admin, other_committee, branch_a):
    both = UserFactory(username="both")
    appointment_create(actor=None, user=both, unit=branch_a, role=Role.VIEWER)
    appointment_create(actor=None, user=both, unit=other_committee, role=Role.VIEWER)
    url = reverse("access:user_detail", args=[both.pk])
    mine = as_user(admin_user).get(url)
    assert mine.status_code == 200
    assert [a.unit for a in mine.context["table"].data] == [branch_a]
    theirs = as_user(other_admin).get(url)
    assert [a.unit for a in theirs.context["table"].data] == [other_committee]


def test_user_page_matrix(as_user, client, admin_user, secretary, viewer, outsider):
    url = reverse("access:user_detail", args=[secretary.pk])
    assert client.get(url).status_code == 302
    assert as_user(viewer).get(url).status_code == 403  # in view scope, but no appointment.manage
    assert as_user(outsider).get(url).status_code == 404
    assert as_user(admin_user).get(url).status_code == 200
    stranger = UserFactory(username="no_appointments")
    assert as_user(admin_user).get(reverse("access:user_detail", args=[stranger.pk])).status_code == 404
    assert as_user(admin_user).get(reverse("access:user_detail", args=[999999])).status_code == 404


def test_everyone_sees_their_own_user_page(as_user, viewer, branch_a):
    response = as_user(viewer).get(reverse("access:user_detail", args=[viewer.pk]))
    assert response.status_code == 200
    assert [a.unit for a in response.context["table"].data] == [branch_a]
    assert reverse("access:appointment_end", args=[_appt(viewer, branch_a).pk]) not in response.content.decode()


# --- services -----------------------------------------------------------------------------------------

def test_user_create_service_validates_and_audits(admin_user, branch_a):
    with pytest.raises(ValidationError) as exc:
        user_create(actor=admin_user, username="abc", password="abc12345", unit=branch_a)
    assert "password" in exc.value.error_dict
    user = user_create(actor=admin_user, username="newbie", password=STRONG, full_name="新人", email="N@Example.ORG",
                       unit=branch_a)
    assert user.email == "N@example.org"
    with pytest.raises(ValidationError) as exc:
        user_create(actor=admin_user, username="NEWBIE", password=STRONG)
    assert "username" in exc.value.error_dict
    entry = AuditEntry.objects.get(action=AuditAction.CREATE, content_type__model="user", object_id=str(user.pk))
    assert entry.actor == admin_user and entry.unit == branch_a and "password" not in entry.after


def test_grant_service_refuses_outside_scope(admin_user, other_committee, branch_a):
    person = UserFactory(username="p1")
    with pytest.raises(ValidationError):
        appointment_grant(actor=admin_user, user=person, unit=other_committee, role=Role.VIEWER)
    with pytest.raises(ValidationError):
        appointment_grant(actor=admin_user, unit=other_committee, role=Role.VIEWER,
                          new_user={"username": "p2", "password": STRONG})
    assert not User.objects.filter(username="p2").exists()
    appt = appointment_grant(actor=admin_user, user=person, unit=branch_a, role=Role.VIEWER)
    assert appt.is_active
    with pytest.raises(ValidationError):
        appointment_grant(actor=admin_user, user=person, unit=branch_a, role=Role.VIEWER)


def test_revoke_service_rules(admin_user, secretary, viewer, branch_a, committee):
    # A secretary cannot end appointments, even in their own branch.
    with pytest.raises(ValidationError):
        appointment_revoke(actor=secretary, appointment=_appt(viewer, branch_a))
    with pytest.raises(ValidationError):
        appointment_revoke(actor=admin_user, appointment=_appt(admin_user, committee))
    assert has_perm(admin_user, APPOINTMENT_MANAGE, committee)
    ended = appointment_revoke(actor=admin_user, appointment=_appt(viewer, branch_a))
    assert ended.ended_at is not None


def test_superuser_may_end_own_admin_appointment(committee):
    boss = UserFactory(username="boss", is_superuser=True)
    appt = appointment_create(actor=None, user=boss, unit=committee, role=Role.ADMIN)
    assert appointment_revoke(actor=boss, appointment=appt).ended_at is not None

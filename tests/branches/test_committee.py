"""Committee terms (branches) and positions (members.committee_services), services and views."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from branches.choices import AuditAction, CommitteePositionKind as K, UnitCategory, UnitKind
from branches.models import AuditEntry, CommitteeTerm
from branches.services import term_create, unit_dissolve
from members.choices import MemberStatus
from members.committee_services import position_add, position_end
from members.models import CommitteePosition
from tests.branches.helpers import add_person
from tests.factories import make_unit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

TODAY = datetime.date(2026, 5, 20)
D = datetime.date


@pytest.fixture
def term(admin_user, branch_a):
    return term_create(actor=admin_user, unit=branch_a, start_date=D(2024, 6, 1), note="换届选举")


@pytest.fixture
def full_a(branch_a):
    return add_person(branch_a, name="王书记")


# --- terms ----------------------------------------------------------------------------------------------

def test_term_defaults_and_end_date(admin_user, committee, term):
    assert term.years == 3 and term.end_date == D(2027, 6, 1) and term.is_current
    village = make_unit(committee, kind=UnitKind.BRANCH, name="村支部", category=UnitCategory.RURAL)
    t = term_create(actor=admin_user, unit=village, start_date=D(2025, 1, 10))
    assert t.years == 5 and t.end_date == D(2030, 1, 10)
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, object_id=str(t.pk)).exists()


def test_new_term_ends_current_and_keeps_history(admin_user, branch_a, term, full_a):
    pos = position_add(actor=admin_user, term=term, person=full_a, position=K.SECRETARY, started_on=D(2024, 6, 1))
    new = term_create(actor=admin_user, unit=branch_a, start_date=D(2026, 5, 1), years=5)
    term.refresh_from_db()
    pos.refresh_from_db()
    assert term.ended_on == D(2026, 5, 1) and new.ended_on is None and new.end_date == D(2031, 5, 1)
    assert pos.ended_on == D(2026, 5, 1)  # the old committee's seats end with it
    assert CommitteeTerm.objects.filter(unit=branch_a).count() == 2
    assert AuditEntry.objects.filter(action=AuditAction.END, object_id=str(term.pk)).exists()
    assert AuditEntry.objects.filter(action=AuditAction.END, object_id=str(pos.pk)).exists()


def test_term_refusals(admin_user, branch_a, group_a, term):
    with pytest.raises(ValidationError, match="must start after the current one"):
        term_create(actor=admin_user, unit=branch_a, start_date=D(2024, 6, 1))
    with pytest.raises(ValidationError, match="future"):
        term_create(actor=admin_user, unit=branch_a, start_date=D(2026, 6, 1))
    with pytest.raises(ValidationError, match="party group"):
        term_create(actor=admin_user, unit=group_a, start_date=D(2025, 1, 1))
    assert CommitteeTerm.objects.get(unit=branch_a).pk == term.pk


def test_dissolved_unit_gets_no_term(admin_user, branch_b):
    unit_dissolve(actor=admin_user, unit=branch_b)
    with pytest.raises(ValidationError, match="dissolved"):
        term_create(actor=admin_user, unit=branch_b, start_date=D(2025, 1, 1))


# --- positions ------------------------------------------------------------------------------------------

def test_position_add_and_end(admin_user, term, full_a, branch_a):
    pos = position_add(actor=admin_user, term=term, person=full_a, position=K.SECRETARY, started_on=D(2024, 6, 1))
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, object_id=str(pos.pk), unit=branch_a).exists()
    position_end(actor=admin_user, position=pos, ended_on=D(2026, 1, 1))
    pos.refresh_from_db()
    assert pos.ended_on == D(2026, 1, 1)
    with pytest.raises(ValidationError, match="already ended"):
        position_end(actor=admin_user, position=pos)
    # the secretary seat is free again
    position_add(actor=admin_user, term=term, person=full_a, position=K.SECRETARY, started_on=D(2026, 1, 2))


def test_position_rules(admin_user, term, full_a, branch_a, group_a, branch_b):
    applicant = add_person(branch_a, name="申请人", status=MemberStatus.APPLICANT)
    elsewhere = add_person(branch_b, name="外支部")
    probationary = add_person(branch_a, name="预备", status=MemberStatus.PROBATIONARY)
    with pytest.raises(ValidationError, match="Only probationary or full members"):
        position_add(actor=admin_user, term=term, person=applicant, position=K.ORGANIZATION)
    with pytest.raises(ValidationError, match="is not a member of"):
        position_add(actor=admin_user, term=term, person=elsewhere, position=K.ORGANIZATION)
    with pytest.raises(ValidationError, match="title"):
        position_add(actor=admin_user, term=term, person=full_a, position=K.OTHER)
    with pytest.raises(ValidationError, match="cannot start before the term"):
        position_add(actor=admin_user, term=term, person=full_a, position=K.PUBLICITY, started_on=D(2020, 1, 1))
    position_add(actor=admin_user, term=term, person=full_a, position=K.SECRETARY)
    with pytest.raises(ValidationError, match="already holds this position"):
        position_add(actor=admin_user, term=term, person=probationary, position=K.SECRETARY)
    other = position_add(actor=admin_user, term=term, person=probationary, position=K.OTHER, title="统战委员")
    assert other.title == "统战委员"


def test_position_only_on_current_term(admin_user, branch_a, term, full_a):
    term_create(actor=admin_user, unit=branch_a, start_date=D(2026, 1, 1))
    with pytest.raises(ValidationError, match="current term"):
        position_add(actor=admin_user, term=term, person=full_a, position=K.SECRETARY)


def test_committee_has_at_most_seven_seats(admin_user, term, branch_a):
    kinds = [K.SECRETARY, K.DEPUTY, K.DEPUTY, K.ORGANIZATION, K.PUBLICITY, K.DISCIPLINE, K.YOUTH]
    for i, kind in enumerate(kinds):
        position_add(actor=admin_user, term=term, person=add_person(branch_a, name=f"委员{i}"), position=kind)
    with pytest.raises(ValidationError, match="at most 7"):
        position_add(actor=admin_user, term=term, person=add_person(branch_a, name="第八"), position=K.OTHER,
                     title="委员")


# --- views ----------------------------------------------------------------------------------------------

def test_term_create_view_matrix_and_flow(client, as_user, admin_user, secretary, viewer, outsider, branch_a, term):
    url = reverse("branches:term_create", args=[branch_a.pk])
    assert client.get(url).status_code == 302
    assert as_user(outsider).get(url).status_code == 404
    assert as_user(viewer).get(url).status_code == 403
    assert as_user(viewer).post(url, {"start_date": "2026-05-01", "years": 3}).status_code == 403
    c = as_user(secretary)
    resp = c.get(url)
    assert resp.status_code == 200 and resp.context["form"].fields["years"].initial == 3
    assert "2024-06-01" in str(resp.context["help_text"])
    resp = c.post(url, {"start_date": "2024-01-01", "years": 3})
    assert resp.status_code == 200 and "start_date" in resp.context["form"].errors
    resp = c.post(url, {"start_date": "garbage", "years": 4})
    assert resp.status_code == 200 and resp.context["form"].errors
    resp = c.post(url, {"start_date": "2026-05-10", "years": 5, "note": "第二届"})
    assert resp.status_code == 302
    assert CommitteeTerm.objects.get(unit=branch_a, ended_on__isnull=True).years == 5


def test_position_views_matrix_and_flow(client, as_user, admin_user, secretary, viewer, outsider, term, full_a,
                                        branch_a):
    add_url = reverse("committee:position_add", args=[term.pk])
    assert client.get(add_url).status_code == 302
    assert as_user(outsider).get(add_url).status_code == 404
    assert as_user(viewer).get(add_url).status_code == 403
    c = as_user(secretary)
    resp = c.get(add_url)
    assert resp.status_code == 200
    applicant = add_person(branch_a, name="申请人", status=MemberStatus.APPLICANT)
    people = list(resp.context["form"].fields["person"].queryset)
    assert full_a in people and applicant not in people
    resp = c.post(add_url, {"person": applicant.pk, "position": K.SECRETARY, "started_on": "2025-01-01"})
    assert resp.status_code == 200 and resp.context["form"].errors
    resp = c.post(add_url, {"person": full_a.pk, "position": K.SECRETARY, "started_on": "2025-01-01"})
    assert resp.status_code == 302
    pos = CommitteePosition.objects.get(term=term)

    end_url = reverse("committee:position_end", args=[pos.pk])
    assert client.get(end_url).status_code == 302
    assert as_user(outsider).get(end_url).status_code == 404
    assert as_user(viewer).post(end_url, {"ended_on": "2026-01-01"}).status_code == 403
    resp = c.get(end_url)
    assert resp.status_code == 200 and full_a.name in resp.context["message"]
    resp = c.post(end_url, {"ended_on": "2020-01-01"})
    assert resp.status_code == 200 and resp.context["form"].errors
    resp = c.post(end_url, {"ended_on": "2026-01-01"})
    assert resp.status_code == 302
    pos.refresh_from_db()
    assert pos.ended_on == D(2026, 1, 1)
    assert c.get(end_url).status_code == 302  # already ended: back to the unit


def test_unit_page_shows_current_and_past_terms(as_user, admin_user, branch_a, term, full_a):
    position_add(actor=admin_user, term=term, person=full_a, position=K.SECRETARY, started_on=D(2024, 6, 1))
    term_create(actor=admin_user, unit=branch_a, start_date=D(2026, 4, 1))
    resp = as_user(admin_user).get(branch_a.get_absolute_url())
    assert resp.context["current_term"].start_date == D(2026, 4, 1)
    past = resp.context["past_terms"]
    assert [t.pk for t in past] == [term.pk]
    assert [p.person for p in past[0].position_list] == [full_a]
    html = resp.content.decode()
    assert 'data-testid="past-terms"' in html and full_a.name in html
    assert reverse("committee:position_add", args=[resp.context["current_term"].pk]) in html


def test_position_add_on_replaced_term_redirects(as_user, admin_user, branch_a, term):
    term_create(actor=admin_user, unit=branch_a, start_date=D(2026, 1, 1))
    resp = as_user(admin_user).get(reverse("committee:position_add", args=[term.pk]))
    assert resp.status_code == 302

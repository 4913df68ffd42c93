"""The person page: permissions, header facts, masking, breadcrumbs, positions, history."""
import datetime

import pytest
import time_machine
from django.urls import reverse

from branches.choices import CommitteePositionKind
from branches.models import CommitteeTerm
from members.choices import MemberStatus
from members.models import CommitteePosition
from members.services import person_update

from .helpers import person

pytestmark = pytest.mark.django_db


def _url(p):
    return reverse("members:person_detail", args=[p.pk])


def test_anonymous_is_sent_to_login(client, member_a):
    response = client.get(_url(member_a))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_outsider_gets_404(as_user, outsider, member_a):
    assert as_user(outsider).get(_url(member_a)).status_code == 404


def test_missing_person_is_404(as_user, secretary):
    assert as_user(secretary).get(reverse("members:person_detail", args=[999999])).status_code == 404


def test_viewer_sees_page_masked_and_without_edit(as_user, viewer, member_a):
    response = as_user(viewer).get(_url(member_a))
    html = response.content.decode()
    assert response.status_code == 200
    assert member_a.masked_citizen_id in html and member_a.citizen_id not in html
    assert reverse("members:person_edit", args=[member_a.pk]) not in html
    assert reverse("members:person_card_pdf", args=[member_a.pk]) in html


def test_secretary_sees_full_id_and_edit_button(as_user, secretary, member_a):
    html = as_user(secretary).get(_url(member_a)).content.decode()
    assert member_a.citizen_id in html
    assert reverse("members:person_edit", args=[member_a.pk]) in html


@time_machine.travel(datetime.date(2026, 7, 10), tick=False)
def test_header_shows_status_unit_and_party_standing(as_user, secretary, branch_a, group_a):
    p = person(branch_a, name="周全", party_group=group_a, admission_date=datetime.date(2015, 7, 1),
               full_member_date=datetime.date(2016, 7, 1))
    response = as_user(secretary).get(_url(p))
    html = response.content.decode()
    assert 'data-status="full"' in html
    assert branch_a.get_absolute_url() in html and group_a.name in html
    assert p.party_standing_years == 10
    assert "10 years" in html or "10 年" in html or "10年" in html


def test_breadcrumbs_follow_the_tree_and_link_only_what_is_in_scope(as_user, secretary, admin_user, committee,
                                                                    branch_a, member_a):
    crumbs = as_user(secretary).get(_url(member_a)).context["breadcrumbs"]
    assert crumbs == [(reverse("branches:unit_tree"), "Organization"), (None, committee.display_name),
                      (branch_a.get_absolute_url(), branch_a.display_name), (None, member_a.name)]
    crumbs = as_user(admin_user).get(_url(member_a)).context["breadcrumbs"]
    assert crumbs[1] == (committee.get_absolute_url(), committee.display_name)


def test_committee_positions_panel(as_user, secretary, branch_a, member_a):
    term = CommitteeTerm.objects.create(unit=branch_a, start_date=datetime.date(2023, 1, 1), years=3)
    CommitteePosition.objects.create(term=term, person=member_a, position=CommitteePositionKind.SECRETARY,
                                     started_on=datetime.date(2023, 1, 1))
    response = as_user(secretary).get(_url(member_a))
    assert [p.position for p in response.context["positions"]] == [CommitteePositionKind.SECRETARY]
    assert "2023-01-01" in response.content.decode()


def test_history_panel_lists_changes(as_user, secretary, member_a):
    person_update(actor=secretary, person=member_a, status=MemberStatus.TRANSFERRED_OUT,
                  left_date=datetime.date(2024, 1, 1))
    response = as_user(secretary).get(_url(member_a))
    assert len(response.context["history"]) == 2
    html = response.content.decode()
    assert 'id="history"' in html and "transferred_out" in html


def test_history_masks_ids_for_users_without_sensitive_rights(as_user, viewer, secretary, member_a):
    old = member_a.citizen_id
    from members.idcard import check_char

    new17 = old[:14] + "991"          # same birth date, still a man
    new = new17 + check_char(new17)
    assert new != old
    person_update(actor=secretary, person=member_a, citizen_id=new)
    html = as_user(viewer).get(_url(member_a)).content.decode()
    assert old not in html and new not in html
    assert old[-4:] in html and new[-4:] in html
    html = as_user(secretary).get(_url(member_a)).content.decode()
    assert old in html and new in html

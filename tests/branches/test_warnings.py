"""Structural warnings with a frozen clock: member-count rules (members provider) and committee terms."""
import datetime

import pytest
from django.urls import reverse

from branches import warnings as W
from branches.choices import System, UnitKind
from branches.services import term_create, unit_dissolve
from branches.warnings import POLICY, term_threshold, unit_warnings
from members.choices import MemberStatus
from tests.branches.helpers import add_person
from tests.factories import make_unit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]

D = datetime.date


def _codes(warnings, unit=None):
    return sorted(w.code for w in warnings if unit is None or w.unit.pk == unit.pk)


def _fill(unit, full=0, probationary=0, applicants=0):
    for i in range(full):
        add_person(unit, name=f"正式{i}")
    for i in range(probationary):
        add_person(unit, name=f"预备{i}", status=MemberStatus.PROBATIONARY)
    for i in range(applicants):
        add_person(unit, name=f"申请{i}", status=MemberStatus.APPLICANT)


def test_policy_lives_in_one_dict():
    assert POLICY["branch_min_full_members"] == 3
    assert POLICY["general_branch_size"] == 50
    assert POLICY["committee_full_members"] == 7
    assert (POLICY["term_request_months"], POLICY["term_notice_months"], POLICY["term_final_months"]) == (4, 6, 1)


def test_branch_with_fewer_than_three_full_members(branch_a, branch_b):
    _fill(branch_a, full=2, probationary=3, applicants=4)
    _fill(branch_b, full=3)
    found = unit_warnings([branch_a, branch_b])
    assert _codes(found, branch_a) == ["branch_few_full_members"]
    assert _codes(found, branch_b) == []
    w = found[0]
    assert w.severity == "warning" and w.message == "Only 2 full members."
    assert "at least 3 full members" in w.rule


def test_large_branch_usually_general_branch(monkeypatch, branch_a):
    monkeypatch.setitem(POLICY, "general_branch_size", 5)
    monkeypatch.setitem(POLICY, "basic_committee_size", 8)
    _fill(branch_a, full=3, probationary=2)
    w = [w for w in unit_warnings([branch_a]) if w.code == "branch_too_large"]
    assert len(w) == 1 and "general branch" in w[0].message and w[0].severity == "info"
    _fill(branch_a, full=3)
    w = [w for w in unit_warnings([branch_a]) if w.code == "branch_too_large"]
    assert "basic-level committee" in w[0].message


def test_seven_full_members_and_no_committee(admin_user, branch_a):
    _fill(branch_a, full=7)
    found = unit_warnings([branch_a])
    assert _codes(found) == ["branch_needs_committee"]
    assert "elect a branch committee" in found[0].message and "7 or more full members" in found[0].rule
    term_create(actor=admin_user, unit=branch_a, start_date=D(2025, 1, 1))
    assert _codes(unit_warnings([branch_a])) == []


def test_party_group_without_full_member(branch_a, group_a):
    p = add_person(branch_a, name="预备", status=MemberStatus.PROBATIONARY)
    p.__class__.objects.filter(pk=p.pk).update(party_group=group_a)
    _fill(branch_a, full=3)
    found = unit_warnings([branch_a, group_a])
    assert _codes(found, group_a) == ["group_no_full_member"]
    assert "at least one of them a full member" in found[0].rule


@pytest.mark.parametrize("end, threshold, severity", [
    (D(2026, 12, 31), None, None),
    (D(2026, 11, 20), "six_months", "info"),       # exactly 6 months ahead
    (D(2026, 9, 20), "request_due", "warning"),    # exactly 4 months ahead: the request is due today
    (D(2026, 6, 20), "one_month", "warning"),
    (D(2026, 5, 20), "one_month", "warning"),      # the last day of the term
    (D(2026, 5, 19), "expired", "danger"),
])
def test_term_thresholds(end, threshold, severity):
    assert term_threshold(end, D(2026, 5, 20)) == threshold
    unit = type("U", (), {"path": "0001", "pk": 1, "name": "x"})()
    w = W.term_warning(unit, end, D(2026, 5, 20))
    assert (w.severity if w else None) == severity


def test_term_warning_messages(admin_user, committee, branch_a, branch_b):
    # a 3-year term started 2023-08-01 ends 2026-08-01: the request (换届请示) was due by 2026-04-01
    term_create(actor=admin_user, unit=branch_a, start_date=D(2023, 8, 1))
    # expired: 2023-01-10 + 3y = 2026-01-10
    term_create(actor=admin_user, unit=branch_b, start_date=D(2023, 1, 10))
    found = unit_warnings([committee, branch_a, branch_b])
    term_w = [w for w in found if w.code.startswith("term_")]
    assert [w.code for w in term_w] == ["term_expired", "term_request_due"]  # most urgent first
    expired, due = term_w
    assert expired.severity == "danger" and "2026-01-10" in expired.message and "130 days ago" in expired.message
    assert "换届请示" in due.message and "by 2026-04-01" in due.message and "2026-08-01" in due.message
    assert "due 4 months before the term ends" in due.rule


def test_no_warnings_for_dissolved_or_replaced(admin_user, branch_a, branch_b):
    term_create(actor=admin_user, unit=branch_a, start_date=D(2023, 1, 10))
    term_create(actor=admin_user, unit=branch_a, start_date=D(2026, 5, 1))
    assert not [w for w in unit_warnings([branch_a]) if w.code.startswith("term_")]
    unit_dissolve(actor=admin_user, unit=branch_b)
    branch_b.refresh_from_db()
    assert unit_warnings([branch_b]) == []


def test_league_units_get_no_member_count_warnings(committee):
    league = make_unit(committee, kind=UnitKind.BRANCH, name="团支部", system=System.LEAGUE)
    assert unit_warnings([league]) == []


def test_order_is_most_urgent_first(admin_user, committee, branch_a, branch_b):
    term_create(actor=admin_user, unit=branch_b, start_date=D(2023, 1, 10))  # expired: danger
    found = unit_warnings([committee, branch_a, branch_b])  # both branches are empty: warnings
    ranks = [W.SEVERITY_RANK[w.severity] for w in found]
    assert ranks == sorted(ranks) and found[0].code == "term_expired"


def test_many_units_constant_queries(admin_user, committee, django_assert_max_num_queries):
    units = []
    for i in range(12):
        b = make_unit(committee, kind=UnitKind.BRANCH, name=f"支部{i}")
        units += [b, make_unit(b, kind=UnitKind.PARTY_GROUP, name=f"小组{i}")]
        if i % 3 == 0:
            term_create(actor=admin_user, unit=b, start_date=D(2023, 1, 1 + i))
    with django_assert_max_num_queries(3):  # terms, head counts, branches with a term
        found = unit_warnings([committee, *units])
    assert len(found) >= 24


def test_unit_page_shows_warnings_with_rules(as_user, admin_user, branch_a):
    resp = as_user(admin_user).get(branch_a.get_absolute_url())
    html = resp.content.decode()
    assert 'data-code="branch_few_full_members"' in html
    assert "A branch needs at least 3 full members." in html


def test_dashboard_shows_scope_warnings(as_user, admin_user, secretary, branch_a, branch_b):
    resp = as_user(secretary).get(reverse("branches:dashboard"))
    assert {w.unit.pk for w in resp.context["warnings"]} == {branch_a.pk}
    resp = as_user(admin_user).get(reverse("branches:dashboard"))
    assert {w.unit.pk for w in resp.context["warnings"]} == {branch_a.pk, branch_b.pk}

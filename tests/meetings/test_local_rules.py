"""A committee's own meeting frequencies, added on the rules page: validation, audit, never edited, who may add."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from branches.models import AuditEntry
from meetings.models import MeetingPolicy
from meetings.policy import PolicyBook, meeting_policy_add

pytestmark = pytest.mark.django_db
D = datetime.date
URL = reverse("meetings:policy")


def add(unit, **kw):
    data = {"meeting_type": "general", "unit_kind": "branch", "period": "month", "min_count": 1,
            "effective_from": D(2026, 1, 1), "note": "本地规定：每月一次"}
    data.update(kw)
    return meeting_policy_add(actor=None, unit=unit, **data)


def test_committee_rule_applies_from_its_date(committee, branch_a):
    add(committee)
    book = PolicyBook([branch_a])
    assert book.rule(branch_a, "general", D(2025, 10, 1)).period == "quarter"     # the central rule before
    rule = book.rule(branch_a, "general", D(2026, 1, 1))
    assert (rule.period, rule.min_count, rule.unit_name) == ("month", 1, committee.name)


@pytest.mark.parametrize("kw,field", [({"min_count": 99}, "min_count"), ({"min_count": -1}, "min_count"),
                                      ({"period": "weekly"}, "period"), ({"meeting_type": "party"}, "meeting_type"),
                                      ({"unit_kind": "planet"}, "unit_kind"), ({"note": " "}, "note")])
def test_refusals_name_the_field(committee, kw, field):
    with pytest.raises(ValidationError) as exc:
        add(committee, **kw)
    assert field in exc.value.message_dict and not MeetingPolicy.objects.exists()


def test_branch_cannot_set_rules_and_duplicates_are_refused(committee, branch_a):
    with pytest.raises(ValidationError):
        add(branch_a)
    add(committee)
    with pytest.raises(ValidationError) as exc:
        add(committee, min_count=2)
    assert "effective_from" in exc.value.message_dict and MeetingPolicy.objects.get().min_count == 1


def test_admin_adds_a_rule_from_the_page(as_user, admin_user, committee):
    page = as_user(admin_user).get(URL, {"unit": committee.pk})
    assert page.status_code == 200 and page.context["rule_form"] is not None
    resp = as_user(admin_user).post(URL, {"committee": committee.pk, "meeting_type": "org_life", "unit_kind": "branch",
                                          "period": "half_year", "min_count": 1, "effective_from": "2026-01-01",
                                          "note": "半年一次"})
    assert resp.status_code == 302
    row = MeetingPolicy.objects.get()
    assert (row.meeting_type, row.period, row.unit) == ("org_life", "half_year", committee)
    assert AuditEntry.objects.filter(object_id=str(row.pk), actor=admin_user).exists()


def test_bad_input_shows_errors(as_user, admin_user, committee):
    resp = as_user(admin_user).post(URL, {"committee": committee.pk, "meeting_type": "general", "unit_kind": "branch",
                                          "period": "month", "min_count": 50, "effective_from": "2026-01-01",
                                          "note": "x"})
    assert resp.status_code == 200 and 'data-testid="form-errors"' in resp.content.decode()
    assert not MeetingPolicy.objects.exists()


def test_secretary_and_viewer_cannot_add(as_user, secretary, viewer, committee, branch_a):
    for user in (secretary, viewer):
        assert as_user(user).get(URL).context["rule_form"] is None
        assert as_user(user).post(URL, {"committee": committee.pk, "meeting_type": "general", "unit_kind": "branch",
                                        "period": "month", "min_count": 1, "effective_from": "2026-01-01",
                                        "note": "x"}).status_code == 403
    assert not MeetingPolicy.objects.exists()

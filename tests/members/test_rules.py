"""The development rules page: reading the rules in force (default, committee value, effective date), adding a
committee value (bounds, duplicates, ordered pairs, reason required, audited, never edited), and who may do what."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from branches.models import AuditEntry
from members.models import DevelopmentPolicy
from members.policy import DEFAULTS, development_policy_add, development_rules, policy_value

pytestmark = pytest.mark.django_db
D = datetime.date
URL = reverse("members:rule_list")


def add(unit, key="activist_min_months", value=18, day=D(2026, 1, 1), note="本地规定", actor=None):
    return development_policy_add(actor=actor, unit=unit, key=key, value=value, effective_from=day, note=note)


def test_value_applies_to_the_subtree_from_its_date(committee, branch_a):
    add(committee, value=18, day=D(2026, 1, 1))
    assert policy_value(branch_a, "activist_min_months", D(2025, 12, 31)) == DEFAULTS["activist_min_months"]
    assert policy_value(branch_a, "activist_min_months", D(2026, 1, 1)) == 18
    rules = {r["key"]: r for r in development_rules(branch_a, D(2026, 3, 1))}
    assert rules["activist_min_months"]["value"] == 18 and rules["activist_min_months"]["overridden"]
    assert "测试党委" in rules["activist_min_months"]["source"]
    assert not rules["talk_within_months"]["overridden"]


def test_upcoming_value_is_listed_but_not_in_force(committee, branch_a):
    add(committee, value=24, day=D(2027, 1, 1))
    rule = {r["key"]: r for r in development_rules(branch_a, D(2026, 3, 1))}["activist_min_months"]
    assert rule["value"] == DEFAULTS["activist_min_months"] and [u.value for u in rule["upcoming"]] == [24]


@pytest.mark.parametrize("kwargs,field", [
    ({"value": 6}, "value"),                       # below the one-year minimum
    ({"value": 99}, "value"),
    ({"key": "nonsense"}, "key"),
    ({"note": "  "}, "note"),
])
def test_refusals_name_the_field(committee, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        add(committee, **kwargs)
    assert field in exc.value.message_dict
    assert not DevelopmentPolicy.objects.exists()


def test_only_a_committee_sets_rules(branch_a):
    with pytest.raises(ValidationError) as exc:
        add(branch_a)
    assert "unit" in exc.value.message_dict


def test_same_rule_and_date_twice_is_refused(committee):
    add(committee, value=18)
    with pytest.raises(ValidationError) as exc:
        add(committee, value=20)
    assert "effective_from" in exc.value.message_dict
    assert DevelopmentPolicy.objects.get().value == 18


def test_pairs_stay_ordered(committee):
    with pytest.raises(ValidationError) as exc:
        add(committee, key="approval_months", value=5, day=D(2026, 1, 1))
        add(committee, key="approval_max_months", value=4, day=D(2026, 2, 1))
    assert "may not exceed" in exc.value.message_dict["value"][0]
    assert list(DevelopmentPolicy.objects.values_list("key", flat=True)) == ["approval_months"]


def test_page_shows_rules_and_only_admins_add(as_user, admin_user, secretary, viewer, committee, branch_a):
    add(committee, value=18)
    page = as_user(secretary).get(URL)
    assert page.status_code == 200 and page.context["unit"] == branch_a and page.context["form"] is None
    assert 'data-testid="value-activist_min_months">18<' in page.content.decode()
    assert as_user(secretary).post(URL, {"unit": committee.pk}).status_code == 404   # committee not in scope
    assert as_user(viewer).get(URL).status_code == 200
    assert as_user(viewer).post(URL, {"unit": branch_a.pk, "key": "talk_within_months", "value": 2,
                                      "effective_from": "2026-02-01", "note": "x"}).status_code == 403
    admin_page = as_user(admin_user).get(URL)
    assert admin_page.context["unit"] == committee and admin_page.context["form"] is not None


def test_admin_adds_a_value_audited(as_user, admin_user, committee):
    resp = as_user(admin_user).post(URL, {"unit": committee.pk, "key": "notice_working_days", "value": 7,
                                          "effective_from": "2026-02-01", "note": "市委组织部文件"})
    assert resp.status_code == 302 and resp["Location"] == f"{URL}?unit={committee.pk}"
    row = DevelopmentPolicy.objects.get()
    assert (row.unit, row.key, row.value, row.note) == (committee, "notice_working_days", 7, "市委组织部文件")
    assert AuditEntry.objects.filter(object_id=str(row.pk), actor=admin_user).exists()


def test_bad_input_shows_errors_and_saves_nothing(as_user, admin_user, committee):
    resp = as_user(admin_user).post(URL, {"unit": committee.pk, "key": "notice_working_days", "value": 90,
                                          "effective_from": "2026-02-01", "note": "x"})
    assert resp.status_code == 200 and 'data-testid="form-errors"' in resp.content.decode()
    assert "between 1 and 30" in resp.content.decode()
    assert not DevelopmentPolicy.objects.exists()


def test_out_of_scope_unit_is_404(as_user, outsider, committee):
    assert as_user(outsider).get(URL, {"unit": committee.pk}).status_code == 404
    assert as_user(outsider).get(URL, {"unit": "abc"}).status_code == 404


def test_anonymous_goes_to_login(client):
    resp = client.get(URL)
    assert resp.status_code == 302 and reverse("login") in resp["Location"]


@pytest.mark.parametrize("day,months,expected", [
    (D(2024, 1, 31), 1, D(2024, 2, 29)), (D(2023, 1, 31), 1, D(2023, 2, 28)), (D(2025, 3, 31), -1, D(2025, 2, 28)),
    (D(2025, 12, 15), 1, D(2026, 1, 15)), (D(2026, 1, 10), -13, D(2024, 12, 10)), (D(2024, 2, 29), 12, D(2025, 2, 28)),
])
def test_add_months_clamps_to_the_month_end(day, months, expected):
    from dateutil.relativedelta import relativedelta

    from members.policy import add_months

    assert add_months(day, months) == expected == day + relativedelta(months=months)

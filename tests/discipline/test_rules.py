"""The discipline rules page: read with DISCIPLINE_VIEW, a committee admin adds a bounded value (never edited)."""
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from discipline.letters import letter_issue
from discipline.models import DisciplinePolicy
from discipline.policy import discipline_policy_add
from tests.factories import make_person

from .helpers import D, officer_of

pytestmark = pytest.mark.django_db


def test_policy_add_bounds_and_once(admin_user, committee, branch_a):
    with pytest.raises(ValidationError, match="between 3 and 30"):
        discipline_policy_add(actor=admin_user, unit=committee, key="answer_days", value=60,
                              effective_from=D(2026, 1, 1), note="本地规定")
    with pytest.raises(ValidationError, match="choose a committee"):
        discipline_policy_add(actor=admin_user, unit=branch_a, key="answer_days", value=7,
                              effective_from=D(2026, 1, 1), note="本地规定")
    discipline_policy_add(actor=admin_user, unit=committee, key="answer_days", value=7, effective_from=D(2026, 1, 1),
                          note="本地规定")
    with pytest.raises(ValidationError, match="already has a value"):
        discipline_policy_add(actor=admin_user, unit=committee, key="answer_days", value=8,
                              effective_from=D(2026, 1, 1), note="x")
    officer = officer_of(branch_a)
    letter = letter_issue(actor=officer, person=make_person(branch_a), kind="inquiry", issued_on=D(2026, 5, 1),
                          matter="x")
    assert letter.due_on == D(2026, 5, 8)


def test_rules_page(as_user, admin_user, secretary, viewer, committee):
    url = reverse("discipline:rule_list")
    assert as_user(viewer).get(url).status_code == 403
    body = as_user(secretary).get(url).content.decode()
    assert 'data-testid="value-answer_days"' in body and 'id="add-rule"' not in body
    client = as_user(admin_user)
    assert 'id="add-rule"' in client.get(url + f"?unit={committee.pk}").content.decode()
    resp = client.post(url, {"unit": committee.pk, "key": "answer_days", "value": 5, "effective_from": "2026-06-01",
                             "note": "局党组规定"})
    assert resp.status_code == 302 and DisciplinePolicy.objects.get().value == 5
    assert as_user(secretary).post(url, {"unit": committee.pk, "key": "answer_days", "value": 5,
                                         "effective_from": "2026-06-02", "note": "x"}).status_code in (403, 404)
    assert client.get(url + "?unit=abc").status_code == 404
    resp = client.post(url, {"unit": committee.pk, "key": "answer_days", "value": 99, "effective_from": "2026-06-03",
                             "note": "x"})
    assert resp.status_code == 200 and "between 3 and 30" in resp.content.decode()

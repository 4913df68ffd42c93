"""The Django admin for development rules (editable) and development history (read-only)."""
import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from members.models import DevelopmentPolicy, DevelopmentStep, StatusChange
from members.models import DevelopmentStepKind as K

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("root_admin", "root@example.com", "pw-Admin-12345")
    client.force_login(user)
    return client


def test_policy_override_entered_in_admin(admin_client, committee, branch_a):
    url = reverse("admin:members_developmentpolicy_add")
    assert admin_client.get(url).status_code == 200
    data = {"unit": committee.pk, "key": "activist_min_months", "value": "18", "effective_from": "2025-01-01",
            "note": "local rule"}
    assert admin_client.post(url, data).status_code == 302
    row = DevelopmentPolicy.objects.get()
    assert (row.unit, row.key, row.value) == (committee, "activist_min_months", 18)
    refused = admin_client.post(url, {**data, "unit": branch_a.pk, "effective_from": "2025-02-01"})
    assert refused.status_code == 200 and not DevelopmentPolicy.objects.filter(unit=branch_a).exists()
    listing = admin_client.get(reverse("admin:members_developmentpolicy_changelist") + "?key=activist_min_months")
    assert listing.status_code == 200 and "local rule" in listing.content.decode()


def test_steps_and_status_changes_are_read_only(admin_client, branch_a):
    from .helpers import person

    p = person(branch_a, name="历史")
    step = DevelopmentStep.objects.create(person=p, kind=K.APPLICATION, date=datetime.date(2025, 1, 1))
    change = StatusChange.objects.create(person=p, from_status="applicant", to_status="activist",
                                         date=datetime.date(2025, 3, 1), step=step)
    for model, obj in (("developmentstep", step), ("statuschange", change)):
        assert admin_client.get(reverse(f"admin:members_{model}_changelist")).status_code == 200
        assert admin_client.get(reverse(f"admin:members_{model}_change", args=[obj.pk])).status_code == 200
        assert admin_client.get(reverse(f"admin:members_{model}_add")).status_code == 403
        assert admin_client.post(reverse(f"admin:members_{model}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403
    assert DevelopmentStep.objects.filter(pk=step.pk).exists()


def test_a_rule_row_added_in_admin_goes_through_the_rule_book(admin_client, committee):
    from branches.models import AuditEntry

    url = reverse("admin:members_developmentpolicy_add")
    data = {"unit": committee.pk, "key": "activist_min_months", "value": "99", "effective_from": "2025-01-01",
            "note": "too long"}
    page = admin_client.post(url, data)
    assert page.status_code == 200 and not DevelopmentPolicy.objects.exists()     # out of the rule's bounds
    assert admin_client.post(url, {**data, "value": "18", "note": "  "}).status_code == 200   # a reason is required
    assert admin_client.post(url, {**data, "value": "18"}).status_code == 302
    row = DevelopmentPolicy.objects.get()
    assert AuditEntry.objects.filter(object_id=str(row.pk), content_type__model="developmentpolicy").count() == 1
    change = reverse("admin:members_developmentpolicy_change", args=[row.pk])
    admin_client.post(change, {**data, "value": "20"})
    row.refresh_from_db()
    assert row.value == 18                                                      # never changed
    assert admin_client.post(reverse("admin:members_developmentpolicy_delete", args=[row.pk]),
                             {"post": "yes"}).status_code == 403

"""The dashboard's to-do card for the membership pipeline: review items for reviewers (red past the deadline),
transfers waiting for the receiving secretary, expired letters, overdue development steps; scoped, and a
constant number of queries."""
import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.choices import Role
from branches.services import appointment_create
from members.choices import MemberStatus
from members.models import DevelopmentStepKind as K, ReviewKind as RK, ReviewRequest
from members.pipeline import pipeline_record_step
from members.review import review_submit
from members.transfers import transfer_issue
from tests.factories import UserFactory

from .helpers import person
from .test_pipeline import walk

pytestmark = pytest.mark.django_db
D = datetime.date
URL = reverse("branches:dashboard")


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(datetime.datetime(2025, 7, 1, 10, 0), tick=False):
        yield


@pytest.fixture
def reviewer(committee):
    user = UserFactory(username="reviewer_c")
    appointment_create(actor=None, user=user, unit=committee, role=Role.REVIEWER)
    return user


@pytest.fixture
def secretary_b(branch_b):
    user = UserFactory(username="secretary_b")
    appointment_create(actor=None, user=user, unit=branch_b, role=Role.SECRETARY)
    return user


def tasks(client):
    resp = client.get(URL)
    assert resp.status_code == 200
    return {t.key: t for t in resp.context["tasks"]}


def test_reviewer_sees_waiting_items_red_past_deadline(as_user, reviewer, secretary, branch_a):
    members = [person(branch_a, name=f"正式{i}") for i in range(3)]
    applicant = person(branch_a, name="王申请", status=MemberStatus.APPLICANT, birth=D(1995, 3, 1))
    at_approval = walk(applicant, members, secretary, until=K.COMMITTEE_APPROVAL)
    item = review_submit(actor=secretary, person=at_approval, kind=RK.ADMISSION_APPROVAL, note="请审批")
    mine = tasks(as_user(reviewer))
    assert mine["review_pending"].count == 1 and mine["review_pending"].url == reverse("members:review_queue")
    assert mine["review_pending"].urgent is (item.deadline < D(2025, 7, 1))
    ReviewRequest.objects.filter(pk=item.pk).update(deadline=D(2025, 6, 30))
    assert tasks(as_user(reviewer))["review_pending"].urgent is True
    assert "review_pending" not in tasks(as_user(secretary))     # a secretary has no review queue


def test_transfer_waiting_for_the_receiving_secretary_only(as_user, secretary, secretary_b, branch_a, branch_b):
    member = person(branch_a, name="转出人")
    transfer_issue(actor=secretary, person=member, kind="internal", to_unit=branch_b, issued_on=D(2025, 6, 20),
                   reason="工作调动")
    receiving = tasks(as_user(secretary_b))
    assert receiving["transfers_waiting"].count == 1
    assert receiving["transfers_waiting"].url.endswith("?tab=waiting")
    assert "transfers_waiting" not in tasks(as_user(secretary))  # the sending side waits, nothing to do


def test_overdue_talk_listed_for_the_secretary(as_user, secretary, viewer, branch_a):
    applicant = person(branch_a, name="待谈话", status=MemberStatus.APPLICANT, birth=D(1995, 3, 1))
    pipeline_record_step(actor=secretary, person=applicant, kind=K.APPLICATION, date=D(2025, 3, 1))
    mine = tasks(as_user(secretary))
    overdue = [t for k, t in mine.items() if k.startswith("development_overdue_")]
    assert len(overdue) == 1 and overdue[0].count == 1 and overdue[0].urgent
    viewer_keys = set(tasks(as_user(viewer)))                     # a viewer records no development steps
    assert not {k for k in viewer_keys if k.startswith(("development_", "review_", "transfers_"))}


def test_constant_queries(as_user, admin_user, secretary, branch_a, branch_b):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert as_user(admin_user).get(URL).status_code == 200
        return len(ctx.captured_queries)

    first = person(branch_a, name="一", status=MemberStatus.APPLICANT, birth=D(1995, 3, 1))
    pipeline_record_step(actor=secretary, person=first, kind=K.APPLICATION, date=D(2025, 3, 1))
    before = count()
    for i in range(4):
        p = person(branch_b, name=f"申请{i}", status=MemberStatus.APPLICANT, birth=D(1995, 3, 1))
        pipeline_record_step(actor=secretary, person=p, kind=K.APPLICATION, date=D(2025, 3, 1))
    assert count() == before

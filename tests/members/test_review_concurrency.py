"""Two reviewers decide the same item at the same moment: one wins, the other is told, nothing else changes.

On PostgreSQL the two decisions run in two threads, each with its own connection, released together by a
barrier: the conditional UPDATE of the loser blocks on the winner's row lock and then finds the item decided.
SQLite serialises writers on the whole file (and the in-memory test database is shared between threads only
with table locks), so there the same two calls run one after the other; the outcome checked is the same.
Run it on PostgreSQL with e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/h1review.
"""
import datetime
import threading

import pytest
import time_machine
from django.db import connection, connections

from branches.choices import Role
from branches.models import AuditEntry, Notification
from branches.services import appointment_create
from members.choices import MemberStatus
from members.models import DevelopmentStepKind as K, ReviewKind as RK, ReviewRequest, ReviewStatus
from members.review import ReviewAlreadyDecided, review_decide, review_return, review_submit
from tests.factories import UserFactory

from .helpers import person
from .test_pipeline import walk

D = datetime.date
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(datetime.datetime(2025, 7, 1, 10, 0), tick=False):
        yield


def _reviewer(committee, name):
    user = UserFactory(username=name)
    appointment_create(actor=None, user=user, unit=committee, role=Role.REVIEWER)
    return user


def _race(calls):
    """Run the callables at the same moment (threads on PostgreSQL, one after the other elsewhere); return
    [(result or None, exception or None)] in the order given."""
    results = [None] * len(calls)
    if connection.vendor != "postgresql":
        for i, call in enumerate(calls):
            try:
                results[i] = (call(), None)
            except Exception as exc:  # noqa: BLE001 - the test looks at which one lost and why
                results[i] = (None, exc)
        return results
    barrier = threading.Barrier(len(calls))

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = (call(), None)
        except Exception as exc:  # noqa: BLE001
            results[i] = (None, exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a decision never finished (deadlock?)"
    return results


@pytest.fixture
def item(committee, branch_a, secretary):
    members = [person(branch_a, name=f"正式{i}") for i in range(3)]
    applicant = person(branch_a, name="王申请", status=MemberStatus.APPLICANT, birth=D(1995, 3, 1))
    p = walk(applicant, members, secretary, until=K.COMMITTEE_APPROVAL)
    return review_submit(actor=secretary, person=p, kind=RK.ADMISSION_APPROVAL)


def _check_one_winner(item, results, winners_expected=1):
    errors = [exc for _r, exc in results if exc is not None]
    wins = [r for r, exc in results if exc is None]
    assert len(wins) == winners_expected, errors
    assert len(errors) == len(results) - winners_expected
    assert all(isinstance(e, ReviewAlreadyDecided) for e in errors), errors
    item.refresh_from_db()
    assert item.status != ReviewStatus.PENDING
    assert "already decided by " + item.decided_by.username in errors[0].messages[0]
    return wins[0]


def test_two_approvals_at_once(committee, item):
    a, b = _reviewer(committee, "reviewer_a"), _reviewer(committee, "reviewer_b")
    audits = AuditEntry.objects.count()
    results = _race([
        lambda: review_decide(actor=a, item=item, outcome="approved", date=D(2025, 7, 1)),
        lambda: review_decide(actor=b, item=item, outcome="approved", date=D(2025, 7, 1)),
    ])
    won = _check_one_winner(item, results)
    p = item.person
    p.refresh_from_db()
    approvals = list(p.development_steps.filter(kind=K.COMMITTEE_APPROVAL))
    assert len(approvals) == 1 and approvals[0].actor == won.decided_by and item.result_step == approvals[0]
    assert p.status == MemberStatus.PROBATIONARY
    assert p.status_changes.filter(to_status=MemberStatus.PROBATIONARY).count() == 1
    # one item update, one step, one person status change audited: the loser wrote nothing
    review_rows = AuditEntry.objects.filter(content_type__model="reviewrequest", object_id=str(item.pk),
                                            action="update")
    assert review_rows.count() == 1 and AuditEntry.objects.count() == audits + 3
    assert Notification.objects.filter(title__contains="Approved").count() == 1


def test_approval_and_return_at_once(committee, item):
    a, b = _reviewer(committee, "reviewer_a"), _reviewer(committee, "reviewer_b")
    results = _race([
        lambda: review_return(actor=a, item=item, reason="材料不全"),
        lambda: review_decide(actor=b, item=item, outcome="not_approved", date=D(2025, 7, 1)),
    ])
    _check_one_winner(item, results)
    steps = item.person.development_steps.filter(kind=K.COMMITTEE_APPROVAL).count()
    assert steps == (1 if item.status == ReviewStatus.APPROVED else 0)
    assert ReviewRequest.objects.get(pk=item.pk).reason == ("材料不全" if item.status == ReviewStatus.RETURNED else "")

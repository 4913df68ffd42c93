"""Pages of the committee review queue: permission matrix, queue (filters, tabs, deadline colours, query count),
the item page (dossier, confirm, decide, return, refusals, already decided), the submit page and the timeline."""
import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branches.choices import Role
from branches.services import appointment_create
from members.choices import MemberStatus
from members.models import DevelopmentStep, DevelopmentStepKind as K, ReviewKind as RK, ReviewRequest, ReviewStatus
from members.review import review_decide, review_return, review_submit
from tests.factories import UserFactory

from .helpers import person
from .test_pipeline import walk

pytestmark = pytest.mark.django_db
D = datetime.date


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
def foreign_reviewer(other_committee):
    user = UserFactory(username="reviewer_x")
    appointment_create(actor=None, user=user, unit=other_committee, role=Role.REVIEWER)
    return user


@pytest.fixture
def at_approval(applicant, full_members, secretary):
    return walk(applicant, full_members, secretary, until=K.COMMITTEE_APPROVAL)


@pytest.fixture
def item(at_approval, secretary):
    return review_submit(actor=secretary, person=at_approval, kind=RK.ADMISSION_APPROVAL, note="请审批")


def queue_url(**params):
    url = reverse("members:review_queue")
    if params:
        from urllib.parse import urlencode
        url += "?" + urlencode(params)
    return url


def detail_url(item):
    return reverse("members:review_detail", args=[item.pk])


def submit_url(p, kind=None):
    url = reverse("members:review_submit", args=[p.pk])
    return f"{url}?kind={kind}" if kind else url


def timeline_url(p):
    return reverse("members:person_pipeline", args=[p.pk])


DECIDE = {"action": "decide", "outcome": "approved", "date": "2025-07-01", "reason": "同意"}


# -- permission matrix ------------------------------------------------------------------------------------------

def test_anonymous_is_sent_to_login(client, item, at_approval):
    for url in (queue_url(), detail_url(item), submit_url(at_approval, RK.ADMISSION_APPROVAL)):
        for response in (client.get(url), client.post(url, DECIDE)):
            assert response.status_code == 302 and response.url.startswith(reverse("login")), url


@pytest.mark.parametrize("who, queue, detail, submit", [
    ("outsider", 403, 404, 404),            # secretary of another committee: no REVIEW anywhere, out of scope
    ("foreign_reviewer", 200, 404, 404),    # a reviewer elsewhere: a queue, but not this item
    ("viewer", 403, 403, 403),              # in scope, no REVIEW, no PIPELINE_CHANGE
    ("secretary", 403, 403, 200),           # the branch submits but does not review
    ("reviewer", 200, 200, 403),            # the committee reviews but does not submit
    ("admin_user", 200, 200, 200),          # a committee admin does both
])
def test_permission_matrix_get(request, as_user, item, at_approval, who, queue, detail, submit):
    c = as_user(request.getfixturevalue(who))
    assert c.get(queue_url()).status_code == queue
    assert c.get(detail_url(item)).status_code == detail
    assert c.get(submit_url(at_approval, RK.ADMISSION_APPROVAL)).status_code == submit


@pytest.mark.parametrize("who, status", [("outsider", 404), ("foreign_reviewer", 404), ("viewer", 403),
                                         ("secretary", 403)])
def test_decide_refused_without_review(request, as_user, item, who, status):
    c = as_user(request.getfixturevalue(who))
    assert c.post(detail_url(item), {**DECIDE, "confirmed": "1"}).status_code == status
    assert c.post(detail_url(item), {"action": "return", "reason": "x", "confirmed": "1"}).status_code == status
    item.refresh_from_db()
    assert item.status == ReviewStatus.PENDING


@pytest.mark.parametrize("who, status", [("outsider", 404), ("viewer", 403), ("reviewer", 403)])
def test_submit_refused_without_pipeline_change(request, as_user, at_approval, who, status):
    c = as_user(request.getfixturevalue(who))
    assert c.post(submit_url(at_approval), {"kind": RK.ADMISSION_APPROVAL}).status_code == status
    assert not ReviewRequest.objects.exists()


# -- the queue ----------------------------------------------------------------------------------------------

def _raw_item(p, kind, unit, submitted, deadline=None, by=None):
    return ReviewRequest.objects.create(person=p, kind=kind, unit=unit, submitted_at=submitted, deadline=deadline,
                                        submitted_by=by)


def test_queue_lists_oldest_first_with_waiting_and_deadline(as_user, reviewer, branch_a, branch_b, secretary,
                                                            foreign_reviewer):
    tz = timezone.get_current_timezone()
    a = person(branch_a, name="甲候选", status=MemberStatus.CANDIDATE)
    b = person(branch_b, name="乙候选", status=MemberStatus.CANDIDATE)
    c = person(branch_a, name="丙预备", status=MemberStatus.PROBATIONARY)
    newer = _raw_item(a, RK.ADMISSION_APPROVAL, branch_a, datetime.datetime(2025, 6, 20, 9, tzinfo=tz),
                      deadline=D(2025, 7, 10), by=secretary)                   # near
    older = _raw_item(b, RK.PRE_REVIEW, branch_b, datetime.datetime(2025, 5, 2, 9, tzinfo=tz),
                      deadline=D(2025, 6, 30))                                  # past
    far = _raw_item(c, RK.FULL_APPROVAL, branch_a, datetime.datetime(2025, 6, 25, 9, tzinfo=tz),
                    deadline=D(2025, 9, 1))
    response = as_user(reviewer).get(queue_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert [r.record.pk for r in response.context["table"].page.object_list] == [older.pk, newer.pk, far.pk]
    assert html.index("乙候选") < html.index("甲候选") < html.index("丙预备")
    row = html[html.index(f'data-testid="review-row-{older.pk}"'):]
    row = row[:row.index("</tr>")]
    assert "第二党支部" in row and ">60<" in row and 'data-deadline="past"' in row and "2025-05-02" in row
    row = html[html.index(f'data-testid="review-row-{newer.pk}"'):]
    row = row[:row.index("</tr>")]
    assert 'data-deadline="near"' in row and ">11<" in row and "secretary_a" in row
    row = html[html.index(f'data-testid="review-row-{far.pk}"'):]
    assert 'data-deadline' not in row[:row.index("</tr>")]
    # filters: kind, unit subtree
    ids = lambda r: [x.record.pk for x in r.context["table"].page.object_list]   # noqa: E731
    assert ids(as_user(reviewer).get(queue_url(kind=RK.PRE_REVIEW))) == [older.pk]
    assert ids(as_user(reviewer).get(queue_url(unit=branch_a.pk))) == [newer.pk, far.pk]
    assert ids(as_user(reviewer).get(queue_url(unit="abc"))) == []
    empty = as_user(foreign_reviewer).get(queue_url()).content.decode()
    assert "Nothing is waiting for review." in empty and "甲候选" not in empty


def test_decided_tab(as_user, reviewer, item, at_approval):
    review_decide(actor=reviewer, item=item, outcome="approved", date=D(2025, 7, 1))
    c = as_user(reviewer)
    assert "王申请" not in c.get(queue_url()).content.decode()
    html = c.get(queue_url(state="decided")).content.decode()
    assert "王申请" in html and "Approved" in html and 'data-testid="tab-decided"' in html
    assert f'href="{detail_url(item)}"' in html


def test_queue_query_count_is_constant(as_user, reviewer, branch_a, branch_b, group_a, secretary, admin_user):
    tz = timezone.get_current_timezone()
    c = as_user(reviewer)

    def add(n, start):
        for i in range(n):
            unit = (branch_a, branch_b)[i % 2]
            p = person(unit, name=f"候选{start + i}", status=MemberStatus.CANDIDATE)
            when = datetime.datetime(2025, 6, 1, 9, tzinfo=tz) + datetime.timedelta(hours=start + i)
            _raw_item(p, RK.PRE_REVIEW, unit, when,
                      deadline=D(2025, 6, 1 + i), by=(secretary, admin_user)[i % 2])

    add(1, 0)
    c.get(queue_url())
    with CaptureQueriesContext(connection) as few:
        assert c.get(queue_url()).status_code == 200
    add(7, 10)
    with CaptureQueriesContext(connection) as many:
        response = c.get(queue_url())
    assert len(response.context["table"].page.object_list) == 8
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    # the decided tab too
    for r in ReviewRequest.objects.all()[:1]:
        review_return(actor=reviewer, item=r, reason="x")
    c.get(queue_url(state="decided"))
    with CaptureQueriesContext(connection) as few:
        c.get(queue_url(state="decided"))
    for i, r in enumerate(ReviewRequest.objects.filter(status=ReviewStatus.PENDING)[:6]):
        if i % 2:
            review_return(actor=reviewer, item=r, reason="y")
        else:                                   # decided with a step (the outcome is read from it)
            step = DevelopmentStep.objects.create(person=r.person, kind=K.PRE_REVIEW, date=D(2025, 6, 30),
                                                  extra={"passed": bool(i % 4)})
            ReviewRequest.objects.filter(pk=r.pk).update(status=ReviewStatus.APPROVED, result_step=step,
                                                         decided_by=reviewer, decided_at=timezone.now(),
                                                         decision_date=D(2025, 6, 30))
    with CaptureQueriesContext(connection) as many:
        response = c.get(queue_url(state="decided"))
    assert len(response.context["table"].page.object_list) == 7 and "Not approved" in response.content.decode()
    assert len(many) == len(few)


def test_queue_paginates(as_user, reviewer, branch_a):
    tz = timezone.get_current_timezone()
    for i in range(27):
        p = person(branch_a, name=f"候选{i}", status=MemberStatus.CANDIDATE)
        _raw_item(p, RK.PRE_REVIEW, branch_a, datetime.datetime(2025, 6, 1, 9, tzinfo=tz) + datetime.timedelta(hours=i))
    c = as_user(reviewer)
    assert len(c.get(queue_url()).context["table"].page.object_list) == 25
    assert len(c.get(queue_url(page=2)).context["table"].page.object_list) == 2
    assert c.get(queue_url(page="zzz")).status_code == 200


# -- the item page ------------------------------------------------------------------------------------------

def test_detail_shows_dossier_and_forms(as_user, reviewer, item, full_members):
    html = as_user(reviewer).get(detail_url(item)).content.decode()
    for expected in ("王申请", "请审批", 'data-testid="decide-form"', 'data-testid="return-form"',
                     'data-testid="dossier-step-branch_vote"', "正式1, 正式2",            # sponsors
                     'data-testid="political-review"', "2025-11-20", "by 2025-08-20", "secretary_a",
                     'value="approved"', 'value="not_approved"', 'value="2025-07-01"'):
        assert expected in html, expected
    assert 'data-testid="dossier-missing"' not in html


def test_detail_lists_what_is_missing(as_user, reviewer, applicant, full_members, secretary):
    p = walk(applicant, full_members, secretary, until=K.PRE_REVIEW)
    pending = ReviewRequest.objects.create(person=p, kind=RK.ADMISSION_APPROVAL, unit=p.unit)   # submitted early
    html = as_user(reviewer).get(detail_url(pending)).content.decode()
    assert 'data-testid="dossier-missing"' in html and "needs Branch general meeting vote first" in html


def test_decide_asks_for_confirmation_then_records(as_user, reviewer, item, at_approval, secretary):
    c = as_user(reviewer)
    response = c.post(detail_url(item), DECIDE)
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="review-confirm"' in html
    assert "becomes a probationary member" in html and 'name="confirmed" value="1"' in html
    item.refresh_from_db()
    assert item.status == ReviewStatus.PENDING                         # nothing yet
    response = c.post(detail_url(item), {**DECIDE, "confirmed": "1"})
    assert response.status_code == 302 and response.url == queue_url()
    item.refresh_from_db()
    at_approval.refresh_from_db()
    assert item.status == ReviewStatus.APPROVED and item.decided_by == reviewer
    assert at_approval.status == MemberStatus.PROBATIONARY
    html = c.get(detail_url(item)).content.decode()
    assert 'data-testid="decide-form"' not in html and 'data-testid="review-decision"' in html
    # the secretary sees the result on the timeline
    html = as_user(secretary).get(timeline_url(at_approval)).content.decode()
    assert 'data-testid="review-item-admission_approval" data-status="approved"' in html
    assert "Approved on 2025-07-01 by reviewer_c." in html


def test_pipeline_refusal_shows_on_the_form(as_user, reviewer, item, at_approval):
    c = as_user(reviewer)
    response = c.post(detail_url(item), {**DECIDE, "date": "2025-05-25", "confirmed": "1"})
    html = response.content.decode()
    assert response.status_code == 200 and "cannot be dated before Talk by a committee member" in html
    assert 'name="confirmed" value="1"' not in html and 'name="confirmed" value="True"' not in html
    item.refresh_from_db()
    assert item.status == ReviewStatus.PENDING and not at_approval.development_steps.filter(
        kind=K.COMMITTEE_APPROVAL).exists()


def test_bad_decision_input(as_user, reviewer, item):
    c = as_user(reviewer)
    for data in ({**DECIDE, "outcome": "emperor"}, {**DECIDE, "date": "2025-02-31"}, {"action": "nope"},
                 {**DECIDE, "outcome": "extend", "months": "6"}):
        response = c.post(detail_url(item), {**data, "confirmed": "1"})
        assert response.status_code == 200, data
    item.refresh_from_db()
    assert item.status == ReviewStatus.PENDING


def test_return_needs_a_reason(as_user, reviewer, item, at_approval, secretary):
    c = as_user(reviewer)
    response = c.post(detail_url(item), {"action": "return", "reason": "  "})
    assert response.status_code == 200 and "Say why the item goes back" in response.content.decode()
    response = c.post(detail_url(item), {"action": "return", "reason": "请补充材料"})
    assert 'data-testid="review-confirm"' in response.content.decode()
    response = c.post(detail_url(item), {"action": "return", "reason": "请补充材料", "confirmed": "1"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == ReviewStatus.RETURNED and item.reason == "请补充材料"
    html = as_user(secretary).get(timeline_url(at_approval)).content.decode()
    assert "Returned on 2025-07-01 by reviewer_c: 请补充材料" in html
    assert 'data-testid="submit-admission_approval"' in html            # may be submitted again


def test_loser_is_told_who_decided(as_user, reviewer, admin_user, item):
    first, second = as_user(reviewer), as_user(admin_user)
    assert second.get(detail_url(item)).status_code == 200            # both have the form open
    assert first.post(detail_url(item), {**DECIDE, "confirmed": "1"}).status_code == 302
    response = second.post(detail_url(item), {**DECIDE, "outcome": "not_approved", "confirmed": "1"}, follow=True)
    html = response.content.decode()
    assert "already decided by reviewer_c on 2025-07-01" in html
    item.refresh_from_db()
    assert item.decided_by == reviewer and item.result_step.passed is True


# -- submitting from the timeline ------------------------------------------------------------------------------

def test_secretary_submits_from_the_timeline(as_user, secretary, at_approval, reviewer):
    c = as_user(secretary)
    html = c.get(timeline_url(at_approval)).content.decode()
    assert 'data-testid="submit-admission_approval"' in html
    assert 'value="committee_approval"' not in html                    # not on the secretary's step form
    assert 'data-testid="record-status-activist_selection"' in html and "not reported for record" in html
    page = c.get(submit_url(at_approval, RK.ADMISSION_APPROVAL)).content.decode()
    assert "2025-11-20" in page and "Branch general meeting vote" in page
    response = c.post(submit_url(at_approval), {"kind": RK.ADMISSION_APPROVAL, "note": "材料齐全"})
    assert response.status_code == 302 and response.url == timeline_url(at_approval)
    item = ReviewRequest.objects.get()
    assert (item.kind, item.note, item.submitted_by) == (RK.ADMISSION_APPROVAL, "材料齐全", secretary)
    html = c.get(timeline_url(at_approval)).content.decode()
    assert "Waiting for the committee since 2025-07-01." in html
    assert 'data-testid="submit-admission_approval"' not in html
    again = c.post(submit_url(at_approval), {"kind": RK.ADMISSION_APPROVAL})
    assert again.status_code == 200 and "has been waiting for the committee since" in again.content.decode()
    assert ReviewRequest.objects.count() == 1
    assert reviewer.notifications.count() == 1


def test_premature_submission_shows_the_reason(as_user, secretary, applicant, full_members):
    p = walk(applicant, full_members, secretary, until=K.COMMITTEE_TALK)
    c = as_user(secretary)
    html = c.get(timeline_url(p)).content.decode()
    assert 'data-testid="submit-blocked-admission_approval"' in html and "needs Talk by a committee member" in html
    response = c.post(submit_url(p), {"kind": RK.ADMISSION_APPROVAL})
    assert response.status_code == 200 and "needs Talk by a committee member first" in response.content.decode()
    assert c.post(submit_url(p), {"kind": "planet"}).status_code == 200
    assert c.get(submit_url(p, "planet")).status_code == 200
    assert not ReviewRequest.objects.exists()


def test_secretary_cannot_record_committee_steps_on_the_form(as_user, secretary, at_approval):
    response = as_user(secretary).post(timeline_url(at_approval), {"kind": K.COMMITTEE_APPROVAL,
                                                                    "date": "2025-07-01", "passed": "yes"})
    assert response.status_code == 200
    at_approval.refresh_from_db()
    assert at_approval.status == MemberStatus.CANDIDATE


def test_reviewer_step_form_skips_kinds_waiting_in_the_queue(as_user, admin_user, at_approval, secretary):
    c = as_user(admin_user)
    assert 'value="committee_approval"' in c.get(timeline_url(at_approval)).content.decode()
    item = review_submit(actor=secretary, person=at_approval, kind=RK.ADMISSION_APPROVAL)
    html = c.get(timeline_url(at_approval)).content.decode()
    assert 'value="committee_approval"' not in html and f'href="{detail_url(item)}"' in html


def test_record_status_on_the_timeline(as_user, secretary, reviewer, applicant, full_members):
    p = walk(applicant, full_members, secretary, until=K.CONTACTS_ASSIGNED)
    c = as_user(secretary)
    assert 'data-testid="submit-activist_record"' in c.get(timeline_url(p)).content.decode()
    item = review_submit(actor=secretary, person=p, kind=RK.ACTIVIST_RECORD)
    assert "reported for record: waiting" in c.get(timeline_url(p)).content.decode()
    review_decide(actor=reviewer, item=item, outcome="recorded", date=D(2025, 7, 1))
    html = c.get(timeline_url(p)).content.decode()
    assert "recorded by the committee on 2025-07-01" in html
    assert 'data-testid="submit-activist_record"' not in html


def test_timeline_query_count_with_items(as_user, secretary, at_approval, reviewer):
    c = as_user(secretary)
    c.get(timeline_url(at_approval))
    with CaptureQueriesContext(connection) as few:
        c.get(timeline_url(at_approval))
    for kind in (RK.ACTIVIST_RECORD, RK.CANDIDATE_RECORD):
        review_return(actor=reviewer, item=review_submit(actor=secretary, person=at_approval, kind=kind), reason="r")
    review_submit(actor=secretary, person=at_approval, kind=RK.ADMISSION_APPROVAL)
    with CaptureQueriesContext(connection) as many:
        c.get(timeline_url(at_approval))
    assert len(many) == len(few)

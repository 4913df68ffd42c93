"""Committee review services: submitting items, deciding them once, returning them, notifications, audit."""
import datetime

import pytest
import time_machine

from branches.choices import Role
from branches.models import AuditEntry, Notification
from branches.services import appointment_create, appointment_end
from members.choices import MemberStatus
from members.models import DevelopmentStepKind as K, ReviewKind as RK, ReviewRequest, ReviewStatus
from members.pipeline import PipelineError, pipeline_record_step
from members.review import (
    APPROVED, CANCEL, EXTEND, NOT_APPROVED, RECORDED, ReviewAlreadyDecided, ReviewError, outcome_choices,
    outcome_label, review_decide, review_items_for_person, review_return, review_reviewers, review_submit,
    step_form_kinds, submit_options,
)
from members.pipeline import pipeline_state
from tests.factories import UserFactory, make_unit

from .test_pipeline import walk

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture(autouse=True)
def _clock():
    # After the branch vote of the standard walk (2025-05-20), before its 3-month due date.
    with time_machine.travel(datetime.datetime(2025, 7, 1, 10, 0), tick=False):
        yield


@pytest.fixture
def reviewer(committee):
    user = UserFactory(username="reviewer_c", first_name="审", last_name="查")
    appointment_create(actor=None, user=user, unit=committee, role=Role.REVIEWER)
    return user


@pytest.fixture
def at_approval(applicant, full_members, secretary):
    """A candidate with a passed vote and the committee talk: ready to be submitted for approval."""
    return walk(applicant, full_members, secretary, until=K.COMMITTEE_APPROVAL)


def _steps(p, kind):
    return list(p.development_steps.filter(kind=kind))


# -- submitting ---------------------------------------------------------------------------------------------

def test_submit_for_approval(at_approval, secretary, reviewer, admin_user, outsider, viewer):
    item = review_submit(actor=secretary, person=at_approval, kind=RK.ADMISSION_APPROVAL, note="请审批")
    assert (item.status, item.unit, item.submitted_by, item.note) == (ReviewStatus.PENDING, at_approval.unit,
                                                                     secretary, "请审批")
    vote = at_approval.development_steps.get(kind=K.BRANCH_VOTE)
    assert item.step == vote and item.deadline == D(2025, 11, 20)      # 6 months after the branch resolution
    audit = AuditEntry.objects.get(object_id=str(item.pk), content_type__model="reviewrequest")
    assert audit.action == "create" and audit.actor == secretary and audit.unit == at_approval.unit
    recipients = set(Notification.objects.values_list("recipient__username", flat=True))
    assert recipients == {reviewer.username, admin_user.username}      # not the branch, not another committee
    note = Notification.objects.get(recipient=reviewer)
    assert note.url == f"/members/review/{item.pk}/" and "王申请" in note.title


def test_premature_submissions_name_what_is_missing(applicant, full_members, secretary):
    p = walk(applicant, full_members, secretary, until=K.COMMITTEE_TALK)
    with pytest.raises(ReviewError, match="needs Talk by a committee member first"):
        review_submit(actor=secretary, person=p, kind=RK.ADMISSION_APPROVAL)
    with pytest.raises(ReviewError, match="not possible for a person with the status Candidate"):
        review_submit(actor=secretary, person=p, kind=RK.FULL_APPROVAL)
    with pytest.raises(ReviewError, match="Pre-review already passed on 2025-05-06"):
        review_submit(actor=secretary, person=p, kind=RK.PRE_REVIEW)
    assert not ReviewRequest.objects.exists() and not Notification.objects.exists()


def test_pre_review_needs_training(applicant, full_members, secretary):
    p = walk(applicant, full_members, secretary, until=K.TRAINING)
    with pytest.raises(ReviewError, match="needs Concentrated training first"):
        review_submit(actor=secretary, person=p, kind=RK.PRE_REVIEW)
    pipeline_record_step(actor=secretary, person=p, kind=K.TRAINING, date=D(2025, 4, 10), extra={"days": 3})
    item = review_submit(actor=secretary, person=p, kind=RK.PRE_REVIEW)
    assert item.deadline is None and item.step is None


def test_duplicates_refused_and_resubmit_after_return(at_approval, secretary, reviewer):
    item = review_submit(actor=secretary, person=at_approval, kind=RK.ADMISSION_APPROVAL)
    with pytest.raises(ReviewError, match="has been waiting for the committee since 2025-07-01"):
        review_submit(actor=secretary, person=at_approval, kind=RK.ADMISSION_APPROVAL)
    review_return(actor=reviewer, item=item, reason="缺少谈话记录")
    again = review_submit(actor=secretary, person=at_approval, kind=RK.ADMISSION_APPROVAL)
    assert again.pk != item.pk and ReviewRequest.objects.filter(status=ReviewStatus.PENDING).count() == 1


def test_unknown_kind_refused(at_approval, secretary):
    with pytest.raises(ReviewError, match="Choose what to submit"):
        review_submit(actor=secretary, person=at_approval, kind="nonsense")


# -- record items ---------------------------------------------------------------------------------------------

def test_activist_record(applicant, full_members, secretary, reviewer):
    p = walk(applicant, full_members, secretary, until=K.ACTIVIST_SELECTION)
    with pytest.raises(ReviewError, match="needs Activist selection first"):
        review_submit(actor=secretary, person=p, kind=RK.ACTIVIST_RECORD)
    pipeline_record_step(actor=secretary, person=p, kind=K.ACTIVIST_SELECTION, date=D(2024, 3, 1))
    item = review_submit(actor=secretary, person=p, kind=RK.ACTIVIST_RECORD)
    selection = p.development_steps.get(kind=K.ACTIVIST_SELECTION)
    assert item.step == selection
    steps_before = p.development_steps.count()
    with pytest.raises(ReviewError, match="cannot be dated before Activist selection"):
        review_decide(actor=reviewer, item=item, outcome=RECORDED, date=D(2024, 2, 1))
    assert ReviewRequest.objects.get(pk=item.pk).status == ReviewStatus.PENDING
    with pytest.raises(ReviewError, match="Choose one of the decisions"):
        review_decide(actor=reviewer, item=item, outcome=APPROVED, date=D(2025, 7, 1))
    item = review_decide(actor=reviewer, item=item, outcome=RECORDED, date=D(2025, 7, 1))
    assert (item.status, item.decided_by, item.decision_date, item.result_step) == (
        ReviewStatus.APPROVED, reviewer, D(2025, 7, 1), None)
    assert p.development_steps.count() == steps_before                  # acknowledged: no step written
    assert outcome_label(item) == "Recorded (acknowledged)"
    with pytest.raises(ReviewError, match="was already recorded by the committee on 2025-07-01"):
        review_submit(actor=secretary, person=p, kind=RK.ACTIVIST_RECORD)


def test_candidate_record_returned(applicant, full_members, secretary, reviewer):
    p = walk(applicant, full_members, secretary, until=K.SPONSORS_ASSIGNED)
    item = review_submit(actor=secretary, person=p, kind=RK.CANDIDATE_RECORD)
    assert item.step == p.development_steps.get(kind=K.CANDIDATE_DECISION)
    item = review_return(actor=reviewer, item=item, reason="会议记录不全")
    assert item.status == ReviewStatus.RETURNED and item.reason == "会议记录不全"
    assert review_submit(actor=secretary, person=p, kind=RK.CANDIDATE_RECORD).status == ReviewStatus.PENDING


# -- committee decisions ----------------------------------------------------------------------------------------

def test_pre_review_passed_and_not_passed(applicant, full_members, secretary, reviewer):
    p = walk(applicant, full_members, secretary, until=K.PRE_REVIEW)
    item = review_submit(actor=secretary, person=p, kind=RK.PRE_REVIEW)
    item = review_decide(actor=reviewer, item=item, outcome=NOT_APPROVED, date=D(2025, 5, 6), reason="材料不足")
    step = item.result_step
    assert (step.kind, step.passed, step.actor, step.note) == (K.PRE_REVIEW, False, reviewer, "材料不足")
    assert outcome_label(item) == "Not approved"
    again = review_submit(actor=secretary, person=p, kind=RK.PRE_REVIEW)   # a failed pre-review may be redone
    again = review_decide(actor=reviewer, item=again, outcome=APPROVED, date=D(2025, 5, 8))
    assert again.result_step.passed is True
    with pytest.raises(ReviewError, match="Pre-review already passed"):
        review_submit(actor=secretary, person=p, kind=RK.PRE_REVIEW)


def test_admission_approved(at_approval, secretary, reviewer, admin_user):
    item = review_submit(actor=secretary, person=at_approval, kind=RK.ADMISSION_APPROVAL)
    Notification.objects.all().delete()
    item = review_decide(actor=reviewer, item=item, outcome=APPROVED, date=D(2025, 7, 1), reason="同意")
    at_approval.refresh_from_db()
    assert at_approval.status == MemberStatus.PROBATIONARY and at_approval.admission_date == D(2025, 5, 20)
    step = item.result_step
    assert (step.kind, step.passed, step.actor, step.date) == (K.COMMITTEE_APPROVAL, True, reviewer, D(2025, 7, 1))
    assert (item.status, item.decided_by, item.reason) == (ReviewStatus.APPROVED, reviewer, "同意")
    assert item.decided_at is not None
    update = AuditEntry.objects.get(object_id=str(item.pk), content_type__model="reviewrequest", action="update")
    assert update.actor == reviewer and update.before["status"] == "pending" and update.after["status"] == "approved"
    assert update.after["result_step"] == step.pk
    notes = list(Notification.objects.all())
    assert {n.recipient for n in notes} == {secretary}                  # the secretary, who is also the submitter
    assert notes[0].url == f"/members/{at_approval.pk}/development/" and "Approved" in notes[0].title


def test_admission_not_approved_keeps_candidate(at_approval, secretary, reviewer):
    item = review_submit(actor=secretary, person=at_approval, kind=RK.ADMISSION_APPROVAL)
    item = review_decide(actor=reviewer, item=item, outcome=NOT_APPROVED, date=D(2025, 7, 1))
    at_approval.refresh_from_db()
    assert at_approval.status == MemberStatus.CANDIDATE and item.result_step.passed is False


def test_pipeline_refusal_changes_nothing(at_approval, secretary, reviewer):
    item = review_submit(actor=secretary, person=at_approval, kind=RK.ADMISSION_APPROVAL)
    audits = AuditEntry.objects.count()
    with pytest.raises(PipelineError, match="cannot be dated before Talk by a committee member"):
        review_decide(actor=reviewer, item=item, outcome=APPROVED, date=D(2025, 5, 25))
    with pytest.raises(ReviewError, match="in the future"):
        review_decide(actor=reviewer, item=item, outcome=APPROVED, date=D(2025, 7, 2))
    item.refresh_from_db()
    assert (item.status, item.decided_by, item.decided_at, item.result_step) == (ReviewStatus.PENDING, None, None, None)
    assert not _steps(at_approval, K.COMMITTEE_APPROVAL) and AuditEntry.objects.count() == audits


def test_submitter_and_secretaries_notified_on_return(at_approval, secretary, reviewer, branch_a):
    clerk = UserFactory(username="organizer_a")
    appointment_create(actor=None, user=clerk, unit=branch_a, role=Role.ORGANIZER)
    other_secretary = UserFactory(username="secretary_a2")
    appointment_create(actor=None, user=other_secretary, unit=branch_a, role=Role.SECRETARY)
    item = review_submit(actor=clerk, person=at_approval, kind=RK.ADMISSION_APPROVAL)
    Notification.objects.all().delete()
    with pytest.raises(ReviewError, match="Say why"):
        review_return(actor=reviewer, item=item, reason="   ")
    item = review_return(actor=reviewer, item=item, reason="请补充政审材料")
    assert item.decision_date == D(2025, 7, 1) and item.result_step is None
    assert not _steps(at_approval, K.COMMITTEE_APPROVAL)
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {
        "organizer_a", "secretary_a", "secretary_a2"}
    assert "请补充政审材料" in Notification.objects.filter(recipient=clerk).get().body
    audit = AuditEntry.objects.get(object_id=str(item.pk), content_type__model="reviewrequest", action="update")
    assert audit.after["status"] == "returned" and "请补充政审材料" in audit.note


def test_second_decision_is_told_who_decided(at_approval, secretary, reviewer, admin_user):
    item = review_submit(actor=secretary, person=at_approval, kind=RK.ADMISSION_APPROVAL)
    stale = ReviewRequest.objects.get(pk=item.pk)
    review_decide(actor=reviewer, item=item, outcome=APPROVED, date=D(2025, 7, 1))
    audits, notes = AuditEntry.objects.count(), Notification.objects.count()
    with pytest.raises(ReviewAlreadyDecided, match=r"already decided by 审 查 on 2025-07-01 \d\d:\d\d \(Approved\)"):
        review_decide(actor=admin_user, item=stale, outcome=NOT_APPROVED, date=D(2025, 7, 1))
    with pytest.raises(ReviewAlreadyDecided, match="already decided by"):
        review_return(actor=admin_user, item=stale, reason="x")
    item.refresh_from_db()
    assert item.decided_by == reviewer and len(_steps(at_approval, K.COMMITTEE_APPROVAL)) == 1
    assert (AuditEntry.objects.count(), Notification.objects.count()) == (audits, notes)


# -- full membership ------------------------------------------------------------------------------------------

@pytest.fixture
def at_full(applicant, full_members, secretary):
    with time_machine.travel(datetime.datetime(2026, 7, 1, 10, 0), tick=False):
        p = walk(applicant, full_members, secretary, until=K.FULL_APPROVAL)
        yield p


def test_full_approval_submit_and_approve(at_full, secretary, reviewer):
    item = review_submit(actor=secretary, person=at_full, kind=RK.FULL_APPROVAL)
    assert item.step == at_full.development_steps.get(kind=K.FULL_VOTE)
    assert item.deadline == D(2026, 8, 20)                              # 3 months after the full vote
    assert [v for v, _l in outcome_choices(item, pipeline_state(at_full))] == [APPROVED, EXTEND, CANCEL, NOT_APPROVED]
    item = review_decide(actor=reviewer, item=item, outcome=APPROVED, date=D(2026, 6, 1))
    at_full.refresh_from_db()
    assert at_full.status == MemberStatus.FULL and at_full.full_member_date == D(2026, 5, 20)
    assert outcome_label(item) == "Approved: full membership"


def test_full_approval_extends_probation_once(at_full, secretary, reviewer):
    item = review_submit(actor=secretary, person=at_full, kind=RK.FULL_APPROVAL)
    with pytest.raises(PipelineError, match="at least 6 and at most 12 months"):
        review_decide(actor=reviewer, item=item, outcome=EXTEND, date=D(2026, 6, 1), months=3)
    assert not _steps(at_full, K.FULL_APPROVAL)                         # both steps or none
    assert ReviewRequest.objects.get(pk=item.pk).status == ReviewStatus.PENDING
    with pytest.raises(ReviewError, match="by how many months"):
        review_decide(actor=reviewer, item=item, outcome=EXTEND, date=D(2026, 6, 1))
    item = review_decide(actor=reviewer, item=item, outcome=EXTEND, date=D(2026, 6, 1), months=6)
    at_full.refresh_from_db()
    assert at_full.status == MemberStatus.PROBATIONARY
    assert item.result_step.kind == K.PROBATION_EXTENDED and item.result_step.extra["months"] == 6
    assert _steps(at_full, K.FULL_APPROVAL)[0].passed is False
    assert outcome_label(item) == "Not approved: probation extended by 6 months"
    assert pipeline_state(at_full).probation_end() == D(2026, 11, 20)
    # a new full vote after the extended probation; the extension is no longer offered
    with time_machine.travel(datetime.datetime(2026, 12, 1, 10, 0), tick=False):
        pipeline_record_step(actor=secretary, person=at_full, kind=K.FULL_VOTE, date=D(2026, 11, 25),
                             vote={"present": 3, "yes": 3})
        pipeline_record_step(actor=secretary, person=at_full, kind=K.FULL_NOTICE, date=D(2026, 11, 26))
        again = review_submit(actor=secretary, person=at_full, kind=RK.FULL_APPROVAL)
        assert EXTEND not in dict(outcome_choices(again, pipeline_state(at_full)))
        with pytest.raises(ReviewError, match="Choose one of the decisions"):
            review_decide(actor=reviewer, item=again, outcome=EXTEND, date=D(2026, 12, 1), months=6)


def test_full_approval_cancels_probation(at_full, secretary, reviewer):
    item = review_submit(actor=secretary, person=at_full, kind=RK.FULL_APPROVAL)
    item = review_decide(actor=reviewer, item=item, outcome=CANCEL, date=D(2026, 6, 1))
    at_full.refresh_from_db()
    assert at_full.status == MemberStatus.PROBATION_CANCELLED and item.result_step.kind == K.PROBATION_CANCELLED
    assert outcome_label(item) == "Not approved: probation cancelled"


def test_full_approval_plain_refusal(at_full, secretary, reviewer):
    item = review_submit(actor=secretary, person=at_full, kind=RK.FULL_APPROVAL)
    item = review_decide(actor=reviewer, item=item, outcome=NOT_APPROVED, date=D(2026, 6, 1))
    at_full.refresh_from_db()
    assert at_full.status == MemberStatus.PROBATIONARY and item.result_step.kind == K.FULL_APPROVAL
    with pytest.raises(ReviewError, match="needs Full-membership vote first"):
        review_submit(actor=secretary, person=at_full, kind=RK.FULL_APPROVAL)


# -- helpers ------------------------------------------------------------------------------------------------

def test_reviewers_are_review_roles_on_committees_above(committee, branch_a, other_committee, reviewer, admin_user):
    branch_admin = UserFactory(username="branch_admin")
    appointment_create(actor=None, user=branch_admin, unit=branch_a, role=Role.ADMIN)
    foreign = UserFactory(username="foreign_reviewer")
    appointment_create(actor=None, user=foreign, unit=other_committee, role=Role.REVIEWER)
    retired = UserFactory(username="retired_reviewer")
    appt = appointment_create(actor=None, user=retired, unit=committee, role=Role.REVIEWER)
    appointment_end(actor=None, appointment=appt)
    secretary_c = UserFactory(username="committee_secretary")
    appointment_create(actor=None, user=secretary_c, unit=committee, role=Role.SECRETARY)
    sub = make_unit(committee, kind="committee", name="下级党委", code="C001-S")
    sub_branch = make_unit(sub, kind="branch", name="下级支部", code="C001-S-B")
    sub_reviewer = UserFactory(username="sub_reviewer")
    appointment_create(actor=None, user=sub_reviewer, unit=sub, role=Role.REVIEWER)
    assert [u.username for u in review_reviewers(branch_a)] == ["committee_admin", "reviewer_c"]
    assert [u.username for u in review_reviewers(sub_branch)] == ["committee_admin", "reviewer_c", "sub_reviewer"]


def test_step_form_kinds_and_submit_options(at_approval, secretary, reviewer):
    kinds = [K.THOUGHT_REPORT, K.COMMITTEE_APPROVAL, K.PRE_REVIEW]
    assert step_form_kinds(kinds, can_review=False, items=[]) == [K.THOUGHT_REPORT]
    assert step_form_kinds(kinds, can_review=True, items=[]) == kinds
    options = {o.kind: o for o in submit_options(pipeline_state(at_approval), [])}
    assert options[RK.ADMISSION_APPROVAL].ready and options[RK.ACTIVIST_RECORD].ready
    assert options[RK.CANDIDATE_RECORD].ready and RK.PRE_REVIEW not in options and RK.FULL_APPROVAL not in options
    review_submit(actor=secretary, person=at_approval, kind=RK.ADMISSION_APPROVAL)
    items = review_items_for_person(at_approval)
    assert step_form_kinds(kinds, can_review=True, items=items) == [K.THOUGHT_REPORT, K.PRE_REVIEW]
    option = {o.kind: o for o in submit_options(pipeline_state(at_approval), items)}[RK.ADMISSION_APPROVAL]
    assert not option.ready and option.pending is not None

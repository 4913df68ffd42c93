"""Membership development: policy resolution, the transition map, date rules, votes, the timeline page."""
import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.models import AuditEntry
from members.choices import MemberStatus
from members.models import DevelopmentPolicy, DevelopmentStepKind as K, DevelopmentVote, StatusChange
from members.pipeline import PipelineError, _entitled, pipeline_record_step
from members.policy import DEFAULTS, policy_rule, policy_value

from .helpers import person

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = datetime.datetime(2026, 7, 1, 10, 0)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(TODAY, tick=False):
        yield


def walk(applicant, full_members, actor, until=None):
    """Record the standard walk up to (not including) the step named ``until``."""
    a, b, c = full_members
    plan = [
        (K.APPLICATION, D(2024, 1, 5), {}),
        (K.TALK, D(2024, 1, 20), {}),
        (K.ACTIVIST_SELECTION, D(2024, 3, 1), {}),
        (K.CONTACTS_ASSIGNED, D(2024, 3, 5), {"related_people": [a, b]}),
        (K.THOUGHT_REPORT, D(2024, 6, 1), {}),
        (K.INSPECTION, D(2024, 9, 1), {}),
        (K.CANDIDATE_DECISION, D(2025, 3, 2), {}),
        (K.SPONSORS_ASSIGNED, D(2025, 3, 10), {"related_people": [b, c]}),
        (K.POLITICAL_REVIEW, D(2025, 4, 1), {"extra": {"passed": True}}),
        (K.TRAINING, D(2025, 4, 10), {"extra": {"days": 3}}),
        (K.PRE_REVIEW, D(2025, 5, 6), {"extra": {"passed": True}}),
        (K.PUBLIC_NOTICE, D(2025, 5, 12), {}),
        (K.VOLUNTEER_FORM, D(2025, 5, 13), {}),
        (K.BRANCH_COMMITTEE_REVIEW, D(2025, 5, 14), {}),
        (K.BRANCH_VOTE, D(2025, 5, 20), {"vote": {"present": 3, "yes": 2, "no": 1, "abstain": 0}}),
        (K.COMMITTEE_TALK, D(2025, 6, 1), {}),
        (K.COMMITTEE_APPROVAL, D(2025, 7, 1), {"extra": {"passed": True}}),
        (K.OATH, D(2025, 7, 1), {}),
        (K.FULL_APPLICATION, D(2026, 4, 20), {}),
        (K.FULL_VOTE, D(2026, 5, 20), {"vote": {"present": 3, "yes": 3, "no": 0, "abstain": 0}}),
        (K.FULL_NOTICE, D(2026, 5, 21), {}),
        (K.FULL_APPROVAL, D(2026, 6, 1), {"extra": {"passed": True}}),
    ]
    for kind, date, data in plan:
        if kind == until:
            break
        pipeline_record_step(actor=actor, person=applicant, kind=kind, date=date, **data)
    applicant.refresh_from_db()
    return applicant


def test_walk_applicant_to_full_member(applicant, full_members, secretary):
    p = walk(applicant, full_members, secretary)
    assert p.status == MemberStatus.FULL
    assert (p.application_date, p.activist_date, p.candidate_date) == (D(2024, 1, 5), D(2024, 3, 1), D(2025, 3, 2))
    assert p.admission_date == D(2025, 5, 20) and p.full_member_date == D(2026, 5, 20)
    moves = list(StatusChange.objects.filter(person=p).values_list("from_status", "to_status"))
    assert moves == [("applicant", "activist"), ("activist", "candidate"), ("candidate", "probationary"),
                     ("probationary", "full")]
    assert AuditEntry.objects.filter(object_id=str(p.pk), action="status").count() == 4
    assert p.development_steps.count() == 22


def test_candidate_before_one_year_names_the_date(applicant, full_members, secretary):
    p = walk(applicant, full_members, secretary, until=K.CANDIDATE_DECISION)
    with pytest.raises(PipelineError) as exc:
        pipeline_record_step(actor=secretary, person=p, kind=K.CANDIDATE_DECISION, date=D(2025, 2, 1))
    assert "ends on 2025-03-01" in exc.value.messages[0]


def test_status_skip_is_refused(applicant, secretary):
    with pytest.raises(PipelineError, match="not possible for a person with the status Applicant"):
        pipeline_record_step(actor=secretary, person=applicant, kind=K.CANDIDATE_DECISION, date=D(2025, 1, 1))


def test_applicant_must_be_18(branch_a, secretary):
    young = person(branch_a, name="少年", status=MemberStatus.APPLICANT, birth=D(2008, 9, 1))
    with pytest.raises(PipelineError, match="turns 18 on 2026-09-01"):
        pipeline_record_step(actor=secretary, person=young, kind=K.APPLICATION, date=D(2026, 6, 1))


def test_future_date_refused(applicant, secretary):
    with pytest.raises(PipelineError, match="in the future"):
        pipeline_record_step(actor=secretary, person=applicant, kind=K.APPLICATION, date=D(2026, 8, 1))


def test_vote_before_training_refused(applicant, full_members, secretary):
    p = walk(applicant, full_members, secretary, until=K.TRAINING)
    with pytest.raises(PipelineError, match="needs Concentrated training first"):
        pipeline_record_step(actor=secretary, person=p, kind=K.BRANCH_VOTE, date=D(2025, 6, 1),
                             vote={"present": 3, "yes": 3})


def test_short_training_and_failed_review_block(applicant, full_members, secretary):
    p = walk(applicant, full_members, secretary, until=K.POLITICAL_REVIEW)
    pipeline_record_step(actor=secretary, person=p, kind=K.POLITICAL_REVIEW, date=D(2025, 4, 1),
                         extra={"passed": False})
    with pytest.raises(PipelineError, match="at least 3 days or 24 class hours"):
        pipeline_record_step(actor=secretary, person=p, kind=K.TRAINING, date=D(2025, 4, 10), extra={"hours": 20})
    pipeline_record_step(actor=secretary, person=p, kind=K.TRAINING, date=D(2025, 4, 10), extra={"hours": 24})
    with pytest.raises(PipelineError, match="needs Political review first"):
        pipeline_record_step(actor=secretary, person=p, kind=K.PRE_REVIEW, date=D(2025, 5, 1), extra={"passed": True})


def test_vote_during_notice_refused(applicant, full_members, secretary):
    p = walk(applicant, full_members, secretary, until=K.BRANCH_VOTE)
    with pytest.raises(PipelineError, match="runs until 2025-05-16"):
        pipeline_record_step(actor=secretary, person=p, kind=K.BRANCH_VOTE, date=D(2025, 5, 16),
                             vote={"present": 3, "yes": 3})


def test_failed_vote_keeps_candidate(applicant, full_members, secretary):
    p = walk(applicant, full_members, secretary, until=K.BRANCH_VOTE)
    step = pipeline_record_step(actor=secretary, person=p, kind=K.BRANCH_VOTE, date=D(2025, 5, 20),
                                vote={"present": 2, "yes": 1, "no": 1})
    p.refresh_from_db()
    assert step.vote.has_quorum and not step.vote.passed and p.status == MemberStatus.CANDIDATE


def test_approval_after_six_months_refused(applicant, full_members, secretary):
    p = walk(applicant, full_members, secretary, until=K.COMMITTEE_APPROVAL)
    with pytest.raises(PipelineError, match="until 2025-11-20; the branch must redo the procedure"):
        pipeline_record_step(actor=secretary, person=p, kind=K.COMMITTEE_APPROVAL, date=D(2025, 11, 21))
    pipeline_record_step(actor=secretary, person=p, kind=K.COMMITTEE_APPROVAL, date=D(2025, 11, 20),
                         extra={"passed": True})                 # recorded late, but decided in time
    p.refresh_from_db()
    assert p.status == MemberStatus.PROBATIONARY and p.admission_date == D(2025, 5, 20)


# -- admission: the higher committee decides; lapse and not-approved restart the attempt ----------------------

def _redo(p, actor, form, review, vote, talk, approval):
    """A new attempt: volunteer form, branch committee review, vote, committee talk and approval."""
    pipeline_record_step(actor=actor, person=p, kind=K.VOLUNTEER_FORM, date=form)
    pipeline_record_step(actor=actor, person=p, kind=K.BRANCH_COMMITTEE_REVIEW, date=review)
    pipeline_record_step(actor=actor, person=p, kind=K.BRANCH_VOTE, date=vote,
                         vote={"present": 3, "yes": 3, "no": 0, "abstain": 0})
    pipeline_record_step(actor=actor, person=p, kind=K.COMMITTEE_TALK, date=talk)
    pipeline_record_step(actor=actor, person=p, kind=K.COMMITTEE_APPROVAL, date=approval, extra={"passed": True})
    p.refresh_from_db()
    return p


def test_vote_keeps_candidate_until_committee_approves(applicant, full_members, secretary):
    p = walk(applicant, full_members, secretary, until=K.COMMITTEE_TALK)
    assert p.status == MemberStatus.CANDIDATE and p.admission_date is None
    assert not StatusChange.objects.filter(person=p, to_status=MemberStatus.PROBATIONARY).exists()
    with pytest.raises(PipelineError, match="Branch general meeting vote has already been recorded"):
        pipeline_record_step(actor=secretary, person=p, kind=K.BRANCH_VOTE, date=D(2025, 5, 21),
                             vote={"present": 3, "yes": 3})
    with pytest.raises(PipelineError, match="needs Talk by a committee member first"):
        pipeline_record_step(actor=secretary, person=p, kind=K.COMMITTEE_APPROVAL, date=D(2025, 6, 1),
                             extra={"passed": True})
    pipeline_record_step(actor=secretary, person=p, kind=K.COMMITTEE_TALK, date=D(2025, 6, 1))
    with pytest.raises(PipelineError, match="Oath is not possible for a person with the status Candidate"):
        pipeline_record_step(actor=secretary, person=p, kind=K.OATH, date=D(2025, 6, 2))
    with pytest.raises(PipelineError, match="Enter the outcome"):
        pipeline_record_step(actor=secretary, person=p, kind=K.COMMITTEE_APPROVAL, date=D(2025, 7, 1))
    step = pipeline_record_step(actor=secretary, person=p, kind=K.COMMITTEE_APPROVAL, date=D(2025, 7, 1),
                                extra={"passed": True})
    p.refresh_from_db()
    assert p.status == MemberStatus.PROBATIONARY and p.admission_date == D(2025, 5, 20)
    change = StatusChange.objects.get(person=p, to_status=MemberStatus.PROBATIONARY)
    assert (change.from_status, change.date, change.step) == (MemberStatus.CANDIDATE, D(2025, 7, 1), step)


def test_committee_items_on_timeline_after_the_vote(as_user, applicant, full_members, secretary):
    with time_machine.travel(datetime.datetime(2025, 6, 10, 10, 0), tick=False):
        p = walk(applicant, full_members, secretary, until=K.COMMITTEE_TALK)
        html = as_user(secretary).get(_url(p)).content.decode()
    assert 'data-testid="next-committee_talk"' in html and 'data-testid="next-committee_approval"' in html
    assert "due by 2025-08-20" in html and 'data-testid="next-branch_vote"' not in html
    assert 'data-testid="pipeline-restart"' not in html


def test_not_approved_keeps_candidate_then_new_attempt(applicant, full_members, secretary):
    p = walk(applicant, full_members, secretary, until=K.COMMITTEE_APPROVAL)
    step = pipeline_record_step(actor=secretary, person=p, kind=K.COMMITTEE_APPROVAL, date=D(2025, 7, 1),
                                extra={"passed": False})
    p.refresh_from_db()
    assert step.passed is False and p.status == MemberStatus.CANDIDATE and p.admission_date is None
    with pytest.raises(PipelineError, match="Oath is not possible for a person with the status Candidate"):
        pipeline_record_step(actor=secretary, person=p, kind=K.OATH, date=D(2025, 7, 2))
    with pytest.raises(PipelineError, match="needs Branch general meeting vote first"):
        pipeline_record_step(actor=secretary, person=p, kind=K.COMMITTEE_TALK, date=D(2025, 7, 2))
    with pytest.raises(PipelineError, match=r"cannot be dated before the decision .* \(2025-07-01\)"):
        pipeline_record_step(actor=secretary, person=p, kind=K.VOLUNTEER_FORM, date=D(2025, 6, 30))
    # the approval of the new attempt is dated in time (as of its date the new vote has not lapsed)
    p = _redo(p, secretary, D(2025, 7, 10), D(2025, 7, 11), D(2025, 7, 20), D(2025, 8, 1), D(2025, 9, 1))
    assert p.status == MemberStatus.PROBATIONARY and p.admission_date == D(2025, 7, 20)
    assert p.development_steps.filter(kind=K.VOLUNTEER_FORM).count() == 2
    assert p.development_steps.filter(kind=K.BRANCH_VOTE).count() == 2
    pipeline_record_step(actor=secretary, person=p, kind=K.OATH, date=D(2025, 9, 2))


def test_lapse_after_six_months_then_redo(as_user, applicant, full_members, secretary):
    p = walk(applicant, full_members, secretary, until=K.COMMITTEE_APPROVAL)   # vote 2025-05-20, today 2026-07-01
    with pytest.raises(PipelineError, match="until 2025-11-20; the branch must redo the procedure with a new "
                                            "volunteer form"):
        pipeline_record_step(actor=secretary, person=p, kind=K.COMMITTEE_APPROVAL, date=D(2026, 6, 1),
                             extra={"passed": True})
    response = as_user(secretary).get(_url(p))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="pipeline-restart"' in html, html[html.find("<main"):][:3000]
    assert "the procedure lapsed" in html
    assert 'data-testid="next-volunteer_form"' in html and 'data-testid="next-branch_vote"' in html
    assert 'data-testid="next-committee_approval"' not in html
    # a new volunteer form must be dated after the lapse
    with pytest.raises(PipelineError, match="Volunteer form issued has already been recorded"):
        pipeline_record_step(actor=secretary, person=p, kind=K.VOLUNTEER_FORM, date=D(2025, 11, 20))
    p = _redo(p, secretary, D(2026, 1, 10), D(2026, 1, 12), D(2026, 1, 20), D(2026, 2, 1), D(2026, 3, 1))
    assert p.status == MemberStatus.PROBATIONARY and p.admission_date == D(2026, 1, 20)
    assert p.development_steps.filter(kind=K.BRANCH_VOTE).count() == 2          # the lapsed attempt stays
    html = as_user(secretary).get(_url(p)).content.decode()
    assert 'data-testid="pipeline-restart"' not in html and html.count('data-testid="earlier-attempt"') == 4


def test_full_approval_not_approved_keeps_probationary(as_user, applicant, full_members, secretary):
    p = walk(applicant, full_members, secretary, until=K.FULL_APPROVAL)
    pipeline_record_step(actor=secretary, person=p, kind=K.FULL_APPROVAL, date=D(2026, 6, 1),
                         extra={"passed": False})
    p.refresh_from_db()
    assert p.status == MemberStatus.PROBATIONARY and p.full_member_date is None
    with pytest.raises(PipelineError, match="needs Full-membership vote first"):
        pipeline_record_step(actor=secretary, person=p, kind=K.FULL_APPROVAL, date=D(2026, 6, 2),
                             extra={"passed": True})
    html = as_user(secretary).get(_url(p)).content.decode()
    assert 'data-testid="next-probation_extended"' in html and 'data-testid="next-probation_cancelled"' in html
    assert "not approved" in html
    pipeline_record_step(actor=secretary, person=p, kind=K.PROBATION_EXTENDED, date=D(2026, 6, 10),
                         extra={"months": 6})
    with pytest.raises(PipelineError, match="Probation ends on 2026-11-20"):
        pipeline_record_step(actor=secretary, person=p, kind=K.FULL_VOTE, date=D(2026, 6, 20),
                             vote={"present": 3, "yes": 3})


def test_form_asks_for_the_outcome(as_user, applicant, full_members, secretary, admin_user):
    # The committee's approval is a REVIEW action: a committee admin may record it on the step form (a branch
    # secretary submits it to the review queue instead, see tests/members/test_review_views.py).
    with time_machine.travel(datetime.datetime(2025, 7, 1, 10, 0), tick=False):
        p = walk(applicant, full_members, secretary, until=K.COMMITTEE_APPROVAL)
        c = as_user(admin_user)
        response = c.post(_url(p), {"kind": K.COMMITTEE_APPROVAL, "date": "2025-07-01"})
        assert response.status_code == 200 and "Choose the outcome" in response.content.decode()
        response = c.post(_url(p), {"kind": K.COMMITTEE_APPROVAL, "date": "2025-07-01", "passed": "no"})
        assert response.status_code == 302
    p.refresh_from_db()
    assert p.status == MemberStatus.CANDIDATE
    assert p.development_steps.get(kind=K.COMMITTEE_APPROVAL).passed is False


def test_extension_once_only_and_within_bounds(applicant, full_members, secretary):
    p = walk(applicant, full_members, secretary, until=K.FULL_APPLICATION)
    with pytest.raises(PipelineError, match="at least 6 and at most 12 months"):
        pipeline_record_step(actor=secretary, person=p, kind=K.PROBATION_EXTENDED, date=D(2026, 5, 20),
                             extra={"months": 3})
    pipeline_record_step(actor=secretary, person=p, kind=K.PROBATION_EXTENDED, date=D(2026, 5, 20),
                         extra={"months": 6})
    with pytest.raises(PipelineError, match="extended only 1 time"):
        pipeline_record_step(actor=secretary, person=p, kind=K.PROBATION_EXTENDED, date=D(2026, 6, 1),
                             extra={"months": 6})
    pipeline_record_step(actor=secretary, person=p, kind=K.FULL_APPLICATION, date=D(2026, 6, 1))
    with pytest.raises(PipelineError, match="Probation ends on 2026-11-20"):
        pipeline_record_step(actor=secretary, person=p, kind=K.FULL_VOTE, date=D(2026, 6, 2),
                             vote={"present": 3, "yes": 3})


def test_probation_cancelled(applicant, full_members, secretary):
    p = walk(applicant, full_members, secretary, until=K.OATH)
    pipeline_record_step(actor=secretary, person=p, kind=K.PROBATION_CANCELLED, date=D(2026, 1, 10))
    p.refresh_from_db()
    assert p.status == MemberStatus.PROBATION_CANCELLED and p.left_date == D(2026, 1, 10)


def test_contacts_must_be_full_members(applicant, full_members, branch_a, secretary):
    p = walk(applicant, full_members, secretary, until=K.CONTACTS_ASSIGNED)
    other = person(branch_a, name="预备", status=MemberStatus.PROBATIONARY)
    with pytest.raises(PipelineError, match="预备 is not a full member"):
        pipeline_record_step(actor=secretary, person=p, kind=K.CONTACTS_ASSIGNED, date=D(2024, 3, 5),
                             related_people=[full_members[0], other])


# -- votes ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("counts, message", [
    ({"entitled": 5, "present": 6, "yes": 3, "no": 0, "abstain": 0}, "6 present is more than the 5"),
    ({"entitled": 5, "present": 3, "yes": 3, "no": 1, "abstain": 0}, "4 votes (yes + no + abstain) is more than"),
    ({"entitled": 5, "present": 2, "yes": 2, "no": 0, "abstain": 0}, "No quorum: 2 present of 5"),
    ({"entitled": 0, "present": 0, "yes": 0, "no": 0, "abstain": 0}, "No full members are entitled"),
])
def test_impossible_vote_counts(counts, message):
    with pytest.raises(ValidationError) as exc:
        DevelopmentVote(**counts).clean()
    assert any(message in m for m in exc.value.messages)


def test_majority_of_entitled_not_of_present():
    vote = DevelopmentVote(entitled=4, present=3, yes=2, no=1, abstain=0)
    vote.clean()
    assert vote.has_quorum and not vote.passed
    assert DevelopmentVote(entitled=4, present=3, yes=3, no=0, abstain=0).passed


def test_probationary_members_are_not_entitled(branch_a, full_members, applicant):
    person(branch_a, name="预备甲", status=MemberStatus.PROBATIONARY)
    person(branch_a, name="新转正", full_member_date=D(2026, 6, 1), admission_date=D(2025, 6, 1))
    assert _entitled(applicant, D(2026, 5, 1)) == 3
    assert _entitled(applicant, D(2026, 6, 1)) == 4


def test_impossible_counts_refused_by_service(applicant, full_members, secretary):
    p = walk(applicant, full_members, secretary, until=K.BRANCH_VOTE)
    with pytest.raises(PipelineError, match="4 present is more than the 3"):
        pipeline_record_step(actor=secretary, person=p, kind=K.BRANCH_VOTE, date=D(2025, 5, 20),
                             vote={"present": 4, "yes": 4})


# -- policy -----------------------------------------------------------------------------------------------

def test_policy_defaults_and_committee_override(committee, branch_a, other_committee, applicant, full_members,
                                                secretary):
    assert policy_value(branch_a, "activist_min_months") == DEFAULTS["activist_min_months"] == 12
    DevelopmentPolicy.objects.create(unit=committee, key="activist_min_months", value=18,
                                     effective_from=D(2025, 1, 1))
    assert policy_value(branch_a, "activist_min_months", on=D(2024, 12, 31)) == 12
    assert policy_value(branch_a, "activist_min_months", on=D(2025, 1, 1)) == 18
    assert policy_rule(branch_a, "activist_min_months", on=D(2025, 6, 1)).unit_name == committee.name
    assert policy_value(other_committee, "activist_min_months", on=D(2025, 6, 1)) == 12
    p = walk(applicant, full_members, secretary, until=K.CANDIDATE_DECISION)
    with pytest.raises(PipelineError, match="18 months ends on 2025-09-01"):
        pipeline_record_step(actor=secretary, person=p, kind=K.CANDIDATE_DECISION, date=D(2025, 3, 2))


def test_nearest_committee_wins(committee, secretary):
    from tests.factories import make_unit
    from branches.choices import UnitKind

    sub = make_unit(committee, kind=UnitKind.COMMITTEE, name="下级党委", code="C001-S1")
    branch = make_unit(sub, kind=UnitKind.BRANCH, name="下级支部", code="C001-S1-B1")
    DevelopmentPolicy.objects.create(unit=committee, key="notice_working_days", value=7, effective_from=D(2024, 1, 1))
    DevelopmentPolicy.objects.create(unit=sub, key="notice_working_days", value=10, effective_from=D(2020, 1, 1))
    assert policy_value(branch, "notice_working_days", on=D(2025, 1, 1)) == 10


def test_local_activist_notice(committee, applicant, full_members, secretary):
    DevelopmentPolicy.objects.create(unit=committee, key="activist_notice_days", value=7, effective_from=D(2020, 1, 1))
    p = walk(applicant, full_members, secretary, until=K.ACTIVIST_SELECTION)
    with pytest.raises(PipelineError, match="enter the day the notice was posted"):
        pipeline_record_step(actor=secretary, person=p, kind=K.ACTIVIST_SELECTION, date=D(2024, 3, 1))
    with pytest.raises(PipelineError, match="ends on 2024-03-02"):
        pipeline_record_step(actor=secretary, person=p, kind=K.ACTIVIST_SELECTION, date=D(2024, 3, 1),
                             notice_start=D(2024, 2, 24))
    pipeline_record_step(actor=secretary, person=p, kind=K.ACTIVIST_SELECTION, date=D(2024, 3, 2),
                         notice_start=D(2024, 2, 24))


# -- the page -----------------------------------------------------------------------------------------------

def _url(p):
    return reverse("members:person_pipeline", args=[p.pk])


def test_anonymous_is_sent_to_login(client, applicant):
    response = client.get(_url(applicant))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_outsider_gets_404(as_user, outsider, applicant):
    assert as_user(outsider).get(_url(applicant)).status_code == 404
    assert as_user(outsider).post(_url(applicant), {"kind": K.APPLICATION, "date": "2026-06-01"}).status_code == 404


def test_viewer_sees_timeline_but_cannot_record(as_user, viewer, applicant):
    response = as_user(viewer).get(_url(applicant))
    assert response.status_code == 200 and "record-step" not in response.content.decode()
    assert as_user(viewer).post(_url(applicant), {"kind": K.APPLICATION, "date": "2026-06-01"}).status_code == 403


def test_secretary_records_and_sees_refusal(as_user, secretary, applicant):
    c = as_user(secretary)
    html = c.get(_url(applicant)).content.decode()
    assert "record-step" in html and reverse("members:person_pipeline", args=[applicant.pk])
    response = c.post(_url(applicant), {"kind": K.APPLICATION, "date": "2026-05-01"})
    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.application_date == D(2026, 5, 1)
    html = c.get(_url(applicant)).content.decode()
    assert "due by 2026-06-01" in html and 'data-overdue="1"' in html      # talk overdue on 2026-07-01
    response = c.post(_url(applicant), {"kind": K.TALK, "date": "2026-04-01"})
    assert response.status_code == 200
    assert "cannot be dated before Application received (2026-05-01)" in response.content.decode()


def test_document_type_checked(as_user, secretary, applicant):
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream")
    response = as_user(secretary).post(_url(applicant), {"kind": K.APPLICATION, "date": "2026-05-01", "document": bad})
    assert response.status_code == 200 and "Upload a PDF" in response.content.decode()
    good = SimpleUploadedFile("application.pdf", b"%PDF-1.4", content_type="application/pdf")
    assert as_user(secretary).post(_url(applicant), {"kind": K.APPLICATION, "date": "2026-05-01",
                                                     "document": good}).status_code == 302
    assert applicant.development_steps.get().document.name.endswith(".pdf")


def test_person_page_links_to_development(as_user, viewer, applicant):
    html = as_user(viewer).get(reverse("members:person_detail", args=[applicant.pk])).content.decode()
    assert _url(applicant) in html


def test_timeline_query_count_is_constant(as_user, secretary, applicant, full_members):
    p = walk(applicant, full_members, secretary, until=K.THOUGHT_REPORT)
    c = as_user(secretary)
    c.get(_url(p))
    with CaptureQueriesContext(connection) as few:
        c.get(_url(p))
    for month in (4, 5, 6, 7, 8):
        pipeline_record_step(actor=secretary, person=p, kind=K.THOUGHT_REPORT, date=D(2024, month, 1))
    pipeline_record_step(actor=secretary, person=p, kind=K.CONTACTS_ASSIGNED, date=D(2024, 8, 2),
                         related_people=full_members[1:])
    with CaptureQueriesContext(connection) as many:
        c.get(_url(p))
    assert len(many) == len(few)


def test_full_walk_timeline_renders(as_user, secretary, applicant, full_members):
    p = walk(applicant, full_members, secretary)
    html = as_user(secretary).get(_url(p)).content.decode()
    assert "step-full_approval" in html and "No further development steps." in html

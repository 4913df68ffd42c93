"""The case workflow: every kind's path from opening to effect, every refused move, effects once, on time."""
import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command

from branches.choices import CommitteePositionKind, Role
from branches.models import Appointment
from branches.services import appointment_create
from discipline.cases import CaseError, case_record_step
from discipline.choices import AppealOutcome, CaseKind, CaseStatus as C, Measure, ProbationOutcome, StepKind as K
from discipline.effects import discipline_effects_apply, is_suspended
from discipline.models import Case, CaseStep
from members.choices import MemberStatus
from members.committee_services import position_add
from members.models import CommitteePosition, StatusChange
from tests.factories import UserFactory, make_person

from .helpers import D, open_case, walk

pytestmark = pytest.mark.django_db


def test_warning_path_to_effect(officer, accused):
    case = walk(officer, open_case(officer, accused))
    assert case.status == C.EFFECTIVE and case.effect_applied_on == D(2026, 5, 20)
    kinds = list(case.steps.values_list("kind", flat=True))
    assert kinds == [K.OPENED, K.INVESTIGATION, K.EDUCATION_TALK, K.STATEMENT, K.BRANCH_DECISION, K.APPROVAL,
                     K.DELIVERY, K.EFFECT]
    decision = case.steps.get(kind=K.BRANCH_DECISION)
    assert decision.vote.entitled == 4 and decision.vote.yes == 4
    accused.refresh_from_db()
    assert accused.status == MemberStatus.FULL


def test_expulsion_ends_membership_and_posts(officer, accused, branch_a, committee):
    from branches.models import CommitteeTerm
    term = CommitteeTerm.objects.create(unit=branch_a, start_date=D(2024, 1, 1), years=3)
    pos = position_add(actor=None, term=term, person=accused, position=CommitteePositionKind.PUBLICITY,
                       started_on=D(2024, 1, 1))
    account = UserFactory(username="wang")
    appointment_create(actor=None, user=account, unit=branch_a, role=Role.ORGANIZER)
    case = walk(officer, open_case(officer, accused, account=account), measure=Measure.EXPULSION)
    accused.refresh_from_db()
    assert accused.status == MemberStatus.EXPELLED and accused.left_date == D(2026, 4, 1)
    pos.refresh_from_db()
    assert pos.ended_on == D(2026, 4, 1)
    assert not Appointment.objects.filter(user=account, ended_at__isnull=True).exists()
    assert StatusChange.objects.filter(person=accused, to_status=MemberStatus.EXPELLED).count() == 1
    assert case.status == C.EFFECTIVE


def test_removal_from_posts_keeps_membership(officer, accused, branch_a):
    from branches.models import CommitteeTerm
    term = CommitteeTerm.objects.create(unit=branch_a, start_date=D(2024, 1, 1), years=3)
    position_add(actor=None, term=term, person=accused, position=CommitteePositionKind.SECRETARY,
                 started_on=D(2024, 1, 1))
    walk(officer, open_case(officer, accused), measure=Measure.REMOVAL_FROM_POSTS)
    accused.refresh_from_db()
    assert accused.status == MemberStatus.FULL
    assert not CommitteePosition.objects.filter(person=accused, ended_on__isnull=True).exists()



def test_no_post_during_the_impact_period_of_removal_from_posts(officer, accused, branch_a):
    from branches.models import CommitteeTerm
    term = CommitteeTerm.objects.create(unit=branch_a, start_date=D(2024, 1, 1), years=5)
    case = walk(officer, open_case(officer, accused), measure=Measure.REMOVAL_FROM_POSTS)   # in effect 2026-04-01
    with time_machine.travel(datetime.datetime(2028, 5, 1, 9, 0), tick=False):
        with pytest.raises(ValidationError) as exc:
            position_add(actor=None, term=term, person=accused, position=CommitteePositionKind.ORGANIZATION,
                         started_on=D(2028, 3, 31))
        assert "2028-04-01" in str(exc.value) and case.number in str(exc.value)
        pos = position_add(actor=None, term=term, person=accused, position=CommitteePositionKind.ORGANIZATION,
                           started_on=D(2028, 4, 1))            # the 24 months are over
    assert pos.started_on == D(2028, 4, 1)


def test_future_effect_applied_by_job_exactly_once(officer, accused):
    case = walk(officer, open_case(officer, accused), measure=Measure.EXPULSION, effective_on=D(2026, 6, 1))
    assert case.status == C.DELIVERED and case.effect_applied_on is None
    assert discipline_effects_apply(D(2026, 5, 31)) == 0
    accused.refresh_from_db()
    assert accused.status == MemberStatus.FULL
    with time_machine.travel(datetime.datetime(2026, 6, 1, 7, 0), tick=False):
        assert discipline_effects_apply() == 1
        assert discipline_effects_apply() == 0
        call_command("apply_discipline_effects")
    case.refresh_from_db()
    accused.refresh_from_db()
    assert case.status == C.EFFECTIVE and accused.status == MemberStatus.EXPELLED
    assert CaseStep.objects.filter(case=case, kind=K.EFFECT).count() == 1
    assert StatusChange.objects.filter(person=accused).count() == 1


def test_probation_suspends_vote_and_review_restores(officer, accused, branch_a):
    case = walk(officer, open_case(officer, accused), measure=Measure.PROBATION, months=12)
    assert case.rights_suspended_until == D(2027, 4, 1)
    assert is_suspended(accused, D(2026, 5, 20))
    assert not is_suspended(accused, D(2027, 4, 1))
    with pytest.raises(CaseError, match="runs until 2027-04-01"):
        case_record_step(actor=officer, case=case, kind=K.PROBATION_REVIEW, date=D(2026, 5, 20),
                         outcome=ProbationOutcome.RESTORE, note="表现良好")
    with time_machine.travel(datetime.datetime(2027, 4, 2, 10, 0), tick=False):
        case_record_step(actor=officer, case=case, kind=K.PROBATION_REVIEW, date=D(2027, 4, 2),
                         outcome=ProbationOutcome.RESTORE, note="表现良好")
    case.refresh_from_db()
    assert case.status == C.CLOSED


def test_probation_months_must_be_one_or_two_years(officer, accused):
    case = walk(officer, open_case(officer, accused), until=K.STATEMENT)
    with pytest.raises(CaseError, match="12 or 24 months"):
        case_record_step(actor=officer, case=case, kind=K.BRANCH_DECISION, date=D(2026, 3, 22),
                         measure=Measure.PROBATION, probation_months=18,
                         vote={"present": 4, "yes": 4, "no": 0, "abstain": 0})


def test_probation_review_expel_opens_new_case(officer, accused):
    case = walk(officer, open_case(officer, accused), measure=Measure.PROBATION, months=24)
    case_record_step(actor=officer, case=case, kind=K.PROBATION_REVIEW, date=D(2026, 5, 20),
                     outcome=ProbationOutcome.EXPEL, note="拒不改正")
    new = Case.objects.exclude(pk=case.pk).get()
    assert new.kind == CaseKind.SANCTION and new.source == case and new.status == C.OPEN


def test_no_decision_without_statement(officer, accused):
    case = walk(officer, open_case(officer, accused), until=K.EDUCATION_TALK)
    with pytest.raises(CaseError, match="own statement has not been offered"):
        case_record_step(actor=officer, case=case, kind=K.BRANCH_DECISION, date=D(2026, 3, 22),
                         measure=Measure.WARNING, vote={"present": 4, "yes": 4, "no": 0, "abstain": 0})


def test_declined_statement_is_enough(officer, accused):
    case = open_case(officer, accused)
    case_record_step(actor=officer, case=case, kind=K.INVESTIGATION, date=D(2026, 3, 3), note="事实")
    case_record_step(actor=officer, case=case, kind=K.STATEMENT, date=D(2026, 3, 4), given=False)
    case_record_step(actor=officer, case=case, kind=K.BRANCH_DECISION, date=D(2026, 3, 5), measure=Measure.WARNING,
                     vote={"present": 3, "yes": 3, "no": 0, "abstain": 0})
    case.refresh_from_db()
    assert case.status == C.DECIDED


def test_sanction_needs_investigation(officer, accused):
    case = open_case(officer, accused)
    case_record_step(actor=officer, case=case, kind=K.STATEMENT, date=D(2026, 3, 4), given=False)
    with pytest.raises(CaseError, match="facts and the investigation"):
        case_record_step(actor=officer, case=case, kind=K.BRANCH_DECISION, date=D(2026, 3, 5),
                         measure=Measure.WARNING, vote={"present": 3, "yes": 3, "no": 0, "abstain": 0})


def test_lapse_needs_education_talk(officer, accused):
    case = open_case(officer, accused, kind=CaseKind.LAPSE)
    case_record_step(actor=officer, case=case, kind=K.STATEMENT, date=D(2026, 3, 4), given=False)
    with pytest.raises(CaseError, match="education talk"):
        case_record_step(actor=officer, case=case, kind=K.BRANCH_DECISION, date=D(2026, 3, 5),
                         measure=Measure.REMOVAL, vote={"present": 3, "yes": 3, "no": 0, "abstain": 0})


def test_lapse_path_removes_from_roll(officer, accused):
    case = walk(officer, open_case(officer, accused, kind=CaseKind.LAPSE), measure=Measure.REMOVAL)
    accused.refresh_from_db()
    assert case.status == C.EFFECTIVE and accused.status == MemberStatus.REMOVED


@pytest.mark.parametrize("kind,measure,status", [
    (CaseKind.ORG_HANDLING, Measure.RECTIFY, MemberStatus.FULL),
    (CaseKind.ORG_HANDLING, Measure.PERSUADE_WITHDRAW, MemberStatus.WITHDREW),
    (CaseKind.ORG_HANDLING, Measure.REMOVAL, MemberStatus.REMOVED),
    (CaseKind.APPRAISAL, Measure.RECTIFY, MemberStatus.FULL),
    (CaseKind.LAPSE, Measure.SELF_WITHDRAWAL, MemberStatus.REMOVED),
    (CaseKind.SANCTION, Measure.SERIOUS_WARNING, MemberStatus.FULL),
])
def test_every_kind_reaches_effect(officer, accused, kind, measure, status):
    case = walk(officer, open_case(officer, accused, kind=kind), measure=measure)
    accused.refresh_from_db()
    assert case.status == C.EFFECTIVE and accused.status == status


def test_measure_must_fit_kind(officer, accused):
    case = walk(officer, open_case(officer, accused, kind=CaseKind.LAPSE), until=K.STATEMENT)
    with pytest.raises(CaseError, match="Choose the measure"):
        case_record_step(actor=officer, case=case, kind=K.BRANCH_DECISION, date=D(2026, 3, 22),
                         measure=Measure.EXPULSION, vote={"present": 4, "yes": 4, "no": 0, "abstain": 0})


def test_failed_vote_keeps_case_open(officer, accused):
    case = walk(officer, open_case(officer, accused), until=K.STATEMENT)
    step = case_record_step(actor=officer, case=case, kind=K.BRANCH_DECISION, date=D(2026, 3, 22),
                            measure=Measure.WARNING, vote={"present": 4, "yes": 2, "no": 2, "abstain": 0})
    case.refresh_from_db()
    assert step.extra["passed"] is False and case.status == C.OPEN and case.measure == ""


def test_no_quorum_refused(officer, accused):
    case = walk(officer, open_case(officer, accused), until=K.STATEMENT)
    with pytest.raises(CaseError, match="No quorum"):
        case_record_step(actor=officer, case=case, kind=K.BRANCH_DECISION, date=D(2026, 3, 22),
                         measure=Measure.WARNING, vote={"present": 2, "yes": 2, "no": 0, "abstain": 0})


@pytest.mark.parametrize("kind", [K.APPROVAL, K.DELIVERY, K.APPEAL, K.APPEAL_RESULT, K.PROBATION_REVIEW, K.EFFECT])
def test_illegal_moves_on_open_case(officer, accused, kind):
    case = open_case(officer, accused)
    with pytest.raises(CaseError, match="not possible while the case is|Only a probation"):
        case_record_step(actor=officer, case=case, kind=kind, date=D(2026, 3, 5), passed=True, note="x")
    assert case.steps.count() == 1


def test_no_step_on_closed_case(officer, accused):
    case = open_case(officer, accused)
    case_record_step(actor=officer, case=case, kind=K.CLOSE, date=D(2026, 3, 5), note="查无实据")
    case.refresh_from_db()
    for kind in (K.INVESTIGATION, K.BRANCH_DECISION, K.CLOSE):
        with pytest.raises(CaseError):
            case_record_step(actor=officer, case=case, kind=kind, date=D(2026, 3, 6), note="x")


def test_future_and_backdated_steps_refused(officer, accused):
    case = open_case(officer, accused)
    with pytest.raises(CaseError, match="future"):
        case_record_step(actor=officer, case=case, kind=K.INVESTIGATION, date=D(2026, 5, 21), note="x")
    with pytest.raises(CaseError, match="before the previous step"):
        case_record_step(actor=officer, case=case, kind=K.INVESTIGATION, date=D(2026, 3, 1), note="x")


def test_effective_date_not_before_approval(officer, accused):
    case = walk(officer, open_case(officer, accused), until=K.APPROVAL)
    with pytest.raises(CaseError, match="before it was approved"):
        case_record_step(actor=officer, case=case, kind=K.DELIVERY, date=D(2026, 4, 6), effective_on=D(2026, 3, 1))


def test_not_approved_returns_to_branch(officer, accused):
    case = walk(officer, open_case(officer, accused), until=K.BRANCH_DECISION)
    with pytest.raises(CaseError, match="reasons"):
        case_record_step(actor=officer, case=case, kind=K.APPROVAL, date=D(2026, 4, 1), passed=False)
    case_record_step(actor=officer, case=case, kind=K.APPROVAL, date=D(2026, 4, 1), passed=False, note="事实不清")
    case.refresh_from_db()
    assert case.status == C.OPEN and case.measure == ""


def test_appeal_revoked_restores_status(officer, accused):
    case = walk(officer, open_case(officer, accused), measure=Measure.EXPULSION)
    case_record_step(actor=officer, case=case, kind=K.APPEAL, date=D(2026, 4, 10), note="申诉理由")
    case.refresh_from_db()
    assert case.status == C.APPEALED
    case_record_step(actor=officer, case=case, kind=K.APPEAL_RESULT, date=D(2026, 5, 1),
                     outcome=AppealOutcome.REVOKED, note="撤销原决定")
    case.refresh_from_db()
    accused.refresh_from_db()
    assert case.status == C.REVOKED and accused.status == MemberStatus.FULL and accused.left_date is None
    # the decision itself is not edited: its step is still there
    assert case.steps.filter(kind=K.BRANCH_DECISION, extra__measure=Measure.EXPULSION).exists()


def test_appeal_revoked_gives_back_the_posts_where_it_can(officer, accused, branch_a):
    from branches.models import CommitteeTerm
    term = CommitteeTerm.objects.create(unit=branch_a, start_date=D(2024, 1, 1), years=5)
    position_add(actor=None, term=term, person=accused, position=CommitteePositionKind.SECRETARY,
                 started_on=D(2024, 1, 1))
    position_add(actor=None, term=term, person=accused, position=CommitteePositionKind.PUBLICITY,
                 started_on=D(2024, 1, 1))
    account = UserFactory(username="li_account")
    appointment_create(actor=None, user=account, unit=branch_a, role=Role.ORGANIZER)
    case = walk(officer, open_case(officer, accused, account=account), measure=Measure.REMOVAL_FROM_POSTS)
    assert not CommitteePosition.objects.filter(person=accused, ended_on__isnull=True).exists()
    # meanwhile the branch elected another secretary
    other = make_person(branch_a, name="赵新")
    position_add(actor=None, term=term, person=other, position=CommitteePositionKind.SECRETARY,
                 started_on=D(2026, 4, 15))
    case_record_step(actor=officer, case=case, kind=K.APPEAL, date=D(2026, 4, 10), note="申诉理由")
    step = case_record_step(actor=officer, case=case, kind=K.APPEAL_RESULT, date=D(2026, 5, 1),
                            outcome=AppealOutcome.REVOKED, note="撤销原决定")
    step.refresh_from_db()
    back = CommitteePosition.objects.filter(person=accused, ended_on__isnull=True).get()
    assert back.position == CommitteePositionKind.PUBLICITY and back.started_on == D(2026, 5, 1)
    assert Appointment.objects.filter(user=account, unit=branch_a, role=Role.ORGANIZER, ended_at__isnull=True).exists()
    assert len(step.extra["posts_restored"]) == 2 and len(step.extra["posts_not_restored"]) == 1
    assert "赵新" in step.extra["posts_not_restored"][0]        # the secretary's seat is taken
    assert step.note.startswith("撤销原决定")
    # the ended rows stay as history
    assert CommitteePosition.objects.filter(person=accused, ended_on=D(2026, 4, 1)).count() == 2


def test_appeal_upheld_returns_to_effective(officer, accused):
    case = walk(officer, open_case(officer, accused), measure=Measure.WARNING)
    case_record_step(actor=officer, case=case, kind=K.APPEAL, date=D(2026, 4, 10), note="申诉理由")
    case_record_step(actor=officer, case=case, kind=K.APPEAL_RESULT, date=D(2026, 5, 1),
                     outcome=AppealOutcome.UPHELD, note="维持")
    case.refresh_from_db()
    assert case.status == C.EFFECTIVE


def test_appeal_does_not_stop_a_future_effect(officer, accused):
    case = walk(officer, open_case(officer, accused), measure=Measure.EXPULSION, effective_on=D(2026, 6, 1))
    case_record_step(actor=officer, case=case, kind=K.APPEAL, date=D(2026, 5, 1), note="申诉")
    assert discipline_effects_apply(D(2026, 6, 1)) == 1
    case.refresh_from_db()
    accused.refresh_from_db()
    assert case.status == C.APPEALED and accused.status == MemberStatus.EXPELLED
    case_record_step(actor=officer, case=case, kind=K.APPEAL_RESULT, date=D(2026, 5, 20),
                     outcome=AppealOutcome.UPHELD, note="维持")
    case.refresh_from_db()
    assert case.status == C.EFFECTIVE


def test_only_members_on_roll(officer, branch_a):
    applicant = make_person(branch_a, name="申请人", status=MemberStatus.APPLICANT, birth=D(1999, 1, 1))
    with pytest.raises(ValidationError, match="not a party member"):
        open_case(officer, applicant)


def test_one_open_lapse_case(officer, accused):
    open_case(officer, accused, kind=CaseKind.LAPSE)
    with pytest.raises(ValidationError, match="already has an open lapse case"):
        open_case(officer, accused, kind=CaseKind.LAPSE)


def test_secretary_and_viewer_cannot_move(secretary, viewer, officer, accused):
    case = open_case(officer, accused)
    for user in (secretary, viewer):
        with pytest.raises(CaseError, match="may not handle"):
            case_record_step(actor=user, case=case, kind=K.INVESTIGATION, date=D(2026, 3, 5), note="x")
    with pytest.raises(CaseError, match="may not open"):
        open_case(secretary, accused)


def test_impact_period_from_policy(officer, accused, committee):
    from discipline.effects import impact_end
    from discipline.models import DisciplinePolicy

    case = walk(officer, open_case(officer, accused), measure=Measure.SERIOUS_WARNING)
    assert impact_end(case) == D(2027, 10, 1)       # 18 months from 2026-04-01
    DisciplinePolicy.objects.create(unit=committee, key="impact_serious_warning_months", value=24,
                                    effective_from=D(2026, 1, 1))
    assert impact_end(case) == D(2028, 4, 1)

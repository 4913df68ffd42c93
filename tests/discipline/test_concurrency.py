"""Two workers at the same moment: the effects job run twice concurrently applies a decision once; two officers
recording the same approval: one wins, the other is refused (the case row is locked, the status re-read).
On PostgreSQL the calls run in two threads with their own connections (see tests/members/test_review_concurrency)."""
import pytest

from discipline.cases import CaseError, case_record_step
from discipline.choices import CaseStatus as C, Measure, StepKind as K
from discipline.effects import discipline_effects_apply
from discipline.models import CaseStep
from members.choices import MemberStatus
from members.models import StatusChange
from tests.factories import make_person
from tests.members.test_review_concurrency import _race

from .helpers import D, officer_of, open_case, voters, walk

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setup(branch_a):
    officer = officer_of(branch_a)
    voters(branch_a)
    return officer, make_person(branch_a, name="并发")


def test_effects_job_twice_at_once_applies_once(setup):
    officer, person = setup
    case = walk(officer, open_case(officer, person), measure=Measure.EXPULSION, effective_on=D(2026, 6, 1))
    results = _race([lambda: discipline_effects_apply(D(2026, 6, 1)), lambda: discipline_effects_apply(D(2026, 6, 1))])
    assert sorted(r for r, _e in results) == [0, 1]
    assert CaseStep.objects.filter(case=case, kind=K.EFFECT).count() == 1
    assert StatusChange.objects.filter(person=person, to_status=MemberStatus.EXPELLED).count() == 1


def test_two_approvals_at_once(setup):
    officer, person = setup
    case = walk(officer, open_case(officer, person), until=K.BRANCH_DECISION)
    call = lambda: case_record_step(actor=officer, case=case, kind=K.APPROVAL, date=D(2026, 4, 1),  # noqa: E731
                                    passed=True)
    results = _race([call, call])
    errors = [e for _r, e in results if e is not None]
    assert len(errors) == 1 and isinstance(errors[0], CaseError)
    case.refresh_from_db()
    assert case.status == C.APPROVED and case.steps.filter(kind=K.APPROVAL).count() == 1

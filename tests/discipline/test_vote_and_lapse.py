"""Vote eligibility under probation within the party (the pipeline's counts and the case votes), and the lapse
cases taken over from the dues check and the meetings' absence list."""
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from discipline.cases import case_open_from_absence, case_open_from_dues_lapse
from discipline.choices import CaseKind, Measure, StepKind as K
from discipline.models import Case
from members.pipeline import _entitled, entitled_voters
from tests.factories import make_person

from .helpers import D, open_case, voters, walk

pytestmark = pytest.mark.django_db


def test_probation_within_party_removes_vote(officer, branch_a):
    members = voters(branch_a, n=4)
    candidate = make_person(branch_a, name="候选", status="candidate", birth=D(1995, 1, 1))
    assert _entitled(candidate, D(2026, 5, 20)) == 4
    walk(officer, open_case(officer, members[0]), measure=Measure.PROBATION, months=12,
         vote={"present": 3, "yes": 3, "no": 0, "abstain": 0})
    # the sanctioned member no longer counts among the entitled voters, from the effect date to the end
    assert _entitled(candidate, D(2026, 3, 31)) == 4
    assert _entitled(candidate, D(2026, 5, 20)) == 3
    assert entitled_voters(branch_a.pk, D(2027, 3, 31)) == 3
    assert entitled_voters(branch_a.pk, D(2027, 4, 1)) == 4


def test_pipeline_vote_counts_respect_probation(officer, branch_a, secretary):
    """A branch vote in the pipeline: the quorum is computed on the members with the right to vote."""
    from members.models import DevelopmentVote

    members = voters(branch_a, n=4)
    walk(officer, open_case(officer, members[0]), measure=Measure.PROBATION, months=24,
         vote={"present": 3, "yes": 3, "no": 0, "abstain": 0})
    v = DevelopmentVote(entitled=entitled_voters(branch_a.pk, D(2026, 5, 20)), present=2, yes=2, no=0, abstain=0)
    assert v.entitled == 3 and v.passed  # 2 of 3 entitled: quorum and majority (with 4 it would fail)


def test_case_vote_excludes_suspended(officer, branch_a):
    members = voters(branch_a, n=4)
    walk(officer, open_case(officer, members[0]), measure=Measure.PROBATION, months=12,
         vote={"present": 3, "yes": 3, "no": 0, "abstain": 0})
    case = walk(officer, open_case(officer, members[1]), measure=Measure.WARNING, until=K.BRANCH_DECISION,
                start=D(2026, 4, 2), vote={"present": 2, "yes": 2, "no": 0, "abstain": 0})
    # members[1] is the accused; of the other 3 full members one is suspended: 2 entitled
    assert case.steps.get(kind=K.BRANCH_DECISION).vote.entitled == 2


def _dues_lapse(person, **kw):
    from dues.models import LapseCase

    return LapseCase.objects.create(person=person, unit=person.unit, run_start=2025 * 12 + 10, months_unpaid=6,
                                    opened_on=D(2026, 5, 1), **kw)


def test_take_over_dues_lapse_case(officer, branch_a):
    voters(branch_a)
    p = make_person(branch_a, name="欠费")
    lapse = _dues_lapse(p)
    case = case_open_from_dues_lapse(actor=officer, lapse_case=lapse, opened_on=D(2026, 3, 2))
    assert case.kind == CaseKind.LAPSE and case.source == lapse and "6 consecutive months" in case.summary
    with pytest.raises(ValidationError):
        case_open_from_dues_lapse(actor=officer, lapse_case=lapse)
    walk(officer, case, measure=Measure.REMOVAL)
    p.refresh_from_db()
    assert p.status == "removed"


def test_lapse_list_page(as_user, officer, branch_a, secretary, viewer):
    p = make_person(branch_a, name="欠费二")
    lapse = _dues_lapse(p)
    client = as_user(officer)
    body = client.get(reverse("discipline:lapse_sources")).content.decode()
    assert f'data-testid="open-lapse-{lapse.pk}"' in body
    resp = client.post(reverse("discipline:lapse_open_dues", args=[lapse.pk]))
    case = Case.objects.get()
    assert resp["Location"] == case.get_absolute_url()
    body = client.get(reverse("discipline:lapse_sources")).content.decode()
    assert case.number in body
    resp = client.post(reverse("discipline:lapse_open_dues", args=[lapse.pk]))
    assert resp.status_code == 302 and Case.objects.count() == 1
    assert as_user(secretary).get(reverse("discipline:lapse_sources")).status_code == 403
    assert as_user(secretary).post(reverse("discipline:lapse_open_dues", args=[lapse.pk])).status_code == 403
    assert as_user(viewer).post(reverse("discipline:lapse_open_dues", args=[lapse.pk])).status_code == 403


def test_absence_case(officer, branch_a):
    p = make_person(branch_a, name="不参加")
    case = case_open_from_absence(actor=officer, person=p, since=D(2025, 11, 20))
    assert case.kind == CaseKind.LAPSE and "2025-11-20" in case.summary


def test_absence_open_view_refuses_people_not_on_the_list(as_user, officer, branch_a):
    p = make_person(branch_a, name="按时参加")
    resp = as_user(officer).post(reverse("discipline:lapse_open_absence", args=[p.pk]))
    assert resp.status_code == 302 and not Case.objects.exists()


def test_absence_list_from_meetings_selector(as_user, officer, branch_a, monkeypatch):
    """The meetings app's lapse-risk selector feeds the list; opening a case from it links the absence window."""
    import meetings.selectors

    absent = make_person(branch_a, name="长期缺席")
    calls = []

    def fake_lapse_risks(user, unit, today, months=6):
        calls.append(months)
        return Person.objects.filter(pk=absent.pk).select_related("unit")

    from members.models import Person

    monkeypatch.setattr(meetings.selectors, "lapse_risks", fake_lapse_risks)
    client = as_user(officer)
    body = client.get(reverse("discipline:lapse_sources")).content.decode()
    assert f'data-testid="absence-{absent.pk}"' in body and calls == [6]
    resp = client.post(reverse("discipline:lapse_open_absence", args=[absent.pk]))
    case = Case.objects.get()
    assert resp["Location"] == case.get_absolute_url()
    assert case.kind == CaseKind.LAPSE and "2025-11-20" in case.summary
    body = client.get(reverse("discipline:lapse_sources")).content.decode()
    assert case.number in body


def test_member_on_probation_cannot_be_sponsor_or_elected(officer, branch_a, secretary):
    """留党察看: no right to be elected (a committee post) and no sponsorship [DOMAIN §6]."""
    from branches.services import term_create
    from members.committee_services import position_add
    from members.models import DevelopmentStepKind as DK
    from members.pipeline import _check_people

    members = voters(branch_a, n=4)
    walk(officer, open_case(officer, members[0]), measure=Measure.PROBATION, months=12,
         vote={"present": 3, "yes": 3, "no": 0, "abstain": 0})
    candidate = make_person(branch_a, name="候选", status="candidate", birth=D(1995, 1, 1))
    problems = _check_people(DK.SPONSORS_ASSIGNED, candidate, members[:2], D(2026, 5, 20))
    assert any("probation within the party" in p for p in problems)
    assert _check_people(DK.SPONSORS_ASSIGNED, candidate, members[1:3], D(2026, 5, 20)) == []
    assert _check_people(DK.CONTACTS_ASSIGNED, candidate, members[:2], D(2026, 5, 20)) == []
    term = term_create(actor=None, unit=branch_a, start_date=D(2026, 1, 1), years=3)
    with pytest.raises(ValidationError) as exc:
        position_add(actor=None, term=term, person=members[0], position="secretary", started_on=D(2026, 5, 20))
    assert "cannot be elected" in str(exc.value)
    assert position_add(actor=None, term=term, person=members[1], position="secretary", started_on=D(2026, 5, 20))

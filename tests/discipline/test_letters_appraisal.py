"""Integrity-risk letters (deadlines from policy, talks with 2+ officials, repeat talks, closure, reminders once),
democratic appraisal (sanction blocks excellent, unqualified opens a case, report once) and the policy rows."""
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from branches.models import Notification, Reminder
from discipline.appraisal import appraisal_create, appraisal_entry_record, appraisal_report
from discipline.choices import CaseKind, Grade, LetterEventKind as E, LetterKind, LetterStatus, Measure
from discipline.effects import discipline_reminders_send
from discipline.letters import letter_issue, letter_record
from discipline.models import DisciplinePolicy
from tests.factories import make_person

from .helpers import D, open_case, voters, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def cadre(branch_a):
    return make_person(branch_a, name="赵干部")


def test_deadlines_from_policy(officer, cadre, committee):
    inquiry = letter_issue(actor=officer, person=cadre, kind=LetterKind.INQUIRY, issued_on=D(2026, 5, 1), matter="群众反映")
    order = letter_issue(actor=officer, person=cadre, kind=LetterKind.CORRECTION, issued_on=D(2026, 5, 1), matter="纠正")
    assert inquiry.due_on == D(2026, 5, 11) and order.due_on == D(2026, 6, 1)
    assert inquiry.number.startswith("XW2026-") and order.number.startswith("JC2026-")
    row = DisciplinePolicy(unit=committee, key="answer_days", value=15, effective_from=D(2026, 1, 1))
    row.full_clean()
    row.save()
    later = letter_issue(actor=officer, person=cadre, kind=LetterKind.ADMONITION, issued_on=D(2026, 5, 1), matter="诫勉")
    assert later.due_on == D(2026, 5, 16)


def test_bad_policy_value_refused(committee, branch_a):
    with pytest.raises(ValidationError):
        DisciplinePolicy(unit=committee, key="answer_days", value="ten", effective_from=D(2026, 1, 1)).full_clean()
    with pytest.raises(ValidationError):
        DisciplinePolicy(unit=branch_a, key="answer_days", value=5, effective_from=D(2026, 1, 1)).full_clean()


def test_talk_needs_two_officials_and_repeat_flag(officer, cadre):
    letter = letter_issue(actor=officer, person=cadre, kind=LetterKind.INQUIRY, issued_on=D(2026, 5, 1), matter="x")
    with pytest.raises(ValidationError, match="at least 2 officials"):
        letter_record(actor=officer, letter=letter, kind=E.TALK, date=D(2026, 5, 2), officials="张书记", note="谈话")
    first = letter_record(actor=officer, letter=letter, kind=E.TALK, date=D(2026, 5, 2), officials="张书记，李委员",
                          note="谈话")
    second = letter_record(actor=officer, letter=letter, kind=E.TALK, date=D(2026, 5, 5), officials="张书记、王委员",
                           note="复谈")
    assert not first.repeat and second.repeat and first.officials == "张书记、李委员"


def test_letter_path_and_refusals(officer, cadre):
    letter = letter_issue(actor=officer, person=cadre, kind=LetterKind.ADMONITION, issued_on=D(2026, 5, 1), matter="x")
    with pytest.raises(ValidationError, match="not possible while the letter"):
        letter_record(actor=officer, letter=letter, kind=E.CLOSED, date=D(2026, 5, 2), note="结束")
    with pytest.raises(ValidationError, match="written answer"):
        letter_record(actor=officer, letter=letter, kind=E.ANSWER, date=D(2026, 5, 2))
    with pytest.raises(ValidationError, match="before the letter was issued"):
        letter_record(actor=officer, letter=letter, kind=E.ANSWER, date=D(2026, 4, 2), note="说明")
    letter_record(actor=officer, letter=letter, kind=E.ANSWER, date=D(2026, 5, 8), note="书面说明")
    letter_record(actor=officer, letter=letter, kind=E.CLOSED, date=D(2026, 5, 9), note="已整改")
    letter.refresh_from_db()
    assert letter.status == LetterStatus.CLOSED
    with pytest.raises(ValidationError):
        letter_record(actor=officer, letter=letter, kind=E.TALK, date=D(2026, 5, 10), officials="甲,乙", note="x")


def test_letter_reminders_before_and_after_once(officer, cadre):
    letter = letter_issue(actor=officer, person=cadre, kind=LetterKind.INQUIRY, issued_on=D(2026, 5, 10), matter="x")
    assert letter.due_on == D(2026, 5, 20)
    assert discipline_reminders_send(D(2026, 5, 16)) == 0
    assert discipline_reminders_send(D(2026, 5, 17)) == 1
    assert discipline_reminders_send(D(2026, 5, 18)) == 0
    assert discipline_reminders_send(D(2026, 5, 21)) == 1
    assert discipline_reminders_send(D(2026, 5, 22)) == 0
    assert Notification.objects.filter(recipient=officer).count() == 2
    assert Reminder.objects.filter(kind="discipline").count() == 2


def test_probation_end_reminder(officer, branch_a):
    voters(branch_a)
    p = make_person(branch_a, name="察看")
    case = walk(officer, open_case(officer, p), measure=Measure.PROBATION, months=12)
    assert case.rights_suspended_until == D(2027, 4, 1)
    assert discipline_reminders_send(D(2027, 2, 28)) == 0
    assert discipline_reminders_send(D(2027, 3, 2)) == 1
    assert discipline_reminders_send(D(2027, 3, 3)) == 0
    assert "probation within the party ends on 2027-04-01" in Notification.objects.get().title


def test_letter_views(as_user, officer, viewer, cadre):
    client = as_user(officer)
    resp = client.post(reverse("discipline:letter_create"), {"person": cadre.pk, "kind": LetterKind.INQUIRY,
                                                            "issued_on": "2026-05-01", "matter": "反映问题"})
    letter = cadre.integrity_letters.get()
    assert resp.status_code == 302
    assert client.get(letter.get_absolute_url()).status_code == 200
    resp = client.post(reverse("discipline:letter_event", args=[letter.pk, E.TALK]),
                       {"date": "2026-05-02", "officials": "一人", "note": "谈话"})
    assert resp.status_code == 400 and "at least 2 officials" in resp.content.decode()
    assert client.get(reverse("discipline:letter_pdf", args=[letter.pk])).content.startswith(b"%PDF")
    assert as_user(viewer).get(letter.get_absolute_url()).status_code in (403, 404)


# -- appraisal --------------------------------------------------------------------------------------------------------

def test_appraisal_flow(officer, branch_a, committee, admin_user):
    people = voters(branch_a, n=3)
    appraisal = appraisal_create(actor=officer, unit=branch_a, year=2025, held_on=D(2026, 1, 15))
    entries = {e.person_id: e for e in appraisal.entries.all()}
    assert len(entries) == 3
    with pytest.raises(ValidationError, match="already has an appraisal"):
        appraisal_create(actor=officer, unit=branch_a, year=2025, held_on=D(2026, 1, 15))
    appraisal_entry_record(actor=officer, entry=entries[people[0].pk], grade=Grade.EXCELLENT, votes_excellent=3)
    appraisal_entry_record(actor=officer, entry=entries[people[1].pk], grade=Grade.QUALIFIED, votes_qualified=3)
    with pytest.raises(ValidationError, match="Grade every member"):
        appraisal_report(actor=officer, appraisal=appraisal)
    appraisal_entry_record(actor=officer, entry=entries[people[2].pk], grade=Grade.UNQUALIFIED, votes_unqualified=2,
                           votes_basic=1)
    cases = appraisal_report(actor=officer, appraisal=appraisal, reported_on=D(2026, 1, 20))
    assert len(cases) == 1 and cases[0].kind == CaseKind.APPRAISAL and cases[0].person == people[2]
    assert cases[0].source == entries[people[2].pk]
    with pytest.raises(ValidationError, match="already reported"):
        appraisal_report(actor=officer, appraisal=appraisal)
    with pytest.raises(ValidationError, match="can no longer be changed"):
        appraisal_entry_record(actor=officer, entry=entries[people[0].pk], grade=Grade.QUALIFIED)


def test_sanction_blocks_excellent_that_year(officer, branch_a):
    voters(branch_a)
    p = make_person(branch_a, name="受处分")
    walk(officer, open_case(officer, p), measure=Measure.WARNING)
    appraisal = appraisal_create(actor=officer, unit=branch_a, year=2026, held_on=D(2026, 5, 20))
    entry = appraisal.entries.get(person=p)
    with pytest.raises(ValidationError, match="cannot be graded excellent"):
        appraisal_entry_record(actor=officer, entry=entry, grade=Grade.EXCELLENT)
    appraisal_entry_record(actor=officer, entry=entry, grade=Grade.QUALIFIED)
    other = appraisal_create(actor=officer, unit=branch_a, year=2025, held_on=D(2026, 1, 5))
    appraisal_entry_record(actor=officer, entry=other.entries.get(person=p), grade=Grade.EXCELLENT)


def test_appraisal_views(as_user, officer, branch_a):
    voters(branch_a, n=2)
    client = as_user(officer)
    resp = client.post(reverse("discipline:appraisal_create"), {"unit": branch_a.pk, "year": 2025,
                                                               "held_on": "2026-01-10"})
    assert resp.status_code == 302
    appraisal = branch_a.appraisals.get()
    entry = appraisal.entries.first()
    assert client.get(appraisal.get_absolute_url()).status_code == 200
    url = reverse("discipline:appraisal_entry", args=[appraisal.pk, entry.pk])
    assert client.post(url, {"grade": "bogus", "votes_excellent": -1}).status_code == 400
    assert client.post(url, {"grade": Grade.QUALIFIED, "votes_excellent": 0, "votes_qualified": 2, "votes_basic": 0,
                             "votes_unqualified": 0}).status_code == 302
    assert client.get(reverse("discipline:appraisal_pdf", args=[appraisal.pk])).content.startswith(b"%PDF")
    assert client.get(reverse("discipline:appraisal_report", args=[appraisal.pk])).status_code == 200
    client.post(reverse("discipline:appraisal_report", args=[appraisal.pk]))  # one entry ungraded: refused
    appraisal.refresh_from_db()
    assert appraisal.status == "draft"

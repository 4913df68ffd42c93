"""``manage.py seed_demo``: built through the services, valid and consistent, idempotent, deterministic.

The database tests use the hidden ``--size tiny`` (a few dozen people); the small and large plans are
checked without the database (``build_plan`` is pure).
"""
import datetime
from collections import Counter
from io import StringIO

import pytest
from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils import timezone

from branches.choices import Role, System, UnitKind
from branches.models import Appointment, AuditEntry, CommitteeTerm, Unit
from members.choices import LEFT_STATUSES, MEMBER_STATUSES, PIPELINE_STATUSES, MemberStatus
from members.demo import PASSWORD, build_plan
from members.idcard import parse_citizen_id
from members.models import CommitteePosition, Person

S = MemberStatus
LOGINS = {
    "committee": [("DEMO", Role.ADMIN)],
    "secretary": [("DEMO-G01-B01", Role.SECRETARY)],
    "reviewer": [("DEMO", Role.REVIEWER)],
    "viewer": [("DEMO-G01-B02", Role.VIEWER)],
    "clerk": [("DEMO-G01", Role.DUES_CLERK)],
    "officer": [("DEMO-G01", Role.DISCIPLINE_OFFICER)],
}


def seed(size="tiny") -> str:
    out = StringIO()
    call_command("seed_demo", size=size, stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded(db):
    return seed()


def person_problems(p: dict, today: datetime.date) -> list[str]:
    """What is wrong with one person's identity and key dates (empty when consistent)."""
    problems = []
    birth, gender = parse_citizen_id(p["citizen_id"])
    if (birth, gender) != (p["birth_date"], p["gender"]):
        problems.append("ID disagrees with birth date or gender")
    age = relativedelta(today, p["birth_date"]).years
    if not 18 <= age <= 85:
        problems.append(f"age {age}")
    dates = [p.get(f) for f in ("application_date", "activist_date", "candidate_date", "admission_date",
                                "full_member_date", "left_date")]
    app, act, cand, adm, full, left = dates
    if any(d and d > today for d in dates):
        problems.append("date in the future")
    if app is None or app < p["birth_date"] + relativedelta(years=18):
        problems.append("no application at 18 or older")
    if act and act < app + relativedelta(months=1):
        problems.append("activist less than a month after the application")
    if cand and (act is None or cand < act + relativedelta(years=1)):
        problems.append("candidate less than a year after becoming an activist")
    if adm and (cand is None or adm <= cand):
        problems.append("admission not after the candidate date")
    if full and full != adm + relativedelta(years=1):
        problems.append("full membership is not admission + 1 year")
    expected = {  # which key dates each status has
        S.APPLICANT: "a", S.ACTIVIST: "ab", S.CANDIDATE: "abc", S.PROBATIONARY: "abcd", S.FULL: "abcde",
        S.PROBATION_CANCELLED: "abcdf",
    }.get(p["status"], "abcdef")
    if "".join("abcdef"[i] for i, d in enumerate(dates) if d) != expected:
        problems.append(f"key dates do not fit the status {p['status']}")
    if p["status"] == S.PROBATIONARY and adm < today - relativedelta(years=1, months=3):
        # a year of probation, then the higher committee has 3 months to approve the full membership
        problems.append("probation longer than a year and the 3 months of the approval")
    return problems


def _fields(person: Person) -> dict:
    return {f.name: getattr(person, f.name) for f in Person._meta.concrete_fields}


# --- the database -----------------------------------------------------------------------------------

def test_everything_goes_through_the_audited_services(seeded):
    admin = get_user_model().objects.get(username="admin")
    audited = set(AuditEntry.objects.values_list("content_type_id", "object_id"))
    for model in (Unit, Person, CommitteeTerm, CommitteePosition, Appointment):
        ct = ContentType.objects.get_for_model(model)
        rows = set(model.objects.values_list("pk", flat=True))
        assert rows, model
        assert {(ct.pk, str(pk)) for pk in rows} <= audited, f"{model.__name__} rows without an audit entry"
    actors = set(AuditEntry.objects.values_list("actor", flat=True))
    assert actors == {admin.pk}
    assert AuditEntry.objects.filter(note="seed_demo").count() == Person.objects.count()


def test_people_have_valid_ids_and_consistent_key_dates(seeded):
    today = timezone.localdate()
    people = list(Person.objects.all())
    assert len(people) >= 30
    problems = {p.name + " " + p.citizen_id: person_problems(_fields(p), today) for p in people}
    assert {k: v for k, v in problems.items() if v} == {}
    assert len({p.citizen_id[:6] for p in people}) >= 5, "region codes should vary"
    assert {p.gender for p in people} == {"M", "F"}
    for p in people:
        p.full_clean()
        if p.party_group_id:
            assert p.status in MEMBER_STATUSES
            assert p.party_group.path.startswith(p.unit.path) and p.party_group.depth == p.unit.depth + 1


def test_spread_of_statuses_and_structure(seeded):
    counts = Counter(Person.objects.values_list("status", flat=True))
    assert counts[S.FULL] > sum(counts.values()) / 2
    assert counts[S.PROBATIONARY] >= 1
    assert set(counts) & set(PIPELINE_STATUSES) and set(counts) & set(LEFT_STATUSES)

    league = Unit.objects.get(code="DEMO-TW")
    assert league.system == System.LEAGUE and league.kind == UnitKind.COMMITTEE
    assert Unit.objects.filter(path__startswith=league.path, kind=UnitKind.BRANCH, system=System.LEAGUE).exists()
    assert Unit.objects.filter(kind=UnitKind.PARTY_GROUP).exists()

    today = timezone.localdate()
    branches = Unit.objects.filter(kind=UnitKind.BRANCH, system=System.PARTY)
    full = {b.code: b.people.filter(status=S.FULL).count() for b in branches}
    assert min(full.values()) < 3, "one branch should show the too-few-full-members warning"
    terms = {t.unit.code: t for t in CommitteeTerm.objects.filter(ended_on__isnull=True).select_related("unit")}
    assert set(terms) == {code for code, n in full.items() if n >= 7}
    assert any(t.end_date <= today + relativedelta(months=4) for t in terms.values()), "a term due for election"
    for term in terms.values():
        seats = list(CommitteePosition.objects.filter(term=term).select_related("person"))
        assert 3 <= len(seats) <= 5
        assert sum(s.position == "secretary" for s in seats) == 1
        assert all(s.person.unit_id == term.unit_id and s.person.status == S.FULL for s in seats)


def test_demo_logins_and_their_appointments(seeded):
    User = get_user_model()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.check_password(PASSWORD)
    for username, expected in LOGINS.items():
        user = User.objects.get(username=username)
        assert user.check_password(PASSWORD) and not user.is_superuser
        held = list(Appointment.objects.filter(user=user, ended_at__isnull=True).values_list("unit__code", "role"))
        assert held == expected
    assert "http://127.0.0.1:8000/" in seeded
    for username in ["admin", *LOGINS]:
        assert f" {username} " in seeded
    assert PASSWORD in seeded


def test_a_second_run_creates_nothing(seeded):
    models = (Unit, Person, CommitteeTerm, CommitteePosition, Appointment, AuditEntry, get_user_model())
    before = {m.__name__: m.objects.count() for m in models}
    output = seed()
    assert {m.__name__: m.objects.count() for m in models} == before
    assert "People: 0 created" in output and "Units: 0 created" in output


# --- the plans (no database) ------------------------------------------------------------------------

def test_plans_are_deterministic_and_do_not_drift_with_the_date():
    today = datetime.date(2026, 11, 22)
    a, b = build_plan("small", today), build_plan("small", today)
    assert [(p.citizen_id, p.fields) for p in a.people] == [(p.citizen_id, p.fields) for p in b.people]
    later = build_plan("small", today + datetime.timedelta(days=200))
    assert [p.citizen_id for p in later.people] == [p.citizen_id for p in a.people]  # reruns find the same people


def test_small_plan_shape_and_people():
    today = timezone.localdate()
    plan = build_plan("small", today)
    kinds = Counter((u.kind, u.system) for u in plan.units)
    assert kinds[(UnitKind.COMMITTEE, System.PARTY)] == 1
    assert kinds[(UnitKind.GENERAL_BRANCH, System.PARTY)] == 3
    assert 9 <= kinds[(UnitKind.BRANCH, System.PARTY)] <= 12
    assert kinds[(UnitKind.BRANCH, System.LEAGUE)] >= 1
    assert len({u.category for u in plan.units if u.kind == UnitKind.BRANCH}) >= 5
    assert 280 <= len(plan.people) <= 320
    assert len({p.citizen_id for p in plan.people}) == len(plan.people)
    bad = {p.citizen_id: person_problems(p.fields, today) for p in plan.people}
    assert {k: v for k, v in bad.items() if v} == {}
    statuses = Counter(p.fields["status"] for p in plan.people)
    assert len(statuses) >= 9
    ends = sorted((t.start_date + relativedelta(years=t.years) - today).days for t in plan.terms)
    assert ends[0] < 0 and any(0 < d <= 31 for d in ends), ends  # an expired term and one due within a month


def test_large_plan_shape_and_people():
    today = timezone.localdate()
    plan = build_plan("large", today)
    kinds = Counter(u.kind for u in plan.units)
    assert (kinds[UnitKind.COMMITTEE], kinds[UnitKind.GENERAL_BRANCH], kinds[UnitKind.BRANCH]) == (1, 20, 200)
    groups = Counter(u.parent for u in plan.units if u.kind == UnitKind.PARTY_GROUP)
    assert set(groups.values()) <= {2, 3} and len(groups) == 200
    assert len(plan.people) == 10_000 and len({p.citizen_id for p in plan.people}) == 10_000
    statuses = Counter(p.fields["status"] for p in plan.people)
    assert statuses[S.FULL] == 8000 and statuses[S.PROBATIONARY] == 800
    bad = {p.citizen_id: person_problems(p.fields, today) for p in plan.people}
    assert {k: v for k, v in bad.items() if v} == {}
    assert all(t.start_date <= today for t in plan.terms)


# --- the development pipeline -------------------------------------------------------------------------------

def _replay(person: Person, admin) -> Person:
    """Record ``person``'s seeded steps through the pipeline service on a fresh applicant of the same unit and
    birth date: the service accepts every step (rules, order, dates) and ends at the same status and dates."""
    from members.models import DevelopmentStep
    from members.pipeline import pipeline_record_step
    from members.services import person_create
    from tests.members.helpers import unique_citizen_id

    clone = person_create(actor=admin, name=person.name + "甲", gender=person.gender, birth_date=person.birth_date,
                          citizen_id=unique_citizen_id(person.birth_date, person.gender == "M"), unit=person.unit,
                          status=S.APPLICANT)
    steps = (DevelopmentStep.objects.filter(person=person).select_related("vote").prefetch_related("related_people")
             .order_by("date", "pk"))
    for step in steps:
        data = {}
        if step.extra:
            data["extra"] = dict(step.extra)
        if step.related_people.all():
            data["related_people"] = list(step.related_people.all())
        if hasattr(step, "vote"):
            v = step.vote
            data["vote"] = {"present": v.present, "yes": v.yes, "no": v.no, "abstain": v.abstain}
            data.pop("extra", None)
        pipeline_record_step(actor=admin, person=clone, kind=step.kind, date=step.date, **data)
    clone.refresh_from_db()
    return clone


def test_pipeline_population_follows_the_rules(seeded):
    from members.models import DevelopmentStep, ReviewRequest, StatusChange

    admin = get_user_model().objects.get(username="admin")
    developing = list(Person.objects.filter(status__in=[S.APPLICANT, S.ACTIVIST, S.CANDIDATE, S.PROBATIONARY],
                                            unit__system=System.PARTY).select_related("unit"))
    assert {p.status for p in developing} >= {S.APPLICANT, S.ACTIVIST, S.CANDIDATE, S.PROBATIONARY}
    with_steps = set(DevelopmentStep.objects.values_list("person_id", flat=True))
    assert all(p.pk in with_steps for p in developing if p.unit.code != "DEMO-G03-B02"), "every developing person"
    for p in developing:
        if p.pk not in with_steps:
            continue
        clone = _replay(p, admin)
        fields = ("status", "application_date", "activist_date", "candidate_date", "admission_date")
        assert [getattr(clone, f) for f in fields] == [getattr(p, f) for f in fields], p.name
        moves = list(StatusChange.objects.filter(person=p).values_list("to_status", flat=True).order_by("date", "pk"))
        assert moves == list(StatusChange.objects.filter(person=clone).values_list("to_status", flat=True)
                             .order_by("date", "pk"))
    # every step has its audit entry, by the seeding admin
    ct = ContentType.objects.get_for_model(DevelopmentStep)
    audited = set(AuditEntry.objects.filter(content_type=ct).values_list("object_id", "actor"))
    assert {(str(pk), admin.pk) for pk in DevelopmentStep.objects.values_list("pk", flat=True)} <= audited
    # review items wait with the branch secretary as sender and an approval deadline of vote + 3 months
    secretary = get_user_model().objects.get(username="secretary")
    for item in ReviewRequest.objects.select_related("step"):
        assert item.status == "pending" and item.submitted_by == secretary and item.unit == item.person.unit
        if item.kind in ("admission_approval", "full_approval"):
            assert item.deadline == item.step.date + relativedelta(months=3)
            assert (item.kind, item.step.kind, item.person.status) in {
                ("admission_approval", "branch_vote", S.CANDIDATE), ("full_approval", "full_vote", S.PROBATIONARY)}
        else:
            assert item.kind == "pre_review" and item.step is None and item.person.status == S.CANDIDATE


def test_plans_for_this_and_last_year(seeded):
    from members.models import DevelopmentPlan

    year = timezone.localdate().year
    branches = Unit.objects.filter(kind=UnitKind.BRANCH, system=System.PARTY)
    plans = set(DevelopmentPlan.objects.values_list("unit__code", "year"))
    assert {(b.code, y) for b in branches for y in (year - 1, year)} <= plans
    assert ("DEMO", year) in plans


def test_a_second_run_adds_no_pipeline_rows(seeded):
    from members.models import DevelopmentPlan, DevelopmentStep, DevelopmentVote, ReviewRequest, StatusChange

    models = (DevelopmentStep, DevelopmentVote, StatusChange, ReviewRequest, DevelopmentPlan)
    before = {m.__name__: m.objects.count() for m in models}
    assert before["DevelopmentStep"] and before["DevelopmentPlan"]
    output = seed()
    assert {m.__name__: m.objects.count() for m in models} == before
    assert "Development: 0 steps" in output and "Development plans: 0 created" in output


@pytest.mark.parametrize("size", ["small", "large"])
def test_pipeline_histories_of_the_plans(size):
    """Without the database: every developing person of the plan gets a history that fits the key dates,
    some fall behind (overdue), and review items of all three kinds wait."""
    from members.demo import DEVELOPING, pipeline_history
    from members.devstats import _overdue_items
    from members.models import DevelopmentStepKind as K
    from members.policy import PolicySet

    today = timezone.localdate()
    plan = build_plan(size, today)
    full = {}
    for p in plan.people:
        if p.fields["status"] == S.FULL:
            full.setdefault(p.unit, []).append((len(full.get(p.unit, [])) + 1, p.fields["full_member_date"]))
    policy = PolicySet.__new__(PolicySet)
    policy.rows = []
    reviews, overdue, people = Counter(), Counter(), 0
    for spec in plan.people:
        f = {"citizen_id": spec.citizen_id, **spec.fields}
        for key in ("application_date", "activist_date", "candidate_date", "admission_date"):
            f.setdefault(key, None)
        if f["status"] not in DEVELOPING or spec.unit.startswith("DEMO-TW"):
            continue
        steps, items = pipeline_history(f, full.get(spec.unit, []), today)
        if not steps:
            continue
        people += 1
        first = {}
        for s in steps:
            first.setdefault(s.kind, s.date)
            assert s.date <= today
            if s.vote:
                v = s.vote
                assert v["present"] * 2 > v["entitled"] and v["yes"] * 2 > v["entitled"]
                assert v["yes"] + v["no"] + v["abstain"] <= v["present"] <= v["entitled"]
        assert [s.date for s in steps] == sorted(s.date for s in steps)
        assert steps[0].kind == K.APPLICATION and steps[0].date == f["application_date"]
        assert first.get(K.ACTIVIST_SELECTION) == f["activist_date"]
        assert first.get(K.CANDIDATE_DECISION) == f["candidate_date"]
        if f["status"] == S.PROBATIONARY:
            assert first[K.BRANCH_VOTE] == f["admission_date"]
            assert first[K.COMMITTEE_APPROVAL] <= f["admission_date"] + relativedelta(months=3)
        reviews.update(r.kind for r in items)
        p = {"status": f["status"], "activist_date": f["activist_date"], "candidate_date": f["candidate_date"],
             "admission_date": f["admission_date"]}
        last = {K.APPLICATION: "application", K.TALK: "talk", K.THOUGHT_REPORT: "report", K.INSPECTION: "inspection",
                K.BRANCH_VOTE: "vote", K.COMMITTEE_APPROVAL: "decision", K.FULL_VOTE: "full_vote",
                K.FULL_APPROVAL: "full_approval"}
        for kind, key in last.items():
            p["last_" + key] = max((s.date for s in steps if s.kind == kind), default=None)
        overdue.update(i.kind for i in _overdue_items(p, policy, [], today))
    assert people >= (40 if size == "small" else 1500)
    assert set(reviews) == {"pre_review", "admission_approval", "full_approval"}, reviews
    assert {K.TALK, K.THOUGHT_REPORT, K.INSPECTION} <= set(overdue), overdue
    assert sum(overdue.values()) < people / 3, "most people are on time"


def test_demo_transfers_through_the_services(seeded):
    from members.models import Transfer, TransferStatus
    from members.transfers import expired_letters

    rows = {t.reason: t for t in Transfer.objects.select_related("from_unit", "to_unit")}
    waiting = rows["工作调动（机关内部）"]
    assert waiting.status == TransferStatus.PENDING and waiting.to_unit.code == "DEMO-G01-B01"
    assert rows["调往市人民医院工作"].status == TransferStatus.RECEIPTED
    assert [t.reason for t in expired_letters()] == ["调往区教育局工作"]
    ct = ContentType.objects.get_for_model(Transfer)
    assert AuditEntry.objects.filter(content_type=ct, object_id=str(waiting.pk)).exists()
    output = seed()
    assert Transfer.objects.count() == len(rows) and "Transfers: 0 created" in output

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
    if p["status"] == S.PROBATIONARY and adm < today - relativedelta(years=1):
        problems.append("probation longer than a year")
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

"""Scoped reads of meetings: lists, the roll on a date, attendance rates and lapse risks."""
from __future__ import annotations

import datetime

from django.db.models import Count, Q, QuerySet

from branches.choices import UnitKind
from branches.models import Unit
from branches.permissions import VIEW
from members.choices import MEMBER_STATUSES
from members.models import CommitteePosition, Person
from members.policy import add_months

from .choices import ORG_LIFE_TYPES, AttendanceStatus as A, MeetingStatus, MeetingType
from .models import Attendance, Meeting

LAPSE_MONTHS = 6   # absent from all organizational life for 6 consecutive months [Constitution Art. 9]
# Units that record meetings (a committee records its democratic life meeting, a general branch its own).
MEETING_UNIT_KINDS = [UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH, UnitKind.BRANCH, UnitKind.PARTY_GROUP]


def meeting_list(user, action: str = VIEW) -> QuerySet[Meeting]:
    """Meetings the user may see, with what a list row shows joined in (attendance: ``attach_attendance_counts``)."""
    return (Meeting.objects.restrict(user, action).select_related("unit", "host", "recorder")
            .defer("minutes", "agenda", "unit__notes", "host__notes", "recorder__notes"))


def attach_attendance_counts(meetings) -> list:
    """Set n_invited / n_present / n_leave / n_absent / n_expected on each meeting; ONE aggregate query for all.
    (Annotating the list queryset made PostgreSQL count the attendance of every meeting before taking a page.)"""
    meetings = list(meetings)
    counts: dict = {}
    ids = [m.pk for m in meetings]
    if ids:
        for mid, status, n in (Attendance.objects.filter(meeting_id__in=ids).order_by()
                               .values_list("meeting_id", "status").annotate(n=Count("pk"))):
            counts.setdefault(mid, {})[status] = n
    for m in meetings:
        c = counts.get(m.pk, {})
        m.n_invited = sum(c.values())
        m.n_present, m.n_leave, m.n_absent = c.get(A.PRESENT, 0), c.get(A.LEAVE, 0), c.get(A.ABSENT, 0)
        m.n_expected = m.n_invited - c.get(A.INVITED, 0)
    return meetings


def roll_filter(unit: Unit, on: datetime.date) -> Q:
    """People on the roll of ``unit`` on ``on``: probationary or full members admitted by then who had not left
    by then (a party group: the people of that group; a branch: its own people, not those of units below)."""
    place = Q(party_group=unit) if unit.kind == UnitKind.PARTY_GROUP else Q(unit=unit)
    still = Q(status__in=MEMBER_STATUSES) | Q(left_date__gt=on)
    return place & Q(admission_date__lte=on) & still


def roll_on(unit: Unit, on: datetime.date, meeting_type: str | None = None) -> list[Person]:
    """Who is expected at a meeting of ``unit`` on ``on``: the members on the roll; at a branch committee meeting or a
    democratic life meeting, the committee members in office that day (the roll when there is no committee)."""
    if meeting_type in (MeetingType.COMMITTEE, MeetingType.DEMOCRATIC_LIFE):
        ids = list(CommitteePosition.objects.filter(
            term__unit=unit, term__start_date__lte=on, started_on__lte=on)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))
            .filter(Q(term__ended_on__isnull=True) | Q(term__ended_on__gt=on))
            .values_list("person_id", flat=True))
        if ids:
            return list(Person.objects.filter(pk__in=ids).order_by("name", "pk"))
    if meeting_type == MeetingType.TALK:
        return []
    return list(Person.objects.filter(roll_filter(unit, on)).order_by("name", "pk"))


def expected_at(meeting: Meeting) -> tuple[dict[int, Attendance], dict[int, Person]]:
    """({person id: attendance row}, {person id: person}) of ``meeting``: its attendance rows (person joined in),
    and the people expected there (the roll on its date, and whoever is listed already); 2 queries."""
    rows = {a.person_id: a for a in meeting.attendances.select_related("person")}
    people = {p.pk: p for p in roll_on(meeting.unit, meeting.date, meeting.meeting_type)}
    for a in rows.values():
        people.setdefault(a.person_id, a.person)
    return rows, people


def unit_people_choices(unit: Unit, on: datetime.date | None = None) -> QuerySet[Person]:
    """People a host, recorder or lecturer can be chosen from: the active people of the unit's branch subtree."""
    from members.choices import ACTIVE_STATUSES

    base = unit
    if unit.kind == UnitKind.PARTY_GROUP:
        base = Unit.objects.get_parent(unit) or unit
    return (Person.objects.filter(unit__path__startswith=base.path, status__in=ACTIVE_STATUSES)
            .select_related("unit").order_by("name", "pk"))


def attendance_rows(person_ids, first: datetime.date, last: datetime.date, *, org_life_only: bool = False):
    """{person_id: {status: n}} over held meetings in first..last; one aggregate query."""
    qs = Attendance.objects.filter(person_id__in=list(person_ids), meeting__status=MeetingStatus.HELD,
                                   meeting__date__gte=first, meeting__date__lte=last)
    if org_life_only:
        qs = qs.filter(meeting__meeting_type__in=ORG_LIFE_TYPES)
    out: dict = {}
    for pid, status, n in qs.order_by().values_list("person_id", "status").annotate(n=Count("pk")):
        out.setdefault(pid, {})[status] = n
    return out


def attendance_rate(counts: dict | None) -> int | None:
    """Present / (present + on leave + absent), in percent; None when nothing was expected."""
    counts = counts or {}
    expected = counts.get(A.PRESENT, 0) + counts.get(A.LEAVE, 0) + counts.get(A.ABSENT, 0)
    return round(100 * counts.get(A.PRESENT, 0) / expected) if expected else None


def attendance_people(user, unit: Unit) -> QuerySet[Person]:
    """The members on the roll of ``unit``'s subtree today that the user may see, in the report's order."""
    return (Person.objects.restrict(user, VIEW).filter(unit__path__startswith=unit.path, status__in=MEMBER_STATUSES)
            .select_related("unit", "party_group").order_by("unit__path", "name", "pk"))


def attendance_report(people, first: datetime.date, last: datetime.date) -> list:
    """(person, counts, rate) for ``people`` (``attendance_people`` or a page of it); one aggregate query."""
    people = list(people)
    counts = attendance_rows([p.pk for p in people], first, last)
    return [(p, counts.get(p.pk, {}), attendance_rate(counts.get(p.pk))) for p in people]


def lapse_risks(user, unit: Unit, today: datetime.date, months: int = LAPSE_MONTHS) -> QuerySet[Person]:
    """Members of ``unit``'s subtree who were expected at organizational life in the last ``months`` months and were
    neither present nor on leave (with a reason) at any of it, and who were on the roll for the whole window.
    One query. The discipline issue acts on this list."""
    since = add_months(today, -months)
    window = Q(attendances__meeting__status=MeetingStatus.HELD, attendances__meeting__date__gt=since,
               attendances__meeting__date__lte=today, attendances__meeting__meeting_type__in=ORG_LIFE_TYPES)
    return (Person.objects.restrict(user, VIEW)
            .filter(unit__path__startswith=unit.path, status__in=MEMBER_STATUSES, admission_date__lte=since)
            .annotate(n_expected=Count("attendances", filter=window & ~Q(attendances__status=A.INVITED)),
                      n_attended=Count("attendances", filter=window & Q(attendances__status__in=[A.PRESENT, A.LEAVE])))
            .filter(n_expected__gt=0, n_attended=0)
            .select_related("unit", "party_group").order_by("unit__path", "name", "pk"))


def recent_meetings_of(person: Person, limit: int = 8) -> list[Attendance]:
    return list(Attendance.objects.filter(person=person).exclude(meeting__status=MeetingStatus.CANCELLED)
                .select_related("meeting", "meeting__unit").order_by("-meeting__date", "-meeting__pk")[:limit])


def decision_vote_candidates(meeting: Meeting) -> list:
    """Decisions of other apps voted on at this branch general meeting that can be linked to a resolution: the
    discipline case steps of the unit's subtree dated that day that carry a vote and are not linked yet. Looked up
    by name (meetings does not import discipline); none when that app is absent or its models differ."""
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from django.core.exceptions import FieldError

    from .models import Resolution

    if meeting.meeting_type != MeetingType.GENERAL or not apps.is_installed("discipline"):
        return []
    try:
        model = apps.get_model("discipline", "CaseStep")
        ct = ContentType.objects.get_for_model(model)
        linked = Resolution.objects.filter(decision_type=ct).values_list("decision_id", flat=True)
        return list(model._default_manager.filter(case__unit__path__startswith=meeting.unit.path, date=meeting.date,
                                                  vote__isnull=False)
                    .exclude(pk__in=[int(x) for x in linked if str(x).isdigit()])
                    .select_related("case", "case__person").order_by("pk"))
    except (LookupError, FieldError, ValueError):
        return []

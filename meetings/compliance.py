"""Frequency compliance: for each unit and each period of its rules, required vs held, set-based.

``compliance(units, first, last, today)`` answers for every unit in ``units`` and every rule period that overlaps
the months ``first``..``last`` in a constant number of queries (the rules, the committee terms, one aggregate of
held meetings per unit, type and month), whatever the number of units and months:

- a period is **met** when at least ``min_count`` meetings of the type were held in it (a meeting flagged as
  also the theme party day counts for the theme party day too);
- **due** when it is the current period and not met yet (missing so far: there is still time);
- **overdue** when it has ended without the required meetings (应开未开);
- **future** when it has not started.

A branch committee meeting is required only in periods in which the branch had an elected committee.

Talks: in a period in which the branch had an elected committee, the rule's number of talks is required of each
pair (``TalkKind``: between committee members, committee member with a member, between members), read from the
talk's host and partner and the committee positions on its date; without a committee, any talk counts.
"""
from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils.translation import gettext as _

from branches.models import CommitteeTerm
from members.policy import add_months

from .choices import MeetingStatus, MeetingType, TalkKind
from .periods import Span, first_of_month_plus, month_start
from .policy import NEEDS_COMMITTEE, PolicyBook, Rule

MET, DUE, OVERDUE, FUTURE, NONE = "met", "due", "overdue", "future", "none"
STATE_RANK = {NONE: 0, FUTURE: 1, MET: 2, DUE: 3, OVERDUE: 4}
STATE_CSS = {MET: "cell-met", DUE: "cell-due", OVERDUE: "cell-overdue", FUTURE: "cell-future", NONE: "cell-none"}


@dataclass
class PeriodResult:
    unit_id: int
    meeting_type: str
    span: Span
    rule: Rule
    held: int
    state: str
    kinds: dict | None = None        # talks: {TalkKind: held} when each pair is required

    @property
    def required(self) -> int:
        return self.rule.min_count * (len(self.kinds) if self.kinds else 1)

    @property
    def missing_kinds(self) -> list[str]:
        return [k for k, n in (self.kinds or {}).items() if n < self.rule.min_count]

    @property
    def kinds_label(self) -> str:
        return _(", ").join(str(TalkKind(k).label) for k in self.missing_kinds)

    @property
    def missing(self) -> int:
        return max(0, self.required - self.held)

    @property
    def type_label(self) -> str:
        return str(MeetingType(self.meeting_type).label)

    def advice(self, today: datetime.date | None = None) -> str:
        """What to do, in words."""
        from django.utils import timezone

        today = today or timezone.localdate()
        if self.state == MET:
            return _("Held %(h)d of %(r)d required.") % {"h": self.held, "r": self.required}
        if self.state == OVERDUE:
            text = _("Overdue: %(n)d %(type)s not held in %(p)s (ended %(end)s).") % {
                "n": self.missing, "type": self.type_label, "p": self.span.label, "end": self.span.end.isoformat()}
        elif self.state == DUE:
            left = (self.span.end - today).days
            text = _("Hold %(n)d more %(type)s by %(end)s (%(left)d days left).") % {
                "n": self.missing, "type": self.type_label, "end": self.span.end.isoformat(), "left": left}
        else:
            return _("Not started yet.")
        if self.missing_kinds:
            text += " " + _("Missing: %(kinds)s.") % {"kinds": self.kinds_label}
        return text


@dataclass
class UnitCompliance:
    unit: object
    periods: list[PeriodResult] = field(default_factory=list)

    def count(self, state: str) -> int:
        return sum(1 for p in self.periods if p.state == state)

    @property
    def required(self) -> int:
        return sum(1 for p in self.periods if p.state != FUTURE)

    @property
    def met(self) -> int:
        return self.count(MET)

    @property
    def overdue(self) -> int:
        return self.count(OVERDUE)

    @property
    def due(self) -> int:
        return self.count(DUE)

    @property
    def rate(self) -> int | None:
        done = self.met + self.overdue
        return round(100 * self.met / done) if done else None


def _spans(book: PolicyBook, unit, meeting_type: str, first: datetime.date, last: datetime.date) -> list:
    """(span, rule) of one unit's rule periods overlapping months first..last; rules resolved per period start.
    Units under the same committee rows share the result (computed once per signature)."""
    key = (book.signature(unit, meeting_type), unit.kind, meeting_type, first, last)
    cached = book.span_cache.get(key)
    if cached is not None:
        return cached
    out = []
    cursor = datetime.date(first.year, 1, 1)
    end = datetime.date(last.year, 12, 31)
    while cursor <= end:
        rule = book.rule(unit, meeting_type, cursor)
        if rule is None or not rule.required or (cursor.month - 1) % rule.months:
            cursor = first_of_month_plus(cursor, 1)
            continue
        span = Span(cursor, rule.months)
        if span.end >= first and span.start <= last:
            out.append((span, rule))
        cursor = first_of_month_plus(cursor, rule.months)
    book.span_cache[key] = out
    return out


def month_index(day: datetime.date) -> int:
    return day.year * 12 + day.month - 1


def held_counts(units, first: datetime.date, last: datetime.date, *, subtree_path: str | None = None) -> dict:
    """{(unit_id, type, month index): n} of held meetings in first..last (month index = year * 12 + month - 1);
    ONE aggregate query. ``subtree_path`` filters by path instead of listing the units (for very long lists)."""
    from .models import Meeting

    qs = Meeting.objects.filter(status=MeetingStatus.HELD, date__gte=first, date__lte=last)
    units = list(units)
    if subtree_path is not None and len(units) > 1000:
        qs = qs.filter(unit__path__startswith=subtree_path)
    else:
        qs = qs.filter(unit_id__in=[u.pk for u in units])
    rows = (qs.annotate(y=ExtractYear("date"), m=ExtractMonth("date")).order_by()
            .values_list("unit_id", "meeting_type", "also_theme_day", "y", "m").annotate(n=Count("pk")))
    counts: dict = defaultdict(int)
    theme = MeetingType.THEME_DAY
    for unit_id, mtype, also_theme, y, m, n in rows:
        idx = y * 12 + m - 1
        counts[(unit_id, mtype, idx)] += n
        if also_theme and mtype != theme:
            counts[(unit_id, theme, idx)] += n
    return counts


def committee_spans(units, first: datetime.date, last: datetime.date) -> dict[int, list[tuple]]:
    """{unit_id: [(start, end or None)]} of the committee terms overlapping first..last; one query."""
    out: dict[int, list[tuple]] = defaultdict(list)
    for unit_id, start, ended in (CommitteeTerm.objects.filter(unit_id__in=[u.pk for u in units], start_date__lte=last)
                                  .values_list("unit_id", "start_date", "ended_on")):
        if ended is None or ended >= first:
            out[unit_id].append((start, ended))
    return out


def talk_kind(host_on: bool, partner_on: bool) -> str:
    if host_on and partner_on:
        return TalkKind.AMONG_COMMITTEE
    if host_on or partner_on:
        return TalkKind.COMMITTEE_MEMBER
    return TalkKind.AMONG_MEMBERS


def talk_counts(units, first: datetime.date, last: datetime.date) -> dict:
    """{(unit_id, TalkKind, month index): n} of the talks held in first..last: each talk's pair read from its host
    and partner and the unit's committee positions on its date. Two queries."""
    from members.models import CommitteePosition

    from .models import Meeting

    ids = [u.pk for u in units]
    seats: dict = defaultdict(list)
    for unit_id, person_id, start, end in (CommitteePosition.objects
                                           .filter(term__unit_id__in=ids, started_on__lte=last)
                                           .exclude(ended_on__lt=first)
                                           .values_list("term__unit_id", "person_id", "started_on", "ended_on")):
        seats[(unit_id, person_id)].append((start, end))

    def seated(unit_id, person_id, day) -> bool:
        return any(s <= day and (e is None or e >= day) for s, e in seats.get((unit_id, person_id), ()))

    counts: dict = defaultdict(int)
    for unit_id, day, host, partner in (Meeting.objects.filter(unit_id__in=ids, meeting_type=MeetingType.TALK,
                                                               status=MeetingStatus.HELD, date__gte=first,
                                                               date__lte=last)
                                        .values_list("unit_id", "date", "host_id", "partner_id")):
        kind = talk_kind(seated(unit_id, host, day), seated(unit_id, partner, day))
        counts[(unit_id, kind, month_index(day))] += 1
    return counts


def talk_kind_of(meeting) -> str | None:
    """The pair a held or planned talk counts for (``TalkKind``), from its unit's committee positions on its date;
    None for other meetings. One query."""
    from members.models import CommitteePosition

    if meeting.meeting_type != MeetingType.TALK or not meeting.host_id or not meeting.partner_id:
        return None
    seated = set(CommitteePosition.objects.filter(term__unit_id=meeting.unit_id, started_on__lte=meeting.date,
                                                  person_id__in=[meeting.host_id, meeting.partner_id])
                 .exclude(ended_on__lt=meeting.date).values_list("person_id", flat=True))
    return talk_kind(meeting.host_id in seated, meeting.partner_id in seated)


def _had_committee(terms: list[tuple], span: Span) -> bool:
    return any(start <= span.end and (ended is None or ended >= span.start) for start, ended in terms)


def compliance(units, first: datetime.date, last: datetime.date, today: datetime.date, *,
               subtree_path: str | None = None, types: list[str] | None = None) -> dict[int, UnitCompliance]:
    """Compliance of every unit in ``units`` for the rule periods overlapping first..last (dates), 4 queries (6 when
    a branch with a committee has a talk rule: the talks and the committee positions)."""
    units = list(units)
    first, last = month_start(first), add_months(month_start(last), 1) - datetime.timedelta(days=1)
    book = PolicyBook(units)
    window_first = datetime.date(first.year, 1, 1)
    window_last = datetime.date(last.year, 12, 31)
    counts = held_counts(units, window_first, window_last, subtree_path=subtree_path) if units else {}
    terms = committee_spans(units, window_first, window_last) if units else {}
    talks = None                      # read when a talk rule is met with (two queries)
    result: dict[int, UnitCompliance] = {}
    for unit in units:
        uc = UnitCompliance(unit)
        for mtype in book.types_for(unit):
            if types and mtype not in types:
                continue
            for span, rule in _spans(book, unit, mtype, first, last):
                if mtype in NEEDS_COMMITTEE and not _had_committee(terms.get(unit.pk, []), span):
                    continue
                base = month_index(span.start)
                held = 0
                kinds = None
                if mtype == MeetingType.TALK and _had_committee(terms.get(unit.pk, []), span):
                    if talks is None:
                        talks = talk_counts(units, window_first, window_last)
                    kinds = {k: sum(talks.get((unit.pk, k, base + i), 0) for i in range(span.months))
                             for k in TalkKind.values}
                    held = sum(min(n, rule.min_count) for n in kinds.values())
                else:
                    for i in range(span.months):
                        held += counts.get((unit.pk, mtype, base + i), 0)
                if held >= rule.min_count * (len(kinds) if kinds else 1):
                    state = MET
                elif span.end < today:
                    state = OVERDUE
                elif span.start > today:
                    state = FUTURE
                else:
                    state = DUE
                uc.periods.append(PeriodResult(unit.pk, mtype, span, rule, held, state, kinds))
        uc.periods.sort(key=lambda p: (p.span.end, p.meeting_type))
        result[unit.pk] = uc
    return result


def worst(states) -> str:
    best = NONE
    for s in states:
        if STATE_RANK[s] > STATE_RANK[best]:
            best = s
    return best


@dataclass
class Cell:
    state: str
    periods: list[PeriodResult]
    url: str = ""

    @property
    def css(self) -> str:
        return STATE_CSS[self.state]

    @property
    def summary(self) -> str:
        return "; ".join(f"{p.type_label} {p.held}/{p.required}" for p in self.periods)

    @property
    def met(self) -> int:
        return sum(1 for p in self.periods if p.state == MET)


def buckets(year: int, mode: str) -> list[tuple[datetime.date, datetime.date, str]]:
    """Columns of the matrix: (first day, last day, label) of each month or quarter of ``year``."""
    step = 3 if mode == "quarter" else 1
    out = []
    for m in range(1, 13, step):
        start = datetime.date(year, m, 1)
        span = Span(start, step)
        out.append((start, span.end, f"Q{(m - 1) // 3 + 1}" if step == 3 else f"{m}"))
    return out


def matrix(units, year: int, mode: str, today: datetime.date, *, subtree_path: str | None = None,
           types: list[str] | None = None):
    """Rows (unit, UnitCompliance, [Cell per bucket]) and column totals; a period sits in the bucket of its end."""
    cols = buckets(year, mode)
    data = compliance(units, datetime.date(year, 1, 1), datetime.date(year, 12, 31), today,
                      subtree_path=subtree_path, types=types)
    rows = []
    col_totals = [{"met": 0, "due": 0, "overdue": 0} for _ in cols]
    step = 3 if mode == "quarter" else 1
    for unit in units:
        uc = data[unit.pk]
        by_bucket: list[list] = [[] for _ in cols]
        for p in uc.periods:
            if p.span.end.year == year:
                by_bucket[(p.span.end.month - 1) // step].append(p)
        cells = []
        for i, periods in enumerate(by_bucket):
            cell = Cell(worst(p.state for p in periods), periods)
            if cell.state in (MET, DUE, OVERDUE):
                col_totals[i][cell.state] += 1
            cells.append(cell)
        rows.append((unit, uc, cells))
    return cols, rows, col_totals

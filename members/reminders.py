"""Membership-development reminders: one notification per person, item and period, however often the job runs.

The daily job (Celery beat ``members.tasks.send_development_reminders``, management command
``send_development_reminders``) looks at every person in the pipeline (applicant, activist, candidate,
probationary) and sends the unit's secretaries a reminder, in-app and by email, linking to the person's
development timeline, when one of these rules is met on ``today``:

``talk``
    Talk with the applicant: due ``talk_within_months`` (1) after the application, as on the timeline. Remind
    when no talk is recorded and the due date is at most 7 days away or past. Period: the due date.
``thought_report``
    Activists, candidates and probationary members hand in a thought report every calendar quarter
    (``thought_report_months`` = 3; a committee rule of 1, 2, 4, 6 or 12 months gives periods of that length from
    January). Remind when no report is dated in the current period and the period ends within 15 days.
    Period: the quarter ("2026Q2").
``inspection``
    The branch inspects activists and candidates every half year (``inspection_months`` = 6). Same as the
    thought report. Period: the half year ("2026H1").
``activist_year``
    The one-year activist mark: activist date + ``activist_min_months`` (12) reached and the person is still an
    activist (the candidate decision is possible, as on the timeline). Once. Period: the date of the mark.
``approval_approaching`` / ``approval_passed``
    A passed branch vote without the higher committee's approval: the approval is due ``approval_months`` (3)
    after the resolution. Remind once when at most 30 days are left, once when the date has passed (while the
    vote has not lapsed, ``approval_max_months`` = 6). Period: the date of the vote.
``probation_end`` / ``extension_end``
    Probation (or the extended probation) ends within 30 days: ``probation_end - 30 days <= today <
    probation_end`` and no full-membership approval. Once per end date.

Recipients: the users with an active SECRETARY appointment on the person's unit; when it has none, those of
the nearest unit above that has any. Nobody to notify: nothing is recorded (a later run tries again).

``Reminder`` rows (unit, kind ``development``, key ``"<person pk>:<item>:<period>"``) are created in the same
transaction as the notification, so the job acts once however often, and however concurrently, it runs.

Queries: the evaluation reads people (with units), their steps, the policy rows, the sent keys, the holiday
table and the secretaries of the units concerned in a fixed number of queries whatever the number of people;
each reminder actually sent costs a constant few more (its Reminder row and notification in one transaction).
"""
from __future__ import annotations

import datetime
import logging
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.choices import UnitKind
from branches.models import Reminder, Unit
from branches.notifications import notification_send, secretaries_by_unit
from branches.policy import ancestor_paths

from .choices import MemberStatus as S
from .models import DevelopmentPolicy, DevelopmentStep, DevelopmentStepKind as K, Person
from .pipeline import PipelineState, pipeline_timeline
from .policy import PolicySet, add_months
from .workdays import preloaded_holidays

logger = logging.getLogger(__name__)

REMINDER_KIND = "development"
REMINDED_STATUSES = (S.APPLICANT, S.ACTIVIST, S.CANDIDATE, S.PROBATIONARY)

# The windows of the rules above, in days.
TALK_LEAD_DAYS = 7
PERIOD_LEAD_DAYS = 15
APPROVAL_LEAD_DAYS = 30
PROBATION_LEAD_DAYS = 30


def reminder_key(person_pk: int, item: str, period: str) -> str:
    return f"{person_pk}:{item}:{period}"


@dataclass(frozen=True)
class Due:
    """One reminder that is due: what, for which period, and the text (title line and the rule)."""
    item: str
    period: str
    message: str
    rule: str


def _d(day: datetime.date | None) -> str:
    return day.isoformat() if day else "—"


# -- calendar periods ---------------------------------------------------------------------------------------

def calendar_period(today: datetime.date, months: int) -> tuple[datetime.date, datetime.date, str]:
    """(first day, last day, label) of the period of ``months`` months, counted from January, that holds
    ``today``; ``months`` must divide 12. Labels: 2026Q2, 2026H1, 2026 (a year), 2026M05+1 otherwise."""
    index = (today.month - 1) // months
    start = datetime.date(today.year, index * months + 1, 1)
    end = add_months(start, months) - datetime.timedelta(days=1)
    if months == 3:
        label = f"{today.year}Q{index + 1}"
    elif months == 6:
        label = f"{today.year}H{index + 1}"
    elif months == 12:
        label = str(today.year)
    else:
        label = f"{today.year}M{start.month:02d}+{months}"
    return start, end, label


def _period_months(value, default: int) -> int:
    try:
        months = int(value)
    except (TypeError, ValueError):
        return default
    return months if months > 0 and 12 % months == 0 else default


# -- the rules ----------------------------------------------------------------------------------------------

def _talk(state: PipelineState, today: datetime.date, timeline) -> Iterator[Due]:
    item = next((i for i in timeline if i.kind == K.TALK and i.latest), None)
    if item is None or today < item.latest - datetime.timedelta(days=TALK_LEAD_DAYS):
        return
    rule = state.rule("talk_within_months", state.last(K.APPLICATION).date)
    message = (_("the talk with the applicant is overdue (due by %(date)s)") if today > item.latest
               else _("the talk with the applicant is due by %(date)s")) % {"date": _d(item.latest)}
    yield Due("talk", item.latest.isoformat(), message,
              _("Talk with the applicant within %(n)s month(s) of the application of %(app)s (%(src)s); this "
                "reminder comes %(lead)s days before the due date when no talk is recorded.")
              % {"n": rule.value, "app": _d(state.last(K.APPLICATION).date), "src": rule.source,
                 "lead": TALK_LEAD_DAYS})


def _periodic(state: PipelineState, today: datetime.date, kind: str, key: str, default: int, item: str,
              who: str) -> Iterator[Due]:
    rule = state.rule(key, today)
    months = _period_months(rule.value, default)
    start, end, label = calendar_period(today, months)
    if (end - today).days > PERIOD_LEAD_DAYS:
        return
    if any(start <= s.date <= end for s in state.all(kind)):
        return
    if kind == K.THOUGHT_REPORT:
        message = _("no thought report recorded for %(period)s, which ends on %(date)s")
        text = _("A thought report is due from %(who)s every %(n)s months, each calendar period from January "
                 "(%(src)s); this reminder comes %(lead)s days before the period ends when none is dated in it.")
    else:
        message = _("no inspection recorded for %(period)s, which ends on %(date)s")
        text = _("The branch inspects %(who)s every %(n)s months, each calendar period from January (%(src)s); "
                 "this reminder comes %(lead)s days before the period ends when none is dated in it.")
    yield Due(item, label, message % {"period": label, "date": _d(end)},
              text % {"who": who, "n": months, "src": rule.source, "lead": PERIOD_LEAD_DAYS})


def _activist_year(state: PipelineState, today: datetime.date, timeline) -> Iterator[Due]:
    item = next((i for i in timeline if i.kind == K.CANDIDATE_DECISION and i.earliest), None)
    if item is None or today < item.earliest:
        return
    rule = state.rule("activist_min_months", today)
    yield Due("activist_year", item.earliest.isoformat(),
              _("activist since %(since)s: the candidate decision is possible from %(date)s")
              % {"since": _d(state.person.activist_date), "date": _d(item.earliest)},
              _("An activist is considered for the candidate decision after at least %(n)s months (%(src)s); "
                "this reminder comes once when that mark is reached.") % {"n": rule.value, "src": rule.source})


def _approval(state: PipelineState, today: datetime.date) -> Iterator[Due]:
    vote = state.admission_vote(today)
    if vote is None or state.done(K.COMMITTEE_APPROVAL, today):
        return
    r, rmax = state.rule("approval_months", vote.date), state.rule("approval_max_months", vote.date)
    due, last = add_months(vote.date, r.value), state.approval_deadline(vote)
    rule = _("The higher committee approves within %(n)s months of the branch resolution, never beyond %(m)s "
             "(%(src)s); after %(last)s the branch must redo the procedure.") % {
        "n": r.value, "m": rmax.value, "src": r.source, "last": _d(last)}
    period = vote.date.isoformat()
    if today > due:
        yield Due("approval_passed", period,
                  _("the approval of the branch resolution of %(vote)s was due by %(date)s and is still missing; "
                    "it lapses after %(last)s") % {"vote": _d(vote.date), "date": _d(due), "last": _d(last)}, rule)
    elif today >= due - datetime.timedelta(days=APPROVAL_LEAD_DAYS):
        yield Due("approval_approaching", period,
                  _("the approval of the branch resolution of %(vote)s is due by %(date)s")
                  % {"vote": _d(vote.date), "date": _d(due)},
                  rule + " " + _("This reminder comes %(lead)s days before the due date.")
                  % {"lead": APPROVAL_LEAD_DAYS})


def _probation(state: PipelineState, today: datetime.date) -> Iterator[Due]:
    end = state.probation_end()
    if end is None or state.done(K.FULL_APPROVAL):
        return
    if not (end - datetime.timedelta(days=PROBATION_LEAD_DAYS) <= today < end):
        return
    extensions = state.all(K.PROBATION_EXTENDED)
    if extensions:
        yield Due("extension_end", end.isoformat(),
                  _("the extended probation ends on %(date)s") % {"date": _d(end)},
                  _("Probation was extended on %(ext)s; the branch votes on full membership (or cancels the "
                    "probation) when it ends. This reminder comes %(lead)s days before the end.")
                  % {"ext": _d(extensions[-1].date), "lead": PROBATION_LEAD_DAYS})
    else:
        rule = state.rule("probation_months", state.person.admission_date)
        yield Due("probation_end", end.isoformat(),
                  _("probation ends on %(date)s") % {"date": _d(end)},
                  _("Probation lasts %(n)s months from the branch resolution of %(adm)s (%(src)s); the branch "
                    "votes on full membership when it ends. This reminder comes %(lead)s days before the end.")
                  % {"n": rule.value, "adm": _d(state.person.admission_date), "src": rule.source,
                     "lead": PROBATION_LEAD_DAYS})


def development_reminders_due(state: PipelineState, today: datetime.date) -> list[Due]:
    """Every reminder the rules give for this person on ``today`` (sent or not)."""
    status = state.person.status
    found: list[Due] = []
    # The timeline gives the talk's due date and the activist mark (so that both agree with the page); an
    # activist recorded without an activist date has no dates to count from.
    timed = status == S.APPLICANT or (status == S.ACTIVIST and state.person.activist_date)
    timeline = pipeline_timeline(state, today) if timed else []
    if status == S.APPLICANT:
        found += _talk(state, today, timeline)
    if status in (S.ACTIVIST, S.CANDIDATE, S.PROBATIONARY):
        found += _periodic(state, today, K.THOUGHT_REPORT, "thought_report_months", 3, "thought_report",
                           _("activists, candidates and probationary members"))
    if status in (S.ACTIVIST, S.CANDIDATE):
        found += _periodic(state, today, K.INSPECTION, "inspection_months", 6, "inspection",
                           _("activists and candidates"))
    if status == S.ACTIVIST and timeline:
        found += _activist_year(state, today, timeline)
    if status in (S.CANDIDATE, S.PROBATIONARY):
        found += _approval(state, today)
    if status == S.PROBATIONARY:
        found += _probation(state, today)
    return found


# -- loading, recipients, sending ---------------------------------------------------------------------------

class _LoadedPolicySet(PolicySet):
    """A PolicySet built from rows already read (no query)."""

    def __init__(self, rows):  # noqa: D107 - deliberately not calling PolicySet.__init__ (which queries)
        self.rows = rows


class _Policies:
    """All committee policy rows read once; a PolicySet per unit path without further queries."""

    def __init__(self):
        self.rows = list(DevelopmentPolicy.objects.select_related("unit")
                         .order_by("-unit__depth", "-effective_from", "-pk"))
        self._by_unit: dict[int, PolicySet] = {}

    def for_unit(self, unit: Unit) -> PolicySet:
        if unit.pk not in self._by_unit:
            paths = set(ancestor_paths(unit))
            self._by_unit[unit.pk] = _LoadedPolicySet(
                [r for r in self.rows if r.unit.path in paths and r.unit.kind == UnitKind.COMMITTEE])
        return self._by_unit[unit.pk]


def _send_one(person: Person, due: Due, recipients: list) -> bool:
    """Record and send one reminder; False when a concurrent run recorded it first."""
    unit = person.unit
    try:
        with transaction.atomic():
            # The caller skipped the keys already sent; a row inserted since (a concurrent run) fails the
            # unique constraint and rolls this back.
            Reminder.objects.create(unit=unit, kind=REMINDER_KIND, key=reminder_key(person.pk, due.item, due.period))
            notification_send(
                recipients=recipients,
                title=_("%(name)s: %(message)s") % {"name": person.name, "message": due.message},
                body=_("%(name)s (%(status)s, %(unit)s): %(message)s.\n\n%(rule)s") % {
                    "name": person.name, "status": person.get_status_display(), "unit": unit.display_name,
                    "message": due.message, "rule": due.rule},
                url=reverse("members:person_pipeline", args=[person.pk]),
                unit=unit,
            )
    except IntegrityError:  # a concurrent run inserted the same row first
        return False
    return True


def pipeline_people():
    """The people the job looks at, with their units and steps (in date order)."""
    steps = DevelopmentStep.objects.order_by("date", "pk")
    return (Person.objects.filter(status__in=REMINDED_STATUSES, unit__dissolved_on__isnull=True)
            .select_related("unit").prefetch_related(Prefetch("development_steps", queryset=steps))
            .order_by("unit__path", "pk"))


def development_reminders_send(today: datetime.date | None = None) -> int:
    """Send the development reminders due on ``today`` (default: today). Returns how many were sent."""
    today = today or timezone.localdate()
    sent_keys = set(Reminder.objects.filter(kind=REMINDER_KIND).values_list("key", flat=True))
    policies = _Policies()
    todo: list[tuple[Person, Due]] = []
    with preloaded_holidays():
        for person in pipeline_people():
            state = PipelineState(person, list(person.development_steps.all()), policies.for_unit(person.unit))
            try:
                found = development_reminders_due(state, today)
            except Exception:  # one inconsistent record must not stop the reminders of everyone else
                logger.exception("Development reminders: cannot evaluate person %s", person.pk)
                continue
            for due in found:
                if reminder_key(person.pk, due.item, due.period) not in sent_keys:
                    todo.append((person, due))
    if not todo:
        return 0
    recipients = secretaries_by_unit({p.unit.pk: p.unit for p, _due in todo}.values())
    sent = 0
    for person, due in todo:
        if not recipients[person.unit.pk]:
            logger.warning("Development reminder %s for %s: nobody to notify", due.item, person.pk)
            continue
        if _send_one(person, due, recipients[person.unit.pk]):
            sent += 1
    return sent

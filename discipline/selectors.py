"""Scoped reads. Every read of a case or letter is restricted with DISCIPLINE_VIEW (confidential)."""
from __future__ import annotations

import datetime
import logging

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch

from branches.permissions import DISCIPLINE_CHANGE, DISCIPLINE_VIEW
from members.choices import MEMBER_STATUSES

from .choices import CaseKind, OPEN_STATUSES
from .models import Appraisal, AppraisalEntry, Case, CaseStep, IntegrityLetter, LetterEvent

logger = logging.getLogger(__name__)


def case_list(user):
    return (Case.objects.restrict(user, DISCIPLINE_VIEW)
            .select_related("person", "unit").order_by("-opened_on", "-pk"))


def case_for_page(user, pk, action=DISCIPLINE_VIEW) -> Case:
    """One case: out of the user's discipline scope 404, without ``action`` on its unit 403."""
    from branches.scope import get_scoped_or_404

    qs = Case.objects.select_related("person__unit", "unit", "account", "created_by", "source_type")
    return get_scoped_or_404(qs, user, action, pk=pk)


def case_steps(case: Case) -> list[CaseStep]:
    return list(CaseStep.objects.filter(case=case).select_related("actor", "vote").order_by("pk"))


def letter_list(user):
    return (IntegrityLetter.objects.restrict(user, DISCIPLINE_VIEW)
            .select_related("person", "unit").order_by("-issued_on", "-pk"))


def letter_events(letter) -> list[LetterEvent]:
    return list(LetterEvent.objects.filter(letter=letter).select_related("actor").order_by("date", "pk"))


def appraisal_list(user):
    return Appraisal.objects.restrict(user, DISCIPLINE_VIEW).select_related("unit").order_by("-year", "unit__path")


def appraisal_entries(appraisal) -> list[AppraisalEntry]:
    return list(AppraisalEntry.objects.filter(appraisal=appraisal).select_related("person")
                .order_by("person__name", "pk"))


def person_file(user, person) -> dict:
    """一人一卷: every case (with its steps and votes) and every letter (with its entries) of one person, in order,
    as far as they are in the user's discipline scope (a case stays with the unit that handled it)."""
    steps = Prefetch("steps", queryset=CaseStep.objects.select_related("actor", "vote").order_by("pk"))
    cases = list(Case.objects.restrict(user, DISCIPLINE_VIEW).filter(person=person).select_related("unit")
                 .order_by("opened_on", "pk").prefetch_related(steps))
    events = Prefetch("events", queryset=LetterEvent.objects.order_by("date", "pk"))
    letters = list(IntegrityLetter.objects.restrict(user, DISCIPLINE_VIEW).filter(person=person)
                   .select_related("unit").order_by("issued_on", "pk").prefetch_related(events))
    return {"cases": cases, "letters": letters}


# -- the lapse lists of the dues and meetings apps (taken over here) ----------------------------------------------

def dues_lapse_model():
    """dues.models.LapseCase when the dues app provides it, else None (discipline works without it)."""
    try:
        from dues.models import LapseCase
    except ImportError:
        return None
    return LapseCase


def dues_lapse_rows(user) -> list[tuple]:
    """(dues lapse case, discipline case or None) for the dues lapse cases of members on the roll in the user's
    DISCIPLINE_CHANGE scope, newest first. Two queries."""
    LapseCase = dues_lapse_model()
    if LapseCase is None:
        return []
    try:
        from dues.choices import LAPSE_OPEN_STATUSES
        from dues.choices import LapseStatus
        waiting = list(LAPSE_OPEN_STATUSES) + [LapseStatus.APPROVED]
    except ImportError:
        waiting = None
    qs = (LapseCase.objects.restrict(user, DISCIPLINE_CHANGE).filter(person__status__in=MEMBER_STATUSES)
          .select_related("person__unit").order_by("-opened_on", "-pk"))
    if waiting is not None:
        qs = qs.filter(status__in=waiting)
    try:
        lapses = list(qs[:500])
    except Exception:  # the dues tables are not migrated yet: show nothing rather than fail
        logger.warning("dues lapse cases unavailable", exc_info=True)
        return []
    ct = ContentType.objects.get_for_model(LapseCase)
    taken = {c.source_id: c for c in Case.objects.filter(source_type=ct, source_id__in=[str(x.pk) for x in lapses])}
    return [(lapse, taken.get(str(lapse.pk))) for lapse in lapses]


def meetings_lapse_rows(user, unit, today: datetime.date) -> list[tuple]:
    """(person, open lapse case or None) for the members absent from all organizational life for the lapse period
    (meetings.selectors.lapse_risks), when the meetings app provides the selector."""
    try:
        from meetings.selectors import lapse_risks
    except ImportError:
        return []
    from .policy import DisciplinePolicySet

    months = DisciplinePolicySet(unit).value("lapse_months", today)
    try:
        people = list(lapse_risks(user, unit, today, months=months))
    except Exception:
        logger.warning("meetings lapse risks unavailable", exc_info=True)
        return []
    open_cases = {c.person_id: c for c in Case.objects.filter(person__in=people, kind=CaseKind.LAPSE,
                                                              status__in=OPEN_STATUSES)}
    return [(p, open_cases.get(p.pk)) for p in people]

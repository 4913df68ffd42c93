"""What discipline adds to the dashboard's to-do card and to the person page (``branches.registry``)."""
from __future__ import annotations

import datetime

from django.db.models import Count, IntegerField, Q, Value
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from branches import registry
from branches.permissions import DISCIPLINE_CHANGE, DISCIPLINE_VIEW
from branches.scope import has_perm

from .choices import OPEN_STATUSES, LetterStatus
from .models import Case, IntegrityLetter


def discipline_tasks(user, units, today: datetime.date) -> list[registry.Task]:
    """Open cases and written answers awaited (red when one is overdue): ONE query (a UNION of two counts)."""
    if not units or not has_perm(user, DISCIPLINE_VIEW, None):
        return []
    cases = (Case.objects.restrict(user, DISCIPLINE_VIEW).filter(status__in=OPEN_STATUSES)
             .annotate(src=Value("cases")).values("src")
             .annotate(n=Count("pk"), late=Value(0, output_field=IntegerField())).values_list("src", "n", "late")
             .order_by())
    letters = (IntegrityLetter.objects.restrict(user, DISCIPLINE_VIEW).filter(status=LetterStatus.ISSUED)
               .annotate(src=Value("letters")).values("src")
               .annotate(n=Count("pk"), late=Count("pk", filter=Q(due_on__lt=today))).values_list("src", "n", "late")
               .order_by())
    counts = {src: (n, late) for src, n, late in cases.union(letters, all=True)}
    n_cases, _late = counts.get("cases", (0, 0))
    n_letters, late_letters = counts.get("letters", (0, 0))
    return [
        registry.Task(key="discipline_open", label=_("Open discipline cases"), count=n_cases,
                      url=reverse("discipline:case_list") + "?state=open", icon="shield-exclamation"),
        registry.Task(key="discipline_answers", label=_("Written answers awaited"), count=n_letters,
                      url=reverse("discipline:letter_list") + "?status=issued", icon="envelope-paper",
                      urgent=bool(late_letters)),
    ]


def case_panels(user, person, today: datetime.date) -> list[registry.Panel]:
    """The person's cases and letters, only for users with DISCIPLINE_VIEW on the person's unit (two queries)."""
    if not has_perm(user, DISCIPLINE_VIEW, person.unit):
        return []
    cases = list(Case.objects.restrict(user, DISCIPLINE_VIEW).filter(person=person).order_by("-opened_on", "-pk"))
    letters = list(IntegrityLetter.objects.restrict(user, DISCIPLINE_VIEW).filter(person=person)
                   .order_by("-issued_on", "-pk"))
    return [registry.Panel(key="discipline", title=_("Discipline cases and integrity-risk letters"),
                           template="discipline/inc/person_panel.html", icon="shield-exclamation", order=80,
                           context={"cases": cases, "letters": letters, "person": person,
                                    "can_change": has_perm(user, DISCIPLINE_CHANGE, person.unit),
                                    "file_url": reverse("discipline:person_file", args=[person.pk])})]

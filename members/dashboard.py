"""What the dashboard's to-do card lists for the membership pipeline (``branches.registry.dashboard_tasks``).

- items waiting in the user's review queue (red when one is past its deadline);
- internal transfers waiting for the user's units to accept them;
- transfer letters past their validity with no accept or receipt;
- pipeline people whose next required step is overdue (for users who record development steps in a branch or
  general branch; a committee sees them on its development statistics page).

Each count is one query (the overdue people: three per root of the user's scope), whatever the scope.
"""
from __future__ import annotations

import datetime

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from branches import registry
from branches.choices import UnitKind
from branches.models import Unit
from branches.permissions import MEMBER_CHANGE, PIPELINE_CHANGE, REVIEW, VIEW
from branches.scope import has_perm, scope_paths, scope_q

from .models import ReviewRequest, ReviewStatus, Transfer, TransferKind, TransferStatus
from .transfers import expired_q


def _roots(units: list[Unit]) -> list[Unit]:
    roots: list[Unit] = []
    for u in sorted(units, key=lambda u: u.path):
        if not any(u.path.startswith(r.path) for r in roots):
            roots.append(u)
    return roots


def development_tasks(user, units: list[Unit], today: datetime.date) -> list[registry.Task]:
    tasks: list[registry.Task] = []
    if not units:
        return tasks
    if has_perm(user, REVIEW, None):
        counts = ReviewRequest.objects.restrict(user, REVIEW).filter(status=ReviewStatus.PENDING).aggregate(
            n=Count("pk"), late=Count("pk", filter=Q(deadline__lt=today)))
        tasks.append(registry.Task(key="review_pending", label=_("Items waiting for your review"), count=counts["n"],
                                   url=reverse("members:review_queue"), icon="bank", urgent=bool(counts["late"])))
    if has_perm(user, MEMBER_CHANGE, None):
        q = scope_q(user, MEMBER_CHANGE, "to_unit__path")
        waiting = Transfer.objects.filter(kind=TransferKind.INTERNAL, status=TransferStatus.PENDING)
        if q is not None:
            waiting = waiting.filter(q)
        tasks.append(registry.Task(key="transfers_waiting", label=_("Transfers waiting for you to accept"),
                                   count=waiting.count(), url=reverse("members:transfer_list") + "?tab=waiting",
                                   icon="arrow-left-right"))
    expired = Transfer.objects.restrict(user, VIEW).filter(expired_q(today)).count()
    tasks.append(registry.Task(key="letters_expired", label=_("Transfer letters expired without a receipt"),
                               count=expired, url=reverse("members:transfer_list") + "?tab=expired",
                               icon="envelope-exclamation", urgent=True))
    if has_perm(user, PIPELINE_CHANGE, None):
        from .devstats import overdue_people

        paths = scope_paths(user, PIPELINE_CHANGE)
        roots = _roots(units) if paths is None else [u for u in units if u.path in set(paths)]
        # Branch-level work: a committee's people are counted on its development statistics page (one visit
        # there computes the same list for its whole subtree, which is too much for every dashboard view).
        for root in (r for r in roots if r.kind != UnitKind.COMMITTEE):
            overdue = overdue_people(root, today=today)
            tasks.append(registry.Task(
                key=f"development_overdue_{root.pk}",
                label=_("Development steps overdue in %(unit)s") % {"unit": root.short_name or root.name},
                count=len(overdue), url=reverse("members:dev_stats") + f"?unit={root.pk}#overdue",
                icon="hourglass-split", urgent=True))
    return tasks


def register() -> None:
    registry.dashboard_tasks.register(development_tasks)

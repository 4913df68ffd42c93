"""What dues adds to the dashboard and the person page (registered in DuesConfig.ready)."""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from branches import registry
from branches.choices import UnitKind
from branches.permissions import DUES_VIEW
from branches.scope import has_perm, scope_paths

from . import periods
from .lapse import dashboard_counts
from .models import LapseCase
from .selectors import month_grid, person_totals


def dashboard_tasks(user, units, today) -> list:
    """Members 3+ months unpaid, members without a base this year, open lapse cases: one query.

    Counted for the branch-level units the user keeps dues for (branches and general branches at the top of the
    user's DUES_VIEW scope); a committee sees its whole subtree on the arrears list and the lapse cases page (the
    count runs over every member's recent ledger, too much for every dashboard view of a large committee)."""
    paths = scope_paths(user, DUES_VIEW)
    if paths is None:
        top = min((x.depth for x in units), default=None)
        roots = [u for u in units if u.depth == top]
    else:
        wanted_paths = set(paths)
        roots = [u for u in units if u.path in wanted_paths]
    units = [u for u in roots if u.kind in (UnitKind.BRANCH, UnitKind.GENERAL_BRANCH)]
    if not units:
        return []
    wanted = [u.path for u in units]
    counts = dashboard_counts(periods.of_date(today) - 1, today.year, wanted)
    first = units[0]
    tasks = []
    if counts["behind"]:
        tasks.append(registry.Task("dues_behind", _("Members 3 or more months behind with dues"), counts["behind"],
                                   reverse("dues:arrears", args=[first.pk]), icon="cash-coin",
                                   urgent=bool(counts["behind5"])))
    if counts["no_base"]:
        tasks.append(registry.Task("dues_no_base", _("Members without a dues base this year"), counts["no_base"],
                                   reverse("dues:base_list", args=[first.pk]) + f"?year={today.year}", icon="calculator"))
    if counts["cases"]:
        tasks.append(registry.Task("dues_lapse_cases", _("Open lapse cases"), counts["cases"],
                                   reverse("dues:lapsecase_list"), icon="exclamation-octagon", urgent=True))
    return tasks


def person_panels(user, person, today) -> list:
    if not has_perm(user, DUES_VIEW, person.unit):
        return []
    now = periods.of_date(today)
    grid = month_grid(person, now - 11, now)
    cases = list(LapseCase.objects.filter(person=person).order_by("-opened_on")[:5])
    return [registry.Panel("dues", _("Dues (last 12 months)"), "dues/_person_panel.html",
                           {"grid": grid, "totals": person_totals(person), "cases": cases,
                            "url": reverse("dues:member_ledger", args=[person.pk])}, icon="cash-coin", order=50)]

"""What dues adds to the dashboard and the person page (registered in DuesConfig.ready)."""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from branches import registry
from branches.permissions import DUES_VIEW
from branches.scope import has_perm, scope_paths

from . import periods
from .lapse import dashboard_counts
from .models import LapseCase
from .selectors import month_grid, person_totals


def dashboard_tasks(user, units, today) -> list:
    """Members 3+ months unpaid, members without a base this year, open lapse cases: one query."""
    units = [u for u in units if has_perm(user, DUES_VIEW, u)]
    if not units:
        return []
    paths = scope_paths(user, DUES_VIEW)
    wanted = [u.path for u in units]
    if paths is not None:
        wanted = [p for p in wanted if any(p.startswith(s) for s in paths)]
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

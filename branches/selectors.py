"""Scoped reads of the org tree."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Appointment, CommitteeTerm, Unit
from .permissions import VIEW
from .scope import has_perm, scope_paths


def user_root_units(user, action: str = VIEW) -> list[Unit]:
    """The top units of the user's scope (for the unit switcher); for a superuser, the tree roots."""
    paths = scope_paths(user, action)
    if paths is None:
        return list(Unit.objects.get_root_nodes().active())
    if not paths:
        return []
    return list(Unit.objects.filter(path__in=paths).order_by("path"))


def unit_choices(user, action: str = VIEW, kinds: list[str] | None = None, include_dissolved: bool = False):
    """Units for a form dropdown, restricted to what the user may act on."""
    qs = Unit.objects.restrict(user, action)
    if not include_dissolved:
        qs = qs.active()
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return qs.order_by("path")


def user_appointments(user):
    return Appointment.objects.filter(user=user, ended_at__isnull=True).select_related("unit").order_by("unit__path")


# --- the tree ---------------------------------------------------------------------------------------

@dataclass
class TreeNode:
    """One row of the rendered tree. The template nests rows from ``level``, ``has_children`` and ``closes``."""

    unit: Unit
    level: int
    has_children: bool = False
    closes: range = field(default_factory=lambda: range(0))
    counts: dict = field(default_factory=dict)
    matched: bool = False
    open: bool = True

    @property
    def kind_css(self) -> str:
        return KIND_CSS.get(self.unit.kind, "")


KIND_CSS = {
    "committee": "bg-party", "general_branch": "text-bg-warning", "branch": "text-bg-primary",
    "party_group": "text-bg-light border",
}


def count_cells(counts: dict | None, unit: Unit | None = None) -> list[tuple]:
    """[(column, n, url)] for the template; ``url`` is the unit's filtered list when ``unit`` is given."""
    from . import registry

    if not counts:
        return []
    return [(col, counts.get(col.key, 0), col.unit_url(unit) if unit is not None and col.unit_url else "")
            for col in registry.count_columns]


def _minimal_roots(units: list[Unit]) -> list[Unit]:
    """Units of a path-ordered list that have no ancestor in the list."""
    roots: list[Unit] = []
    for u in units:
        if not roots or not u.path.startswith(roots[-1].path):
            if not any(u.path.startswith(r.path) for r in roots):
                roots.append(u)
    return roots


def build_tree(units: list[Unit], counts: dict | None = None, open_levels: int = 2,
               matched: set[int] | None = None) -> list[TreeNode]:
    """Flatten path-ordered ``units`` into rows with their level below the nearest shown ancestor."""
    counts = counts or {}
    nodes: list[TreeNode] = []
    stack: list[Unit] = []
    for u in units:
        while stack and not u.path.startswith(stack[-1].path):
            stack.pop()
        level = len(stack) + 1
        stack.append(u)
        nodes.append(TreeNode(unit=u, level=level, counts=counts.get(u.pk, {}),
                              matched=bool(matched and u.pk in matched),
                              open=bool(matched) or level <= open_levels))
    for i, node in enumerate(nodes):
        nxt = nodes[i + 1] if i + 1 < len(nodes) else None
        node.has_children = nxt is not None and nxt.level > node.level
        if not node.has_children:
            node.closes = range(node.level - (nxt.level if nxt else 1))
    return nodes


def unit_tree(user, *, q: str = "", show_dissolved: bool = False) -> dict:
    """The user's scoped tree with cumulative head counts, in a constant number of queries.

    With ``q``, only the units whose name, short name or code contains it, with their ancestors.
    """
    from . import registry

    qs = Unit.objects.restrict(user, VIEW)
    if not show_dissolved:
        qs = qs.active()
    q = (q or "").strip()[:100]
    matched: set[int] = set()
    if q:
        hits = list(qs.filter(Q(name__icontains=q) | Q(short_name__icontains=q) | Q(code__icontains=q))
                    .values_list("pk", "path"))
        matched = {pk for pk, _ in hits}
        step = Unit.steplen
        paths = {path[:i] for _, path in hits for i in range(step, len(path) + 1, step)}
        units = list(qs.filter(path__in=paths).order_by("path")) if paths else []
    else:
        units = list(qs.order_by("path"))
    counts = registry.counts_for(units)
    return {
        "nodes": build_tree(units, counts, matched=matched if q else None),
        "unit_count": len(units),
        "match_count": len(matched),
        "count_columns": list(registry.count_columns) if counts else [],
        "q": q,
    }


# --- one unit -----------------------------------------------------------------------------------------

def unit_breadcrumbs(user, unit: Unit, tail: list | None = None) -> list[tuple[str | None, str]]:
    """(url, label) from the tree page down to ``unit`` (one query); units above the user's scope unlinked."""
    crumbs: list[tuple[str | None, str]] = [(reverse("branches:unit_tree"), str(_("Organization")))]
    for a in Unit.objects.get_ancestors(unit):
        crumbs.append((a.get_absolute_url() if has_perm(user, VIEW, a) else None, a.display_name))
    if tail is not None:  # the unit is linked when something follows it (even an empty tail)
        crumbs.append((unit.get_absolute_url(), unit.display_name))
        crumbs.extend(tail)
    else:
        crumbs.append((None, unit.display_name))
    return crumbs


def unit_children(unit: Unit) -> list[Unit]:
    """Direct children, live ones first."""
    children = list(Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1).order_by("path"))
    return sorted(children, key=lambda c: c.dissolved_on is not None)


def unit_terms(unit: Unit) -> list[CommitteeTerm]:
    """All committee terms of ``unit``, newest first, each with ``positions`` attached (two queries)."""
    from . import registry

    terms = list(CommitteeTerm.objects.filter(unit=unit).order_by("-start_date", "-pk"))
    positions = registry.term_positions(terms) if terms else {}
    for t in terms:
        t.position_list = positions.get(t.pk, [])
    return terms


# --- the dashboard ------------------------------------------------------------------------------------

WARNINGS_SHOWN = 50


def dashboard(user, today: datetime.date | None = None) -> dict:
    """Everything the dashboard shows for the user's scope, in a constant number of queries."""
    from . import registry
    from .models import Notification
    from .warnings import unit_warnings

    units = list(Unit.objects.restrict(user, VIEW).active().order_by("path"))
    roots = _minimal_roots(units)
    root_counts = registry.counts_for(roots)
    totals = {col.key: sum(c.get(col.key, 0) for c in root_counts.values()) for col in registry.count_columns}
    cards = [{"key": "units", "label": _("Units"), "value": len(units), "url": reverse("branches:unit_tree"),
              "icon": "diagram-3"}]
    if root_counts:
        for col in registry.count_columns:
            cards.append({"key": col.key, "label": col.label, "value": totals[col.key],
                          "url": col.list_url() if col.list_url else "", "icon": col.icon})
    warnings = unit_warnings(units, today)
    tasks = [t for t in registry.dashboard_tasks(user, units, today or timezone.localdate()) if t.count]
    return {
        "cards": cards,
        "tasks": tasks,
        "warnings": warnings[:WARNINGS_SHOWN],
        "warnings_total": len(warnings),
        "warnings_more": max(0, len(warnings) - WARNINGS_SHOWN),
        "appointments": list(user_appointments(user)),
        "notifications": list(Notification.objects.filter(recipient=user, read_at__isnull=True)
                              .select_related("unit").order_by("-created_at", "-pk")[:5]),
    }

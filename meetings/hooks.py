"""What meetings feed into the pages of branches and members (registered in MeetingsConfig.ready())."""
from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils.translation import gettext as _

from branches import registry
from branches.choices import UnitKind
from branches.permissions import VIEW
from branches.scope import has_perm, scope_paths
from members.policy import add_months

from .compliance import DUE, OVERDUE, compliance
from .selectors import attendance_rate, attendance_rows, recent_meetings_of

DASHBOARD_KINDS = (UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH, UnitKind.BRANCH, UnitKind.PARTY_GROUP)


def dashboard_tasks(user, units, today: datetime.date) -> list[registry.Task]:
    """The gaps of the user's own units (the units of their appointments, with a branch's party groups): required
    meetings still to hold in the current period, and the last period's overdue ones. A committee's whole subtree
    is the compliance matrix's job (meetings.compliance over every unit is too much for every dashboard view).
    Constant queries (meetings.compliance) whatever the number of units."""
    paths = scope_paths(user, VIEW)
    if paths is not None:
        top = set(paths)
    elif units:
        least = min(u.depth for u in units)
        top = {u.path for u in units if u.depth == least}
    else:
        top = set()
    own = {u.path for u in units if u.path in top}
    units = [u for u in units if u.kind in DASHBOARD_KINDS and (
        u.path in own or (u.kind == UnitKind.PARTY_GROUP and u.path[:-u.steplen] in own))]
    if not units:
        return []
    data = compliance(units, add_months(today, -12), today, today)
    due = overdue = 0
    for uc in data.values():
        last_ended: dict[str, object] = {}
        for p in uc.periods:
            if p.state == DUE:
                due += 1
            if p.span.end < today:
                last_ended[p.meeting_type] = p
        overdue += sum(1 for p in last_ended.values() if p.state == OVERDUE)
    url = reverse("meetings:compliance")
    if len(units) == 1:
        url += f"?unit={units[0].pk}"
    return [
        registry.Task("meetings_overdue", _("Required meetings overdue"), overdue, url,
                      icon="calendar-x", urgent=True),
        registry.Task("meetings_due", _("Required meetings still to hold this period"), due, url, icon="calendar-event"),
    ]


def person_panels(user, person, today: datetime.date) -> list[registry.Panel]:
    """The member's attendance rate over the last 12 months and recent meetings; 2 queries."""
    if not has_perm(user, VIEW, person.unit):
        return []
    first = add_months(today, -12) + datetime.timedelta(days=1)
    counts = attendance_rows([person.pk], first, today).get(person.pk, {})
    return [registry.Panel(
        key="meetings", title=_("Meetings attended"), template="meetings/inc/person_panel.html", icon="calendar-check",
        order=50, context={"counts": counts, "rate": attendance_rate(counts), "first": first, "last": today,
                           "recent": recent_meetings_of(person),
                           "report_url": reverse("meetings:attendance_report") + f"?unit={person.unit_id}"})]


def register() -> None:
    registry.dashboard_tasks.register(dashboard_tasks)
    registry.person_panels.register(person_panels)

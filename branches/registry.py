"""Hooks through which apps above ``branches`` feed member-based data into the org-tree pages.

``branches`` may not import ``members`` (dependencies point one way), yet the tree shows head counts,
dissolving a unit must know whether people are still in it, and a merge must move people. Each of
those needs is a ``Hook`` here; ``members`` fills them in ``MembersConfig.ready()``. An empty hook
returns its default, so the tree works (without counts) when no provider is installed.

Every provider takes many units at once and answers in a constant number of queries.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


class Hook:
    """One slot filled by a higher app. Calling an empty hook returns ``default()``."""

    def __init__(self, name: str, default: Callable[[], Any]):
        self.name = name
        self._default = default
        self._fn: Callable | None = None

    def register(self, fn: Callable) -> Callable:
        self._fn = fn
        return fn

    def unregister(self) -> None:
        self._fn = None

    @property
    def is_registered(self) -> bool:
        return self._fn is not None

    def __call__(self, *args, **kwargs):
        if self._fn is None:
            return self._default()
        return self._fn(*args, **kwargs)

    def __repr__(self):
        return f"<Hook {self.name} {'registered' if self._fn else 'empty'}>"


# unit_status_counts(units: Iterable[Unit]) -> {unit_pk: {status: n}}
# Head counts per status for each unit's WHOLE subtree (a party group: the people in that group),
# in one query whatever the number of units.
unit_status_counts = Hook("unit_status_counts", dict)

# unit_active_people(unit: Unit) -> int
# People with an active status (pipeline or on the roll) whose unit or party group is this unit.
unit_active_people = Hook("unit_active_people", int)

# unit_people_merge(*, actor, source: Unit, target: Unit, note: str) -> int
# Move the people of ``source`` to ``target`` (audited, through the people services); returns how many.
unit_people_merge = Hook("unit_people_merge", int)

# term_positions(terms: Iterable[CommitteeTerm]) -> {term_pk: [position, ...]}
# The committee positions of each term, oldest first; one query.
term_positions = Hook("term_positions", dict)

# term_positions_close(*, actor, term: CommitteeTerm, on: date) -> int
# End the open positions of a term that has just been replaced or whose unit was dissolved.
term_positions_close = Hook("term_positions_close", int)

class ListHook:
    """A slot that several higher apps fill (members, meetings, dues, discipline): calling it calls every
    provider in registration order and concatenates their lists. Registering the same function twice (a
    second ``ready()``) keeps one."""

    def __init__(self, name: str):
        self.name = name
        self._fns: list[Callable] = []

    def register(self, fn: Callable) -> Callable:
        key = (fn.__module__, fn.__qualname__)
        self._fns = [f for f in self._fns if (f.__module__, f.__qualname__) != key] + [fn]
        return fn

    def unregister(self, fn: Callable | None = None) -> None:
        self._fns = [] if fn is None else [f for f in self._fns if f is not fn]

    @property
    def is_registered(self) -> bool:
        return bool(self._fns)

    def __call__(self, *args, **kwargs) -> list:
        out: list = []
        for fn in self._fns:
            out.extend(fn(*args, **kwargs) or [])
        return out

    def __repr__(self):
        return f"<ListHook {self.name} {len(self._fns)} provider(s)>"


# dashboard_tasks(user, units: list[Unit], today: date) -> list[Task]
# The work waiting for this user in their units (items to review, transfers to accept, overdue steps,
# missing meetings, arrears...), each a count with the page that lists it; each provider runs a constant
# number of queries whatever the size of the scope.
dashboard_tasks = ListHook("dashboard_tasks")

# person_panels(user, person, today: date) -> list[Panel]
# Extra panels on the person page (meetings attended, dues grid, cases...), each rendered from its own
# template; a provider returns nothing when the user may not see its data. Constant queries per provider.
person_panels = ListHook("person_panels")


@dataclass(frozen=True)
class Panel:
    """One panel of the person page: ``template`` is included with ``context`` (plus the page's context)."""

    key: str
    title: Any
    template: str
    context: dict = field(default_factory=dict)
    icon: str = "card-list"
    order: int = 100


@dataclass(frozen=True)
class Task:
    """One line of the dashboard's to-do card."""

    key: str
    label: Any
    count: int
    url: str
    icon: str = "list-check"
    urgent: bool = False  # shown in red (something is overdue)


@dataclass(frozen=True)
class CountColumn:
    """A head-count column on the tree and the dashboard: a label, the statuses it adds up, a list URL."""

    key: str
    label: Any
    statuses: tuple[str, ...]
    css: str = "bg-secondary"
    icon: str = "people"
    list_url: Callable[[], str] | None = None  # the list behind the number (whole scope)
    unit_url: Callable[[Any], str] | None = None  # the list behind the number for one unit's subtree


@dataclass
class _Columns:
    columns: list[CountColumn] = field(default_factory=list)

    def register(self, columns: Iterable[CountColumn]) -> None:
        self.columns = list(columns)

    def __iter__(self):
        return iter(self.columns)

    def __bool__(self):
        return bool(self.columns)


# Which head-count columns to show; ``members`` registers full / probationary / pipeline.
count_columns = _Columns()


def bucket_counts(raw: dict[str, int] | None) -> dict[str, int]:
    """Fold a {status: n} dict into {column key: n} for the registered columns."""
    raw = raw or {}
    return {col.key: sum(raw.get(s, 0) for s in col.statuses) for col in count_columns}


def counts_for(units: Iterable) -> dict[int, dict[str, int]]:
    """{unit_pk: {column key: n}} for every unit (zeros when nobody is there); one query, or none."""
    units = list(units)
    if not units or not unit_status_counts.is_registered or not count_columns:
        return {}
    raw = unit_status_counts(units)
    return {u.pk: bucket_counts(raw.get(u.pk)) for u in units}

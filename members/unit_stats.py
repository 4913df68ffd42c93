"""Head counts for the org tree, and the people side of dissolving and merging units.

Registered into ``branches.registry`` by ``MembersConfig.ready()``; ``branches`` never imports this.

Cumulative counts use treebeard's materialized paths (``steplen`` characters per level): a person
belongs to the subtree of every unit whose path is a prefix of the path of the person's unit. One
statement groups the people once and sums those groups by path prefix for each depth present among the
requested units; party groups are counted by ``party_group`` (their people's ``unit`` is the branch).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import connection
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy

from branches.choices import UnitKind
from branches.models import Unit
from branches.registry import CountColumn

from .choices import ACTIVE_STATUSES, MemberStatus, PIPELINE_STATUSES
from .models import Person


def _minimal_prefixes(paths: Iterable[str]) -> list[str]:
    """The paths that have no ancestor among ``paths``. Sorted, a descendant follows its ancestor with only
    other descendants in between, so comparing with the last kept path is enough."""
    minimal: list[str] = []
    for path in sorted(set(paths)):
        if not minimal or not path.startswith(minimal[-1]):
            minimal.append(path)
    return minimal


def status_counts(units: Iterable[Unit], statuses: Iterable[str] = ACTIVE_STATUSES) -> dict[int, dict[str, int]]:
    """{unit_pk: {status: n}} for each unit's whole subtree (a party group: its own people). One query.

    The people of the requested subtrees are grouped once by (unit path, party-group path, status); from those
    few rows the same statement sums, for every depth present, by path prefix (a unit's subtree is the rows
    whose unit path starts with its path), and by party-group path for the groups. Plain SQL because the ORM
    has no WITH; SUBSTR / LENGTH / LIKE mean the same on PostgreSQL and SQLite.
    """
    units = list(units)
    statuses = list(statuses)
    if not units or not statuses:
        return {}
    if all(u.kind in (UnitKind.BRANCH, UnitKind.PARTY_GROUP) for u in units):
        return _direct_counts(units, statuses)
    step = Unit.steplen
    tree_units = [u for u in units if u.kind != UnitKind.PARTY_GROUP]
    group_units = [u for u in units if u.kind == UnitKind.PARTY_GROUP]
    prefixes = _minimal_prefixes(u.path for u in units)
    person, unit = Person._meta.db_table, Unit._meta.db_table
    params: list = []
    status_marks = ", ".join(["%s"] * len(statuses))
    params += statuses
    within = " OR ".join(["pu.path LIKE %s"] * len(prefixes))
    params += [f"{p}%" for p in prefixes]           # paths are [0-9A-Z]: no LIKE wildcards inside
    parts = []
    for depth in sorted({len(u.path) // step for u in tree_units}):
        parts.append(f"SELECT SUBSTR(upath, 1, {depth * step}) AS prefix, status, SUM(n) AS n FROM g "
                     f"WHERE LENGTH(upath) >= {depth * step} GROUP BY SUBSTR(upath, 1, {depth * step}), status")
    if group_units:
        parts.append("SELECT gpath AS prefix, status, SUM(n) AS n FROM g WHERE gpath IS NOT NULL GROUP BY gpath, status")
    sql = (f"WITH g AS (SELECT pu.path AS upath, gu.path AS gpath, p.status AS status, COUNT(*) AS n "
           f"FROM {person} p INNER JOIN {unit} pu ON p.unit_id = pu.id LEFT JOIN {unit} gu ON p.party_group_id = gu.id "
           f"WHERE p.status IN ({status_marks}) AND ({within}) GROUP BY pu.path, gu.path, p.status) "
           + " UNION ALL ".join(parts))
    tree_paths = {u.path: u.pk for u in tree_units}
    group_paths = {u.path: u.pk for u in group_units}
    result: dict[int, dict[str, int]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for prefix, status, n in cursor.fetchall():
            # A prefix of a unit path names a tree unit; a group path comes from the last part (groups hold no
            # people as their unit, so no unit-path prefix equals a group's path).
            pk = tree_paths.get(prefix)
            if pk is None:
                pk = group_paths.get(prefix)
            if pk is not None:
                result[pk][status] = result[pk].get(status, 0) + int(n)
    return dict(result)


def _direct_counts(units: list[Unit], statuses: list[str]) -> dict[int, dict[str, int]]:
    """Branches and party groups only: people belong to a branch directly (``unit``) and to a group by
    ``party_group``, so no path prefixes are needed: one grouped query on the people's own columns."""
    branch_pks = {u.pk for u in units if u.kind == UnitKind.BRANCH}
    group_pks = {u.pk for u in units if u.kind == UnitKind.PARTY_GROUP}
    q = Q()
    if branch_pks:
        q |= Q(unit_id__in=branch_pks)
    if group_pks:
        q |= Q(party_group_id__in=group_pks)
    result: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (Person.objects.filter(q, status__in=statuses).values_list("unit_id", "party_group_id", "status")
            .annotate(n=Count("pk")).order_by())
    for unit_id, group_id, status, n in rows:
        for pk in (unit_id if unit_id in branch_pks else None, group_id if group_id in group_pks else None):
            if pk is not None:
                result[pk][status] = result[pk].get(status, 0) + n
    return dict(result)


def active_people(unit: Unit) -> int:
    """People with an active status whose unit or party group is ``unit`` (what blocks dissolving it)."""
    return Person.objects.filter(Q(unit=unit) | Q(party_group=unit), status__in=ACTIVE_STATUSES).count()


def people_merge(*, actor, source: Unit, target: Unit, note: str = "") -> int:
    """Move everybody of ``source`` to ``target`` through ``person_update`` (so each move is audited).

    A branch (or committee) merge moves ``Person.unit``; people keep their party group, which the merge
    has already moved under the target (a group left behind, e.g. a dissolved one, is cleared). A
    party-group merge moves ``Person.party_group`` to the target group, and ``Person.unit`` to the
    target group's branch. Anyone who cannot be moved stops the whole merge with their name.
    """
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from .services import person_update

    if source.kind == UnitKind.PARTY_GROUP:
        branch = Unit.objects.get_parent(target, update=True)
        moves = [(p, {"unit": branch, "party_group": target})
                 for p in Person.objects.filter(party_group=source).order_by("pk")]
    else:
        moves = []
        for p in Person.objects.filter(unit=source).select_related("party_group").order_by("pk"):
            fields = {"unit": target}
            if p.party_group is not None and not p.party_group.path.startswith(target.path):
                fields["party_group"] = None
            moves.append((p, fields))
    for person, fields in moves:
        try:
            person_update(actor=actor, person=person, **fields)
        except ValidationError as exc:
            raise ValidationError(_("%(p)s cannot be moved to %(t)s: %(e)s")
                                  % {"p": person.name, "t": target, "e": " ".join(exc.messages)}) from exc
    return len(moves)


def _person_list(**params) -> str:
    from urllib.parse import urlencode

    return f"{reverse('members:person_list')}?{urlencode(params)}"


COUNT_COLUMNS = [
    CountColumn(key="full", label=gettext_lazy("Full members"), statuses=(MemberStatus.FULL,), css="bg-danger",
                icon="person-check", list_url=lambda: _person_list(status=MemberStatus.FULL),
                unit_url=lambda u: _person_list(unit=u.pk, status=MemberStatus.FULL)),
    CountColumn(key="probationary", label=gettext_lazy("Probationary members"), statuses=(MemberStatus.PROBATIONARY,),
                css="bg-warning text-dark", icon="person",
                list_url=lambda: _person_list(status=MemberStatus.PROBATIONARY),
                unit_url=lambda u: _person_list(unit=u.pk, status=MemberStatus.PROBATIONARY)),
    CountColumn(key="pipeline", label=gettext_lazy("Pipeline"), statuses=tuple(PIPELINE_STATUSES), css="bg-info text-dark",
                icon="person-plus", list_url=lambda: _person_list(status="pipeline"),
                unit_url=lambda u: _person_list(unit=u.pk, status="pipeline")),
]


def register() -> None:
    from branches import registry

    registry.unit_status_counts.register(status_counts)
    registry.unit_active_people.register(active_people)
    registry.unit_people_merge.register(people_merge)
    registry.count_columns.register(COUNT_COLUMNS)


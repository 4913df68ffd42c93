"""Head counts for the org tree, and the people side of dissolving and merging units.

Registered into ``branches.registry`` by ``MembersConfig.ready()``; ``branches`` never imports this.

Cumulative counts use treebeard's materialized paths (``steplen`` characters per level): a person
belongs to the subtree of every unit whose path is a prefix of the path of the person's unit. For each
depth ``k`` present among the requested units we group people by ``(Substr(unit.path, 1, steplen*k),
status)``; the parts are glued with UNION ALL into ONE query, and each prefix maps back to its unit.
Party groups are counted by ``party_group`` (their people's ``unit`` is the branch), in the same query.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Count, F, Q
from django.db.models.functions import Substr
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
    """{unit_pk: {status: n}} for each unit's whole subtree (a party group: its own people). One query."""
    units = list(units)
    if not units:
        return {}
    statuses = list(statuses)
    step = Unit.steplen
    by_path = {u.path: u.pk for u in units}
    # A branch holds only party groups, and people belong to the branch itself (their party group is a
    # separate field): its subtree count is its own count, grouped by unit without path prefixes.
    branch_pks = [u.pk for u in units if u.kind == UnitKind.BRANCH]
    tree_units = [u for u in units if u.kind not in (UnitKind.PARTY_GROUP, UnitKind.BRANCH)]
    group_pks = [u.pk for u in units if u.kind == UnitKind.PARTY_GROUP]

    parts = []
    if branch_pks:
        parts.append(
            Person.objects.filter(unit_id__in=branch_pks, status__in=statuses)
            .annotate(prefix=F("unit__path"))
            .values("prefix", "status").annotate(n=Count("pk")).order_by()
        )
    if tree_units:
        within = Q()
        for prefix in _minimal_prefixes(u.path for u in tree_units):
            within |= Q(unit__path__startswith=prefix)
        base = Person.objects.filter(within, status__in=statuses)
        for depth in sorted({len(u.path) // step for u in tree_units}):
            parts.append(
                base.filter(unit__depth__gte=depth)
                .annotate(prefix=Substr("unit__path", 1, depth * step))
                .values("prefix", "status").annotate(n=Count("pk")).order_by()
            )
    if group_pks:
        parts.append(
            Person.objects.filter(party_group_id__in=group_pks, status__in=statuses)
            .annotate(prefix=F("party_group__path"))
            .values("prefix", "status").annotate(n=Count("pk")).order_by()
        )
    query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]

    result: dict[int, dict[str, int]] = defaultdict(dict)
    for row in query:
        pk = by_path.get(row["prefix"])
        if pk is not None:
            result[pk][row["status"]] = result[pk].get(row["status"], 0) + row["n"]
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


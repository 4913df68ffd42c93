"""Scoped reads of the member roll: every page gets its people through here."""
from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet

from branches.choices import UnitKind
from branches.models import Unit
from branches.permissions import MEMBER_VIEW_SENSITIVE, VIEW
from branches.scope import has_perm, scope_paths
from branches.selectors import unit_breadcrumbs as branch_unit_breadcrumbs
from branches.selectors import unit_choices

from .models import CommitteePosition, Person

# Units a person can belong to (a party group is chosen separately).
PERSON_UNIT_KINDS = [UnitKind.COMMITTEE, UnitKind.GENERAL_BRANCH, UnitKind.BRANCH]


def person_list(user, action: str = VIEW) -> QuerySet[Person]:
    """People the user may see (or act on), with what a roll row shows joined in (no query per row)."""
    return Person.objects.restrict(user, action).select_related("unit", "party_group")


def citizen_id_visibility(user) -> Callable[[Unit], bool]:
    """A cheap test ``f(unit) -> bool``: may ``user`` see unmasked IDs of people in ``unit``?

    The scope is read once (path prefixes); each row is a string comparison, never a query.
    """
    paths = scope_paths(user, MEMBER_VIEW_SENSITIVE)
    if paths is None:
        return lambda unit: True
    prefixes = tuple(paths)
    return lambda unit: bool(prefixes) and unit is not None and unit.path.startswith(prefixes)


def citizen_id_for(user, person: Person) -> str:
    """The ID as this user may see it: full with MEMBER_VIEW_SENSITIVE on the person's unit, else masked."""
    return person.citizen_id if has_perm(user, MEMBER_VIEW_SENSITIVE, person.unit) else person.masked_citizen_id


def person_unit_choices(user, action: str) -> QuerySet[Unit]:
    """Units where ``user`` may put people (``action`` is MEMBER_CHANGE or MEMBER_IMPORT)."""
    return unit_choices(user, action, kinds=PERSON_UNIT_KINDS)


def party_group_choices(user, action: str) -> QuerySet[Unit]:
    return unit_choices(user, action, kinds=[UnitKind.PARTY_GROUP])


def person_committee_positions(person: Person) -> QuerySet[CommitteePosition]:
    """The person's seats on committee terms, newest first, with the term's unit joined in."""
    return (CommitteePosition.objects.filter(person=person).select_related("term__unit")
            .order_by("-started_on", "-pk"))


def person_history(user, person: Person) -> list:
    """The person's audit entries for the History panel, citizen IDs masked unless the user may see them.

    The entries are not saved back; only the copies shown on the page are masked.
    """
    from branches.audit import history_for, mask_entry

    return [mask_entry(entry, user) for entry in history_for(person)]


def unit_breadcrumbs(user, unit: Unit) -> list[tuple[str | None, str]]:
    """(url, label) from the tree page down to ``unit``, the unit linked: the caller appends its own tail.

    Ancestors outside the user's view scope are shown as plain text (their pages would be a 404)."""
    return branch_unit_breadcrumbs(user, unit, tail=[])

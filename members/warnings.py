"""Structural warnings that need head counts: registered into ``branches.warnings``.

Two queries for any number of units: the head counts (``unit_stats.status_counts``, one grouped query)
and the current committee terms of the branches.
"""
from __future__ import annotations

import datetime

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from branches.choices import System, UnitKind
from branches.models import CommitteeTerm
from branches.warnings import INFO, WARNING, StructuralWarning

from .choices import MEMBER_STATUSES, MemberStatus
from .unit_stats import status_counts


def member_warnings(units: list, today: datetime.date, policy: dict) -> list[StructuralWarning]:
    branches = [u for u in units if u.kind == UnitKind.BRANCH and u.system == System.PARTY]
    groups = [u for u in units if u.kind == UnitKind.PARTY_GROUP and u.system == System.PARTY]
    if not branches and not groups:
        return []
    counts = status_counts(branches + groups, statuses=MEMBER_STATUSES)
    with_term = set()
    if branches:
        with_term = set(CommitteeTerm.objects.filter(unit_id__in=[b.pk for b in branches], ended_on__isnull=True)
                        .values_list("unit_id", flat=True))
    found: list[StructuralWarning] = []

    for unit in branches:
        c = counts.get(unit.pk, {})
        full = c.get(MemberStatus.FULL, 0)
        members = sum(c.get(s, 0) for s in MEMBER_STATUSES)
        minimum = policy["branch_min_full_members"]
        if full < minimum:
            found.append(StructuralWarning(
                unit=unit, code="branch_few_full_members", severity=WARNING,
                message=ngettext("Only %(n)s full member.", "Only %(n)s full members.", full) % {"n": full},
                rule=_("A branch needs at least %(min)s full members.") % {"min": minimum}))
        if members >= policy["basic_committee_size"]:
            found.append(StructuralWarning(
                unit=unit, code="branch_too_large", severity=INFO,
                message=_("%(n)s members (probationary and full): a unit this size is usually a basic-level "
                          "committee.") % {"n": members},
                rule=_("A branch has fewer than %(gb)s members; %(gb)s or more usually form a general branch, "
                       "%(bc)s or more a basic-level committee.") % {
                    "gb": policy["general_branch_size"], "bc": policy["basic_committee_size"]}))
        elif members >= policy["general_branch_size"]:
            found.append(StructuralWarning(
                unit=unit, code="branch_too_large", severity=INFO,
                message=_("%(n)s members (probationary and full): a unit this size is usually a general branch.")
                % {"n": members},
                rule=_("A branch has fewer than %(gb)s members; %(gb)s or more usually form a general branch, "
                       "%(bc)s or more a basic-level committee.") % {
                    "gb": policy["general_branch_size"], "bc": policy["basic_committee_size"]}))
        if full >= policy["committee_full_members"] and unit.pk not in with_term:
            found.append(StructuralWarning(
                unit=unit, code="branch_needs_committee", severity=WARNING,
                message=_("%(n)s full members and no committee term on record: elect a branch committee.")
                % {"n": full},
                rule=_("A branch with %(n)s or more full members elects a branch committee (支部委员会); "
                       "below that it has a secretary and may have a deputy.")
                % {"n": policy["committee_full_members"]}))

    for group in groups:
        c = counts.get(group.pk, {})
        full = c.get(MemberStatus.FULL, 0)
        people = sum(c.get(s, 0) for s in MEMBER_STATUSES)
        if full < policy["party_group_min_full_members"]:
            found.append(StructuralWarning(
                unit=group, code="group_no_full_member", severity=WARNING,
                message=_("No full member in this party group."),
                rule=_("A party group has at least %(n)s people, at least one of them a full member.")
                % {"n": policy["party_group_min_people"]}))
        elif people < policy["party_group_min_people"]:
            found.append(StructuralWarning(
                unit=group, code="group_too_small", severity=INFO,
                message=ngettext("Only %(n)s member in this party group.", "Only %(n)s members in this party group.",
                                 people) % {"n": people},
                rule=_("A party group has at least %(n)s people, at least one of them a full member.")
                % {"n": policy["party_group_min_people"]}))
    return found


def register() -> None:
    from branches import warnings

    warnings.register(member_warnings)

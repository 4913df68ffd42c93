"""The one place that decides what a user may see and do.

A user holds appointments (user x unit x role). For an action, the user's scope is the set of units
where they hold an appointment whose role grants the action, plus everything below them. With
materialized paths (treebeard MP_Node) "everything below" is a path prefix, so a scope is a short
list of path prefixes and every restriction is one WHERE clause, never a walk of the tree.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from .permissions import VIEW, role_grants

_CACHE_ATTR = "_branch_scope_cache"


def _appointments(user):
    cache = getattr(user, _CACHE_ATTR, None)
    if cache is None:
        from .models import Appointment

        cache = list(
            Appointment.objects.filter(user_id=user.pk, ended_at__isnull=True, unit__dissolved_on__isnull=True)
            .values_list("unit__path", "role")
        )
        setattr(user, _CACHE_ATTR, cache)
    return cache


def clear_cache(user) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def is_unrestricted(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_superuser)


def scope_paths(user, action: str = VIEW) -> list[str] | None:
    """Minimal path prefixes where ``user`` may do ``action``; ``None`` means everywhere."""
    if not user or not user.is_authenticated or not user.is_active:
        return []
    if is_unrestricted(user):
        return None
    paths = sorted({path for path, role in _appointments(user) if role_grants(role, action)})
    minimal: list[str] = []
    for path in paths:  # sorted, so an ancestor comes before its descendants
        if not any(path.startswith(p) for p in minimal):
            minimal.append(path)
    return minimal


def scope_q(user, action: str = VIEW, field: str = "path") -> Q | None:
    """A Q restricting ``field`` (a unit path lookup) to the scope; None means no restriction."""
    paths = scope_paths(user, action)
    if paths is None:
        return None
    if not paths:
        return Q(pk__in=[])
    q = Q()
    for p in paths:
        q |= Q(**{f"{field}__startswith": p})
    return q


def has_perm(user, action: str, unit) -> bool:
    """May ``user`` do ``action`` on ``unit`` (a Unit or None for a global action)?"""
    paths = scope_paths(user, action)
    if paths is None:
        return True
    if unit is None:
        return bool(paths)
    return any(unit.path.startswith(p) for p in paths)


def require_perm(user, action: str, unit) -> None:
    """403 when the user lacks ``action`` on ``unit``. Call after a scoped (404) lookup."""
    if not has_perm(user, action, unit):
        raise PermissionDenied


def get_scoped_or_404(queryset, user, action: str = VIEW, **lookup):
    """Fetch an object within the user's view scope (404 otherwise), then check ``action`` (403)."""
    obj = queryset.restrict(user, VIEW).filter(**lookup).first()
    if obj is None:
        raise Http404
    if action != VIEW:
        require_perm(user, action, obj.scope_unit)
    return obj

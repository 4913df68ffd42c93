from django.conf import settings

from .notifications import unread_count

CURRENT_UNIT_SESSION_KEY = "current_unit_id"
_UNSET = object()


def get_current_unit(request, candidates=()):
    """The unit chosen in the top-bar switcher (session ``current_unit_id``), if still in the user's scope.

    ``candidates`` are units already loaded (the scope roots): when the choice is one of them, or when
    nothing was chosen and the user has exactly one, no query runs; otherwise one scoped query.
    A choice that has left the user's scope (appointment ended, unit dissolved) is dropped.
    Cached on the request, so views may call it too.
    """
    cached = getattr(request, "_current_unit", _UNSET)
    if cached is not _UNSET:
        return cached
    user = getattr(request, "user", None)
    unit = None
    if user is not None and user.is_authenticated:
        try:
            chosen = int(request.session.get(CURRENT_UNIT_SESSION_KEY) or 0)
        except (TypeError, ValueError):
            chosen = 0
        if chosen:
            unit = next((u for u in candidates if u.pk == chosen), None)
            if unit is None:
                from .models import Unit

                unit = Unit.objects.restrict(user).active().filter(pk=chosen).first()
            if unit is None:
                request.session.pop(CURRENT_UNIT_SESSION_KEY, None)
        if unit is None and len(candidates) == 1:
            unit = candidates[0]
    request._current_unit = unit
    return unit


def shell(request):
    """What the top bar needs: product name, unread notifications, the current unit switcher.

    Computed once per request: ``{% render_table %}`` and other nested renders that pass the request
    run the context processors again, and the top bar must not cost its queries twice.
    """
    cached = getattr(request, "_shell_context", None)
    if cached is not None:
        return cached
    ctx = {"PRODUCT_NAME": settings.PRODUCT_NAME}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        ctx["unread_notifications"] = unread_count(user)
        from .selectors import user_root_units

        roots = user_root_units(user)
        ctx["scope_roots"] = roots
        ctx["current_unit"] = get_current_unit(request, roots)
        # For menus that hide what the user cannot open (the appointments are already cached: no query).
        from .permissions import APPOINTMENT_MANAGE, AUDIT_VIEW, DISCIPLINE_VIEW, DUES_VIEW, REVIEW, UNIT_MANAGE
        from .scope import has_perm

        ctx["nav_can"] = {"appointments": has_perm(user, APPOINTMENT_MANAGE, None),
                          "audit": has_perm(user, AUDIT_VIEW, None),
                          "review": has_perm(user, REVIEW, None),
                          "unit_manage": has_perm(user, UNIT_MANAGE, None),
                          "dues": has_perm(user, DUES_VIEW, None),
                          "discipline": has_perm(user, DISCIPLINE_VIEW, None)}   # cases are confidential
    if request is not None:
        request._shell_context = ctx
    return ctx

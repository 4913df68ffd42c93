"""View helpers: every view goes through the user's scope.

Out of scope is 404 (the object does not exist for this user); in scope without the role is 403.
"""
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied

from ..permissions import VIEW
from ..scope import get_scoped_or_404, has_perm


class ScopedViewMixin(LoginRequiredMixin):
    """For list/detail/edit views of a model with a ``restrict(user, action)`` queryset.

    ``permission_action`` is checked on the object's unit (403). ``get_queryset`` is always scoped
    to what the user may view, so an object out of scope is a 404.
    """

    model = None
    permission_action = VIEW

    def get_queryset(self):
        return self.model.objects.restrict(self.request.user, VIEW)

    def get_object(self, queryset=None):
        qs = queryset if queryset is not None else self.get_queryset()
        return get_scoped_or_404(qs, self.request.user, self.permission_action, pk=self.kwargs["pk"])


class ActionRequiredMixin(LoginRequiredMixin):
    """For pages with no single object: require ``permission_action`` somewhere in scope (else 403)."""

    permission_action = VIEW

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not has_perm(request.user, self.permission_action, None):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

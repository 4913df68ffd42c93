from django.db import models

from .permissions import VIEW
from .scope import scope_q


class ScopedQuerySet(models.QuerySet):
    """A queryset whose rows belong to a unit; ``restrict`` keeps the rows in the user's scope.

    Subclasses name the path lookup of the owning unit in ``scope_path_field``.
    """

    scope_path_field = "unit__path"

    def restrict(self, user, action: str = VIEW):
        q = scope_q(user, action, self.scope_path_field)
        return self if q is None else self.filter(q)

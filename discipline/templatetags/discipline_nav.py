"""``{% discipline_visible as x %}``: may the current user see discipline cases somewhere (no query: the scope is
cached on the user)? Used by the side navigation, which shows 纪律 only to those users (cases are confidential)."""
from django import template

from branches.permissions import DISCIPLINE_VIEW
from branches.scope import has_perm

register = template.Library()


@register.simple_tag(takes_context=True)
def discipline_visible(context) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and has_perm(user, DISCIPLINE_VIEW, None))

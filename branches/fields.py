"""Form fields and filters shared by every app: unit dropdowns that read as the tree, rendered fast."""
from __future__ import annotations

import django_filters
from django import forms
from django.forms.utils import flatatt
from html import escape as _html_escape

from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .choices import UnitKind
from .models import Unit
from .permissions import VIEW
from .scope import scope_paths


class FastSelect(forms.Select):
    """A <select> whose options are built in Python.

    Django renders each option through a template (about 0.3 ms each); a committee's unit dropdown has
    hundreds of options, so the stock widget alone cost ~200 ms per page on the large demo data.
    """

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        final_attrs["name"] = name
        selected = {str(v) for v in self.format_value(value)}
        parts = [f"<select{flatatt(final_attrs)}>"]
        for option_value, option_label in self.choices:
            if isinstance(option_label, (list, tuple)):  # an optgroup
                parts.append(f'<optgroup label="{escape(option_value)}">')
                parts.extend(self._option(v, label, selected) for v, label in option_label)
                parts.append("</optgroup>")
            else:
                parts.append(self._option(option_value, option_label, selected))
        parts.append("</select>")
        return mark_safe("".join(parts))

    @staticmethod
    def _option(value, label, selected: set[str]) -> str:
        value = "" if value is None else str(value)
        flag = " selected" if value in selected else ""
        return f'<option value="{escape(value)}"{flag}>{escape(label)}</option>'


def escape(value) -> str:
    """HTML-escape ``value`` (a str or a lazy translation): the stdlib function, without Django's lazy wrapper
    around ``django.utils.html.escape`` (which cost a few microseconds per option)."""
    return _html_escape(str(value), quote=True)


class FastChoiceFilter(django_filters.ChoiceFilter):
    """A django-filter ChoiceFilter rendered with :class:`FastSelect` (a list page has several of them)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", FastSelect)
        super().__init__(*args, **kwargs)


def scope_base_depth(user, action) -> int:
    """Depth of the shallowest unit in the user's scope, for indenting dropdowns from the scope's top."""
    paths = scope_paths(user, action)
    if not paths:
        return 1
    return min(len(p) for p in paths) // Unit.steplen


class _UnitChoiceIterator(forms.models.ModelChoiceIterator):
    """Choices straight from ``values_list``: building 700+ Unit instances just for their labels cost ~9 ms."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for row in self.queryset.values_list("pk", "depth", "name", "code", "kind", "dissolved_on"):
            yield (row[0], self.field.label_for(*row[1:]))


class UnitChoiceField(forms.ModelChoiceField):
    """Units indented by depth below ``base_depth`` so the dropdown reads as the tree.

    ``show_code`` adds "(code · kind)"; dissolved units are marked.
    """

    widget = FastSelect
    iterator = _UnitChoiceIterator

    def __init__(self, *args, base_depth: int = 1, show_code: bool = False, **kwargs):
        self.base_depth = base_depth
        self.show_code = show_code
        super().__init__(*args, **kwargs)

    def label_for(self, depth: int, name: str, code: str, kind: str, dissolved_on) -> str:
        label = "\u3000" * max(0, depth - self.base_depth) + name
        if self.show_code:
            label += f" ({code} · {UnitKind(kind).label})"
        if dissolved_on:
            label += " (%s)" % _("dissolved")
        return label

    def label_from_instance(self, obj: Unit) -> str:
        return self.label_for(obj.depth, obj.name, obj.code, obj.kind, obj.dissolved_on)


class UnitSubtreeFilter(django_filters.ModelChoiceFilter):
    """Pick a unit, keep rows of that unit and everything below it (a path prefix: one WHERE clause)."""

    field_class = UnitChoiceField

    def __init__(self, *args, path_field: str = "unit__path", **kwargs):
        self.path_field = path_field
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.path_field}__startswith": value.path})


class ScopedFilterSet(django_filters.FilterSet):
    """A FilterSet of a page within the user's scope: its ``unit`` dropdown (if any) indents from the top of the
    scope of ``scope_action``, and ``is_filtered`` says whether the user asked for anything (an empty result then
    means "no match", not "nothing here")."""

    scope_action = VIEW

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        if request is not None and "unit" in self.filters:
            self.filters["unit"].extra["base_depth"] = scope_base_depth(request.user, self.scope_action)

    @property
    def is_filtered(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in self.filters)


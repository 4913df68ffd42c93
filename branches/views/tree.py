"""The org tree: the tree page, a unit's page, and the unit actions (create, edit, move, merge,
dissolve, new committee term). Each write view calls one service, then messages and redirects."""
from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.generic import DetailView, FormView, TemplateView

from .. import registry, selectors, services
from ..audit import history_for
from ..forms import TermForm, UnitDissolveForm, UnitForm, UnitMergeForm, UnitMoveForm, add_service_errors
from ..models import ALLOWED_CHILDREN, Unit
from ..permissions import UNIT_CHANGE, UNIT_MANAGE
from ..scope import get_scoped_or_404, has_perm, is_unrestricted
from ..warnings import unit_warnings
from .mixins import ActionRequiredMixin, ScopedViewMixin


def _count_badges(columns) -> Callable[[dict], str]:
    """A renderer of head-count badges: the markup of each column is escaped once per page, not per node
    (a large committee has hundreds of nodes)."""
    parts = [(col.key, format_html(
        '<span class="badge {}" title="{}"><span class="d-none d-sm-inline">{}</span><i class="bi bi-{} d-sm-none">'
        '</i> <span data-count="{}">', col.css, col.label, col.label, col.icon, col.key)) for col in columns]

    def render(counts: dict) -> str:
        return mark_safe(" ".join(f"{html}{int(counts.get(key, 0))}</span></span>" for key, html in parts))

    return render


def _tree_html(nodes, count_columns) -> str:
    """The nested list of the tree, built in Python: a committee has hundreds of nodes, and a template loop
    cost ~0.12 ms per node (90 ms on the large demo data) where this costs a tenth of that. Labels are
    escaped once per page; names and codes once per node."""
    badges = _count_badges(count_columns)
    url_pattern = reverse("branches:unit_detail", args=[987654321]).replace("987654321", "{}")
    kind_labels = {}
    league = format_html(' <span class="badge text-bg-success"><i class="bi bi-flag"></i> {}</span>', _("League"))
    dissolved_label = escape(_("Dissolved"))
    matched_css = ' class="fw-bold bg-warning-subtle px-1 rounded"'
    out = ["<ul>"]
    for node in nodes:
        u = node.unit
        if u.kind not in kind_labels:
            kind_labels[u.kind] = format_html('<span class="badge {}">{}</span>', node.kind_css, u.get_kind_display())
        row = [
            "<li>" if node.has_children else '<li class="leaf">',
            ("<details open><summary>" if node.open else "<details><summary>") if node.has_children else "",
            f'<span class="node-row{" text-muted" if u.dissolved_on else ""}" data-unit="{u.pk}">',
            kind_labels[u.kind],
            league if u.system == "league" else "",
            (f' <span class="badge text-bg-secondary" data-testid="dissolved"><i class="bi bi-archive"></i> '
             f'{dissolved_label} {u.dissolved_on:%Y-%m-%d}</span>') if u.dissolved_on else "",
            f'\n<a href="{url_pattern.format(u.pk)}"{matched_css if node.matched else ""}>{escape(u.name)}</a>',
            f'\n<code class="small text-muted d-none d-sm-inline">{escape(u.code)}</code>\n',
            f'<span class="counts ms-md-auto">{badges(node.counts)}</span>' if node.counts else "",
            "</span>",
            "</summary><ul>" if node.has_children else "</li>" + "</ul></details></li>" * len(node.closes),
        ]
        out.append("".join(row))
    out.append("</ul>")
    return mark_safe("\n".join(out))


class UnitTreeView(ActionRequiredMixin, TemplateView):
    template_name = "branches/unit_tree.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        show_dissolved = self.request.GET.get("show_dissolved") in ("1", "on", "true")
        ctx.update(selectors.unit_tree(self.request.user, q=self.request.GET.get("q", ""),
                                       show_dissolved=show_dissolved))
        ctx["tree_html"] = _tree_html(ctx["nodes"], ctx["count_columns"])
        ctx["show_dissolved"] = show_dissolved
        ctx["title"] = _("Organization")
        ctx["can_add_root"] = is_unrestricted(self.request.user)
        return ctx


class UnitDetailView(ScopedViewMixin, DetailView):
    model = Unit
    template_name = "branches/unit_detail.html"
    context_object_name = "unit"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, unit = self.request.user, self.object
        children = selectors.unit_children(unit)
        counts = registry.counts_for([unit, *children])
        for child in children:
            child.cells = selectors.count_cells(counts.get(child.pk), child)
        terms = selectors.unit_terms(unit)
        current = next((t for t in terms if t.ended_on is None), None)
        can_change = has_perm(user, UNIT_CHANGE, unit) and not unit.is_dissolved
        can_manage = has_perm(user, UNIT_MANAGE, unit) and not unit.is_dissolved
        ctx.update({
            "title": unit.name,
            "breadcrumbs": selectors.unit_breadcrumbs(user, unit),
            "children": children,
            "unit_cells": selectors.count_cells(counts.get(unit.pk), unit),
            "warnings": unit_warnings([unit]),
            "current_term": current,
            "past_terms": [t for t in terms if t is not current],
            "positions_enabled": registry.term_positions.is_registered,
            "history": history_for(unit),
            "can_edit": has_perm(user, UNIT_CHANGE, unit),
            "can_change": can_change,
            "can_manage": can_manage,
            "can_add_child": can_manage and bool(ALLOWED_CHILDREN.get(unit.kind)),
            "can_add_term": can_change and unit.kind != "party_group",
            "today": timezone.localdate(),
        })
        return ctx


class _UnitActionMixin(ScopedViewMixin):
    """A write on one unit: scoped fetch (404), ``permission_action`` on it (403), never on a dissolved unit."""

    model = Unit
    permission_action = UNIT_MANAGE
    allow_dissolved = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.unit = self.get_object()
        if self.unit.is_dissolved and not self.allow_dissolved:
            messages.error(request, _("%(u)s has been dissolved.") % {"u": self.unit})
            return HttpResponseRedirect(self.unit.get_absolute_url())
        return super().dispatch(request, *args, **kwargs)

    def crumbs(self, label):
        return selectors.unit_breadcrumbs(self.request.user, self.unit, tail=[(None, label)])


class UnitCreateView(ActionRequiredMixin, FormView):
    """New unit under ``?parent=<pk>`` (UNIT_MANAGE on the parent); a new root only for a superuser."""

    template_name = "generic/form.html"
    form_class = UnitForm
    permission_action = UNIT_MANAGE

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        raw = request.GET.get("parent") or request.POST.get("parent") or ""
        self.parent = None
        if raw:
            if not raw.isdigit():
                raise Http404
            self.parent = get_scoped_or_404(Unit.objects.all(), request.user, UNIT_MANAGE, pk=int(raw))
            if self.parent.is_dissolved:
                messages.error(request, _("%(p)s has been dissolved; new units cannot be added under it.")
                               % {"p": self.parent})
                return HttpResponseRedirect(self.parent.get_absolute_url())
            if not ALLOWED_CHILDREN.get(self.parent.kind):
                messages.error(request, _("A %(k)s cannot hold other units.") % {"k": self.parent.get_kind_display()})
                return HttpResponseRedirect(self.parent.get_absolute_url())
        elif not is_unrestricted(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "parent": self.parent}

    def form_valid(self, form):
        try:
            unit = services.unit_create(actor=self.request.user, parent=self.parent, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("%(u)s was created.") % {"u": unit})
        return HttpResponseRedirect(unit.get_absolute_url())

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if self.parent is not None:
            ctx["title"] = _("New unit under %(p)s") % {"p": self.parent}
            ctx["cancel_url"] = self.parent.get_absolute_url()
            ctx["breadcrumbs"] = selectors.unit_breadcrumbs(self.request.user, self.parent,
                                                            tail=[(None, _("New unit"))])
        else:
            ctx["title"] = _("New top-level committee")
            ctx["cancel_url"] = reverse("branches:unit_tree")
            ctx["breadcrumbs"] = [(reverse("branches:unit_tree"), _("Organization")), (None, _("New unit"))]
        return ctx


class UnitEditView(_UnitActionMixin, FormView):
    template_name = "generic/form.html"
    form_class = UnitForm
    permission_action = UNIT_CHANGE
    allow_dissolved = True

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.unit, "parent": Unit.objects.get_parent(self.unit)}

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        if not has_perm(self.request.user, UNIT_MANAGE, self.unit):
            form.fields["kind"].disabled = True  # changing the kind is a structural change
            form.fields["kind"].help_text = _("Only an administrator of the superior unit can change the kind.")
        return form

    def form_valid(self, form):
        fields = {name: form.cleaned_data[name] for name in form.changed_data if name in services.UNIT_EDITABLE_FIELDS}
        try:
            unit = services.unit_update(actor=self.request.user, unit=self.unit, **fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("%(u)s was saved.") % {"u": unit})
        return HttpResponseRedirect(unit.get_absolute_url())

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(title=_("Edit %(u)s") % {"u": self.unit}, cancel_url=self.unit.get_absolute_url(),
                   breadcrumbs=self.crumbs(_("Edit")))
        return ctx


class _TwoStepView(_UnitActionMixin, FormView):
    """Choose (generic/form.html), then confirm (generic/confirm.html) saying what will happen, then act."""

    template_name = "generic/form.html"
    confirm_template = "generic/confirm.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "unit": self.unit, "user": self.request.user}

    def check(self, form):  # raise ValidationError when the action is refused
        raise NotImplementedError

    def act(self, form):  # call the service; return the redirect URL
        raise NotImplementedError

    def confirm_message(self, form) -> str:
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.check(form)
            if not form.cleaned_data.get("confirmed"):
                return render(self.request, self.confirm_template, {
                    "title": self.get_title(), "message": self.confirm_message(form),
                    "form": form.as_confirmation(), "cancel_url": self.unit.get_absolute_url(),
                    "submit_label": self.submit_label, "danger": True, "breadcrumbs": self.crumbs(self.get_title()),
                })
            url = self.act(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        return HttpResponseRedirect(url)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(title=self.get_title(), cancel_url=self.unit.get_absolute_url(), submit_label=_("Continue"),
                   breadcrumbs=self.crumbs(self.get_title()), help_text=self.help_text())
        return ctx

    def help_text(self):
        return ""


class UnitMoveView(_TwoStepView):
    form_class = UnitMoveForm
    submit_label = _("Move")

    def get_title(self):
        return _("Move %(u)s") % {"u": self.unit}

    def help_text(self):
        return _("The unit moves with everything below it: child units, people and records.")

    def check(self, form):
        target = form.cleaned_data["parent"]
        services.unit_move_check(self.unit, target)
        if not has_perm(self.request.user, UNIT_MANAGE, target):
            raise ValidationError({"parent": _("You may not manage %(p)s.") % {"p": target}})

    def confirm_message(self, form):
        target = form.cleaned_data["parent"]
        below = Unit.objects.filter(path__startswith=self.unit.path).exclude(pk=self.unit.pk).count()
        return _("%(u)s (%(code)s) will move under %(p)s (%(pcode)s), together with %(below)s. Its people and "
                 "records stay with it.") % {
            "u": self.unit, "code": self.unit.code, "p": target, "pcode": target.code,
            "below": ngettext("%(n)d unit below it", "%(n)d units below it", below) % {"n": below}}

    def act(self, form):
        unit = services.unit_move(actor=self.request.user, unit=self.unit, parent=form.cleaned_data["parent"],
                                  note=form.cleaned_data.get("note", ""))
        messages.success(self.request, _("%(u)s was moved under %(p)s.")
                         % {"u": unit, "p": form.cleaned_data["parent"]})
        return unit.get_absolute_url()


class UnitMergeView(_TwoStepView):
    form_class = UnitMergeForm
    submit_label = _("Merge")

    def get_title(self):
        return _("Merge %(u)s into another unit") % {"u": self.unit}

    def help_text(self):
        return _("Everything of this unit moves to the unit you choose; this unit is then dissolved and stays "
                 "readable as history.")

    def check(self, form):
        target = form.cleaned_data["target"]
        services.unit_merge_check(self.unit, target)
        if not has_perm(self.request.user, UNIT_MANAGE, target):
            raise ValidationError({"target": _("You may not manage %(t)s.") % {"t": target}})
        on = form.cleaned_data["merged_on"]
        if on > timezone.localdate():
            raise ValidationError({"merged_on": _("The date cannot be in the future.")})
        if self.unit.established_on and on < self.unit.established_on:
            raise ValidationError({"merged_on": _("The dissolution date cannot be before the establishment date.")})

    def confirm_message(self, form):
        target = form.cleaned_data["target"]
        children = Unit.objects.filter(path__startswith=self.unit.path, depth=self.unit.depth + 1).active().count()
        people = registry.unit_active_people(self.unit)
        parts = []
        if children:
            parts.append(ngettext("%(n)d child unit", "%(n)d child units", children) % {"n": children})
        if people:
            parts.append(ngettext("%(n)d person on the roll or in the pipeline",
                                  "%(n)d people on the roll or in the pipeline", people) % {"n": people})
        moving = (_("%(a)s and %(b)s") % {"a": parts[0], "b": parts[1]} if len(parts) == 2
                  else parts[0] if parts else _("no child units and no people"))
        return _("%(u)s will be merged into %(t)s on %(d)s: %(moving)s move to %(t)s, current appointments are "
                 "transferred, and %(u)s is dissolved. This cannot be undone.") % {
            "u": self.unit, "t": target, "d": form.cleaned_data["merged_on"].isoformat(), "moving": moving}

    def act(self, form):
        target = form.cleaned_data["target"]
        services.unit_merge(actor=self.request.user, unit=self.unit, target=target,
                            on=form.cleaned_data["merged_on"], note=form.cleaned_data.get("note", ""))
        messages.success(self.request, _("%(u)s was merged into %(t)s.") % {"u": self.unit, "t": target})
        return target.get_absolute_url()


class UnitDissolveView(_UnitActionMixin, FormView):
    template_name = "generic/confirm.html"
    form_class = UnitDissolveForm

    def get(self, request, *args, **kwargs):
        try:
            services.unit_dissolve_check(self.unit)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(self.unit.get_absolute_url())
        return super().get(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            unit = services.unit_dissolve(actor=self.request.user, unit=self.unit,
                                          on=form.cleaned_data["dissolved_on"], note=form.cleaned_data["note"])
        except ValidationError as exc:
            if getattr(exc, "code", None) == "not_empty":
                messages.error(self.request, " ".join(exc.messages))
                return HttpResponseRedirect(self.unit.get_absolute_url())
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("%(u)s was dissolved on %(d)s.") % {"u": unit, "d": unit.dissolved_on})
        return HttpResponseRedirect(unit.get_absolute_url())

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        title = _("Dissolve %(u)s") % {"u": self.unit}
        ctx.update(title=title, danger=True, submit_label=_("Dissolve"), cancel_url=self.unit.get_absolute_url(),
                   breadcrumbs=self.crumbs(_("Dissolve")),
                   message=_("%(u)s (%(code)s) will be marked dissolved on the date below. It stays readable with its "
                             "history; its current committee term and appointments end. This cannot be undone.")
                   % {"u": self.unit, "code": self.unit.code})
        return ctx


class TermCreateView(_UnitActionMixin, FormView):
    """Record a newly elected committee term; the current one ends on the new start date."""

    template_name = "generic/form.html"
    form_class = TermForm
    permission_action = UNIT_CHANGE

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "default_years": services.default_term_years(self.unit)}

    def form_valid(self, form):
        try:
            term = services.term_create(actor=self.request.user, unit=self.unit, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("The new committee term runs from %(s)s to %(e)s.")
                         % {"s": term.start_date, "e": term.end_date})
        return HttpResponseRedirect(self.unit.get_absolute_url() + "#committee")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        current = self.unit.committee_terms.filter(ended_on__isnull=True).first()
        help_text = _("Record the committee elected at the branch general meeting. Village and community units "
                      "usually serve 5 years, others 3.")
        if current:
            help_text = f"{help_text} " + _("The current term (%(s)s to %(e)s) will end on the new start date and "
                                            "stays in the history.") % {"s": current.start_date, "e": current.end_date}
        ctx.update(title=_("New committee term for %(u)s") % {"u": self.unit}, cancel_url=self.unit.get_absolute_url(),
                   breadcrumbs=self.crumbs(_("New committee term")), help_text=help_text)
        return ctx


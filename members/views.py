"""Pages of the member roll: list (with export), person page, create/edit, Excel import."""
from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, FormView, TemplateView, UpdateView
from django_tables2 import RequestConfig

from branches import registry
from branches.choices import UnitKind
from branches.context_processors import CURRENT_UNIT_SESSION_KEY, get_current_unit
from branches.forms import add_service_errors
from branches.models import Unit
from branches.permissions import MEMBER_CHANGE, MEMBER_IMPORT
from branches.scope import has_perm
from branches.tables import paginate_leniently
from branches.views.mixins import ActionRequiredMixin, ScopedViewMixin

from . import importers
from .choices import MEMBER_STATUSES
from .exporters import export_people, import_template, xlsx_response
from .filters import PersonFilter
from .forms import ImportConfirmForm, ImportUploadForm, PersonForm
from .models import Person
from .selectors import (
    citizen_id_for,
    citizen_id_visibility,
    person_committee_positions,
    person_history,
    person_list,
    person_unit_choices,
    unit_breadcrumbs,
)
from .services import PersonImportError, person_create, person_import_rows, person_update
from .tables import PersonTable, status_badge

logger = logging.getLogger(__name__)

PER_PAGE = 25
IMPORT_SESSION_KEY = "member_imports"          # {token: original file name} for uploads awaiting step 2
IMPORT_RESULT_SESSION_KEY = "member_import_result"
IMPORT_SESSION_MAX = 10
DUPLICATE_ID_MESSAGE = gettext_lazy("This citizen ID was registered at the same moment by someone else.")


# ---------------------------------------------------------------------------------------------------------
# The roll
# ---------------------------------------------------------------------------------------------------------

class PersonTableMixin:
    """The filtered, sorted roll of the request, shared by the page and the Excel export."""

    def get_filter(self) -> PersonFilter:
        data = self.request.GET or None
        if data is None and self.request.session.get(CURRENT_UNIT_SESSION_KEY):
            # Opened without filters after choosing a unit in the top bar: show that unit's roll.
            current = get_current_unit(self.request)
            if current is not None:
                data = QueryDict(mutable=True)
                data["unit"] = str(current.pk)
        return PersonFilter(data, queryset=person_list(self.request.user), request=self.request)

    def get_table(self, person_filter: PersonFilter, paginate: bool) -> PersonTable:
        qs = person_filter.qs if (not person_filter.is_bound or person_filter.is_valid()) else Person.objects.none()
        table = PersonTable(qs, can_see_id=citizen_id_visibility(self.request.user))
        RequestConfig(self.request, paginate=False).configure(table)      # sorting from ?sort=
        if paginate:
            # A fixed page size (no ?per_page=): a bad or past-the-end ?page= shows the first / last page.
            paginate_leniently(table, self.request, per_page=PER_PAGE)
        return table


class PersonListView(PersonTableMixin, ActionRequiredMixin, TemplateView):
    """The roll: search, filters, sort, 25 per page; a fixed number of queries whatever the rows."""

    template_name = "members/person_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        person_filter = self.get_filter()
        table = self.get_table(person_filter, paginate=True)
        can_add = has_perm(user, MEMBER_CHANGE, None)
        can_import = has_perm(user, MEMBER_IMPORT, None)
        actions = []
        if can_add:
            actions.append((reverse("members:person_create"), _("Add member"), "person-plus"))
        if can_import:
            actions.append((reverse("members:person_import"), _("Import from Excel"), "upload"))
        query = self.request.GET.copy()
        query.pop(table.prefixed_page_field, None)
        export_url = reverse("members:person_export") + (f"?{query.urlencode()}" if query else "")
        ctx.update(title=_("Members"), table=table, filter=person_filter, result_count=table.paginator.count,
                   actions=actions, export_url=export_url, can_add=can_add, can_import=can_import)
        return ctx


class PersonExportView(PersonTableMixin, ActionRequiredMixin, View):
    """The filtered roll, all pages, as .xlsx; IDs masked unless the user may see them."""

    def get(self, request):
        table = self.get_table(self.get_filter(), paginate=False)
        people = table.data.data
        if hasattr(people, "iterator"):
            people = people.iterator(chunk_size=2000)
        content = export_people(people, can_see_id=citizen_id_visibility(request.user))
        return xlsx_response(content, f"党员名册-{timezone.localdate():%Y%m%d}.xlsx")


class PersonDetailView(ScopedViewMixin, DetailView):
    model = Person
    template_name = "members/person_detail.html"
    context_object_name = "person"

    def get_queryset(self):
        return person_list(self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, person = self.request.user, self.object
        citizen_id = citizen_id_for(user, person)
        ctx.update(
            title=person.name,
            breadcrumbs=[*unit_breadcrumbs(user, person.unit), (None, person.name)],
            citizen_id_display=citizen_id,
            citizen_id_masked=citizen_id != person.citizen_id,
            status_badge=status_badge(person),
            can_edit=has_perm(user, MEMBER_CHANGE, person.unit),
            on_roll_statuses=MEMBER_STATUSES,
            positions=person_committee_positions(person),
            history=person_history(user, person),
            panels=sorted(registry.person_panels(user, person, timezone.localdate()), key=lambda p: p.order),
        )
        return ctx


# ---------------------------------------------------------------------------------------------------------
# Create and edit
# ---------------------------------------------------------------------------------------------------------

class PersonFormMixin:
    form_class = PersonForm
    template_name = "members/person_form.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def save(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        unit = form.cleaned_data.get("unit")
        if unit is None or not has_perm(self.request.user, MEMBER_CHANGE, unit):   # the dropdown is scoped too
            form.add_error("unit", _("You may not add people to this unit."))
            return self.form_invalid(form)
        try:
            person = self.save(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        except IntegrityError:
            logger.info("person save: integrity error", exc_info=True)
            form.add_error("citizen_id", DUPLICATE_ID_MESSAGE)
            return self.form_invalid(form)
        return self.success(person)


class PersonCreateView(PersonFormMixin, ActionRequiredMixin, FormView):
    """New person; ``?unit=<pk>`` preselects a unit (a party group preselects its branch and the group)."""

    permission_action = MEMBER_CHANGE

    def get_initial(self):
        initial = super().get_initial()
        pk = self.request.GET.get("unit", "")
        if pk.isdigit():
            unit = Unit.objects.restrict(self.request.user, MEMBER_CHANGE).active().filter(pk=pk).first()
            if unit is not None and unit.kind == UnitKind.PARTY_GROUP:
                initial["party_group"] = unit.pk
                unit = Unit.objects.get_parent(unit)
            if unit is not None:
                initial["unit"] = unit.pk
        return initial

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(title=_("Add member"), cancel_url=reverse("members:person_list"),
                   breadcrumbs=[(reverse("members:person_list"), _("Members")), (None, _("Add member"))])
        return ctx

    def save(self, form):
        return person_create(actor=self.request.user, **form.service_fields())

    def success(self, person):
        messages.success(self.request, _("%(name)s has been added to the roll.") % {"name": person.name})
        return redirect(person)


class PersonEditView(PersonFormMixin, ScopedViewMixin, UpdateView):
    """Edit a person: 404 out of scope, 403 without MEMBER_CHANGE on the person's unit."""

    model = Person
    permission_action = MEMBER_CHANGE

    def get_queryset(self):
        return person_list(self.request.user)

    def get_object(self, queryset=None):
        person = super().get_object(queryset)
        # Taken before the form binds: a rejected form must not show the typed name or unit in the page frame.
        self.frame = {
            "title": _("Edit %(name)s") % {"name": person.name},
            "cancel_url": person.get_absolute_url(),
            "breadcrumbs": [*unit_breadcrumbs(self.request.user, person.unit),
                            (person.get_absolute_url(), person.name), (None, _("Edit"))],
        }
        return person

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(self.frame)
        return ctx

    def save(self, form):
        return person_update(actor=self.request.user, person=self.object, **form.service_fields())

    def success(self, person):
        messages.success(self.request, _("The changes to %(name)s have been saved.") % {"name": person.name})
        return redirect(person)


# ---------------------------------------------------------------------------------------------------------
# Excel import
# ---------------------------------------------------------------------------------------------------------

class PersonImportTemplateView(ActionRequiredMixin, View):
    permission_action = MEMBER_IMPORT

    def get(self, request):
        units = person_unit_choices(request.user, MEMBER_IMPORT)
        example = units.filter(kind=UnitKind.BRANCH).first() or units.first()
        content = import_template(unit_code=example.code if example else "")
        return xlsx_response(content, "党员名册导入模板.xlsx")


class PersonImportView(ActionRequiredMixin, View):
    """Step 1: upload and check every row (nothing saved). Step 2: import, all valid rows or none."""

    permission_action = MEMBER_IMPORT
    template_name = "members/person_import.html"

    # -- helpers ------------------------------------------------------------------------------------------
    def render_page(self, **ctx):
        ctx.setdefault("upload_form", ImportUploadForm())
        ctx.update(
            title=_("Import members from Excel"),
            breadcrumbs=[(reverse("members:person_list"), _("Members")), (None, _("Import from Excel"))],
            columns=importers.COLUMNS,
            max_rows=importers.MAX_ROWS,
        )
        return render(self.request, self.template_name, ctx)

    def pending(self) -> dict:
        return self.request.session.get(IMPORT_SESSION_KEY, {})

    def remember(self, token, filename: str) -> None:
        pending = dict(self.pending())
        pending[str(token)] = filename
        while len(pending) > IMPORT_SESSION_MAX:          # the oldest first (dicts keep insertion order)
            stale = next(iter(pending))
            importers.delete_upload(stale)
            pending.pop(stale)
        self.request.session[IMPORT_SESSION_KEY] = pending

    def forget(self, token) -> None:
        pending = dict(self.pending())
        pending.pop(str(token), None)
        self.request.session[IMPORT_SESSION_KEY] = pending
        importers.delete_upload(token)

    def validate(self, token):
        fileobj = importers.open_upload(token)
        if fileobj is None:
            return None
        with fileobj:
            return importers.validate_workbook(fileobj, user=self.request.user)

    def render_report(self, token, report, **extra):
        return self.render_page(report=report, token=str(token), filename=self.pending().get(str(token), ""),
                           errors=report.errors[:500], more_errors=max(0, len(report.errors) - 500),
                           preview=report.valid_rows[:100], **extra)

    # -- the two steps ------------------------------------------------------------------------------------
    def get(self, request):
        result = request.session.pop(IMPORT_RESULT_SESSION_KEY, None) if request.GET.get("done") else None
        if result:
            people = person_list(request.user).filter(pk__in=result["ids"]).order_by("unit__path", "name", "pk")
            return render(request, "members/person_import_done.html", {
                "title": _("Import finished"), "result": result, "people": people[:200],
                "breadcrumbs": [(reverse("members:person_list"), _("Members")), (None, _("Import finished"))],
            })
        return self.render_page()

    def post(self, request):
        if "token" in request.POST:
            return self.post_import(request)
        form = ImportUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_page(upload_form=form)
        upload = form.cleaned_data["file"]
        try:
            token = importers.store_upload(upload)
        except OSError:
            logger.exception("member import: cannot store the upload")
            form.add_error("file", _("The file could not be stored on the server; try again or tell the "
                                     "administrator."))
            return self.render_page(upload_form=form)
        self.remember(token, upload.name)
        report = self.validate(token)
        return self.render_report(token, report)

    def post_import(self, request):
        confirm = ImportConfirmForm(request.POST)
        token = confirm.cleaned_data["token"] if confirm.is_valid() else None
        if token is None or str(token) not in self.pending():
            messages.error(request, _("The uploaded file is no longer available; upload it again."))
            return self.render_page()
        report = self.validate(token)
        if report is None:
            self.forget(token)
            messages.error(request, _("The uploaded file is no longer available; upload it again."))
            return self.render_page()
        valid_only = confirm.cleaned_data["valid_only"]
        expected = confirm.cleaned_data["expected"]
        if not report.can_import or (report.has_errors and not valid_only):
            messages.error(request, _("Nothing was imported: correct the errors below, or import the valid rows only."))
            return self.render_report(token, report)
        if expected is not None and expected != len(report.valid_rows):
            messages.warning(request, _("The check gives a different result from before (someone may have changed "
                                        "the roll meanwhile). Nothing was imported; review the result and confirm "
                                        "again."))
            return self.render_report(token, report)
        filename = self.pending().get(str(token), "")
        try:
            created = person_import_rows(actor=request.user, rows=[(r.number, r.fields) for r in report.valid_rows],
                                         source=filename)
        except PersonImportError as exc:
            messages.error(request, _("Nothing was imported: row %(row)d could not be saved (%(problem)s). "
                                      "All rows have been rolled back.")
                           % {"row": exc.row, "problem": "; ".join(exc.messages)})
            return self.render_report(token, report, import_error=exc)
        self.forget(token)
        skipped = len(report.error_rows)
        request.session[IMPORT_RESULT_SESSION_KEY] = {
            "count": len(created), "skipped": skipped, "filename": filename, "ids": [p.pk for p in created],
        }
        messages.success(request, _("%(n)d people imported.") % {"n": len(created)})
        return redirect(reverse("members:person_import") + "?done=1")


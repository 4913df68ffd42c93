"""Pages of transfers of organizational relation (组织关系转接); the rules live in members/transfers.py.

Scope: a transfer is visible to users who may view either side (404 otherwise). Writes need MEMBER_CHANGE on
the side that acts (403 otherwise): the sender issues, cancels and records the receipt; the receiver accepts
or returns; an incoming letter is registered into one of the user's units.
"""
from __future__ import annotations

import logging

import django_tables2 as tables
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views import View
from django.views.generic import TemplateView

from branches.audit import history_for, mask_entry
from branches.forms import add_service_errors
from branches.pdf import render_pdf
from branches.permissions import MEMBER_CHANGE, MEMBER_VIEW_SENSITIVE, VIEW
from branches.scope import get_scoped_or_404, has_perm, require_perm, scope_paths, scope_q
from branches.tables import paginate_leniently
from branches.views.mixins import ActionRequiredMixin

from .choices import MEMBER_STATUSES
from .forms_transfer import (TRANSFER_TABS, IncomingExistingForm, IncomingLetterForm, IncomingPersonForm,
                             TransferFilterForm, TransferIssueForm, TransferReasonForm, TransferReceiptForm)
from .models import Transfer, TransferKind, TransferStatus
from .selectors import person_list, unit_breadcrumbs
from .transfers import (expired_q, is_expired, may_accept, may_cancel, may_record_receipt, open_transfer,
                        transfer_accept, transfer_cancel, transfer_issue, transfer_list, transfer_record_receipt,
                        transfer_register_incoming, transfer_return)
from .views_print import GENDER_ZH, STATUS_ZH

logger = logging.getLogger(__name__)

PER_PAGE = 25
STATUS_BADGES = {
    TransferStatus.PENDING: "text-bg-warning",
    TransferStatus.ACCEPTED: "text-bg-success",
    TransferStatus.RETURNED: "text-bg-secondary",
    TransferStatus.ISSUED: "text-bg-info",
    TransferStatus.RECEIPTED: "text-bg-success",
    TransferStatus.REGISTERED: "text-bg-success",
    TransferStatus.CANCELLED: "text-bg-light border",
}


def _list_crumbs(*tail):
    return [(reverse("members:person_list"), _("Members")), (reverse("members:transfer_list"), _("Transfers")), *tail]


def _path_checker(user, action):
    """unit -> bool without a query per row (the scope is read once)."""
    paths = scope_paths(user, action)
    if paths is None:
        return lambda unit: True
    prefixes = tuple(paths)
    return lambda unit: bool(prefixes) and unit is not None and unit.path.startswith(prefixes)


def status_badge(transfer: Transfer, today=None):
    html = format_html('<span class="badge {}" data-status="{}">{}</span>',
                       STATUS_BADGES.get(transfer.status, "text-bg-light"), transfer.status,
                       transfer.get_status_display())
    if is_expired(transfer, today):
        html += format_html(' <span class="badge text-bg-danger" data-testid="expired-badge">{}</span>', _("expired"))
    return html


# ---------------------------------------------------------------------------------------------------------
# List
# ---------------------------------------------------------------------------------------------------------

class TransferTable(tables.Table):
    number = tables.Column(verbose_name=gettext_lazy("Letter number"), order_by=("number",),
                           linkify=lambda record: reverse("members:transfer_detail", args=[record.pk]),
                           attrs={"td": {"class": "text-nowrap font-monospace"}})
    person = tables.Column(verbose_name=gettext_lazy("Name"), order_by=("person__name", "pk"),
                           attrs={"td": {"class": "text-nowrap fw-semibold"}})
    kind = tables.Column(verbose_name=gettext_lazy("Kind"), attrs={"th": {"class": "d-none d-md-table-cell"},
                                                                   "td": {"class": "d-none d-md-table-cell"}})
    from_unit = tables.Column(verbose_name=pgettext_lazy("transfer: sending unit", "From"), order_by=("from_unit__path", "external_org"),
                              empty_values=())
    to_unit = tables.Column(verbose_name=pgettext_lazy("transfer: receiving unit", "To"), order_by=("to_unit__path", "external_org"),
                            empty_values=())
    issued_on = tables.Column(verbose_name=gettext_lazy("Issued on"),
                              attrs={"th": {"class": "d-none d-md-table-cell"},
                                     "td": {"class": "d-none d-md-table-cell text-nowrap"}})
    valid_until = tables.Column(verbose_name=gettext_lazy("Valid until"),
                                attrs={"th": {"class": "d-none d-lg-table-cell"},
                                       "td": {"class": "d-none d-lg-table-cell text-nowrap"}})
    status = tables.Column(verbose_name=gettext_lazy("Status"))

    class Meta:
        model = Transfer
        fields = ("number", "person", "kind", "from_unit", "to_unit", "issued_on", "valid_until", "status")
        sequence = fields
        order_by = ("-issued_on",)
        empty_text = gettext_lazy("No transfers match.")
        attrs = {"class": "table table-sm table-hover align-middle", "data-testid": "transfer-table"}

    def __init__(self, *args, can_view_person=None, **kwargs):
        self.can_view_person = can_view_person or (lambda unit: False)
        self.today = timezone.localdate()
        super().__init__(*args, **kwargs)

    def render_person(self, record):
        if self.can_view_person(record.person.unit):
            return format_html('<a href="{}">{}</a>', record.person.get_absolute_url(), record.person.name)
        return record.person.name

    def render_kind(self, record):
        return record.get_kind_display()

    def render_from_unit(self, record):
        return record.from_unit.display_name if record.from_unit_id else (record.external_org or "—")

    def render_to_unit(self, record):
        return record.to_unit.display_name if record.to_unit_id else (record.external_org or "—")

    def render_issued_on(self, value):
        return value.isoformat()

    def render_valid_until(self, value):
        return value.isoformat()

    def render_status(self, record):
        return status_badge(record, self.today)


def _tab_filter(user, tab):
    """The Q of a tab (None: no restriction beyond the view scope)."""
    if tab == "waiting":
        q = scope_q(user, MEMBER_CHANGE, "to_unit__path")
        return Q(kind=TransferKind.INTERNAL, status=TransferStatus.PENDING) & (q if q is not None else Q())
    if tab == "outgoing":
        q = scope_q(user, VIEW, "from_unit__path")
        return q if q is not None else Q(from_unit__isnull=False)
    if tab == "incoming":
        q = scope_q(user, VIEW, "to_unit__path")
        return q if q is not None else Q(to_unit__isnull=False)
    if tab == "expired":
        return expired_q()
    return None


class TransferListView(ActionRequiredMixin, TemplateView):
    """All transfers the user may see: tabs, search by name or number, kind / status filters, 25 per page, and the
    counts of transfers waiting for the user and of expired letters. A fixed number of queries per page."""

    template_name = "members/transfers/transfer_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        form = TransferFilterForm(self.request.GET)
        data = form.cleaned_data if form.is_valid() else {}
        # A bad value in one filter is dropped; the others still apply.
        for name in ("q", "kind", "status", "tab"):
            if name not in data and name in form.data:
                field = form.fields[name]
                try:
                    data[name] = field.clean(form.data.get(name))
                except ValidationError:
                    data[name] = ""
        tab = data.get("tab") or "all"
        base = transfer_list(user).select_related("person__unit")
        qs = base
        tab_q = _tab_filter(user, tab)
        if tab_q is not None:
            qs = qs.filter(tab_q)
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        if data.get("status"):
            qs = qs.filter(status=data["status"])
        search = (data.get("q") or "").strip()
        if search:
            qs = qs.filter(Q(person__name__icontains=search) | Q(number__icontains=search)
                           | Q(external_number__icontains=search) | Q(external_org__icontains=search))
        table = TransferTable(qs, can_view_person=_path_checker(user, VIEW))
        tables.RequestConfig(self.request, paginate=False).configure(table)        # sorting from ?sort=
        paginate_leniently(table, self.request, per_page=PER_PAGE)
        counts = {
            "waiting": base.filter(_tab_filter(user, "waiting")).count(),
            "expired": base.filter(expired_q()).count(),
        }
        query = self.request.GET.copy()
        query.pop("tab", None)
        query.pop("page", None)
        actions = []
        if has_perm(user, MEMBER_CHANGE, None):
            actions.append((reverse("members:transfer_incoming_create"), _("Register an incoming member"),
                            "box-arrow-in-right"))
        ctx.update(title=_("Transfers"), table=table, form=form, tab=tab, tabs=TRANSFER_TABS, counts=counts,
                   query=query.urlencode(), result_count=table.paginator.count, actions=actions,
                   is_filtered=bool(search or data.get("kind") or data.get("status") or tab != "all"),
                   breadcrumbs=_list_crumbs()[:-1] + [(None, _("Transfers"))])
        return ctx


# ---------------------------------------------------------------------------------------------------------
# Detail and the decisions
# ---------------------------------------------------------------------------------------------------------

def _get_transfer(request, pk) -> Transfer:
    return get_scoped_or_404(transfer_list(request.user).select_related("person__unit", "person__party_group"),
                             request.user, VIEW, pk=pk)


def _may_see_id(user, transfer: Transfer) -> bool:
    """Full citizen ID for a user who may see sensitive data on either side of the transfer (the letter carries
    it to the receiving side anyway)."""
    return any(unit is not None and has_perm(user, MEMBER_VIEW_SENSITIVE, unit)
               for unit in (transfer.from_unit, transfer.to_unit))


class TransferDetailView(ActionRequiredMixin, View):
    template_name = "members/transfers/transfer_detail.html"

    def get(self, request, pk):
        user = request.user
        transfer = _get_transfer(request, pk)
        person = transfer.person
        history = [mask_entry(e, user) for e in history_for(transfer)]
        return render(request, self.template_name, {
            "title": _("Transfer %(no)s") % {"no": transfer.number},
            "transfer": transfer,
            "person": person,
            "status_badge": status_badge(transfer),
            "expired": is_expired(transfer),
            "can_view_person": has_perm(user, VIEW, person.unit),
            "citizen_id": person.citizen_id if _may_see_id(user, transfer) else person.masked_citizen_id,
            "can_accept": may_accept(user, transfer),
            "can_cancel": may_cancel(user, transfer),
            "can_receipt": may_record_receipt(user, transfer),
            "history": history,
            "breadcrumbs": _list_crumbs((None, transfer.number)),
        })


class _TransferActionView(ActionRequiredMixin, View):
    """GET: a confirmation page (with a form when the action needs one); POST: act. 404 out of scope, 403 without
    MEMBER_CHANGE on the acting side, a message and back to the transfer when its state no longer allows it."""

    form_class = None
    title = ""
    submit_label = ""
    danger = False

    def side(self, transfer):
        raise NotImplementedError

    def allowed(self, transfer) -> bool:
        raise NotImplementedError

    def message(self, transfer) -> str:
        raise NotImplementedError

    def act(self, transfer, form):
        raise NotImplementedError

    def done(self, transfer) -> str:
        raise NotImplementedError

    def load(self, request, pk):
        transfer = _get_transfer(request, pk)
        side = self.side(transfer)
        if side is None or not has_perm(request.user, MEMBER_CHANGE, side):
            raise PermissionDenied
        return transfer

    def render_page(self, transfer, form=None):
        return render(self.request, "generic/confirm.html", {
            "title": f"{self.title} · {transfer.number}",
            "message": self.message(transfer),
            "form": form,
            "submit_label": self.submit_label,
            "danger": self.danger,
            "cancel_url": reverse("members:transfer_detail", args=[transfer.pk]),
            "breadcrumbs": _list_crumbs((reverse("members:transfer_detail", args=[transfer.pk]), transfer.number),
                                        (None, self.title)),
        })

    def refuse(self, transfer):
        messages.error(self.request, _("This action is not possible for transfer %(no)s (%(status)s).")
                       % {"no": transfer.number, "status": transfer.get_status_display()})
        return redirect("members:transfer_detail", pk=transfer.pk)

    def get(self, request, pk):
        transfer = self.load(request, pk)
        if not self.allowed(transfer):
            return self.refuse(transfer)
        return self.render_page(transfer, self.form_class() if self.form_class else None)

    def post(self, request, pk):
        transfer = self.load(request, pk)
        if not self.allowed(transfer):
            return self.refuse(transfer)
        form = self.form_class(request.POST) if self.form_class else None
        if form is not None and not form.is_valid():
            return self.render_page(transfer, form)
        try:
            transfer = self.act(transfer, form)
        except ValidationError as exc:
            if form is not None and hasattr(exc, "error_dict"):
                add_service_errors(form, exc)
                return self.render_page(transfer, form)
            for msg in exc.messages:
                messages.error(request, msg)
            return redirect("members:transfer_detail", pk=transfer.pk)
        messages.success(request, self.done(transfer))
        return redirect("members:transfer_detail", pk=transfer.pk)


class TransferAcceptView(_TransferActionView):
    title = gettext_lazy("Accept the transfer")
    submit_label = gettext_lazy("Accept")

    def side(self, transfer):
        return transfer.to_unit

    def allowed(self, transfer):
        return transfer.kind == TransferKind.INTERNAL and transfer.status == TransferStatus.PENDING

    def message(self, transfer):
        text = _("%(name)s (%(status)s) moves from %(a)s to %(b)s today; their party group is cleared. The sending "
                 "unit is told.") % {"name": transfer.person.name, "status": transfer.person.get_status_display(),
                                     "a": transfer.from_unit.name, "b": transfer.to_unit.name}
        if is_expired(transfer):
            text += " " + _("Note: the letter expired on %(d)s.") % {"d": transfer.valid_until.isoformat()}
        return text

    def act(self, transfer, form):
        return transfer_accept(actor=self.request.user, transfer=transfer)

    def done(self, transfer):
        return _("%(name)s now belongs to %(u)s.") % {"name": transfer.person.name, "u": transfer.to_unit.name}


class TransferReturnView(_TransferActionView):
    form_class = TransferReasonForm
    title = gettext_lazy("Return the transfer")
    submit_label = gettext_lazy("Return")
    danger = True

    def side(self, transfer):
        return transfer.to_unit

    def allowed(self, transfer):
        return transfer.kind == TransferKind.INTERNAL and transfer.status == TransferStatus.PENDING

    def message(self, transfer):
        return _("%(name)s stays in %(a)s; the sending unit sees your reason and may issue a new transfer.") % {
            "name": transfer.person.name, "a": transfer.from_unit.name}

    def act(self, transfer, form):
        return transfer_return(actor=self.request.user, transfer=transfer, reason=form.cleaned_data["reason"])

    def done(self, transfer):
        return _("Transfer %(no)s was returned to %(u)s.") % {"no": transfer.number, "u": transfer.from_unit.name}


class TransferCancelView(_TransferActionView):
    form_class = TransferReasonForm
    title = gettext_lazy("Cancel the transfer")
    submit_label = gettext_lazy("Cancel the transfer")
    danger = True

    def side(self, transfer):
        return transfer.from_unit

    def allowed(self, transfer):
        return ((transfer.kind == TransferKind.INTERNAL and transfer.status == TransferStatus.PENDING)
                or (transfer.kind == TransferKind.OUTGOING and transfer.status == TransferStatus.ISSUED))

    def message(self, transfer):
        if transfer.kind == TransferKind.OUTGOING:
            return _("The letter is withdrawn (issued by mistake or not used): %(name)s returns to the roll of %(u)s "
                     "as %(status)s. The letter stays in the history as cancelled.") % {
                "name": transfer.person.name, "u": transfer.from_unit.name,
                "status": transfer.get_person_status_display()}
        return _("The transfer to %(u)s is withdrawn; %(name)s stays in %(a)s. The receiving unit is told.") % {
            "u": transfer.to_unit.name, "name": transfer.person.name, "a": transfer.from_unit.name}

    def act(self, transfer, form):
        return transfer_cancel(actor=self.request.user, transfer=transfer, reason=form.cleaned_data["reason"])

    def done(self, transfer):
        return _("Transfer %(no)s was cancelled.") % {"no": transfer.number}


class TransferReceiptView(_TransferActionView):
    form_class = TransferReceiptForm
    title = gettext_lazy("Record the receipt")
    submit_label = gettext_lazy("Record the receipt")

    def side(self, transfer):
        return transfer.from_unit

    def allowed(self, transfer):
        return transfer.kind == TransferKind.OUTGOING and transfer.status == TransferStatus.ISSUED

    def message(self, transfer):
        return _("The receipt (回执) of letter %(no)s to %(org)s came back: the transfer of %(name)s is complete.") % {
            "no": transfer.number, "org": transfer.external_org, "name": transfer.person.name}

    def act(self, transfer, form):
        return transfer_record_receipt(actor=self.request.user, transfer=transfer,
                                       receipt_on=form.cleaned_data["receipt_on"], note=form.cleaned_data["note"])

    def done(self, transfer):
        return _("The receipt of letter %(no)s was recorded.") % {"no": transfer.number}


# ---------------------------------------------------------------------------------------------------------
# Create: from the person's page, and incoming from outside
# ---------------------------------------------------------------------------------------------------------

class PersonTransferCreateView(ActionRequiredMixin, View):
    """Issue a letter for one person (MEMBER_CHANGE on the person's unit)."""

    template_name = "members/transfers/transfer_form.html"

    def get_person(self):
        user = self.request.user
        person = get_scoped_or_404(person_list(user), user, VIEW, pk=self.kwargs["person_pk"])
        require_perm(user, MEMBER_CHANGE, person.unit)
        return person

    def blocked(self, person):
        """A redirect when the person cannot be transferred now, else None."""
        pending = open_transfer(person)
        if pending is not None:
            messages.info(self.request, _("%(name)s already has a transfer waiting for %(u)s.")
                          % {"name": person.name, "u": pending.to_unit.name})
            return redirect("members:transfer_detail", pk=pending.pk)
        if person.status not in MEMBER_STATUSES:
            messages.error(self.request, _("Only probationary and full members are transferred with a letter; "
                                           "%(name)s is %(status)s.")
                           % {"name": person.name, "status": person.get_status_display()})
            return redirect(person)
        return None

    def render_page(self, person, form):
        return render(self.request, self.template_name, {
            "title": _("Transfer %(name)s") % {"name": person.name},
            "person": person,
            "form": form,
            "breadcrumbs": [*unit_breadcrumbs(self.request.user, person.unit),
                            (person.get_absolute_url(), person.name), (None, _("Transfer"))],
        })

    def get(self, request, person_pk):
        person = self.get_person()
        return self.blocked(person) or self.render_page(person, TransferIssueForm(person=person))

    def post(self, request, person_pk):
        person = self.get_person()
        blocked = self.blocked(person)
        if blocked is not None:
            return blocked
        form = TransferIssueForm(request.POST, person=person)
        if form.is_valid():
            cd = form.cleaned_data
            try:
                transfer = transfer_issue(actor=request.user, person=person, kind=cd["kind"],
                                          to_unit=cd.get("to_unit") if cd["kind"] == TransferKind.INTERNAL else None,
                                          external_org=cd.get("external_org", ""), issued_on=cd["issued_on"],
                                          valid_until=cd.get("valid_until"), reason=cd.get("reason", ""),
                                          dues_paid_until=cd.get("dues_paid_until", ""))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if transfer.kind == TransferKind.INTERNAL:
                    msg = _("Transfer %(no)s issued; %(name)s moves when %(u)s accepts it.") % {
                        "no": transfer.number, "name": person.name, "u": transfer.to_unit.name}
                else:
                    msg = _("Letter %(no)s issued; %(name)s has left the roll. Print the letter and record the "
                            "receipt when it comes back.") % {"no": transfer.number, "name": person.name}
                messages.success(request, msg)
                return redirect("members:transfer_detail", pk=transfer.pk)
        return self.render_page(person, form)


class TransferIncomingCreateView(ActionRequiredMixin, View):
    """Register a member arriving with an outside letter: ``?mode=new`` (default) or ``?mode=existing``."""

    permission_action = MEMBER_CHANGE
    template_name = "members/transfers/transfer_incoming.html"

    def mode(self):
        value = self.request.POST.get("mode") or self.request.GET.get("mode")
        return "existing" if value == "existing" else "new"

    def render_page(self, mode, letter, person_form):
        return render(self.request, self.template_name, {
            "title": _("Register an incoming member"),
            "mode": mode, "letter_form": letter, "person_form": person_form,
            "breadcrumbs": _list_crumbs((None, _("Register an incoming member"))),
        })

    def person_form(self, mode, data=None, files=None):
        if mode == "existing":
            return IncomingExistingForm(data, user=self.request.user)
        return IncomingPersonForm(data, files, user=self.request.user)

    def get(self, request):
        mode = self.mode()
        return self.render_page(mode, IncomingLetterForm(), self.person_form(mode))

    def post(self, request):
        mode = self.mode()
        letter = IncomingLetterForm(request.POST)
        person_form = self.person_form(mode, request.POST, request.FILES)
        if letter.is_valid() and person_form.is_valid():
            lc, pc = letter.cleaned_data, person_form.cleaned_data
            kwargs = dict(actor=request.user, external_org=lc["external_org"], external_number=lc["external_number"],
                          issued_on=lc["issued_on"], valid_until=lc.get("valid_until"), reason=lc["reason"],
                          dues_paid_until=lc["dues_paid_until"])
            try:
                if mode == "existing":
                    transfer = transfer_register_incoming(
                        **kwargs, person=pc["person"], to_unit=pc["unit"], status=pc["status"],
                        party_group=pc.get("party_group"), admission_date=pc.get("admission_date"),
                        full_member_date=pc.get("full_member_date"))
                else:
                    fields = person_form.service_fields()
                    to_unit, status = fields.pop("unit"), fields.pop("status")
                    fields.pop("left_date", None)
                    transfer = transfer_register_incoming(**kwargs, person_fields=fields, to_unit=to_unit,
                                                          status=status)
            except ValidationError as exc:
                self.spread_errors(exc, letter, person_form)
            except IntegrityError:
                logger.info("incoming transfer: integrity error", exc_info=True)
                person_form.add_error(None, _("This person was registered at the same moment by someone else."))
            else:
                messages.success(request, _("%(name)s was registered in %(u)s with transfer %(no)s.") % {
                    "name": transfer.person.name, "u": transfer.to_unit.name, "no": transfer.number})
                return redirect("members:transfer_detail", pk=transfer.pk)
        return self.render_page(mode, letter, person_form)

    @staticmethod
    def spread_errors(exc, letter, person_form):
        if not hasattr(exc, "error_dict"):
            person_form.add_error(None, exc)
            return
        for field, errors in exc.error_dict.items():
            field = "unit" if field == "to_unit" else field
            if field in letter.fields:
                letter.add_error(field, errors)
            elif field in person_form.fields:
                person_form.add_error(field, errors)
            else:
                person_form.add_error(None, errors)


# ---------------------------------------------------------------------------------------------------------
# The letter (PDF)
# ---------------------------------------------------------------------------------------------------------

def _zh_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "　　年　月　日"


def _zh_month(value: str) -> tuple[str, str]:
    if value and len(value) == 7:
        return value[:4], str(int(value[5:]))
    return "", ""


@login_required
def transfer_letter_pdf(request, pk):
    """中国共产党党员组织关系介绍信: counterfoil (存根), the letter, and the receipt (回执) to tear off and send back.
    For an incoming letter, only the receipt is printed (the letter itself came on paper)."""
    transfer = _get_transfer(request, pk)
    person = transfer.person
    full_id = _may_see_id(request.user, transfer)
    dues_year, dues_month = _zh_month(transfer.dues_paid_until)
    from_name = transfer.from_unit.name if transfer.from_unit_id else transfer.external_org
    to_name = transfer.to_unit.name if transfer.to_unit_id else transfer.external_org
    context = {
        "title": "中国共产党党员组织关系介绍信",
        "t": transfer,
        "incoming": transfer.kind == TransferKind.INCOMING,
        "cancelled": transfer.status in (TransferStatus.CANCELLED, TransferStatus.RETURNED),
        "number": transfer.external_number if transfer.kind == TransferKind.INCOMING and transfer.external_number
        else transfer.number,
        "name": person.name,
        "gender": GENDER_ZH.get(person.gender, ""),
        "age": person.age_on(transfer.issued_on),
        "ethnicity": person.ethnicity,
        "status": STATUS_ZH.get(transfer.person_status, ""),
        "citizen_id": person.citizen_id if full_id else person.masked_citizen_id,
        "masked": not full_id,
        "from_name": from_name,
        "to_name": to_name,
        "dues_year": dues_year,
        "dues_month": dues_month,
        "validity_days": (transfer.valid_until - transfer.issued_on).days,
        "valid_until": _zh_date(transfer.valid_until),
        "issued": _zh_date(transfer.issued_on),
        "phone": person.phone,
        "from_unit": transfer.from_unit,
        "to_unit": transfer.to_unit,
    }
    return render_pdf("pdf/transfer_letter.html", context, request=request,
                      filename=f"组织关系介绍信-{transfer.number}-{person.name}.pdf")

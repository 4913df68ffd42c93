"""Permission matrix for every dues page (anonymous, out of scope, read-only, secretary with DUES_VIEW, dues clerk
with DUES_CHANGE), bad input never a 500, and the main flows through the pages."""
import datetime
from decimal import Decimal

import pytest
from django.urls import URLResolver, get_resolver, reverse

from dues import periods
from dues.choices import LapseStatus
from dues.lapse import dues_lapse_check
from dues.models import LapseCase, LedgerEntry, Payment, PaymentReversal, RateTable, Remittance
from dues.services import dues_charges_generate, dues_payment_record, dues_remittance_record

from .conftest import member_with_base

pytestmark = pytest.mark.django_db
M = periods.month_no
TODAY = datetime.date(2026, 5, 20)

# Pages that change something (DUES_CHANGE): GET shows a form, POST writes.
WRITE = {"month_sheet_pay", "base_import", "base_import_template", "remittance_create", "base_declare",
         "payment_create", "relief_create", "payment_reverse", "charge_reverse", "ratetable_create", "policy_create"}
POST_ONLY = {"month_sheet_pay"}
COMMITTEE_ONLY = {"ratetable_create", "policy_create"}


def dues_urls():
    def walk(patterns, namespace=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, p.namespace or namespace)
            elif namespace == "dues":
                yield p.name, tuple(p.pattern.converters)
    return sorted(set(walk(get_resolver().url_patterns)))


DUES_URLS = dues_urls()


@pytest.fixture
def objects(frozen_today, committee, branch_a, secretary, clerk):
    person = member_with_base(branch_a, name="李四")
    late = member_with_base(branch_a, name="欠缴者", year=[2025, 2026])
    dues_charges_generate(today=datetime.date(2025, 12, 31))
    dues_charges_generate(today=frozen_today)
    payment = dues_payment_record(actor=None, person=person, paid_on=frozen_today, first_period=M(2026, 5),
                                  last_period=M(2026, 5), amount=Decimal("40.00"), today=frozen_today)
    dues_lapse_check(frozen_today)
    remittance = dues_remittance_record(actor=None, unit=branch_a, period=M(2026, 5), amount=Decimal("40.00"),
                                        remitted_on=frozen_today, today=frozen_today)
    return {"unit": branch_a, "person": person, "payment": payment, "remittance": remittance,
            "case": LapseCase.objects.get(person=late),
            "entry": LedgerEntry.objects.filter(person=late, kind="charge").first(),
            "rates": RateTable.objects.filter(unit__isnull=True).first(), "committee": committee}


def url_for(name, params, objects):
    kwargs = {}
    for param in params:
        if param == "unit_pk":
            kwargs[param] = (objects["committee"] if name in COMMITTEE_ONLY else objects["unit"]).pk
        elif param == "person_pk":
            kwargs[param] = objects["person"].pk
        else:
            key = {"payment": "payment", "receipt": "payment", "remittance": "remittance", "lapsecase": "case",
                   "charge": "entry", "ratetable": "rates"}
            kwargs[param] = next(objects[v] for k, v in key.items() if k in name).pk
    return reverse(f"dues:{name}", kwargs=kwargs)


def test_every_dues_url_is_in_the_matrix():
    assert len(DUES_URLS) >= 30


@pytest.mark.parametrize("name,params", DUES_URLS, ids=[n for n, _ in DUES_URLS])
def test_permission_matrix(client, as_user, objects, viewer, secretary, clerk, outsider, admin_user, name, params):
    url = url_for(name, params, objects)
    method = "post" if name in POST_ONLY else "get"
    # anonymous: to the login page
    r = getattr(client, method)(url)
    assert r.status_code == 302 and r["Location"].startswith(reverse("login"))
    # out of scope: 404 for a page about one object or unit; a page without one shows only the user's own data
    # (the outsider is a secretary elsewhere: DUES_VIEW there, no DUES_CHANGE anywhere)
    r = getattr(as_user(outsider), method)(url)
    if name == "ratetable_detail":            # the central table is everyone's
        assert r.status_code == 200
    elif params:
        assert r.status_code == 404, (name, r.status_code)
    elif name in WRITE:
        assert r.status_code == 403, (name, r.status_code)
    else:
        assert r.status_code in (200, 302) and "李四" not in r.content.decode(), (name, r.status_code)
    # read-only viewer of the branch: 403 (no DUES_VIEW)
    r = getattr(as_user(viewer), method)(url)
    assert r.status_code == (404 if name in COMMITTEE_ONLY else 403), (name, r.status_code)
    # the secretary reads (DUES_VIEW) but does not write
    r = getattr(as_user(secretary), method)(url)
    if name in COMMITTEE_ONLY:
        assert r.status_code == 404, (name, r.status_code)     # the committee is above the secretary's scope
    elif name in WRITE:
        assert r.status_code == 403, (name, r.status_code)
    else:
        assert r.status_code in ((200, 302) if name == "home" else (200,)), (name, r.status_code)
    # the dues clerk may do everything on the branch (not a committee's table)
    r = getattr(as_user(clerk), method)(url)
    if name in COMMITTEE_ONLY:
        assert r.status_code in (403, 404)
        assert getattr(as_user(admin_user), method)(url).status_code == 200
    else:
        assert r.status_code in (200, 302), (name, r.status_code)


GARBAGE_QUERY = {"period": "2026-13", "year": "abc", "page": "x", "sort": "evil;drop", "status": "nope"}
GARBAGE_POST = {"period": "zz", "amount": "1e999", "paid_on": "2026-02-31", "first_period": "2026/99",
                "last_period": "-1", "people": ["x", "999999"], "paid_by": "ghost", "method": "gold", "year": "3000",
                "category": "king", "income": "NaN", "token": "../../etc/passwd", "to_status": "approved",
                "date": "tomorrow", "reason": "", "key": "nope", "value": "x", "effective_from": "soon",
                "b-TOTAL_FORMS": "x", "kind": "holiday"}


@pytest.mark.parametrize("name,params", DUES_URLS, ids=[n for n, _ in DUES_URLS])
def test_bad_input_never_gives_a_500(as_user, objects, admin_user, name, params):
    c = as_user(admin_user)
    url = url_for(name, params, objects)
    assert c.get(url, GARBAGE_QUERY).status_code < 500
    assert c.post(url, GARBAGE_POST).status_code < 500
    assert c.post(url, {}).status_code < 500


def test_the_clerk_records_and_reverses_a_payment(as_user, clerk, objects, frozen_today):
    c = as_user(clerk)
    person = objects["person"]
    r = c.post(reverse("dues:payment_create", args=[person.pk]), {
        "paid_on": "2026-05-20", "first_period": "2026-03", "last_period": "2026-04", "amount": "80.00",
        "method": "cash", "paid_by": "in_person"})
    assert r.status_code == 302
    payment = Payment.objects.filter(person=person).order_by("-pk").first()
    assert payment.amount == Decimal("80.00") and payment.created_by == clerk
    page = c.get(reverse("dues:payment_reverse", args=[payment.pk]))
    assert "cannot be undone" in page.content.decode()
    assert c.post(reverse("dues:payment_reverse", args=[payment.pk]), {"reason": ""}).status_code == 200
    assert not PaymentReversal.objects.filter(payment=payment).exists()
    c.post(reverse("dues:payment_reverse", args=[payment.pk]), {"reason": "录错"})
    assert PaymentReversal.objects.filter(payment=payment).exists()


def test_payment_form_says_what_to_fix(as_user, clerk, objects):
    r = as_user(clerk).post(reverse("dues:payment_create", args=[objects["person"].pk]), {
        "paid_on": "2026-05-20", "first_period": "2026-01", "amount": "40.00", "method": "cash", "paid_by": "proxy"})
    body = r.content.decode()
    assert r.status_code == 200
    assert "needs the committee&#x27;s consent" in body and "Enter who paid" in body


def test_bulk_pay_from_the_sheet(as_user, clerk, objects, branch_a):
    late = objects["case"].person
    c = as_user(clerk)
    r = c.post(reverse("dues:month_sheet_pay", args=[branch_a.pk]) + "?period=2026-05",
               {"people": [late.pk, objects["person"].pk], "paid_on": "2026-05-20", "method": "cash"})
    assert r.status_code == 302
    assert Payment.objects.filter(person=late, first_period=M(2026, 5)).count() == 1
    assert Payment.objects.filter(person=objects["person"]).count() == 1       # already paid: skipped


def test_month_sheet_queries_do_not_grow(as_user, clerk, objects, branch_a, django_assert_max_num_queries):
    c = as_user(clerk)
    url = reverse("dues:month_sheet", args=[branch_a.pk]) + "?period=2026-05"
    c.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert c.get(url).status_code == 200
    for i in range(6):
        member_with_base(branch_a, name=f"新{i}")
    dues_charges_generate(today=TODAY)
    with django_assert_max_num_queries(len(few)):
        assert c.get(url).status_code == 200
    with CaptureQueriesContext(connection) as arrears_few:
        c.get(reverse("dues:arrears", args=[branch_a.pk]))
    for i in range(4):
        member_with_base(branch_a, name=f"再{i}")
    dues_charges_generate(today=TODAY)
    with django_assert_max_num_queries(len(arrears_few)):
        c.get(reverse("dues:arrears", args=[branch_a.pk]))


def test_pdfs_print_chinese(as_user, clerk, objects, branch_a):
    c = as_user(clerk)
    for url in (reverse("dues:month_sheet_pdf", args=[branch_a.pk]) + "?period=2026-05",
                reverse("dues:notice_pdf", args=[branch_a.pk]), reverse("dues:receipt_pdf", args=[objects["payment"].pk]),
                reverse("dues:remittance_pdf", args=[objects["remittance"].pk]),
                reverse("dues:member_register_pdf", args=[objects["person"].pk]),
                reverse("dues:unit_register_pdf", args=[branch_a.pk])):
        r = c.get(url)
        assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF"), url


def test_sheet_excel_export(as_user, clerk, objects, branch_a):
    import io

    from openpyxl import load_workbook

    r = as_user(clerk).get(reverse("dues:month_sheet_xlsx", args=[branch_a.pk]) + "?period=2026-05")
    ws = load_workbook(io.BytesIO(r.content)).active
    values = [row for row in ws.iter_rows(values_only=True)]
    assert values[1][:2] == ("序号", "姓名")
    names = {row[1] for row in values[2:]}
    assert {"李四", "欠缴者", "合计"} <= names


def test_case_page_advances(as_user, clerk, objects):
    case = objects["case"]
    c = as_user(clerk)
    r = c.post(reverse("dues:lapsecase_detail", args=[case.pk]), {"to_status": "talk_held", "date": "2026-05-20",
                                                                   "note": "谈话"})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == LapseStatus.TALK_HELD


def test_case_page_points_discipline_users_to_the_lapse_lists(as_user, clerk, secretary, objects):
    url = reverse("dues:lapsecase_detail", args=[objects["case"].pk])
    assert 'data-testid="to-discipline"' in as_user(secretary).get(url).content.decode()   # secretary sees cases
    assert 'data-testid="to-discipline"' not in as_user(clerk).get(url).content.decode()   # a clerk does not


def test_person_page_shows_the_dues_panel_only_with_dues_view(as_user, secretary, viewer, objects):
    url = objects["person"].get_absolute_url()
    assert 'data-testid="panel-dues"' in as_user(secretary).get(url).content.decode()
    assert 'data-testid="panel-dues"' not in as_user(viewer).get(url).content.decode()


def test_dashboard_lists_dues_tasks(as_user, secretary, objects):
    body = as_user(secretary).get(reverse("branches:dashboard")).content.decode()
    assert "Open lapse cases" in body or "3 or more months behind" in body


def test_remittance_must_explain_a_difference(as_user, clerk, objects, branch_a):
    r = as_user(clerk).post(reverse("dues:remittance_create", args=[branch_a.pk]), {
        "period": "2026-04", "amount": "10.00", "remitted_on": "2026-05-20"})
    assert r.status_code == 200 and "explain the difference" in r.content.decode()
    assert not Remittance.objects.filter(period=M(2026, 4)).exists()

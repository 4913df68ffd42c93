"""A dues clerk records a month's payments for a branch from the collection sheet, then prints the sheet."""
import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from branches.choices import Role, UnitKind
from branches.services import appointment_create
from dues import periods
from dues.models import Payment
from dues.services import dues_base_declare, dues_charges_generate
from tests.factories import UserFactory, make_person, make_unit

from .helpers import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_clerk_records_the_months_payments_and_prints_the_sheet(browser, live_server):
    from dues.models import RateBracket, RateTable
    from dues.rates import install_central_tables

    install_central_tables(RateTable, RateBracket)   # a data migration, gone after an earlier test's flush
    committee = make_unit(None, kind=UnitKind.COMMITTEE, name="示范党委", code="E001")
    branch = make_unit(committee, kind=UnitKind.BRANCH, name="第一党支部", code="E001-B01")
    clerk = UserFactory(username="clerk_e2e")
    appointment_create(actor=None, user=clerk, unit=branch, role=Role.DUES_CLERK)
    year = timezone.localdate().year
    people = []
    for i, income in enumerate(("2800.00", "4500.00", "12000.00")):
        p = make_person(branch, name=f"党员{i}", birth=datetime.date(1980, 1, 1 + i),
                        admission_date=datetime.date(2010, 7, 1))
        dues_base_declare(actor=None, person=p, year=year, category="employee", income=Decimal(income))
        people.append(p)
    dues_charges_generate()
    period = periods.label(periods.of_date(timezone.localdate()))

    login(browser, live_server, "clerk_e2e")

    # The dues page of a clerk with one branch opens that branch's sheet for this month.
    browser.find_element(By.CSS_SELECTOR, "a.nav-link[href='/dues/']").click()
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, "[data-testid=month-sheet]")))
    assert browser.find_element(By.CSS_SELECTOR, "[data-testid=total-paid]").text == "0.00"
    # Select everyone, record the month's dues, confirm.
    browser.find_element(By.CSS_SELECTOR, "input[data-select-all=people]").click()
    button = browser.find_element(By.CSS_SELECTOR, "[data-testid=bulk-pay]")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", button)
    button.click()
    WebDriverWait(browser, 5).until(EC.alert_is_present()).accept()
    WebDriverWait(browser, 10).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=total-paid]"),
                                                                      "299.00"))   # 14.00 + 45.00 + 240.00
    assert Payment.objects.filter(person__in=people, first_period=periods.parse(period)).count() == 3
    assert len(browser.find_elements(By.CSS_SELECTOR, "[data-state=paid]")) == 3

    # Print: the sheet's PDF link answers with a PDF.
    href = browser.find_element(By.CSS_SELECTOR, "[data-testid=sheet-pdf]").get_attribute("href")
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(r => r.arrayBuffer().then(b => done([r.status, r.headers.get('content-type'),"
        " String.fromCharCode(...new Uint8Array(b.slice(0, 5)))])));", href)
    assert result == [200, "application/pdf", "%PDF-"]

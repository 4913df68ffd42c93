"""A discipline officer opens a lapse case from the dues lapse check's list and takes it, in a real browser, through
the education talk, the member's statement and the branch general meeting decision (confirmed in the browser's
dialog) to the higher approval and the delivery: the member is removed from the roll."""
import datetime

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from branches.choices import Role, UnitKind
from branches.services import appointment_create
from discipline.choices import CaseStatus, Measure
from discipline.models import Case
from dues import periods
from dues.models import LapseCase
from members.choices import MemberStatus
from members.idcard import make_citizen_id
from members.models import Person
from tests.factories import UserFactory, make_person, make_unit

from .helpers import PASSWORD, click, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _fill(browser, values: dict):
    for name, value in values.items():
        el = browser.find_element(By.NAME, name)
        if el.tag_name == "select":
            Select(el).select_by_value(value)
        else:
            el.clear()
            el.send_keys(value)


def _submit(browser, confirm=False):
    click(browser, 'form.card button[type="submit"]')
    if confirm:
        WebDriverWait(browser, 5).until(EC.alert_is_present())
        browser.switch_to.alert.accept()


def _step(browser, live_server, case, kind, values, confirm=False):
    click(browser, f'[data-testid="step-{kind}"]')
    WebDriverWait(browser, 10).until(EC.url_contains(f"/step/{kind}/"))
    _fill(browser, values)
    _submit(browser, confirm)
    WebDriverWait(browser, 10).until(EC.url_to_be(f"{live_server.url}/discipline/cases/{case.pk}/"))


def test_officer_takes_dues_lapse_to_decision(browser, live_server):
    today = timezone.localdate()
    committee = make_unit(None, kind=UnitKind.COMMITTEE, name="示范街道党工委", code="E2D")
    branch = make_unit(committee, kind=UnitKind.BRANCH, name="幸福社区党支部", code="E2D-01")
    officer = UserFactory(username="e2e_discipline_officer", password=PASSWORD)
    appointment_create(actor=None, user=officer, unit=branch, role=Role.DISCIPLINE_OFFICER)
    born = datetime.date(1970, 1, 1)
    for i in range(4):
        make_person(branch, name=f"党员{i}", citizen_id=make_citizen_id("110105", born, 20 + i, True), birth=born)
    member = make_person(branch, name="钱欠费", citizen_id=make_citizen_id("110105", born, 40, True), birth=born)
    lapse = LapseCase.objects.create(person=member, unit=branch, run_start=periods.of_date(today) - 7,
                                     months_unpaid=6, opened_on=today)

    login(browser, live_server, officer.username)
    click(browser, '[data-testid="nav-discipline"]')
    click(browser, 'a[href="/discipline/lapse/"]')
    assert "钱欠费" in browser.find_element(By.CSS_SELECTOR, '[data-testid="dues-lapse-list"]').text
    click(browser, f'[data-testid="open-lapse-{lapse.pk}"]')
    WebDriverWait(browser, 10).until(EC.url_contains("/discipline/cases/"))
    case = Case.objects.get()
    assert case.source == lapse and case.status == CaseStatus.OPEN

    # The decision is not offered before the statement.
    assert not browser.find_elements(By.CSS_SELECTOR, '[data-testid="step-branch_decision"]')
    _step(browser, live_server, case, "education_talk", {"note": "支部书记与本人谈话，了解欠缴原因。"})
    _step(browser, live_server, case, "statement", {"given": "1", "note": "本人表示无正当理由。"})
    _step(browser, live_server, case, "branch_decision",
          {"measure": Measure.REMOVAL, "present": "4", "yes": "4", "no": "0", "abstain": "0", "note": "支部大会讨论。"},
          confirm=True)
    case.refresh_from_db()
    assert case.status == CaseStatus.DECIDED and case.measure == Measure.REMOVAL
    assert browser.find_elements(By.CSS_SELECTOR, '[data-testid="print-decision"]')

    _step(browser, live_server, case, "approval", {"passed": "1", "note": "同意。"}, confirm=True)
    _step(browser, live_server, case, "delivery", {"note": "当面送达。"}, confirm=True)
    case.refresh_from_db()
    assert case.status == CaseStatus.EFFECTIVE
    assert Person.objects.get(pk=member.pk).status == MemberStatus.REMOVED
    assert browser.find_element(By.CSS_SELECTOR, '[data-testid="case-measure"]').text

"""A secretary records a branch committee meeting with its attendance in a real browser; the unit's compliance
view turns green for that month."""
import datetime

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from branches.choices import Role, UnitKind
from branches.services import appointment_create, term_create
from meetings.models import Attendance, Meeting
from members.committee_services import position_add
from members.idcard import make_citizen_id
from tests.factories import UserFactory, make_person, make_unit

from .helpers import click, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _committee_cell(browser, live_server, unit, today):
    browser.get(f"{live_server.url}/meetings/compliance/?unit={unit.pk}&year={today.year}")
    cell = browser.find_element(By.CSS_SELECTOR, f'[data-type="committee"] td[data-period="{today:%Y-%m}"]')
    return cell.get_attribute("data-state"), cell.get_attribute("class")


def test_secretary_records_a_committee_meeting(browser, live_server):
    today = timezone.localdate()
    committee = make_unit(None, kind=UnitKind.COMMITTEE, name="浏览器党委", code="E2E")
    branch = make_unit(committee, kind=UnitKind.BRANCH, name="浏览器支部", code="E2E-B1")
    born = datetime.date(1975, 1, 1)
    people = [make_person(branch, name=f"委员{i}", citizen_id=make_citizen_id("110105", born, 20 + i, True), birth=born)
              for i in range(3)]
    term = term_create(actor=None, unit=branch, start_date=today - datetime.timedelta(days=400), years=3)
    for p, kind in zip(people, ["secretary", "organization", "publicity"]):
        position_add(actor=None, term=term, person=p, position=kind, started_on=term.start_date)
    user = UserFactory(username="e2e_secretary")
    appointment_create(actor=None, user=user, unit=branch, role=Role.SECRETARY)

    login(browser, live_server, "e2e_secretary")
    state, css = _committee_cell(browser, live_server, branch, today)
    assert state == "due" and "cell-due" in css

    # 三会一课 -> record a meeting -> the unit -> the form
    browser.get(live_server.url + "/meetings/")
    click(browser, 'a[href="/meetings/new/"]')
    Select(browser.find_element(By.ID, "id_unit")).select_by_value(str(branch.pk))
    click(browser, '[data-testid="pick-unit"]')
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.ID, "id_meeting_type")))
    Select(browser.find_element(By.ID, "id_meeting_type")).select_by_value("committee")
    Select(browser.find_element(By.ID, "id_status")).select_by_value("held")
    browser.find_element(By.ID, "id_topic").send_keys("研究本月支部工作")
    browser.find_element(By.ID, "id_place").send_keys("支部活动室")
    Select(browser.find_element(By.ID, "id_host")).select_by_visible_text("委员0")
    Select(browser.find_element(By.ID, "id_recorder")).select_by_visible_text("委员1")
    browser.find_element(By.ID, "id_minutes").send_keys("会议研究了本月工作。")
    click(browser, 'form.card button[type="submit"]')

    # the sign-in: everyone starts as present; one on leave with a reason
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.CSS_SELECTOR, '[data-testid="attendance-table"]')))
    meeting = Meeting.objects.get(topic="研究本月支部工作")
    on_leave = people[2]
    click(browser, f'label[for="s{on_leave.pk}-leave"]')
    browser.find_element(By.NAME, f"reason_{on_leave.pk}").send_keys("出差")
    click(browser, '[data-testid="save-attendance"]')
    WebDriverWait(browser, 10).until(EC.url_to_be(f"{live_server.url}/meetings/{meeting.pk}/"))
    summary = browser.find_element(By.CSS_SELECTOR, '[data-testid="attendance-summary"]').text
    assert "2" in summary and "1" in summary
    assert Attendance.objects.get(meeting=meeting, person=on_leave).reason == "出差"

    state, css = _committee_cell(browser, live_server, branch, today)
    assert state == "met" and "cell-met" in css

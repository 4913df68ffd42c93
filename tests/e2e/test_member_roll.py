"""A secretary logs in, opens the tree, adds a member through the form and finds them in the list."""
import datetime

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

from branches.choices import Role, UnitKind
from branches.services import appointment_create
from members.idcard import make_citizen_id
from members.models import Person
from tests.factories import UserFactory, make_person, make_unit

from .helpers import PASSWORD, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _set_value(browser, element_id, value):
    el = browser.find_element(By.ID, element_id)
    browser.execute_script("arguments[0].value = arguments[1];", el, value)


def test_secretary_adds_a_member_and_finds_it(browser, live_server):
    committee = make_unit(None, kind=UnitKind.COMMITTEE, name="示范街道党工委", code="E2E")
    branch = make_unit(committee, kind=UnitKind.BRANCH, name="幸福社区党支部", code="E2E-01")
    make_person(branch, name="赵一", citizen_id=make_citizen_id("110105", datetime.date(1970, 1, 1), 1, True),
                birth=datetime.date(1970, 1, 1))
    user = UserFactory(username="e2e_secretary", password=PASSWORD)
    appointment_create(actor=None, user=user, unit=branch, role=Role.SECRETARY)

    login(browser, live_server, "e2e_secretary", clear_cookies=False)

    # The tree shows the secretary's branch with its member count.
    browser.get(live_server.url + "/units/")
    tree = browser.find_element(By.TAG_NAME, "main").text
    assert "幸福社区党支部" in tree
    assert "示范街道党工委" not in tree  # above the secretary's scope

    # Open the branch page from the tree, then add a member from the roll.
    browser.find_element(By.LINK_TEXT, "幸福社区党支部").click()
    WebDriverWait(browser, 10).until(EC.url_contains(f"/units/{branch.pk}/"))
    browser.get(live_server.url + f"/members/new/?unit={branch.pk}")
    citizen_id = make_citizen_id("320102", datetime.date(1990, 3, 8), 7, False)
    browser.find_element(By.ID, "id_name").send_keys("钱晓梅")
    browser.find_element(By.ID, "id_citizen_id").send_keys(citizen_id)
    Select(browser.find_element(By.ID, "id_gender")).select_by_value("F")
    _set_value(browser, "id_birth_date", "1990-03-08")
    Select(browser.find_element(By.ID, "id_status")).select_by_value("full")
    _set_value(browser, "id_admission_date", "2015-07-01")
    _set_value(browser, "id_full_member_date", "2016-07-01")
    Select(browser.find_element(By.ID, "id_unit")).select_by_value(str(branch.pk))
    save = browser.find_element(By.ID, "id_name").find_element(By.XPATH, "ancestor::form//button[@type='submit']")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", save)
    save.click()

    WebDriverWait(browser, 10).until(EC.url_matches(r"/members/\d+/$"))
    person = Person.objects.get(citizen_id=citizen_id)
    assert person.unit == branch and person.name == "钱晓梅"
    assert "钱晓梅" in browser.find_element(By.TAG_NAME, "main").text

    # Find the new member through the list's search box.
    browser.get(live_server.url + "/members/")
    search = browser.find_element(By.NAME, "q")
    search.send_keys("晓梅")
    search.submit()
    WebDriverWait(browser, 10).until(EC.url_contains("q="))
    rows = browser.find_elements(By.CSS_SELECTOR, "main table tbody tr")
    assert len(rows) == 1
    assert "钱晓梅" in rows[0].text

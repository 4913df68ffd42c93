"""A secretary submits a candidate for approval, a committee reviewer approves it from the queue, and the
secretary sees the person as a probationary member."""
import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone, translation
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from branches.choices import Role, UnitKind
from branches.services import appointment_create
from members.choices import MemberStatus
from members.idcard import make_citizen_id
from members.models import DevelopmentStepKind as K, Person, ReviewRequest, ReviewStatus
from members.pipeline import pipeline_record_step
from tests.factories import UserFactory, make_person, make_unit

from .helpers import PASSWORD, click, login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _candidate_at_committee_talk(branch, actor):
    """A candidate whose branch vote passed 40 days ago and who had the committee talk: dates relative to today."""
    today = timezone.localdate()
    born = datetime.date(1970, 1, 1)
    members = [make_person(branch, name=f"党员{i}", citizen_id=make_citizen_id("110105", born, 10 + i, True), birth=born)
               for i in range(3)]
    p = make_person(branch, name="孙候选", status=MemberStatus.APPLICANT, birth=datetime.date(1995, 5, 5),
                    citizen_id=make_citizen_id("110105", datetime.date(1995, 5, 5), 3, True))
    start = today - relativedelta(months=30)
    activist = start + relativedelta(months=2)
    candidate = activist + relativedelta(months=12, days=1)
    vote = today - datetime.timedelta(days=40)
    plan = [
        (K.APPLICATION, start, {}),
        (K.TALK, start + datetime.timedelta(days=15), {}),
        (K.ACTIVIST_SELECTION, activist, {}),
        (K.CONTACTS_ASSIGNED, activist + datetime.timedelta(days=4), {"related_people": members[:2]}),
        (K.CANDIDATE_DECISION, candidate, {}),
        (K.SPONSORS_ASSIGNED, candidate + datetime.timedelta(days=8), {"related_people": members[1:]}),
        (K.POLITICAL_REVIEW, candidate + datetime.timedelta(days=30), {"extra": {"passed": True}}),
        (K.TRAINING, candidate + datetime.timedelta(days=40), {"extra": {"days": 3}}),
        (K.PRE_REVIEW, vote - datetime.timedelta(days=60), {"extra": {"passed": True}}),
        (K.PUBLIC_NOTICE, vote - datetime.timedelta(days=50), {}),
        (K.VOLUNTEER_FORM, vote - datetime.timedelta(days=30), {}),
        (K.BRANCH_COMMITTEE_REVIEW, vote - datetime.timedelta(days=20), {}),
        (K.BRANCH_VOTE, vote, {"vote": {"present": 3, "yes": 3, "no": 0, "abstain": 0}}),
        (K.COMMITTEE_TALK, vote + datetime.timedelta(days=20), {}),
    ]
    for kind, date, data in plan:
        pipeline_record_step(actor=actor, person=p, kind=kind, date=date, **data)
    return p


def test_secretary_submits_reviewer_approves(browser, live_server):
    committee = make_unit(None, kind=UnitKind.COMMITTEE, name="示范街道党工委", code="E2R")
    branch = make_unit(committee, kind=UnitKind.BRANCH, name="幸福社区党支部", code="E2R-01")
    secretary = UserFactory(username="e2e_review_secretary", password=PASSWORD)
    appointment_create(actor=None, user=secretary, unit=branch, role=Role.SECRETARY)
    reviewer = UserFactory(username="e2e_reviewer", password=PASSWORD)
    appointment_create(actor=None, user=reviewer, unit=committee, role=Role.REVIEWER)
    person = _candidate_at_committee_talk(branch, secretary)
    timeline = f"{live_server.url}/members/{person.pk}/development/"

    # The secretary submits the candidate for approval from the timeline.
    login(browser, live_server, secretary.username)
    browser.get(timeline)
    click(browser, '[data-testid="submit-admission_approval"]')
    WebDriverWait(browser, 10).until(EC.url_contains("/development/submit/"))
    browser.find_element(By.ID, "id_note").send_keys("材料齐全，请审批")
    click(browser, '[data-testid="submit-review"]')
    WebDriverWait(browser, 10).until(EC.url_to_be(timeline))
    item = ReviewRequest.objects.get(person=person)
    assert item.status == ReviewStatus.PENDING and item.note == "材料齐全，请审批"
    assert browser.find_element(By.CSS_SELECTOR, '[data-testid="review-item-admission_approval"]') \
        .get_attribute("data-status") == "pending"

    # The reviewer opens the queue, then the item, and approves it (after the confirmation page).
    login(browser, live_server, reviewer.username)
    browser.get(live_server.url + "/members/review/")
    assert "孙候选" in browser.find_element(By.CSS_SELECTOR, '[data-testid="review-table"]').text
    click(browser, f'[data-testid="open-review-{item.pk}"]')
    WebDriverWait(browser, 10).until(EC.url_contains(f"/members/review/{item.pk}/"))
    assert "党员1, 党员2" in browser.find_element(By.ID, "dossier").text        # the sponsors in the dossier
    click(browser, 'input[name="outcome"][value="approved"]')
    click(browser, '[data-testid="decide-button"]')
    WebDriverWait(browser, 10).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, '[data-testid="review-confirm"]')))
    click(browser, '[data-testid="confirm-button"]')
    WebDriverWait(browser, 10).until(EC.url_to_be(live_server.url + "/members/review/"))
    item.refresh_from_db()
    assert item.status == ReviewStatus.APPROVED and item.decided_by == reviewer

    # The secretary reloads the timeline: the person is a probationary member now.
    login(browser, live_server, secretary.username)
    browser.get(timeline)
    badge = browser.find_element(By.CSS_SELECTOR, '[data-testid="pipeline-status"]').text
    labels = set()
    for language in ("en", "zh-hans"):            # the suite serves English (tests/conftest.py); the UI is Chinese
        with translation.override(language):
            labels.add(str(MemberStatus.PROBATIONARY.label))
    assert badge in labels
    assert browser.find_element(By.CSS_SELECTOR, '[data-testid="review-item-admission_approval"]') \
        .get_attribute("data-status") == "approved"
    assert browser.find_elements(By.CSS_SELECTOR, '[data-testid="step-committee_approval"]')
    assert Person.objects.get(pk=person.pk).status == MemberStatus.PROBATIONARY

"""Discipline pages: the permission matrix (confidential: viewers never see cases), the case page, the step forms,
refusals shown on the form, confirmation of irreversible steps, the lapse lists, query counts."""
import datetime

import pytest
import time_machine
from django.urls import reverse

from branches.choices import Role
from branches.services import appointment_create
from discipline.choices import CaseKind, CaseStatus as C, Measure, StepKind as K
from discipline.forms import StepForm
from discipline.models import Case
from tests.factories import UserFactory, make_person

from .helpers import D, officer_of, open_case, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(committee):
    user = UserFactory(username="reviewer_c")
    appointment_create(actor=None, user=user, unit=committee, role=Role.REVIEWER)
    return user


@pytest.fixture
def officer_b(branch_b):
    return officer_of(branch_b, "officer_b")


@pytest.fixture
def case(officer, accused):
    return walk(officer, open_case(officer, accused), measure=Measure.WARNING, until=K.BRANCH_DECISION)


def _pages(case):
    return [reverse("discipline:case_detail", args=[case.pk]),
            reverse("discipline:case_decision_pdf", args=[case.pk]),
            reverse("discipline:person_file", args=[case.person_id])]


# (user fixture, expected status on the case pages, on the step form)
MATRIX = [
    ("admin_user", 200, 200),
    ("officer", 200, 200),
    ("secretary", 200, 403),
    ("reviewer", 200, 403),
    ("viewer", (403, 404), (403, 404)),
    ("officer_b", 404, 404),
    ("outsider", 404, 404),
]


@pytest.mark.parametrize("who,read,write", MATRIX)
def test_permission_matrix(request, as_user, case, who, read, write):
    client = as_user(request.getfixturevalue(who))
    for url in _pages(case):
        status = client.get(url).status_code
        assert status in (read if isinstance(read, tuple) else (read,)), (who, url, status)
    step_url = reverse("discipline:case_step", args=[case.pk, K.APPROVAL])
    assert client.get(step_url).status_code in (write if isinstance(write, tuple) else (write,))
    resp = client.post(step_url, {"date": "2026-04-01", "passed": "1"})
    assert resp.status_code in ((302,) if write == 200 else (write if isinstance(write, tuple) else (write,)))


@pytest.mark.parametrize("who,status", [("viewer", 403), ("secretary", 200), ("officer", 200), ("outsider", 200)])
def test_list_pages(request, as_user, case, who, status):
    client = as_user(request.getfixturevalue(who))
    resp = client.get(reverse("discipline:case_list"))
    assert resp.status_code == status
    if who == "outsider":
        assert case.number not in resp.content.decode()
    for name in ("letter_list", "appraisal_list"):
        assert client.get(reverse(f"discipline:{name}")).status_code == status


def test_anonymous_redirected(client, case):
    for url in _pages(case) + [reverse("discipline:case_list")]:
        resp = client.get(url)
        assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]


def test_viewer_sees_no_panel_and_no_nav(as_user, viewer, secretary, case):
    url = reverse("members:person_detail", args=[case.person_id])
    body = as_user(viewer).get(url).content.decode()
    assert 'data-testid="panel-discipline"' not in body and 'data-testid="nav-discipline"' not in body
    body = as_user(secretary).get(url).content.decode()
    assert 'data-testid="panel-discipline"' in body and case.number in body


def test_secretary_cannot_open(as_user, secretary, accused):
    assert as_user(secretary).get(reverse("discipline:case_create")).status_code == 403


def test_open_case_form(as_user, officer, accused):
    client = as_user(officer)
    resp = client.post(reverse("discipline:case_create"), {"person": accused.pk, "kind": CaseKind.SANCTION,
                                                          "opened_on": "2026-05-01", "summary": "违反纪律"})
    case = Case.objects.get()
    assert resp.status_code == 302 and resp["Location"] == case.get_absolute_url()
    resp = client.post(reverse("discipline:case_create"), {"person": accused.pk, "kind": CaseKind.SANCTION,
                                                          "opened_on": "2026-06-01", "summary": "x"})
    assert resp.status_code == 400 and "cannot be in the future" in resp.content.decode()


def test_outsider_person_not_offered(as_user, officer_b, accused):
    resp = as_user(officer_b).post(reverse("discipline:case_create"), {
        "person": accused.pk, "kind": CaseKind.SANCTION, "opened_on": "2026-05-01", "summary": "x"})
    assert resp.status_code == 400 and not Case.objects.exists()


def test_case_page_and_steps(as_user, officer, case):
    client = as_user(officer)
    body = client.get(case.get_absolute_url()).content.decode()
    assert 'data-testid="step-approval"' in body and "data-confirm" not in body
    form = client.get(reverse("discipline:case_step", args=[case.pk, K.APPROVAL])).content.decode()
    assert "data-confirm" in form
    resp = client.post(reverse("discipline:case_step", args=[case.pk, K.APPROVAL]), {"date": "2026-04-01"})
    assert resp.status_code == 400 and "Enter the outcome" in resp.content.decode()
    client.post(reverse("discipline:case_step", args=[case.pk, K.APPROVAL]), {"date": "2026-04-01", "passed": "1"})
    resp = client.post(reverse("discipline:case_step", args=[case.pk, K.DELIVERY]),
                       {"date": "2026-04-02", "effective_on": "2026-04-01"})
    assert resp.status_code == 302
    case.refresh_from_db()
    assert case.status == C.EFFECTIVE


def test_refused_move_shows_message(as_user, officer, case):
    resp = as_user(officer).post(reverse("discipline:case_step", args=[case.pk, K.DELIVERY]),
                                 {"date": "2026-04-02", "effective_on": "2026-04-02"})
    assert resp.status_code == 400 and "is not possible while the case is" in resp.content.decode()


@pytest.mark.parametrize("data", [
    {"date": "not-a-date"}, {"date": "2026-04-01", "passed": "maybe"}, {}, {"date": "2026-04-01", "passed": "1",
                                                                            "document": "x"}])
def test_bad_input_never_500(as_user, officer, case, data):
    resp = as_user(officer).post(reverse("discipline:case_step", args=[case.pk, K.APPROVAL]), data)
    assert resp.status_code in (302, 400)


def test_unknown_step_404(as_user, officer, case):
    assert as_user(officer).get(reverse("discipline:case_step", args=[case.pk, "nonsense"])).status_code == 404
    assert as_user(officer).get(reverse("discipline:case_step", args=[case.pk, "effect"])).status_code == 404


def test_apply_effect_view(as_user, officer, accused):
    case = walk(officer, open_case(officer, accused), measure=Measure.EXPULSION, effective_on=D(2026, 6, 1))
    client = as_user(officer)
    assert client.get(reverse("discipline:case_apply", args=[case.pk])).status_code == 200
    client.post(reverse("discipline:case_apply", args=[case.pk]))
    case.refresh_from_db()
    assert case.status == C.DELIVERED  # not due yet: nothing applied
    with time_machine.travel(datetime.datetime(2026, 6, 1, 9, 0), tick=False):
        body = client.get(case.get_absolute_url()).content.decode()
        assert 'data-testid="apply-effect"' in body
        client.post(reverse("discipline:case_apply", args=[case.pk]))
    case.refresh_from_db()
    assert case.status == C.EFFECTIVE


def test_pdfs_render(as_user, officer, case):
    client = as_user(officer)
    for url in _pages(case)[1:]:
        resp = client.get(url)
        assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
        assert resp.content.startswith(b"%PDF")


def test_decision_pdf_needs_decision(as_user, officer, accused):
    case = open_case(officer, accused)
    assert as_user(officer).get(reverse("discipline:case_decision_pdf", args=[case.pk])).status_code == 404


def test_list_query_count(as_user, officer, accused, branch_a, django_assert_max_num_queries):
    for i in range(5):
        open_case(officer, make_person(branch_a, name=f"成员{i}"))
    client = as_user(officer)
    client.get(reverse("discipline:case_list"))
    with django_assert_max_num_queries(12):
        resp = client.get(reverse("discipline:case_list") + "?q=成员&kind=sanction")
    assert resp.status_code == 200 and "成员4" in resp.content.decode()


def test_list_filters_and_bad_page(as_user, officer, case):
    client = as_user(officer)
    assert client.get(reverse("discipline:case_list") + "?page=999&status=bogus&unit=x").status_code == 200
    assert case.number in client.get(reverse("discipline:case_list") + "?state=open").content.decode()


def test_dashboard_task(as_user, officer, case):
    body = as_user(officer).get(reverse("branches:dashboard")).content.decode()
    assert "Open discipline cases" in body


def test_case_page_queries_do_not_grow_with_steps(as_user, officer, accused, django_assert_max_num_queries):
    case = walk(officer, open_case(officer, accused), measure=Measure.WARNING)
    client = as_user(officer)
    client.get(case.get_absolute_url())
    with django_assert_max_num_queries(20):
        resp = client.get(case.get_absolute_url())
    assert resp.status_code == 200 and resp.content.decode().count("data-step=") == 8


def test_dashboard_tasks_one_query(officer, accused, branch_a, django_assert_num_queries):
    from discipline.hooks import discipline_tasks
    from discipline.letters import letter_issue

    open_case(officer, accused)
    letter_issue(actor=officer, person=accused, kind="inquiry", issued_on=D(2026, 5, 1), matter="x")
    officer.refresh_from_db()
    from branches.scope import scope_paths

    scope_paths(officer)  # load the scope cache
    with django_assert_num_queries(1):
        tasks = {t.key: t for t in discipline_tasks(officer, [branch_a], D(2026, 5, 20))}
    assert tasks["discipline_open"].count == 1
    assert tasks["discipline_answers"].count == 1 and tasks["discipline_answers"].urgent


@pytest.mark.parametrize("kind", sorted(StepForm.FIELDS))
@pytest.mark.parametrize("case_kind", [CaseKind.SANCTION, CaseKind.LAPSE])
def test_every_step_form_renders(as_user, officer, accused, kind, case_kind):
    case = open_case(officer, accused, kind=case_kind)
    resp = as_user(officer).get(reverse("discipline:case_step", args=[case.pk, kind]))
    assert resp.status_code == 200
    body = resp.content.decode()
    assert ('name="probation_months"' in body) == (kind == K.BRANCH_DECISION and case_kind == CaseKind.SANCTION)


def test_other_pages_render(as_user, officer, accused, branch_a):
    from discipline.appraisal import appraisal_create
    from discipline.letters import letter_issue

    client = as_user(officer)
    letter = letter_issue(actor=officer, person=accused, kind="correction", issued_on=D(2026, 5, 1), matter="x")
    appraisal = appraisal_create(actor=officer, unit=branch_a, year=2026, held_on=D(2026, 5, 20))
    for url in [reverse("discipline:letter_create"), reverse("discipline:appraisal_create"),
                reverse("discipline:case_create") + f"?person={accused.pk}", letter.get_absolute_url(),
                reverse("discipline:letter_event", args=[letter.pk, "talk"]), appraisal.get_absolute_url(),
                reverse("discipline:lapse_sources"), reverse("discipline:letter_list") + "?status=issued",
                reverse("discipline:appraisal_list")]:
        assert client.get(url).status_code == 200, url
    assert client.get(reverse("discipline:letter_event", args=[letter.pk, "bogus"])).status_code == 404

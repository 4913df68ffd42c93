"""Development statistics (members.devstats): stage counts, overdue people, admissions per year, plan vs actual;
the statistics page, its PDF and the plan pages (permissions, validation, audit, query counts)."""
import datetime
import subprocess

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.choices import AuditAction, UnitKind
from branches.audit import history_for
from members.choices import MemberStatus
from members.devstats import development_stats, overdue_people, plan_create, plan_update
from members.models import DevelopmentPlan, DevelopmentPolicy, DevelopmentStepKind as K
from members.pipeline import pipeline_record_step, pipeline_state, pipeline_timeline
from tests.factories import UserFactory, make_unit

from .helpers import person

pytestmark = pytest.mark.django_db
D = datetime.date
S = MemberStatus
TODAY = D(2026, 7, 1)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(datetime.datetime(2026, 7, 1, 10, 0), tick=False):
        yield


def record(p, actor, steps):
    for kind, date, data in steps:
        pipeline_record_step(actor=actor, person=p, kind=kind, date=date, **data)
    p.refresh_from_db()
    return p


def to_activist(p, actor, a, b, activist=D(2025, 3, 1)):
    return record(p, actor, [
        (K.APPLICATION, activist - datetime.timedelta(days=55), {}),
        (K.TALK, activist - datetime.timedelta(days=40), {}),
        (K.ACTIVIST_SELECTION, activist, {}),
        (K.CONTACTS_ASSIGNED, activist + datetime.timedelta(days=4), {"related_people": [a, b]}),
    ])


def to_vote(p, actor, a, b, c):
    """Activist on 2024-03-01 to a passed branch vote on 2025-05-20 (the walk of test_pipeline)."""
    to_activist(p, actor, a, b, activist=D(2024, 3, 1))
    return record(p, actor, [
        (K.THOUGHT_REPORT, D(2024, 6, 1), {}),
        (K.INSPECTION, D(2024, 9, 1), {}),
        (K.CANDIDATE_DECISION, D(2025, 3, 2), {}),
        (K.SPONSORS_ASSIGNED, D(2025, 3, 10), {"related_people": [b, c]}),
        (K.POLITICAL_REVIEW, D(2025, 4, 1), {"extra": {"passed": True}}),
        (K.TRAINING, D(2025, 4, 10), {"extra": {"days": 3}}),
        (K.PRE_REVIEW, D(2025, 5, 6), {"extra": {"passed": True}}),
        (K.PUBLIC_NOTICE, D(2025, 5, 12), {}),
        (K.VOLUNTEER_FORM, D(2025, 5, 13), {}),
        (K.BRANCH_COMMITTEE_REVIEW, D(2025, 5, 14), {}),
        (K.BRANCH_VOTE, D(2025, 5, 20), {"vote": {"present": 3, "yes": 3, "no": 0, "abstain": 0}}),
    ])


@pytest.fixture
def cast(committee, branch_a, branch_b, group_a, secretary):
    """A known population as of 2026-07-01 (see the comments for who is overdue and why)."""
    full = [person(branch_a, name=f"正式{i}", party_group=group_a if i < 2 else None,
                   admission_date=D(2022, 7, 1), full_member_date=D(2023, 7, 1)) for i in range(3)]
    a, b, c = full
    person(branch_b, name="乙正式", admission_date=D(2024, 6, 1), full_member_date=D(2025, 6, 1))
    people = {"full": full}
    # applicants: late talk (overdue) / recent application / talk done
    people["late_talk"] = record(person(branch_a, name="申请迟谈", status=S.APPLICANT, birth=D(1998, 1, 1)), secretary,
                                 [(K.APPLICATION, D(2026, 5, 1), {})])
    people["new_applicant"] = record(person(branch_b, name="申请新", status=S.APPLICANT, birth=D(1998, 2, 1)),
                                     secretary, [(K.APPLICATION, D(2026, 6, 15), {})])
    people["talked"] = record(person(branch_a, name="申请已谈", status=S.APPLICANT, birth=D(1998, 3, 1)), secretary,
                              [(K.APPLICATION, D(2026, 4, 1), {}), (K.TALK, D(2026, 4, 10), {})])
    # activists: on time / no report nor inspection since 2025-12-01 (two overdue items)
    on_time = to_activist(person(branch_a, name="积极按时", status=S.APPLICANT, birth=D(1997, 1, 1)), secretary, a, b)
    people["on_time"] = record(on_time, secretary, [(K.THOUGHT_REPORT, D(2026, 5, 1), {}),
                                                   (K.INSPECTION, D(2026, 2, 1), {})])
    people["late_activist"] = to_activist(person(branch_a, name="积极逾期", status=S.APPLICANT, birth=D(1997, 2, 1)),
                                          secretary, a, b, activist=D(2025, 12, 1))
    # a candidate whose vote of 2025-05-20 waits for the approval (late) and whose last report is of 2024-06-01
    people["waiting"] = to_vote(person(branch_a, name="发展待批", status=S.APPLICANT, birth=D(1996, 1, 1)),
                                secretary, a, b, c)
    # a probationary member admitted 2025-05-20 whose probation ended 2026-05-20 without a full-membership vote
    prob = to_vote(person(branch_a, name="预备到期", status=S.APPLICANT, birth=D(1996, 2, 1)), secretary, a, b, c)
    people["probation_ended"] = record(prob, secretary, [
        (K.COMMITTEE_TALK, D(2025, 6, 1), {}), (K.COMMITTEE_APPROVAL, D(2025, 7, 1), {"extra": {"passed": True}}),
        (K.OATH, D(2025, 7, 1), {}), (K.THOUGHT_REPORT, D(2026, 5, 1), {})])
    # admitted this year (no steps; its first report is due 2026-07-15)
    people["admitted_2026"] = person(branch_a, name="今年入党", status=S.PROBATIONARY, admission_date=D(2026, 4, 15),
                                     party_group=group_a)
    # directly in the committee (not in a branch)
    people["direct"] = person(committee, name="机关申请", status=S.APPLICANT, application_date=D(2026, 6, 1))
    return people


# --- selectors ------------------------------------------------------------------------------------------------

def test_overdue_people_and_their_items(cast, committee):
    overdue = {o.name: sorted((i.kind, i.latest) for i in o.items) for o in overdue_people(committee, TODAY)}
    assert overdue == {
        "申请迟谈": [(K.TALK, D(2026, 6, 1))],
        "积极逾期": [(K.INSPECTION, D(2026, 6, 1)), (K.THOUGHT_REPORT, D(2026, 3, 1))],
        "发展待批": [(K.COMMITTEE_APPROVAL, D(2025, 8, 20)), (K.THOUGHT_REPORT, D(2024, 9, 1))],
        "预备到期": [(K.FULL_APPROVAL, D(2026, 5, 20))],
    }
    first = overdue_people(committee, TODAY)[0]
    assert first.name == "发展待批" and first.since == D(2024, 9, 1) and first.days(TODAY) == (TODAY - D(2024, 9, 1)).days


def test_overdue_agrees_with_the_pipeline_timeline(cast, committee):
    """Talks, thought reports and inspections: the same people and dates as the person's own timeline."""
    mine = {(o.pk, i.kind, i.latest) for o in overdue_people(committee, TODAY) for i in o.items
            if i.kind in (K.TALK, K.THOUGHT_REPORT, K.INSPECTION)}
    theirs = set()
    for key in ("late_talk", "new_applicant", "talked", "on_time", "late_activist", "waiting", "probation_ended"):
        p = cast[key]
        for item in pipeline_timeline(pipeline_state(p), TODAY):
            if item.overdue and item.kind in (K.TALK, K.THOUGHT_REPORT, K.INSPECTION):
                theirs.add((p.pk, item.kind, item.latest))
    assert mine == theirs and len(mine) == 4


def test_overdue_follows_the_committee_rule(cast, committee):
    """A committee's own rule (a thought report every 8 months) is applied; the inspection is still due."""
    DevelopmentPolicy.objects.create(unit=committee, key="thought_report_months", value=8,
                                     effective_from=D(2020, 1, 1))
    overdue = {o.name: sorted((i.kind, i.latest) for i in o.items) for o in overdue_people(committee, TODAY)}
    assert overdue["积极逾期"] == [(K.INSPECTION, D(2026, 6, 1))]
    assert overdue["发展待批"] == [(K.COMMITTEE_APPROVAL, D(2025, 8, 20)), (K.THOUGHT_REPORT, D(2025, 2, 1))]


def test_probation_extension_moves_the_end(cast, committee, secretary):
    p = cast["probation_ended"]
    # an extension is recorded after a refused full approval in real life; here only its months matter
    from members.models import DevelopmentStep
    DevelopmentStep.objects.create(person=p, kind=K.PROBATION_EXTENDED, date=D(2026, 5, 25), extra={"months": 6})
    names = {o.name for o in overdue_people(committee, TODAY)}
    assert "预备到期" not in names


def test_stage_counts_cumulative_and_per_child(cast, committee, branch_a, branch_b, group_a):
    stats = development_stats(committee, 2026, TODAY)
    assert stats.total.counts == {S.FULL: 4, S.APPLICANT: 4, S.ACTIVIST: 2, S.CANDIDATE: 1, S.PROBATIONARY: 2}
    rows = {r.unit.pk if r.unit else None: r for r in stats.rows}
    assert set(rows) == {branch_a.pk, branch_b.pk, None}
    assert rows[branch_a.pk].counts == {S.FULL: 3, S.APPLICANT: 2, S.ACTIVIST: 2, S.CANDIDATE: 1,
                                        S.PROBATIONARY: 2}
    assert rows[branch_b.pk].counts == {S.FULL: 1, S.APPLICANT: 1}
    assert rows[None].counts == {S.APPLICANT: 1}
    assert (rows[branch_a.pk].overdue, rows[branch_b.pk].overdue, rows[None].overdue, stats.total.overdue) == (
        4, 0, 0, 4)
    assert stats.overdue_by_kind == {K.TALK: 1, K.THOUGHT_REPORT: 2, K.INSPECTION: 1, K.COMMITTEE_APPROVAL: 1,
                                     K.FULL_APPROVAL: 1}
    # a branch's rows are its party groups; people without a group are "directly in" the branch
    branch = development_stats(branch_a, 2026, TODAY)
    rows = {r.unit.pk if r.unit else None: r for r in branch.rows}
    assert rows[group_a.pk].counts == {S.FULL: 2, S.PROBATIONARY: 1}
    assert rows[None].counts[S.FULL] == 1 and branch.total.counts[S.FULL] == 3


def test_admissions_per_year_and_plan_against_actual(cast, committee, branch_a, branch_b, secretary, admin_user):
    plan_create(actor=secretary, unit=branch_a, year=2026, planned=4)
    plan_create(actor=admin_user, unit=branch_b, year=2026, planned=2)
    plan_create(actor=admin_user, unit=branch_a, year=2025, planned=1)
    stats = development_stats(committee, 2026, TODAY)
    assert stats.years == [2022, 2023, 2024, 2025, 2026]
    assert {y: a for y, a, *_ in stats.year_rows()} == {2022: 3, 2023: 0, 2024: 1, 2025: 1, 2026: 1}
    assert {y: f for y, _a, f, *_ in stats.year_rows()} == {2022: 0, 2023: 3, 2024: 0, 2025: 1, 2026: 0}
    assert {y: (p, pc) for y, _a, _f, p, pc in stats.year_rows()}[2025] == (1, 100)
    rows = {r.unit.pk: r for r in stats.rows if r.unit}
    assert (rows[branch_a.pk].planned, rows[branch_a.pk].actual(2026), rows[branch_a.pk].percent(2026)) == (4, 1, 25)
    assert (rows[branch_b.pk].planned, rows[branch_b.pk].actual(2026), rows[branch_b.pk].percent(2026)) == (2, 0, 0)
    assert rows[branch_a.pk].plan_own and rows[branch_a.pk].plan is not None
    # no plan of the committee's own: the sum of its branches' plans
    assert (stats.total.planned, stats.total.plan_own, stats.total.plan_count, stats.percent) == (6, False, 2, 17)
    plan_create(actor=admin_user, unit=committee, year=2026, planned=10)
    stats = development_stats(committee, 2026, TODAY)
    assert (stats.total.planned, stats.total.plan_own, stats.percent) == (10, True, 10)
    # a year without plans
    stats = development_stats(committee, 2024, TODAY)
    assert stats.total.planned is None and stats.total.percent(2024) is None and stats.total.actual(2024) == 1


# --- plan services --------------------------------------------------------------------------------------------

def test_plan_create_validates_and_audits(branch_a, group_a, secretary):
    with pytest.raises(ValidationError) as exc:
        plan_create(actor=secretary, unit=branch_a, year=1990, planned=-1)
    assert set(exc.value.message_dict) == {"year", "planned"}
    assert "2000 to 2027" in exc.value.message_dict["year"][0]
    with pytest.raises(ValidationError, match="not party groups"):
        plan_create(actor=secretary, unit=group_a, year=2026, planned=1)
    plan = plan_create(actor=secretary, unit=branch_a, year=2026, planned=3, note=" 年初计划 ")
    assert plan.note == "年初计划"
    [entry] = history_for(plan)
    assert entry.action == AuditAction.CREATE
    assert entry.actor == secretary and entry.unit == branch_a and entry.after["planned"] == 3
    with pytest.raises(ValidationError) as exc:
        plan_create(actor=secretary, unit=branch_a, year=2026, planned=5)
    assert "第一党支部 already has a plan for 2026 (3 planned admissions)" in exc.value.message_dict["year"][0]
    assert DevelopmentPlan.objects.count() == 1


def test_plan_update_audits_changes_only(branch_a, secretary):
    plan = plan_create(actor=secretary, unit=branch_a, year=2026, planned=3)
    plan_update(actor=secretary, plan=plan, planned=3, note="")
    assert len(history_for(plan)) == 1
    plan_update(actor=secretary, plan=plan, planned=5, note="追加")
    entry, created = history_for(plan)
    assert (entry.action, created.action) == (AuditAction.UPDATE, AuditAction.CREATE)
    assert (entry.before["planned"], entry.after["planned"], entry.after["note"]) == (3, 5, "追加")
    with pytest.raises(ValidationError, match="cannot be negative"):
        plan_update(actor=secretary, plan=plan, planned=-2)
    plan.refresh_from_db()
    assert plan.planned == 5


# --- the statistics page --------------------------------------------------------------------------------------



def stats_url(**params):
    from urllib.parse import urlencode
    return reverse("members:dev_stats") + (f"?{urlencode(params)}" if params else "")


def test_stats_page_shows_counts_links_overdue_and_plan(cast, committee, branch_a, as_user, admin_user):
    plan_create(actor=admin_user, unit=branch_a, year=2026, planned=4)
    resp = as_user(admin_user).get(stats_url())
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "Development statistics: 测试党委" in html
    assert f'href="/members/?unit={branch_a.pk}&amp;status=activist">2</a>' in html
    assert f'href="/members/?unit={committee.pk}&amp;status=full">4</a>' in html
    assert 'data-testid="overdue-count">4<' in html
    for name in ("申请迟谈", "积极逾期", "发展待批", "预备到期"):
        assert name in html
    assert "申请新" not in html  # not overdue: not listed
    assert "25%" in html and "Directly in 测试党委" in html
    assert reverse("members:dev_stats_pdf") + f"?unit={committee.pk}&amp;year=2026" in html


def test_stats_page_unit_and_year_choice(cast, branch_a, as_user, admin_user, viewer):
    resp = as_user(admin_user).get(stats_url(unit=branch_a.pk, year=2025))
    assert resp.status_code == 200 and "Development statistics: 第一党支部" in resp.content.decode()
    assert resp.context["year"] == 2025
    # garbage: shown on the form, defaults used, never a 500
    resp = as_user(admin_user).get(stats_url(unit="abc", year="1800"))
    assert resp.status_code == 200 and resp.context["year"] == 2026
    assert resp.context["form"].errors.keys() == {"unit", "year"}
    # the viewer of branch_a: their branch by default
    resp = as_user(viewer).get(stats_url())
    assert resp.status_code == 200 and resp.context["unit"] == branch_a


def test_stats_permissions(cast, committee, branch_a, client, as_user, viewer, outsider):
    resp = client.get(stats_url())
    assert resp.status_code == 302 and "/login" in resp["Location"]
    assert as_user(UserFactory(username="nobody")).get(stats_url()).status_code == 403
    assert as_user(outsider).get(stats_url(unit=committee.pk)).status_code == 404
    assert as_user(viewer).get(stats_url(unit=committee.pk)).status_code == 404   # an ancestor is out of scope
    assert as_user(outsider).get(stats_url()).context["unit"].code == "X001"
    pdf = reverse("members:dev_stats_pdf")
    assert client.get(pdf).status_code == 302
    assert as_user(outsider).get(pdf + f"?unit={committee.pk}").status_code == 404
    assert as_user(UserFactory(username="nobody2")).get(pdf).status_code == 403


def _page_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_stats_page_queries_do_not_grow_with_units_and_people(cast, committee, as_user, admin_user, secretary):
    client = as_user(admin_user)
    url = stats_url(unit=committee.pk, year=2026)
    _page_queries(client, url)
    before = _page_queries(client, url)
    for n in range(3):
        branch = make_unit(committee, kind=UnitKind.BRANCH, name=f"新支部{n}")
        make_unit(branch, kind=UnitKind.PARTY_GROUP, name=f"新小组{n}")
        plan_create(actor=admin_user, unit=branch, year=2026, planned=n)
        a, b = (person(branch, name=f"新正式{n}{i}", admission_date=D(2020, 1, 1), full_member_date=D(2021, 1, 1))
                for i in range(2))
        to_activist(person(branch, name=f"新积极{n}", status=S.APPLICANT, birth=D(1999, 1, n + 1)), secretary, a, b,
                    activist=D(2025, 10, 1))
        record(person(branch, name=f"新申请{n}", status=S.APPLICANT, birth=D(1999, 2, n + 1)), secretary,
               [(K.APPLICATION, D(2026, 1, 1), {})])
    stats = development_stats(committee, 2026, TODAY)
    assert len([r for r in stats.rows if r.unit]) == 5 and stats.total.overdue == 4 + 6
    assert _page_queries(client, url) == before
    assert before <= 20


def test_stats_pdf_renders_in_chinese(cast, committee, branch_a, as_user, admin_user, tmp_path):
    plan_create(actor=admin_user, unit=branch_a, year=2026, planned=4)
    resp = as_user(admin_user).get(reverse("members:dev_stats_pdf") + f"?unit={committee.pk}&year=2026")
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    assert resp.content.startswith(b"%PDF-")
    path = tmp_path / "stats.pdf"
    path.write_bytes(resp.content)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    squashed = "".join(text.split())
    for expected in ("发展党员工作统计表", "测试党委", "入党积极分子", "2026年度发展计划完成情况", "第一党支部",
                     "逾期未办事项（共4人）", "积极逾期", "预备党员转正", "25%"):
        assert expected in squashed, expected


# --- plan pages -----------------------------------------------------------------------------------------------

def test_plan_list_is_scoped_and_filtered(branch_a, branch_b, as_user, admin_user, viewer, client):
    plan_create(actor=admin_user, unit=branch_a, year=2026, planned=4)
    plan_create(actor=admin_user, unit=branch_b, year=2026, planned=7)
    plan_create(actor=admin_user, unit=branch_a, year=2025, planned=2)
    url = reverse("members:plan_list")
    assert client.get(url).status_code == 302
    assert as_user(UserFactory(username="nobody")).get(url).status_code == 403
    resp = as_user(viewer).get(url)
    assert resp.status_code == 200 and resp.context["result_count"] == 2
    assert "第二党支部" not in resp.content.decode() and "Add a plan" not in resp.content.decode()
    resp = as_user(admin_user).get(url + "?year=2026")
    assert resp.context["result_count"] == 2 and "Add a plan" in resp.content.decode()
    assert as_user(admin_user).get(url + "?year=abc&page=99&sort=nonsense").status_code == 200


def test_plan_list_queries_are_constant(committee, as_user, admin_user):
    client = as_user(admin_user)
    url = reverse("members:plan_list")
    plan_create(actor=admin_user, unit=committee, year=2026, planned=1)
    _page_queries(client, url)
    before = _page_queries(client, url)
    for n in range(5):
        plan_create(actor=admin_user, unit=make_unit(committee, kind=UnitKind.BRANCH), year=2026, planned=n)
    assert _page_queries(client, url) == before


def test_plan_create_permissions_and_validation(branch_a, branch_b, as_user, secretary, viewer, client):
    url = reverse("members:plan_create")
    assert client.get(url).status_code == 302
    assert as_user(viewer).get(url).status_code == 403
    assert as_user(viewer).post(url, {"unit": branch_a.pk, "year": 2026, "planned": 3}).status_code == 403
    c = as_user(secretary)
    assert c.get(url + f"?unit={branch_a.pk}&year=2026").status_code == 200
    # out of the secretary's scope: not a choice, nothing saved
    resp = c.post(url, {"unit": branch_b.pk, "year": 2026, "planned": 3})
    assert resp.status_code == 200 and "unit" in resp.context["form"].errors
    resp = c.post(url, {"unit": branch_a.pk, "year": 1999, "planned": -1})
    assert resp.status_code == 200 and resp.context["form"].errors.keys() == {"year", "planned"}
    assert DevelopmentPlan.objects.count() == 0
    resp = c.post(url, {"unit": branch_a.pk, "year": 2026, "planned": 3, "note": "年初"})
    assert resp.status_code == 302 and f"unit={branch_a.pk}" in resp["Location"]
    plan = DevelopmentPlan.objects.get()
    assert (plan.unit, plan.year, plan.planned, plan.note) == (branch_a, 2026, 3, "年初")
    resp = c.post(url, {"unit": branch_a.pk, "year": 2026, "planned": 5})
    assert resp.status_code == 200
    assert "already has a plan for 2026 (3 planned admissions)" in resp.content.decode()
    assert DevelopmentPlan.objects.count() == 1


def test_plan_edit_permissions_history_and_update(branch_a, as_user, admin_user, secretary, viewer, outsider, client):
    plan = plan_create(actor=admin_user, unit=branch_a, year=2026, planned=4)
    url = reverse("members:plan_edit", args=[plan.pk])
    assert client.get(url).status_code == 302
    assert as_user(outsider).get(url).status_code == 404
    assert as_user(outsider).post(url, {"planned": 1}).status_code == 404
    resp = as_user(viewer).get(url)
    assert resp.status_code == 200 and resp.context["form"] is None and 'id="history"' in resp.content.decode()
    assert as_user(viewer).post(url, {"planned": 1}).status_code == 403
    c = as_user(secretary)
    resp = c.post(url, {"planned": "-3"})
    assert resp.status_code == 200 and "planned" in resp.context["form"].errors
    resp = c.post(url, {"planned": "6", "note": "追加"})
    assert resp.status_code == 302
    plan.refresh_from_db()
    assert (plan.planned, plan.note) == (6, "追加")
    html = c.get(url).content.decode()
    assert "secretary_a" in html and "追加" in html   # the change in the history panel

"""The tree page: scope, cumulative head counts in one query, search, dissolved units, query counts."""
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches import registry, selectors
from branches.choices import UnitKind
from members.choices import MemberStatus
from members.unit_stats import status_counts
from tests.branches.helpers import add_person as make_person
from tests.factories import make_unit

pytestmark = [pytest.mark.django_db]

S = MemberStatus
URL = reverse("branches:unit_tree")


@pytest.fixture
def people(committee, branch_a, group_a, branch_b):
    """branch_a: 3 full (1 in group_a), 1 probationary, 2 pipeline, 1 left; branch_b: 1 full, 1 applicant."""
    make_person(branch_a, name="甲", party_group=group_a)
    make_person(branch_a, name="乙")
    make_person(branch_a, name="丙")
    make_person(branch_a, name="丁", status=S.PROBATIONARY, party_group=group_a)
    make_person(branch_a, name="戊", status=S.APPLICANT)
    make_person(branch_a, name="己", status=S.CANDIDATE)
    make_person(branch_a, name="庚", status=S.DECEASED)
    make_person(branch_b, name="辛")
    make_person(branch_b, name="壬", status=S.APPLICANT)


def _node(nodes, unit):
    return next(n for n in nodes if n.unit.pk == unit.pk)


def test_status_counts_are_cumulative_and_one_query(people, committee, branch_a, group_a, branch_b,
                                                    django_assert_num_queries):
    with django_assert_num_queries(1):
        counts = status_counts([committee, branch_a, group_a, branch_b])
    assert counts[committee.pk] == {S.FULL: 4, S.PROBATIONARY: 1, S.APPLICANT: 2, S.CANDIDATE: 1}
    assert counts[branch_a.pk] == {S.FULL: 3, S.PROBATIONARY: 1, S.APPLICANT: 1, S.CANDIDATE: 1}
    assert counts[group_a.pk] == {S.FULL: 1, S.PROBATIONARY: 1}
    assert counts[branch_b.pk] == {S.FULL: 1, S.APPLICANT: 1}


def test_tree_selector_buckets_and_nesting(people, admin_user, committee, branch_a, group_a, branch_b):
    tree = selectors.unit_tree(admin_user)
    nodes = tree["nodes"]
    assert [n.unit for n in nodes] == [committee, branch_a, group_a, branch_b]
    assert [n.level for n in nodes] == [1, 2, 3, 2]
    assert _node(nodes, committee).counts == {"full": 4, "probationary": 1, "pipeline": 3}
    assert _node(nodes, branch_a).counts == {"full": 3, "probationary": 1, "pipeline": 2}
    assert _node(nodes, group_a).counts == {"full": 1, "probationary": 1, "pipeline": 0}
    assert _node(nodes, committee).open and _node(nodes, branch_a).open and not _node(nodes, group_a).has_children
    # the closing tags balance: group_a closes branch_a, branch_b closes the committee
    assert list(_node(nodes, group_a).closes) == [0]
    assert list(_node(nodes, branch_b).closes) == [0]


def test_deeper_levels_start_collapsed(admin_user, committee):
    sub = make_unit(committee, kind=UnitKind.COMMITTEE, name="二级党委")
    gb = make_unit(sub, kind=UnitKind.GENERAL_BRANCH, name="总支")
    br = make_unit(gb, kind=UnitKind.BRANCH, name="支部")
    nodes = selectors.unit_tree(admin_user)["nodes"]
    assert _node(nodes, committee).open and _node(nodes, sub).open
    assert not _node(nodes, gb).open
    assert _node(nodes, br).level == 4


def test_page_renders_counts_and_balanced_markup(people, as_user, admin_user, committee, branch_a):
    resp = as_user(admin_user).get(URL)
    assert resp.status_code == 200
    html = resp.content.decode()
    tree = html[html.index('id="unit-tree"'):]
    assert tree.count("<ul>") == tree.count("</ul>")
    assert tree.count("<details") == tree.count("</details>")
    assert committee.name in html and branch_a.code in html
    assert 'data-count="full">4<' in html
    assert reverse("branches:unit_detail", args=[branch_a.pk]) in html
    assert "data-tree-toggle" in html  # expand / collapse all


def test_scope_secretary_sees_own_branch_only(people, as_user, secretary, branch_a, group_a, branch_b, committee):
    resp = as_user(secretary).get(URL)
    assert resp.status_code == 200
    assert [n.unit for n in resp.context["nodes"]] == [branch_a, group_a]
    html = resp.content.decode()
    assert branch_b.name not in html and committee.name not in html


def test_outsider_sees_only_their_tree(as_user, outsider, committee, other_committee):
    resp = as_user(outsider).get(URL)
    assert [n.unit for n in resp.context["nodes"]] == [other_committee]


def test_anonymous_redirected_to_login(client, committee):
    resp = client.get(URL)
    assert resp.status_code == 302 and reverse("login") in resp["Location"]


def test_user_without_appointment_gets_403(as_user, committee):
    from tests.factories import UserFactory

    assert as_user(UserFactory(username="nobody")).get(URL).status_code == 403


def test_dissolved_hidden_unless_asked(as_user, admin_user, committee, branch_a, branch_b):
    from branches.services import unit_dissolve

    unit_dissolve(actor=admin_user, unit=branch_b)
    c = as_user(admin_user)
    assert branch_b not in [n.unit for n in c.get(URL).context["nodes"]]
    resp = c.get(URL, {"show_dissolved": "1"})
    assert branch_b in [n.unit for n in resp.context["nodes"]]
    assert 'data-testid="dissolved"' in resp.content.decode()


def test_search_shows_matches_with_their_ancestors(as_user, admin_user, committee, branch_a, group_a, branch_b):
    resp = as_user(admin_user).get(URL, {"q": "小组"})
    nodes = resp.context["nodes"]
    assert [n.unit for n in nodes] == [committee, branch_a, group_a]
    assert [n.matched for n in nodes] == [False, False, True]
    assert all(n.open for n in nodes)
    assert resp.context["match_count"] == 1
    by_code = as_user(admin_user).get(URL, {"q": "c001-b02"}).context["nodes"]
    assert [n.unit for n in by_code] == [committee, branch_b]
    none = as_user(admin_user).get(URL, {"q": "不存在"})
    assert none.context["nodes"] == [] and 'data-testid="empty-state"' in none.content.decode()


def test_search_does_not_leak_units_out_of_scope(as_user, secretary, committee, branch_a, branch_b):
    nodes = as_user(secretary).get(URL, {"q": "党"}).context["nodes"]
    assert committee not in [n.unit for n in nodes] and branch_b not in [n.unit for n in nodes]


def test_tree_without_a_counts_provider(monkeypatch, people, as_user, admin_user, committee):
    monkeypatch.setattr(registry.unit_status_counts, "_fn", None)
    resp = as_user(admin_user).get(URL)
    assert resp.status_code == 200
    assert resp.context["count_columns"] == [] and all(n.counts == {} for n in resp.context["nodes"])


def _grow(committee, n_branches, people_each):
    for i in range(n_branches):
        b = make_unit(committee, kind=UnitKind.BRANCH, name=f"支部{i}")
        g = make_unit(b, kind=UnitKind.PARTY_GROUP, name=f"小组{i}")
        for j in range(people_each):
            make_person(b, name=f"党员{i}-{j}", party_group=g if j % 2 else None,
                        status=[S.FULL, S.PROBATIONARY, S.ACTIVIST][j % 3])


def _count_queries(client, url, **params):
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(url, params)
    assert resp.status_code == 200
    return len(ctx.captured_queries)


def test_tree_query_count_is_constant(as_user, admin_user, committee):
    client = as_user(admin_user)
    _grow(committee, 3, 2)
    small = _count_queries(client, URL)
    small_search = _count_queries(client, URL, q="支部")
    _grow(make_unit(committee, kind=UnitKind.COMMITTEE, name="二级党委"), 12, 3)
    assert _count_queries(client, URL) == small
    assert _count_queries(client, URL, q="支部") == small_search
    assert small <= 10


def test_build_tree_markup_counts_for_arbitrary_shapes():
    """Closing counts always balance the opened levels."""
    from types import SimpleNamespace

    paths = ["0001", "00010001", "000100010001", "000100010001" + "0001", "00010002", "0002", "00020001"]
    units = [SimpleNamespace(pk=i, path=p, dissolved_on=None) for i, p in enumerate(paths)]
    nodes = selectors.build_tree(units)
    opened = sum(1 for n in nodes if n.has_children)
    closed = sum(len(n.closes) for n in nodes)
    assert opened == closed
    assert [n.level for n in nodes] == [1, 2, 3, 4, 2, 1, 2]


def test_tree_html_is_valid_nesting(people, as_user, admin_user):
    html = as_user(admin_user).get(URL).content.decode()
    tree = html[html.index('id="unit-tree"'):html.index("</main>")]
    depth = 0
    for tag in re.findall(r"</?(?:ul|details)\b", tree):
        depth += -1 if tag.startswith("</") else 1
        assert depth >= 0
    assert depth == 0

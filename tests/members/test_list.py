"""The roll page: permissions, search, filters, sorting, paging, masking, query count, empty state."""
import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.choices import Role
from branches.models import Unit
from branches.services import appointment_create
from members.choices import Education, MemberStatus, PersonCategory
from tests.factories import UserFactory

from .helpers import person as make_person

pytestmark = pytest.mark.django_db
URL = reverse("members:person_list")


def _records(response):
    return [row.record for row in response.context["table"].page.object_list]


def _names(response):
    return [p.name for p in _records(response)]


# -- permissions ---------------------------------------------------------------------------------------------

def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_user_without_appointment_is_forbidden(as_user, committee):
    assert as_user(UserFactory(username="nobody")).get(URL).status_code == 403


def test_outsider_sees_only_their_own_tree(as_user, outsider, member_a, other_committee):
    theirs = make_person(other_committee, name="外人")
    response = as_user(outsider).get(URL)
    assert response.status_code == 200
    assert _names(response) == ["外人"]
    assert member_a.name not in response.content.decode()
    assert theirs.pk


def test_viewer_and_secretary_see_their_branch_only(as_user, viewer, secretary, member_a, branch_b):
    make_person(branch_b, name="王五")
    for user in (viewer, secretary):
        response = as_user(user).get(URL)
        assert response.status_code == 200
        assert _names(response) == ["李明"]
        assert response.context["result_count"] == 1


def test_header_actions_follow_permissions(as_user, viewer, secretary, member_a):
    html = as_user(secretary).get(URL).content.decode()
    assert reverse("members:person_create") in html
    assert reverse("members:person_import") in html
    assert reverse("members:person_export") in html
    html = as_user(viewer).get(URL).content.decode()
    assert reverse("members:person_create") not in html
    assert reverse("members:person_import") not in html
    assert reverse("members:person_export") in html


# -- masking -------------------------------------------------------------------------------------------------

def test_viewer_sees_masked_ids(as_user, viewer, member_a):
    html = as_user(viewer).get(URL).content.decode()
    assert member_a.masked_citizen_id in html
    assert member_a.citizen_id not in html


def test_secretary_sees_full_ids(as_user, secretary, member_a):
    html = as_user(secretary).get(URL).content.decode()
    assert member_a.citizen_id in html


def test_masking_is_per_unit(as_user, branch_a, branch_b, member_a):
    """Sensitive on branch_a only, plain view on the committee: branch_b's IDs stay masked."""
    user = UserFactory(username="mixed")
    appointment_create(actor=None, user=user, unit=branch_a, role=Role.SECRETARY)
    appointment_create(actor=None, user=user, unit=Unit.objects.get_parent(branch_a), role=Role.VIEWER)
    other = make_person(branch_b, name="王五")
    html = as_user(user).get(URL).content.decode()
    assert member_a.citizen_id in html
    assert other.masked_citizen_id in html and other.citizen_id not in html


# -- search and filters --------------------------------------------------------------------------------------

@pytest.fixture
def roll(branch_a, group_a):
    return {
        "li": make_person(branch_a, name="李明", phone="13800001111"),
        "wang": make_person(branch_a, name="王丽", male=False, phone="13900002222", party_group=group_a,
                            education=Education.MASTER, category=PersonCategory.RETIREE,
                            birth=datetime.date(1960, 1, 20)),
        "zhang": make_person(branch_a, name="张伟", status=MemberStatus.ACTIVIST, activist_date=datetime.date(2024, 1, 1),
                             birth=datetime.date(2000, 5, 5)),
    }


def test_search_by_name(as_user, secretary, roll):
    assert _names(as_user(secretary).get(URL, {"q": "丽"})) == ["王丽"]


def test_search_by_phone(as_user, secretary, roll):
    assert _names(as_user(secretary).get(URL, {"q": "0000111"})) == ["李明"]


def test_search_by_id_tail(as_user, secretary, roll):
    tail = roll["zhang"].citizen_id[-6:]
    assert _names(as_user(secretary).get(URL, {"q": tail})) == ["张伟"]
    assert _names(as_user(secretary).get(URL, {"q": roll["zhang"].citizen_id})) == ["张伟"]


def test_id_tail_beyond_the_visible_part_needs_sensitive_rights(as_user, viewer, secretary, roll):
    person = roll["zhang"]
    assert _names(as_user(viewer).get(URL, {"q": person.citizen_id[-4:]})) == ["张伟"]
    assert _names(as_user(viewer).get(URL, {"q": person.citizen_id[-8:]})) == []
    assert _names(as_user(secretary).get(URL, {"q": person.citizen_id[-8:]})) == ["张伟"]


def test_filter_by_unit_subtree(as_user, admin_user, committee, branch_a, branch_b, group_a, roll):
    make_person(branch_b, name="王五")
    client = as_user(admin_user)
    assert len(_names(client.get(URL, {"unit": committee.pk}))) == 4
    assert sorted(_names(client.get(URL, {"unit": branch_a.pk}))) == sorted(["李明", "王丽", "张伟"])
    assert _names(client.get(URL, {"unit": branch_b.pk})) == ["王五"]
    assert _names(client.get(URL, {"unit": group_a.pk})) == ["王丽"]


def test_unit_dropdown_is_scoped_and_out_of_scope_choice_shows_nothing(as_user, secretary, branch_b, roll):
    response = as_user(secretary).get(URL, {"unit": branch_b.pk})
    assert response.status_code == 200
    assert _names(response) == []
    assert "unit" in response.context["filter"].errors
    options = list(response.context["filter"].form.fields["unit"].queryset)
    assert branch_b not in options and len(options) == 2     # branch_a and group_a


def test_filter_by_status_category_gender_education(as_user, secretary, roll):
    client = as_user(secretary)
    assert _names(client.get(URL, {"status": MemberStatus.ACTIVIST})) == ["张伟"]
    assert sorted(_names(client.get(URL, {"status": "on_roll"}))) == sorted(["李明", "王丽"])
    assert _names(client.get(URL, {"status": "pipeline"})) == ["张伟"]
    assert _names(client.get(URL, {"category": PersonCategory.RETIREE})) == ["王丽"]
    assert _names(client.get(URL, {"gender": "F"})) == ["王丽"]
    assert _names(client.get(URL, {"education": Education.MASTER})) == ["王丽"]
    assert _names(client.get(URL, {"gender": "F", "status": MemberStatus.ACTIVIST})) == []


@time_machine.travel(datetime.date(2026, 6, 1), tick=False)
@pytest.mark.parametrize("band,expected", [
    ("0-35", ["30", "35"]), ("36-45", ["36", "45"]), ("46-55", []), ("56-60", ["60"]), ("61-", ["61"]),
])
def test_filter_by_age_band(as_user, secretary, branch_a, band, expected):
    # Birthdays on 2026-06-01 (today) and 2026-06-02 (tomorrow) sit on the band edges.
    ages = {"30": datetime.date(1996, 1, 1), "35": datetime.date(1990, 6, 2), "36": datetime.date(1990, 6, 1),
            "45": datetime.date(1980, 6, 2), "60": datetime.date(1965, 6, 2), "61": datetime.date(1965, 6, 1)}
    for label, birth in ages.items():
        make_person(branch_a, name=label, birth=birth)
    assert sorted(_names(as_user(secretary).get(URL, {"age": band}))) == expected


def test_unknown_filter_value_is_a_form_error_not_a_crash(as_user, secretary, roll):
    response = as_user(secretary).get(URL, {"status": "nonsense", "age": "x", "unit": "abc"})
    assert response.status_code == 200
    assert _names(response) == []


# -- sorting and paging --------------------------------------------------------------------------------------

def test_sort_by_column_headers(as_user, secretary, roll):
    client = as_user(secretary)
    by_age = _names(client.get(URL, {"sort": "age"}))
    assert by_age == ["张伟", "李明", "王丽"]
    assert _names(client.get(URL, {"sort": "-age"})) == list(reversed(by_age))
    assert _names(client.get(URL, {"sort": "status"}))[0] == "张伟"     # activist < full
    html = client.get(URL).content.decode()
    assert "sort=name" in html and "sort=age" in html
    assert client.get(URL, {"sort": "bogus"}).status_code == 200


def test_pagination_25_per_page(as_user, secretary, branch_a):
    for i in range(30):
        make_person(branch_a, name=f"党员{i:02d}")
    client = as_user(secretary)
    first = client.get(URL, {"sort": "name"})
    assert first.context["result_count"] == 30
    assert _names(first) == [f"党员{i:02d}" for i in range(25)]
    second = client.get(URL, {"sort": "name", "page": 2})
    assert _names(second) == [f"党员{i:02d}" for i in range(25, 30)]
    assert "30" in second.content.decode()
    assert _names(client.get(URL, {"sort": "name", "page": 99})) == _names(second)   # past the end: last page
    assert len(_names(client.get(URL, {"page": "x"}))) == 25
    assert len(_names(client.get(URL, {"per_page": 1000}))) == 25                      # page size is fixed


# -- query count ---------------------------------------------------------------------------------------------

def _count_queries(client, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_rows(as_user, admin_user, branch_a, branch_b, group_a):
    client = as_user(admin_user)
    for i in range(5):
        make_person(branch_a if i % 2 else branch_b, name=f"甲{i}", party_group=group_a if i % 2 else None)
    few = _count_queries(client)
    few_filtered = _count_queries(client, {"unit": branch_a.pk, "q": "甲"})
    for i in range(25):
        make_person(branch_a if i % 2 else branch_b, name=f"乙{i}", party_group=group_a if i % 2 else None)
    many = _count_queries(client)
    many_filtered = _count_queries(client, {"unit": branch_a.pk, "q": "乙"})
    assert few == many
    assert few_filtered == many_filtered
    assert many <= 12


# -- empty state ---------------------------------------------------------------------------------------------

def test_empty_roll_says_what_to_do_first(as_user, secretary, branch_a):
    response = as_user(secretary).get(URL)
    html = response.content.decode()
    assert 'data-testid="empty-state"' in html
    assert "No members yet." in html or "还没有党员" in html
    assert reverse("members:person_import") in html and reverse("members:person_create") in html


def test_empty_roll_for_viewer_has_no_dead_links(as_user, viewer, branch_a):
    html = as_user(viewer).get(URL).content.decode()
    assert 'data-testid="empty-state"' in html
    assert reverse("members:person_create") not in html


def test_no_match_is_not_the_empty_roll(as_user, secretary, member_a):
    html = as_user(secretary).get(URL, {"q": "没有这个人"}).content.decode()
    assert 'data-testid="empty-state"' in html
    assert reverse("members:person_create") + '"' not in html.split('data-testid="empty-state"')[1]


def test_roll_opens_on_the_unit_chosen_in_the_top_bar(as_user, admin_user, branch_a, branch_b, member_a):
    from tests.factories import make_person

    make_person(branch_b, name="周七", birth=datetime.date(1977, 7, 7))
    client = as_user(admin_user)
    assert client.post(reverse("access:unit_switch"), {"unit": branch_b.pk}).status_code == 302
    html = client.get(reverse("members:person_list")).content.decode()
    assert "周七" in html and "李明" not in html
    # An explicit filter still wins.
    html = client.get(reverse("members:person_list"), {"unit": branch_a.pk}).content.decode()
    assert "李明" in html and "周七" not in html

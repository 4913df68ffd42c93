"""Excel export of the filtered roll: all pages, the import's columns, IDs masked unless permitted."""
import datetime

import pytest
from django.urls import reverse

from members.choices import MemberStatus

from .helpers import HEADERS, person, read_xlsx

pytestmark = pytest.mark.django_db
URL = reverse("members:person_export")


def _rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    rows = read_xlsx(response.content)
    assert rows[0] == HEADERS
    return [dict(zip(HEADERS, r)) for r in rows[1:]]


def test_anonymous_is_sent_to_login(client, member_a):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_export_has_every_filtered_row_not_just_one_page(as_user, secretary, branch_a, branch_b):
    for i in range(30):
        person(branch_a, name=f"党员{i:02d}")
    person(branch_a, name="积极分子", status=MemberStatus.ACTIVIST, activist_date=datetime.date(2024, 1, 1))
    person(branch_b, name="别的支部")
    client = as_user(secretary)
    rows = _rows(client.get(URL, {"page": 2}))
    assert len(rows) == 31
    assert "别的支部" not in [r["姓名"] for r in rows]
    rows = _rows(client.get(URL, {"status": MemberStatus.FULL, "sort": "-name"}))
    assert [r["姓名"] for r in rows] == [f"党员{i:02d}" for i in reversed(range(30))]


def test_export_content_and_labels(as_user, secretary, branch_a, group_a):
    p = person(branch_a, name="王丽", male=False, party_group=group_a, phone="13900002222", notes="=1+1",
               education="master", birth=datetime.date(1960, 1, 20))
    [row] = _rows(as_user(secretary).get(URL))
    assert row["姓名"] == "王丽" and row["性别"] == "女" and row["学历"] == "硕士研究生"
    assert row["所在组织编码"] == branch_a.code and row["党小组编码"] == group_a.code
    assert row["党员状态"] == "正式党员" and row["人员类别"] == "在职"
    assert row["公民身份号码"] == p.citizen_id
    assert row["出生日期"].date() == datetime.date(1960, 1, 20)
    assert row["备注"] == "=1+1"          # text, not a formula


def test_viewer_gets_masked_ids(as_user, viewer, member_a):
    [row] = _rows(as_user(viewer).get(URL))
    assert row["公民身份号码"] == member_a.masked_citizen_id


def test_outsider_exports_nothing_of_ours(as_user, outsider, member_a):
    assert _rows(as_user(outsider).get(URL)) == []


def test_list_page_links_to_export_with_its_filters(as_user, secretary, member_a):
    html = as_user(secretary).get(reverse("members:person_list"), {"q": "李", "page": 1}).content.decode()
    assert f'{URL}?q=%E6%9D%8E' in html

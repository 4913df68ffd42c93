"""Excel import of the year's bases: every row validated first, never half an import."""
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from dues.models import DuesBase

from ..factories import make_person

pytestmark = pytest.mark.django_db


def workbook(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "公民身份号码", "缴费类别", "月收入（税后）", "申报金额", "自愿多交", "备注"])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile("bases.xlsx", buf.getvalue(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@pytest.fixture
def people(branch_a):
    return [make_person(branch_a, name="甲"), make_person(branch_a, name="乙"), make_person(branch_a, name="丙")]


def test_valid_file_imports_every_row(as_user, clerk, branch_a, people):
    c = as_user(clerk)
    url = reverse("dues:base_import", args=[branch_a.pk])
    f = workbook([["甲", people[0].citizen_id, "在职", "5000", "", "", ""],
                  ["乙", people[1].citizen_id, "离退休", 6000.5, "", "10", ""],
                  ["丙", people[2].citizen_id, "农民", "", "0.50", "", ""]])
    r = c.post(url, {"file": f, "year": "2026"})
    assert r.status_code == 200 and 'data-testid="import-all"' in r.content.decode()
    assert not DuesBase.objects.exists()                      # step 1 writes nothing
    token = r.context["token"]
    r = c.post(url, {"token": token})
    assert r.status_code == 302
    amounts = dict(DuesBase.objects.values_list("person__name", "monthly_amount"))
    assert amounts == {"甲": Decimal("50.00"), "乙": Decimal("70.01"), "丙": Decimal("0.50")}


def test_one_bad_row_imports_nothing(as_user, clerk, branch_a, people, outsider, other_committee):
    stranger = make_person(other_committee, name="外人")
    c = as_user(clerk)
    f = workbook([["甲", people[0].citizen_id, "在职", "5000", "", "", ""],
                  ["乙", people[1].citizen_id, "国王", "6000", "", "", ""],
                  ["丙", people[2].citizen_id, "在职", "abc", "", "", ""],
                  ["外人", stranger.citizen_id, "在职", "3000", "", "", ""],
                  ["甲", people[0].citizen_id, "在职", "5000", "", "", ""]])
    r = c.post(reverse("dues:base_import", args=[branch_a.pk]), {"file": f, "year": "2026"})
    body = r.content.decode()
    assert r.context["token"] is None and 'data-testid="import-all"' not in body
    rows = {e.row for e in r.context["errors"]}
    assert rows == {3, 4, 5, 6}
    assert "国王" in body and "No member with this ID" in body and "already in row 2" in body
    assert not DuesBase.objects.exists()


def test_not_a_workbook(as_user, clerk, branch_a):
    r = as_user(clerk).post(reverse("dues:base_import", args=[branch_a.pk]),
                            {"file": SimpleUploadedFile("x.xlsx", b"not excel"), "year": "2026"})
    assert "cannot be opened" in r.content.decode()


def test_template_downloads(as_user, clerk):
    r = as_user(clerk).get(reverse("dues:base_import_template"))
    assert r.status_code == 200 and r.content[:2] == b"PK"

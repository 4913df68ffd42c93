"""Excel import: template, upload checks, row report, all-or-nothing import, confirm-valid-only, rollback."""
import datetime
import os
import uuid

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from branches.choices import AuditAction
from branches.models import AuditEntry
from members import services
from members.choices import Education, MemberStatus, PersonCategory
from members.importers import COLUMNS, TEMPLATE_EXAMPLE_ID
from members.models import Person

from .helpers import HEADERS, person_row, read_xlsx, upload, workbook_bytes

pytestmark = pytest.mark.django_db
URL = reverse("members:person_import")
TEMPLATE_URL = reverse("members:person_import_template")


def _upload(client, rows, **kwargs):
    return client.post(URL, {"file": upload(rows, **kwargs)})


def _confirm(client, response, valid_only=False, expected=None):
    data = {"token": response.context["token"]}
    if valid_only:
        data["valid_only"] = "1"
    if expected is not None:
        data["expected"] = str(expected)
    return client.post(URL, data)


def _report_errors(response):
    return [(e.row, e.column) for e in response.context["report"].errors]


def _stored_uploads():
    folder = os.path.join(settings.MEDIA_ROOT, "imports")
    return os.listdir(folder) if os.path.isdir(folder) else []


# -- permissions ---------------------------------------------------------------------------------------------

def test_anonymous_is_sent_to_login(client, branch_a):
    for url in (URL, TEMPLATE_URL):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    response = client.post(URL, {"file": upload([person_row(branch_a.code)])})
    assert response.status_code == 302
    assert not Person.objects.exists()


def test_viewer_is_forbidden(as_user, viewer, branch_a):
    client = as_user(viewer)
    assert client.get(URL).status_code == 403
    assert client.get(TEMPLATE_URL).status_code == 403
    assert client.post(URL, {"file": upload([person_row(branch_a.code)])}).status_code == 403
    assert not Person.objects.exists()


def test_outsider_cannot_import_into_a_foreign_unit(as_user, outsider, branch_a):
    client = as_user(outsider)
    assert client.get(URL).status_code == 200
    response = _upload(client, [person_row(branch_a.code)])
    assert _report_errors(response) == [(2, "所在组织编码")]
    assert branch_a.code in response.context["report"].errors[0].message
    assert _confirm(client, response).status_code == 200
    assert not Person.objects.exists()


# -- template ------------------------------------------------------------------------------------------------

def test_template_has_chinese_headers_and_one_example_row(as_user, secretary, branch_a):
    response = as_user(secretary).get(TEMPLATE_URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    rows = read_xlsx(response.content)
    assert rows[0] == [c.header for c in COLUMNS]
    assert rows[0][:5] == ["姓名", "性别", "民族", "出生日期", "公民身份号码"]
    assert len(rows) == 2
    example = dict(zip(rows[0], rows[1]))
    assert example["所在组织编码"] == branch_a.code and example["公民身份号码"] == TEMPLATE_EXAMPLE_ID


def test_template_example_row_is_refused_on_import(as_user, secretary, branch_a):
    client = as_user(secretary)
    template = client.get(TEMPLATE_URL).content
    response = client.post(URL, {"file": SimpleUploadedFile("template.xlsx", template)})
    assert _report_errors(response) == [(2, "公民身份号码")]


# -- upload checks -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,content", [
    ("roll.csv", b"name,id\n"),
    ("roll.xls", b"\xd0\xcf\x11\xe0 old excel"),
    ("roll.xlsx", b"this is not a zip file"),
    ("roll.xlsx", b"PK\x03\x04 broken zip"),
])
def test_bad_file_is_a_form_error(as_user, secretary, branch_a, name, content):
    response = as_user(secretary).post(URL, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    assert "file" in response.context["upload_form"].errors
    assert "report" not in response.context
    assert _stored_uploads() == []


def test_missing_file_is_a_form_error(as_user, secretary, branch_a):
    response = as_user(secretary).post(URL, {})
    assert response.status_code == 200 and "file" in response.context["upload_form"].errors


def test_file_over_5_mb_is_refused(as_user, secretary, branch_a):
    big = SimpleUploadedFile("roll.xlsx", b"0" * (5 * 1024 * 1024 + 1))
    response = as_user(secretary).post(URL, {"file": big})
    assert "file" in response.context["upload_form"].errors
    assert "5" in str(response.context["upload_form"].errors["file"])


def test_missing_required_columns_is_a_file_error(as_user, secretary, branch_a):
    headers = ["姓名", "公民身份号码"]
    response = _upload(as_user(secretary), [["王芳", "110105199003080020"]], headers=headers)
    report = response.context["report"]
    assert report.file_errors and "所在组织编码" in report.file_errors[0] and "党员状态" in report.file_errors[0]
    assert not report.can_import


def test_sheet_without_header_is_a_file_error(as_user, secretary, branch_a):
    response = _upload(as_user(secretary), [["a", "b"]], headers=["foo", "bar"])
    assert response.context["report"].file_errors


def test_header_only_is_a_file_error(as_user, secretary, branch_a):
    response = _upload(as_user(secretary), [])
    assert response.context["report"].file_errors
    assert not response.context["report"].can_import


# -- a clean file --------------------------------------------------------------------------------------------

def test_clean_file_imports_every_row(as_user, secretary, branch_a, group_a):
    client = as_user(secretary)
    rows = [
        person_row(branch_a.code, "王芳"),
        person_row(branch_a.code, "刘强", male=True, birth=datetime.date(1975, 12, 1), 学历="硕士研究生",
                   人员类别="离退休", 党小组编码=group_a.code),
        person_row(branch_a.code, "赵敏", status="入党积极分子", 入党日期=None, 转正日期=None,
                   确定积极分子日期=datetime.date(2024, 5, 1)),
    ]
    response = _upload(client, rows)
    assert response.status_code == 200
    report = response.context["report"]
    assert not report.has_errors and len(report.valid_rows) == 3
    assert not Person.objects.exists()                          # checking writes nothing
    assert len(_stored_uploads()) == 1
    assert 'data-testid="import-all"' in response.content.decode()

    done = _confirm(client, response, expected=3)
    assert done.status_code == 302
    assert Person.objects.count() == 3
    liu = Person.objects.get(name="刘强")
    assert (liu.education, liu.category, liu.party_group, liu.gender) == (
        Education.MASTER, PersonCategory.RETIREE, group_a, "M")
    assert Person.objects.get(name="赵敏").status == MemberStatus.ACTIVIST
    creates = AuditEntry.objects.filter(action=AuditAction.CREATE, content_type__model="person")
    assert creates.count() == 3 and all(e.actor == secretary for e in creates)
    assert AuditEntry.objects.filter(action=AuditAction.IMPORT, unit=branch_a).count() == 1
    assert _stored_uploads() == []                             # deleted after the import

    page = client.get(done.url)
    html = page.content.decode()
    assert page.context["result"]["count"] == 3
    assert reverse("members:person_list") in html and "刘强" in html
    # The same token cannot be used twice.
    again = client.post(URL, {"token": response.context["token"]})
    assert again.status_code == 200 and Person.objects.count() == 3


def test_values_are_read_leniently(as_user, secretary, branch_a):
    """Dates as text in several formats, numbers for codes and phones, blank gender/birth from the ID."""
    row = person_row(branch_a.code, "宋佳", 性别=None, 出生日期=None, 民族=None, 人员类别=None,
                     入党日期="2012/7/1", 转正日期="2013年7月1日", 申请入党日期="20100301", 联系电话=13912345678)
    response = _upload(as_user(secretary), [row], title_rows=[["第一党支部党员花名册"]])
    report = response.context["report"]
    assert not report.has_errors, report.errors
    fields = report.valid_rows[0].fields
    assert fields["gender"] == "F" and fields["birth_date"] == datetime.date(1990, 3, 8)
    assert fields["ethnicity"] == "汉族" and fields["category"] == PersonCategory.EMPLOYEE
    assert fields["admission_date"] == datetime.date(2012, 7, 1)
    assert fields["full_member_date"] == datetime.date(2013, 7, 1)
    assert fields["phone"] == "13912345678"
    assert report.valid_rows[0].number == 3                    # the title row moved everything down


# -- a file with errors --------------------------------------------------------------------------------------

def _rows_with_errors(unit_code, member_a):
    good1 = person_row(unit_code, "好一")
    bad_check = person_row(unit_code, "坏二")
    bad_check["公民身份号码"] = bad_check["公民身份号码"][:-1] + ("1" if bad_check["公民身份号码"][-1] != "1" else "2")
    unknown_unit = person_row("NO-SUCH-UNIT", "坏三", 学历="幼儿园")
    dup_in_file = person_row(unit_code, "坏四")
    dup_in_file["公民身份号码"] = good1["公民身份号码"]
    dup_on_roll = person_row(unit_code, "坏五", male=True, birth=member_a.birth_date)
    dup_on_roll["公民身份号码"] = member_a.citizen_id
    date_order = person_row(unit_code, "坏六", 转正日期=datetime.date(2011, 1, 1))
    good2 = person_row(unit_code, "好七")
    return [good1, bad_check, unknown_unit, dup_in_file, dup_on_roll, date_order, good2]


def test_file_with_errors_reports_row_and_column_and_imports_nothing(as_user, secretary, branch_a, member_a):
    client = as_user(secretary)
    response = _upload(client, _rows_with_errors(branch_a.code, member_a))
    report = response.context["report"]
    assert sorted(set(_report_errors(response))) == [
        (3, "公民身份号码"), (4, "学历"), (4, "所在组织编码"), (5, "公民身份号码"), (6, "公民身份号码"), (7, "转正日期"),
    ]
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert "row 2" in messages[(5, "公民身份号码")] or "2" in messages[(5, "公民身份号码")]
    assert "李明" in messages[(6, "公民身份号码")]
    assert [r.number for r in report.valid_rows] == [2, 8]
    html = response.content.decode()
    assert 'data-testid="import-errors"' in html and "转正日期" in html
    assert 'data-testid="import-all"' not in html and 'data-testid="import-valid-only"' in html

    # Posting the token without the explicit "valid rows only" imports nothing.
    refused = _confirm(client, response)
    assert refused.status_code == 200
    assert Person.objects.count() == 1
    assert len(_stored_uploads()) == 1


def test_confirm_valid_only_imports_exactly_the_valid_rows(as_user, secretary, branch_a, member_a):
    client = as_user(secretary)
    response = _upload(client, _rows_with_errors(branch_a.code, member_a))
    done = _confirm(client, response, valid_only=True, expected=2)
    assert done.status_code == 302
    assert sorted(Person.objects.exclude(pk=member_a.pk).values_list("name", flat=True)) == ["好一", "好七"]
    result = client.get(done.url).context["result"]
    assert result["count"] == 2 and result["skipped"] == 5


def test_changed_result_between_steps_imports_nothing(as_user, secretary, branch_a, member_a):
    client = as_user(secretary)
    response = _upload(client, _rows_with_errors(branch_a.code, member_a))
    answer = _confirm(client, response, valid_only=True, expected=3)
    assert answer.status_code == 200
    assert Person.objects.count() == 1


def test_failure_during_import_rolls_back_everything(as_user, secretary, branch_a, monkeypatch):
    client = as_user(secretary)
    rows = [person_row(branch_a.code, f"甲{i}") for i in range(4)]
    response = _upload(client, rows)
    assert len(response.context["report"].valid_rows) == 4
    real, calls = services.person_create, []

    def fail_third(**kwargs):
        calls.append(kwargs["name"])
        if len(calls) == 3:
            raise ValidationError("磁盘已满")
        return real(**kwargs)

    monkeypatch.setattr(services, "person_create", fail_third)
    answer = _confirm(client, response)
    assert answer.status_code == 200
    assert calls == ["甲0", "甲1", "甲2"]
    assert not Person.objects.exists()
    assert not AuditEntry.objects.filter(content_type__model="person").exists()
    assert not AuditEntry.objects.filter(action=AuditAction.IMPORT).exists()
    assert answer.context["import_error"].row == 4
    assert "磁盘已满" in answer.content.decode()
    assert len(_stored_uploads()) == 1                         # kept, so the user can retry


# -- tokens --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("token", ["../../etc/passwd", "", "not-a-uuid", str(uuid.uuid4())])
def test_bad_or_foreign_token_imports_nothing(as_user, secretary, branch_a, token):
    response = as_user(secretary).post(URL, {"token": token})
    assert response.status_code == 200
    assert not Person.objects.exists()


def test_token_of_another_user_is_refused(as_user, secretary, admin_user, branch_a):
    response = _upload(as_user(admin_user), [person_row(branch_a.code)])
    answer = as_user(secretary).post(URL, {"token": response.context["token"]})
    assert answer.status_code == 200 and "report" not in answer.context
    assert not Person.objects.exists()


def test_numeric_id_cell_is_explained(as_user, secretary, branch_a):
    row = person_row(branch_a.code)
    row["公民身份号码"] = float(row["公民身份号码"][:17] + "0")
    response = _upload(as_user(secretary), [row])
    [error] = response.context["report"].errors
    assert error.column == "公民身份号码" and "15" in error.message


def test_export_can_be_imported_back(as_user, secretary, branch_a, member_a):
    """The export uses the import's columns: a secretary's export re-imports (here refused as duplicates)."""
    client = as_user(secretary)
    exported = client.get(reverse("members:person_export")).content
    assert read_xlsx(exported)[0] == HEADERS
    response = client.post(URL, {"file": SimpleUploadedFile("export.xlsx", exported)})
    report = response.context["report"]
    assert not report.file_errors
    assert [(e.row, e.column) for e in report.errors] == [(2, "公民身份号码")]
    assert "李明" in report.errors[0].message


def test_workbook_bytes_helper_round_trip():
    assert read_xlsx(workbook_bytes([["x"]], headers=["h"])) == [["h"], ["x"]]


def test_too_many_rows_is_a_file_error(as_user, secretary, branch_a, monkeypatch):
    from members import importers

    monkeypatch.setattr(importers, "MAX_ROWS", 3)
    client = as_user(secretary)
    ok = _upload(client, [person_row(branch_a.code, f"甲{i}") for i in range(3)])
    assert not ok.context["report"].has_errors
    too_many = _upload(client, [person_row(branch_a.code, f"乙{i}") for i in range(4)])
    report = too_many.context["report"]
    assert report.file_errors and "3" in report.file_errors[0] and not report.can_import

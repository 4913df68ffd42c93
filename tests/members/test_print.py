"""Printables: the roll (花名册) and the record card (党员信息卡) as PDFs."""
import datetime
import io
import itertools
import re
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.choices import CommitteePositionKind
from branches.services import term_create
from members.choices import MemberStatus
from members.models import CommitteePosition, Person
from tests import factories

pytestmark = pytest.mark.django_db

_births = itertools.count(1)


def make_person(unit, **fields):
    """factories.make_person with a distinct birth date each time: its generated citizen IDs can repeat
    for people of the same sex born on the same day."""
    fields.setdefault("birth", datetime.date(1970, 1, 1) + datetime.timedelta(days=97 * next(_births)))
    return factories.make_person(unit, **fields)


def roll_url(unit, **params):
    url = reverse("members:unit_roll_pdf", args=[unit.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def card_url(person):
    return reverse("members:person_card_pdf", args=[person.pk])


def run(cmd, data: bytes, tmp_path, name="doc.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return subprocess.run([*cmd, str(path), *(["-"] if cmd[0] == "pdftotext" else [])], capture_output=True,
                          text=True, check=True).stdout


def pdf_text(response, tmp_path) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    return run(["pdftotext", "-enc", "UTF-8"], response.content, tmp_path)


def squash(text: str) -> str:
    """Text without whitespace (letter-spaced titles and wrapped cells come out with spaces and newlines)."""
    return re.sub(r"\s+", "", text)


def assert_cjk_font_embedded(response, tmp_path):
    rows = run(["pdffonts"], response.content, tmp_path, "fonts.pdf").splitlines()[2:]
    assert any("DroidSansFallback" in r.split()[0] and r.split()[-5] == "yes" for r in rows), rows


# ---------------------------------------------------------------------------------------------- roll


def test_roll_is_a_landscape_pdf_with_the_cjk_font(as_user, secretary, branch_a, member_a, tmp_path):
    response = as_user(secretary).get(roll_url(branch_a))
    text = pdf_text(response, tmp_path)
    assert_cjk_font_embedded(response, tmp_path)
    assert "党员花名册" in squash(text)
    assert branch_a.name in text
    assert member_a.name in text
    assert "第 1 页 共" in text
    assert "打印日期：" in text
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    info = run(["pdfinfo"], response.content, tmp_path, "info.pdf")
    assert re.search(r"Page size:\s+841\.89 x 595\.27", info), info  # A4 landscape


def test_roll_columns_and_totals(as_user, secretary, branch_a, group_a, tmp_path):
    make_person(branch_a, name="王芳", male=False, party_group=group_a, phone="13912345678",
                education="bachelor", category="retiree", birth=datetime.date(1979, 4, 3))
    make_person(branch_a, name="赵强", status=MemberStatus.PROBATIONARY)
    text = squash(pdf_text(as_user(secretary).get(roll_url(branch_a)), tmp_path))
    for header in ("序号", "姓名", "性别", "民族", "出生年月", "学历", "人员类别", "所在支部", "党小组", "入党时间",
                   "转正时间", "党员状态", "联系电话", "公民身份号码"):
        assert header in text, header
    for value in ("王芳", "女", "第一党小组", "13912345678", "大学本科", "离退休", "1979-04", "2010-07-01", "正式党员",
                  "预备党员"):
        assert value in text, value
    assert "合计：共2人" in text
    assert "正式党员1人" in text and "预备党员1人" in text
    assert "男1人" in text and "女1人" in text


def test_roll_includes_the_subtree(as_user, admin_user, committee, branch_a, branch_b, member_a, tmp_path):
    make_person(branch_b, name="周红")
    text = pdf_text(as_user(admin_user).get(roll_url(committee)), tmp_path)
    assert committee.name in text
    assert member_a.name in text and "周红" in text
    text = pdf_text(as_user(admin_user).get(roll_url(branch_a)), tmp_path)
    assert member_a.name in text and "周红" not in text


def test_roll_status_filter(as_user, secretary, branch_a, member_a, tmp_path):
    make_person(branch_a, name="钱积极", status=MemberStatus.ACTIVIST, application_date=datetime.date(2023, 1, 5),
                activist_date=datetime.date(2023, 6, 1))
    make_person(branch_a, name="孙转出", status=MemberStatus.TRANSFERRED_OUT)
    client = as_user(secretary)

    default = pdf_text(client.get(roll_url(branch_a)), tmp_path)
    assert member_a.name in default and "钱积极" not in default and "孙转出" not in default

    pipeline = pdf_text(client.get(roll_url(branch_a, status="pipeline")), tmp_path)
    assert "钱积极" in pipeline and member_a.name not in pipeline
    assert "入党申请人、积极分子、发展对象名册" in squash(pipeline)

    everyone = pdf_text(client.get(roll_url(branch_a, status="all")), tmp_path)
    assert all(name in everyone for name in (member_a.name, "钱积极", "孙转出"))

    for bad in ("bogus", "", "%00", "members%27--"):
        text = pdf_text(client.get(roll_url(branch_a, status=bad)), tmp_path)
        assert member_a.name in text and "钱积极" not in text


def test_roll_empty_unit(as_user, secretary, branch_a, tmp_path):
    text = squash(pdf_text(as_user(secretary).get(roll_url(branch_a)), tmp_path))
    assert "（无人员）" in text and "合计：共0人" in text


def test_roll_masks_citizen_ids_for_viewers(as_user, secretary, viewer, branch_a, member_a, tmp_path):
    seen_by_viewer = pdf_text(as_user(viewer).get(roll_url(branch_a)), tmp_path)
    assert member_a.citizen_id not in seen_by_viewer
    assert member_a.masked_citizen_id in seen_by_viewer
    assert "公民身份号码已按查看权限部分隐藏" in squash(seen_by_viewer)

    seen_by_secretary = pdf_text(as_user(secretary).get(roll_url(branch_a)), tmp_path)
    assert member_a.citizen_id in seen_by_secretary
    assert "部分隐藏" not in seen_by_secretary


def test_roll_masking_follows_the_sensitive_scope_per_row(as_user, committee, branch_a, branch_b, secretary, member_a,
                                                          tmp_path):
    """A secretary of branch_a who may view the whole committee sees full IDs in branch_a only."""
    from branches.choices import Role
    from branches.services import appointment_create

    appointment_create(actor=None, user=secretary, unit=committee, role=Role.VIEWER)
    other = make_person(branch_b, name="吴刚")
    text = pdf_text(as_user(secretary).get(roll_url(committee)), tmp_path)
    assert member_a.citizen_id in text
    assert other.citizen_id not in text and other.masked_citizen_id in text


def test_roll_queries_do_not_grow_with_people(as_user, secretary, branch_a, group_a):
    client = as_user(secretary)
    make_person(branch_a, name="甲一", party_group=group_a)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(roll_url(branch_a)).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(8):
        make_person(branch_a, name=f"乙{i}", party_group=group_a if i % 2 else None)
    assert count() == few


@pytest.mark.parametrize("who, expected", [("viewer", 200), ("secretary", 200), ("outsider", 404)])
def test_roll_permissions(request, as_user, branch_a, member_a, who, expected):
    user = request.getfixturevalue(who)
    assert as_user(user).get(roll_url(branch_a)).status_code == expected


def test_roll_anonymous_is_sent_to_login(client, branch_a):
    response = client.get(roll_url(branch_a))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_roll_of_a_unit_above_the_viewer_is_404(as_user, viewer, committee, branch_b):
    assert as_user(viewer).get(roll_url(committee)).status_code == 404
    assert as_user(viewer).get(roll_url(branch_b)).status_code == 404


def test_roll_missing_or_huge_pk_is_404(as_user, admin_user):
    client = as_user(admin_user)
    assert client.get(reverse("members:unit_roll_pdf", args=[999999])).status_code == 404
    assert client.get(f"/members/roll/{10**30}.pdf").status_code == 404


# ---------------------------------------------------------------------------------------------- card


def test_card_is_a_portrait_pdf_with_the_person(as_user, secretary, branch_a, group_a, member_a, tmp_path):
    from members.services import person_update

    person_update(actor=None, person=member_a, party_group=group_a, native_place="山东济南", notes="优秀共产党员")
    response = as_user(secretary).get(card_url(member_a))
    text = pdf_text(response, tmp_path)
    assert_cjk_font_embedded(response, tmp_path)
    flat = squash(text)
    assert "党员信息卡" in flat
    assert member_a.name in text and branch_a.name in text
    for value in ("第一党小组", "山东济南", "优秀共产党员", "正式党员", "2010-07-01", "2011-07-01", "1985-06-15",
                  "照片", "填表人", "审核人", "党组织（盖章）"):
        assert value in flat, value
    assert f"{member_a.party_standing_years}年" in flat
    assert "第 1 页 共 1 页" in text
    info = run(["pdfinfo"], response.content, tmp_path, "info.pdf")
    assert re.search(r"Page size:\s+595\.27\d* x 841\.89", info), info  # A4 portrait


def test_card_lists_committee_positions(as_user, secretary, branch_a, member_a, tmp_path):
    term = term_create(actor=None, unit=branch_a, start_date=datetime.date(2023, 3, 1), years=3)
    CommitteePosition.objects.create(term=term, person=member_a, position=CommitteePositionKind.SECRETARY,
                                     started_on=datetime.date(2023, 3, 1))
    flat = squash(pdf_text(as_user(secretary).get(card_url(member_a)), tmp_path))
    assert "党内任职" in flat and "书记" in flat and "2023-03-01至2026-03-01" in flat


def test_card_prints_the_photo(as_user, secretary, member_a, tmp_path):
    from PIL import Image

    from members.services import person_update

    buf = io.BytesIO()
    Image.new("RGB", (50, 70), (200, 30, 30)).save(buf, format="JPEG")
    person_update(actor=None, person=member_a, photo=SimpleUploadedFile("p.jpg", buf.getvalue(), "image/jpeg"))
    response = as_user(secretary).get(card_url(member_a))
    images = run(["pdfimages", "-list"], response.content, tmp_path, "img.pdf").splitlines()[2:]
    assert len(images) == 1, images
    assert "照片" not in squash(pdf_text(response, tmp_path))


def test_card_survives_a_missing_photo_file(as_user, secretary, member_a, tmp_path):
    Person.objects.filter(pk=member_a.pk).update(photo="photos/2020/gone.jpg")
    assert "照片" in squash(pdf_text(as_user(secretary).get(card_url(member_a)), tmp_path))


def test_card_masks_citizen_id_for_viewers(as_user, secretary, viewer, member_a, tmp_path):
    seen_by_viewer = pdf_text(as_user(viewer).get(card_url(member_a)), tmp_path)
    assert member_a.citizen_id not in seen_by_viewer and member_a.masked_citizen_id in seen_by_viewer
    seen_by_secretary = pdf_text(as_user(secretary).get(card_url(member_a)), tmp_path)
    assert member_a.citizen_id in seen_by_secretary


def test_card_for_someone_in_the_pipeline(as_user, secretary, branch_a, tmp_path):
    person = make_person(branch_a, name="钱积极", status=MemberStatus.ACTIVIST,
                         application_date=datetime.date(2023, 1, 5), activist_date=datetime.date(2023, 6, 1))
    flat = squash(pdf_text(as_user(secretary).get(card_url(person)), tmp_path))
    assert "人员信息卡" in flat and "入党积极分子" in flat and "2023-06-01" in flat


@pytest.mark.parametrize("who, expected", [("viewer", 200), ("secretary", 200), ("outsider", 404)])
def test_card_permissions(request, as_user, member_a, who, expected):
    user = request.getfixturevalue(who)
    assert as_user(user).get(card_url(member_a)).status_code == expected


def test_card_anonymous_is_sent_to_login(client, member_a):
    response = client.get(card_url(member_a))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_card_of_someone_in_another_branch_is_404(as_user, viewer, branch_b):
    other = make_person(branch_b, name="周红")
    assert as_user(viewer).get(card_url(other)).status_code == 404


def test_card_missing_or_huge_pk_is_404(as_user, admin_user):
    client = as_user(admin_user)
    assert client.get(reverse("members:person_card_pdf", args=[999999])).status_code == 404
    assert client.get(f"/members/{10**30}/card.pdf").status_code == 404

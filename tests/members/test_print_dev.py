"""Development printables: the dossier 入党材料, the activist registration form, the public notice (one person and
several candidates of a unit). Text is read back with pdftotext."""
import datetime
import re
import subprocess

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.models import Unit
from members.choices import MemberStatus
from members.models import DevelopmentPolicy, DevelopmentStepKind as K
from members.pipeline import pipeline_record_step
from members.views_print_dev import SECTIONS, STEP_ZH

from .helpers import person

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = datetime.datetime(2026, 7, 1, 10, 0)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def applicant(branch_a):
    return person(branch_a, name="王申请", status=MemberStatus.APPLICANT, birth=D(1995, 3, 1), education="bachelor",
                  work_unit="市财政局", post="科员", native_place="山东济南")


PLAN = [
    (K.APPLICATION, D(2024, 1, 5), {}),
    (K.TALK, D(2024, 1, 20), {}),
    (K.ACTIVIST_SELECTION, D(2024, 3, 1), {}),
    (K.CONTACTS_ASSIGNED, D(2024, 3, 5), {"related_people": [0, 1]}),
    (K.THOUGHT_REPORT, D(2024, 6, 1), {}),
    (K.INSPECTION, D(2024, 9, 1), {}),
    (K.CANDIDATE_DECISION, D(2025, 3, 2), {}),
    (K.SPONSORS_ASSIGNED, D(2025, 3, 10), {"related_people": [1, 2]}),
    (K.POLITICAL_REVIEW, D(2025, 4, 1), {"extra": {"passed": True}}),
    (K.TRAINING, D(2025, 4, 10), {"extra": {"days": 3}}),
    (K.PRE_REVIEW, D(2025, 5, 6), {"extra": {"passed": True}}),
    (K.PUBLIC_NOTICE, D(2025, 5, 12), {}),
    (K.VOLUNTEER_FORM, D(2025, 5, 13), {}),
    (K.BRANCH_COMMITTEE_REVIEW, D(2025, 5, 14), {}),
    (K.BRANCH_VOTE, D(2025, 5, 20), {"vote": {"present": 3, "yes": 2, "no": 1, "abstain": 0}}),
    (K.COMMITTEE_TALK, D(2025, 6, 1), {}),
    (K.COMMITTEE_APPROVAL, D(2025, 7, 1), {"extra": {"passed": True}}),
    (K.OATH, D(2025, 7, 1), {}),
    (K.FULL_APPLICATION, D(2026, 4, 20), {}),
    (K.FULL_VOTE, D(2026, 5, 20), {"vote": {"present": 3, "yes": 3, "no": 0, "abstain": 0}}),
    (K.FULL_NOTICE, D(2026, 5, 21), {}),
    (K.FULL_APPROVAL, D(2026, 6, 1), {"extra": {"passed": True}}),
]


def walk(applicant, full_members, actor, until=None):
    """The standard walk of tests/members/test_pipeline.py up to (not including) the step named ``until``."""
    for kind, date, data in PLAN:
        if kind == until:
            break
        data = dict(data)
        if "related_people" in data:
            data["related_people"] = [full_members[i] for i in data["related_people"]]
        pipeline_record_step(actor=actor, person=applicant, kind=kind, date=date, **data)
    applicant.refresh_from_db()
    return applicant


def run(cmd, data: bytes, tmp_path, name="doc.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return subprocess.run([*cmd, str(path), *(["-"] if cmd[0] == "pdftotext" else [])], capture_output=True,
                          text=True, check=True).stdout


def pdf_text(response, tmp_path) -> str:
    """The text in layout order (the cells of a table row stay on one line)."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    return run(["pdftotext", "-layout", "-enc", "UTF-8"], response.content, tmp_path)


def body(flat: str) -> str:
    """The dossier after its table of contents (whose legend quotes the markers)."""
    return flat[flat.index("原件另附。") + len("原件另附。"):]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pages(response, tmp_path) -> int:
    info = run(["pdfinfo"], response.content, tmp_path, "info.pdf")
    assert re.search(r"Page size:\s+595\.27\d* x 841\.89", info), info  # A4 portrait
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def dossier_url(p):
    return reverse("members:person_dossier_pdf", args=[p.pk])


def form_url(p):
    return reverse("members:person_activist_form_pdf", args=[p.pk])


def notice_url(p, **params):
    url = reverse("members:person_public_notice_pdf", args=[p.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def unit_notice_url(unit, people=(), **params):
    url = reverse("members:unit_public_notice_pdf", args=[unit.pk])
    query = [f"person={getattr(p, 'pk', p)}" for p in people] + [f"{k}={v}" for k, v in params.items()]
    return url + ("?" + "&".join(query) if query else "")


# ---------------------------------------------------------------------------------------------- the dossier

def test_every_step_kind_has_one_place_in_the_dossier():
    placed = [kind for _key, _title, kinds, _list in SECTIONS for kind in kinds]
    assert sorted(placed) == sorted(K.values) and len(placed) == len(set(placed))
    assert set(STEP_ZH) == set(K.values)


def test_dossier_of_a_full_member_in_domain_order(as_user, secretary, applicant, full_members, tmp_path):
    p = walk(applicant, full_members, secretary)
    response = as_user(secretary).get(dossier_url(p))
    text = pdf_text(response, tmp_path)
    flat = squash(text)
    assert pages(response, tmp_path) >= 3
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    # cover and table of contents
    assert "入党材料" in flat and "发展党员材料" in flat and "目录" in flat
    assert p.name in flat and "第一党支部" in flat
    assert "申请入党日期2024-01-05" in flat and "接收为预备党员日期2025-05-20" in flat
    assert "按当前发展阶段，材料无缺项" in flat and "（缺）" not in body(flat)
    # the sections in DOMAIN.md's order, after the table of contents
    main = body(flat)
    titles = ["一、入党申请书", "二、谈话记录", "三、入党积极分子登记", "四、培养教育考察记录", "五、思想汇报",
              "六、发展对象的确定和入党介绍人", "七、政治审查", "八、集中培训（培训结业证书）", "九、公示",
              "十、入党志愿书", "十一、支部党员大会表决", "十二、上级党委预审和审批", "十三、入党宣誓和预备期",
              "十四、身份变更记录"]
    positions = [main.find(t) for t in titles]
    assert -1 not in positions, list(zip(titles, positions))
    assert positions == sorted(positions)
    # details of the steps
    assert "培养联系人正式0、正式1" in flat and "入党介绍人正式1、正式2" in flat
    assert "结论政审合格" in flat and "结论预审同意" in flat and "结论批准接收为预备党员" in flat
    assert "培训时长3天" in flat
    assert "公示期2025-05-12至2025-05-16（5个工作日）" in flat
    assert ("应到会有表决权的正式党员3人，实到3人；赞成2票，反对1票，弃权0票" in flat)
    assert "到会有表决权的正式党员超过应到会人数的半数，符合规定" in flat
    assert "赞成票超过应到会有表决权正式党员的半数，通过" in flat
    assert "预备期自2025-05-20支部党员大会通过之日起计算" in flat
    assert "转正日期2026-05-20" in flat
    assert "（未上传）" in flat and "secretary_a" in flat
    # status history
    assert "入党申请人入党积极分子确定入党积极分子" in flat and "预备党员正式党员上级党委审批（预备党员转正）" in flat
    assert "此前的发展程序" not in flat


def test_dossier_marks_what_the_stage_calls_for(as_user, secretary, applicant, full_members, tmp_path):
    """A candidate before the notice: nothing of the candidate stage is missing, later material is not due yet."""
    p = walk(applicant, full_members, secretary, until=K.POLITICAL_REVIEW)
    flat = body(squash(pdf_text(as_user(secretary).get(dossier_url(p)), tmp_path)))
    assert "（缺）" not in flat
    # 10 kinds of the admission (political review … oath) and 4 of full membership are not due yet
    assert flat.count("（未到此阶段）") == 14
    assert "思想汇报（共1份）" in flat


def test_dossier_marks_gaps_of_an_imported_member(as_user, secretary, member_a, tmp_path):
    """A full member put on the roll without any development record: every required item is a gap."""
    flat = squash(pdf_text(as_user(secretary).get(dossier_url(member_a)), tmp_path))
    required = 22   # all kinds but the optional extension and cancellation of probation
    assert body(flat).count("（缺）") == required
    assert f"缺少材料{required}项" in flat
    assert "缺2项" in flat    # e.g. the application section: application and full-membership application
    assert flat.count("（无）") >= 2


def test_dossier_lists_attachments_notes_and_repeated_steps(as_user, secretary, applicant, full_members, tmp_path):
    p = walk(applicant, full_members, secretary, until=K.THOUGHT_REPORT)
    pipeline_record_step(actor=secretary, person=p, kind=K.THOUGHT_REPORT, date=D(2024, 6, 1), note="第二季度汇报",
                         document=SimpleUploadedFile("report-q2.pdf", b"%PDF-1.4 x", "application/pdf"))
    pipeline_record_step(actor=secretary, person=p, kind=K.THOUGHT_REPORT, date=D(2024, 9, 1))
    pipeline_record_step(actor=secretary, person=p, kind=K.INSPECTION, date=D(2024, 9, 2), note="表现良好")
    flat = squash(pdf_text(as_user(secretary).get(dossier_url(p)), tmp_path))
    assert "思想汇报（共2份）" in flat
    assert "附件：report-q2.pdf" in flat and "第二季度汇报" in flat and "表现良好" in flat
    assert "12024-06-01" in flat and "22024-09-01" in flat


def test_dossier_keeps_a_not_approved_attempt_apart(as_user, secretary, applicant, full_members, tmp_path):
    p = walk(applicant, full_members, secretary, until=K.COMMITTEE_APPROVAL)
    pipeline_record_step(actor=secretary, person=p, kind=K.COMMITTEE_APPROVAL, date=D(2025, 7, 1),
                         extra={"passed": False})
    pipeline_record_step(actor=secretary, person=p, kind=K.VOLUNTEER_FORM, date=D(2025, 7, 10))
    flat = squash(pdf_text(as_user(secretary).get(dossier_url(p)), tmp_path))
    earlier = flat[flat.index("十四、此前的发展程序（已失效或未获批准）"):flat.index("十五、身份变更记录")]
    assert "上级党委于2025-07-01决定不予批准" in earlier
    assert "结论不予批准" in earlier and "半数，通过" in earlier
    assert "2025-05-13" in earlier                       # the first volunteer form
    main = flat[flat.index("十、入党志愿书"):flat.index("十一、支部党员大会表决")]
    assert "2025-07-10" in main and "2025-05-13" not in main
    assert "（未到此阶段）" in main                      # the new branch committee review is not done yet


def test_dossier_shows_a_lapsed_vote(as_user, secretary, applicant, full_members, tmp_path):
    p = walk(applicant, full_members, secretary, until=K.COMMITTEE_APPROVAL)   # vote 2025-05-20, today 2026-07-01
    flat = squash(pdf_text(as_user(secretary).get(dossier_url(p)), tmp_path))
    earlier = flat[flat.index("此前的发展程序"):]
    assert "6个月内（至2025-11-20）未获上级党委审批" in earlier
    assert "逾期未获上级党委审批，已于2025-11-20失效" in earlier


def test_dossier_masks_the_citizen_id_for_viewers(as_user, secretary, viewer, applicant, tmp_path):
    by_viewer = squash(pdf_text(as_user(viewer).get(dossier_url(applicant)), tmp_path))
    assert applicant.citizen_id not in by_viewer and applicant.masked_citizen_id in by_viewer
    assert "公民身份号码已按查看权限部分隐藏" in by_viewer
    by_secretary = squash(pdf_text(as_user(secretary).get(dossier_url(applicant)), tmp_path))
    assert applicant.citizen_id in by_secretary and "部分隐藏" not in by_secretary


# ---------------------------------------------------------------------------------------------- activist form

def test_activist_form(as_user, secretary, applicant, full_members, tmp_path):
    p = walk(applicant, full_members, secretary, until=K.THOUGHT_REPORT)
    response = as_user(secretary).get(form_url(p))
    flat = squash(pdf_text(response, tmp_path))
    assert pages(response, tmp_path) == 1
    assert "入党积极分子登记表" in flat
    for value in ("姓名王申请", "性别男", "民族汉族", "出生日期1995-03-01", "籍贯山东济南", "学历大学本科",
                  "市财政局", "科员", "2024-01-05", "2024-03-01", "所在党支部第一党支部",
                  "培养联系人正式0、正式1", "指定日期2024-03-05", "主要简历", "党支部意见",
                  "经党支部委员会2024年3月1日研究，同意确定王申请同志为入党积极分子。", "支部书记（签名）", "党支部意见",
                  "上级党组织", "备案意见", p.citizen_id):
        assert value in flat, value


def test_activist_form_of_an_applicant_leaves_the_boxes_empty(as_user, secretary, applicant, tmp_path):
    flat = squash(pdf_text(as_user(secretary).get(form_url(applicant)), tmp_path))
    assert "入党积极分子登记表" in flat and "同意确定" not in flat and "培养联系人指定日期" in flat


def test_activist_form_mentions_the_local_notice(as_user, committee, secretary, applicant, full_members, tmp_path):
    DevelopmentPolicy.objects.create(unit=committee, key="activist_notice_days", value=7, effective_from=D(2020, 1, 1))
    p = walk(applicant, full_members, secretary, until=K.ACTIVIST_SELECTION)
    pipeline_record_step(actor=secretary, person=p, kind=K.ACTIVIST_SELECTION, date=D(2024, 3, 2),
                         notice_start=D(2024, 2, 24))
    flat = squash(pdf_text(as_user(secretary).get(form_url(p)), tmp_path))
    assert "确定前已于2024年2月24日起进行公示" in flat
    assert "确定前公示自2024-02-24起公示7天" in squash(pdf_text(as_user(secretary).get(dossier_url(p)), tmp_path))


def test_activist_form_shows_the_record_by_the_committee(as_user, secretary, branch_a, applicant, full_members,
                                                        tmp_path):
    from members.models import ReviewKind, ReviewRequest, ReviewStatus

    p = walk(applicant, full_members, secretary, until=K.CONTACTS_ASSIGNED)
    ReviewRequest.objects.create(person=p, kind=ReviewKind.ACTIVIST_RECORD, unit=branch_a,
                                 status=ReviewStatus.APPROVED, decision_date=D(2024, 3, 8))
    flat = squash(pdf_text(as_user(secretary).get(form_url(p)), tmp_path))
    assert "已于2024年3月8日备案" in flat


def test_activist_form_masks_the_citizen_id_for_viewers(as_user, viewer, applicant, tmp_path):
    flat = squash(pdf_text(as_user(viewer).get(form_url(applicant)), tmp_path))
    assert applicant.citizen_id not in flat and applicant.masked_citizen_id in flat


# ---------------------------------------------------------------------------------------------- public notice

def test_public_notice_of_a_candidate_uses_the_recorded_period(as_user, secretary, applicant, full_members, branch_a,
                                                               committee, tmp_path):
    Unit.objects.filter(pk=branch_a.pk).update(phone="0531-1234567", contact_person="李书记")
    Unit.objects.filter(pk=committee.pk).update(phone="0531-7654321")
    p = walk(applicant, full_members, secretary, until=K.VOLUNTEER_FORM)
    response = as_user(secretary).get(notice_url(p, start="2026-06-29"))    # the recorded notice wins
    flat = squash(pdf_text(response, tmp_path))
    assert pages(response, tmp_path) == 1
    assert "发展党员公示" in flat
    assert ("王申请，男，汉族，1995年3月出生，大学本科学历，市财政局科员，2024年1月5日递交入党申请书，"
            "2024年3月1日被确定为入党积极分子，2025年3月2日被确定为发展对象。") in flat
    assert "公示时间：2025年5月12日至2025年5月16日（5个工作日）" in flat
    assert "第一党支部：0531-1234567（联系人：李书记）" in flat and "测试党委：0531-7654321" in flat
    assert flat.endswith("第一党支部2025年5月12日") or "第一党支部2025年5月12日" in flat
    assert p.citizen_id not in flat and p.masked_citizen_id not in flat


def test_public_notice_period_from_start(as_user, secretary, applicant, full_members, tmp_path):
    p = walk(applicant, full_members, secretary, until=K.PUBLIC_NOTICE)
    flat = squash(pdf_text(as_user(secretary).get(notice_url(p, start="2026-06-29")), tmp_path))
    assert "公示时间：2026年6月29日至2026年7月3日（5个工作日）" in flat
    # a holiday in the table pushes the end back
    from members.models import Holiday
    Holiday.objects.create(date=D(2026, 7, 1), name="测试假日")
    flat = squash(pdf_text(as_user(secretary).get(notice_url(p, start="2026-06-29")), tmp_path))
    assert "2026年6月29日至2026年7月6日（5个工作日）" in flat


@pytest.mark.parametrize("start", ["", "2026-13-45", "yesterday", "9999-12-31", "1900-01-01", "2026-06-29T00:00",
                                   "%00", "-1"])
def test_public_notice_bad_start_leaves_blanks(as_user, secretary, applicant, full_members, tmp_path, start):
    p = walk(applicant, full_members, secretary, until=K.PUBLIC_NOTICE)
    flat = squash(pdf_text(as_user(secretary).get(notice_url(p, start=start)), tmp_path))
    assert "公示时间：年月日至年月日（5个工作日）" in flat


def test_public_notice_uses_the_committee_rule(as_user, committee, secretary, applicant, full_members, tmp_path):
    DevelopmentPolicy.objects.create(unit=committee, key="notice_working_days", value=7, effective_from=D(2020, 1, 1))
    p = walk(applicant, full_members, secretary, until=K.PUBLIC_NOTICE)
    flat = squash(pdf_text(as_user(secretary).get(notice_url(p, start="2026-06-29")), tmp_path))
    assert "2026年6月29日至2026年7月7日（7个工作日）" in flat


def test_public_notice_of_an_applicant_is_refused_with_a_message(as_user, secretary, applicant):
    response = as_user(secretary).get(notice_url(applicant), follow=True)
    assert response.redirect_chain[-1][0] == reverse("members:person_pipeline", args=[applicant.pk])
    assert "is not a candidate for admission" in response.content.decode()


# ---------------------------------------------------------------------------------------------- unit notice

@pytest.fixture
def candidates(branch_a):
    dates = {"application_date": D(2023, 1, 5), "activist_date": D(2023, 3, 1), "candidate_date": D(2024, 4, 1)}
    return [person(branch_a, name=n, status=MemberStatus.CANDIDATE, male=m, birth=D(1996, 5, 1 + i),
                   education="master", work_unit="市教育局", **dates)
            for i, (n, m) in enumerate((("赵发展", True), ("钱发展", False)))]


def test_unit_notice_lists_the_chosen_candidates(as_user, secretary, branch_a, branch_b, candidates, applicant,
                                                 tmp_path):
    stranger = person(branch_b, name="孙外支", status=MemberStatus.CANDIDATE, candidate_date=D(2024, 4, 1),
                      application_date=D(2023, 1, 5), activist_date=D(2023, 3, 1))
    chosen = [*candidates, stranger, applicant, "abc", "-3", "0", "9" * 40, ""]
    response = as_user(secretary).get(unit_notice_url(branch_a, chosen, start="2026-06-29"))
    flat = squash(pdf_text(response, tmp_path))
    assert pages(response, tmp_path) == 1
    assert "赵发展" in flat and "钱发展" in flat
    assert "孙外支" not in flat and "王申请" not in flat
    assert "硕士研究生" in flat and "2024.4.1" in flat and "工作单位及职务" in flat
    assert "公示时间：2026年6月29日至2026年7月3日（5个工作日）" in flat


def test_unit_notice_without_choice_lists_every_candidate(as_user, secretary, branch_a, candidates, applicant,
                                                         tmp_path):
    flat = squash(pdf_text(as_user(secretary).get(unit_notice_url(branch_a)), tmp_path))
    assert "赵发展" in flat and "钱发展" in flat and "王申请" not in flat
    assert "公示时间：年月日至年月日（5个工作日）" in flat


def test_unit_notice_with_nobody_valid_redirects_with_a_message(as_user, secretary, branch_a, applicant):
    response = as_user(secretary).get(unit_notice_url(branch_a, [applicant, "x"]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("branches:unit_detail", args=[branch_a.pk])
    assert "There is no candidate for admission" in response.content.decode()


def test_unit_notice_queries_do_not_grow_with_candidates(as_user, secretary, branch_a, candidates):
    client = as_user(secretary)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(unit_notice_url(branch_a, start="2026-06-29")).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(5):
        person(branch_a, name=f"李发展{i}", status=MemberStatus.CANDIDATE, candidate_date=D(2024, 4, 1),
               application_date=D(2023, 1, 5), activist_date=D(2023, 3, 1), birth=D(1990, 1, 1 + i))
    assert count() == few


# ---------------------------------------------------------------------------------------------- permissions

def _urls(p, unit):
    return [dossier_url(p), form_url(p), notice_url(p), unit_notice_url(unit)]


@pytest.mark.parametrize("who, expected", [("viewer", 200), ("secretary", 200), ("admin_user", 200),
                                           ("outsider", 404)])
def test_permissions(request, as_user, branch_a, candidates, who, expected):
    client = as_user(request.getfixturevalue(who))
    for url in _urls(candidates[0], branch_a):
        assert client.get(url).status_code == expected, url


def test_anonymous_is_sent_to_login(client, branch_a, candidates):
    for url in _urls(candidates[0], branch_a):
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"], url


def test_another_branch_is_404_for_a_branch_viewer(as_user, viewer, branch_b, committee):
    other = person(branch_b, name="周候选", status=MemberStatus.CANDIDATE, candidate_date=D(2024, 4, 1),
                   application_date=D(2023, 1, 5), activist_date=D(2023, 3, 1))
    client = as_user(viewer)
    for url in (*_urls(other, branch_b), unit_notice_url(committee)):
        assert client.get(url).status_code == 404, url


def test_posts_are_not_allowed_and_missing_pks_are_404(as_user, admin_user, branch_a, candidates):
    client = as_user(admin_user)
    for url in _urls(candidates[0], branch_a):
        assert client.post(url).status_code == 405, url
    for name in ("person_dossier_pdf", "person_activist_form_pdf", "person_public_notice_pdf"):
        assert client.get(reverse(f"members:{name}", args=[999999])).status_code == 404
    assert client.get(reverse("members:unit_public_notice_pdf", args=[999999])).status_code == 404
    assert client.get(f"/members/{10**30}/dossier.pdf").status_code == 404

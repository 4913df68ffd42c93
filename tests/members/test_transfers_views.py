"""Transfer pages: permission matrix of every view, the flows through the pages, the list's filters and query
count, and the letter PDF."""
import datetime
import subprocess

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.choices import Role, UnitKind
from branches.services import appointment_create
from members import transfers as T
from members.choices import MemberStatus
from members.models import Person, Transfer, TransferKind, TransferStatus
from tests.factories import UserFactory, make_unit

from .helpers import person, unique_citizen_id

pytestmark = pytest.mark.django_db
D = datetime.date
S = TransferStatus


@pytest.fixture(autouse=True)
def _clock(frozen_today):
    return frozen_today


@pytest.fixture
def secretary_b(branch_b):
    user = UserFactory(username="secretary_b")
    appointment_create(actor=None, user=user, unit=branch_b, role=Role.SECRETARY)
    return user


@pytest.fixture
def viewer_b(branch_b):
    user = UserFactory(username="viewer_b")
    appointment_create(actor=None, user=user, unit=branch_b, role=Role.VIEWER)
    return user


@pytest.fixture
def member(branch_a, group_a):
    return person(branch_a, name="李转出", party_group=group_a, phone="13800000000")


@pytest.fixture
def internal(secretary, member, branch_b):
    return T.transfer_issue(actor=secretary, person=member, kind=TransferKind.INTERNAL, to_unit=branch_b,
                            dues_paid_until="2026-04", reason="工作调动")


@pytest.fixture
def outgoing(secretary, branch_a):
    p = person(branch_a, name="赵外转")
    return T.transfer_issue(actor=secretary, person=p, kind=TransferKind.OUTGOING, external_org="中共某省某厅机关委员会",
                            issued_on=D(2026, 1, 10))


def url(name, obj):
    return reverse(f"members:{name}", args=[obj.pk])


# -- permission matrix ----------------------------------------------------------------------------------------

def test_anonymous_goes_to_login(client, internal, member):
    for u in (reverse("members:transfer_list"), reverse("members:transfer_incoming_create"),
              url("transfer_detail", internal), url("transfer_accept", internal), url("transfer_return", internal),
              url("transfer_cancel", internal), url("transfer_receipt", internal),
              url("transfer_letter_pdf", internal), reverse("members:person_transfer_create", args=[member.pk])):
        response = client.get(u)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), u


@pytest.mark.parametrize("who,expected", [
    ("secretary", 200), ("viewer", 200), ("secretary_b", 200), ("viewer_b", 200), ("admin_user", 200),
    ("outsider", 404),
])
def test_detail_and_letter_are_seen_from_both_sides(request, as_user, internal, who, expected):
    client = as_user(request.getfixturevalue(who))
    assert client.get(url("transfer_detail", internal)).status_code == expected
    assert client.get(url("transfer_letter_pdf", internal)).status_code == expected


@pytest.mark.parametrize("name,ok,forbidden", [
    ("transfer_accept", ("secretary_b", "admin_user"), ("secretary", "viewer", "viewer_b")),
    ("transfer_return", ("secretary_b", "admin_user"), ("secretary", "viewer", "viewer_b")),
    ("transfer_cancel", ("secretary", "admin_user"), ("secretary_b", "viewer", "viewer_b")),
])
def test_internal_action_matrix(request, as_user, internal, name, ok, forbidden):
    for who in ok:
        assert as_user(request.getfixturevalue(who)).get(url(name, internal)).status_code == 200, who
    for who in forbidden:
        client = as_user(request.getfixturevalue(who))
        assert client.get(url(name, internal)).status_code == 403, who
        assert client.post(url(name, internal), {"reason": "x"}).status_code == 403, who
    outsider = as_user(request.getfixturevalue("outsider"))
    assert outsider.get(url(name, internal)).status_code == 404
    assert outsider.post(url(name, internal), {"reason": "x"}).status_code == 404
    internal.refresh_from_db()
    assert internal.status == S.PENDING


def test_receipt_matrix(as_user, outgoing, secretary, viewer, secretary_b, outsider, admin_user):
    assert as_user(secretary).get(url("transfer_receipt", outgoing)).status_code == 200
    assert as_user(admin_user).get(url("transfer_receipt", outgoing)).status_code == 200
    assert as_user(viewer).post(url("transfer_receipt", outgoing), {"receipt_on": "2026-05-01"}).status_code == 403
    for user in (secretary_b, outsider):            # an outside letter of branch A: not their business
        assert as_user(user).get(url("transfer_receipt", outgoing)).status_code == 404
        assert as_user(user).get(url("transfer_detail", outgoing)).status_code == 404
    outgoing.refresh_from_db()
    assert outgoing.status == S.ISSUED


def test_create_matrix(as_user, member, secretary, viewer, secretary_b, outsider, admin_user):
    u = reverse("members:person_transfer_create", args=[member.pk])
    assert as_user(secretary).get(u).status_code == 200
    assert as_user(admin_user).get(u).status_code == 200
    assert as_user(viewer).get(u).status_code == 403
    data = {"kind": "outgoing", "external_org": "x", "issued_on": "2026-05-20"}
    assert as_user(viewer).post(u, data).status_code == 403
    for user in (secretary_b, outsider):
        assert as_user(user).get(u).status_code == 404
    assert not Transfer.objects.exists()


def test_incoming_and_list_matrix(as_user, secretary, viewer, outsider):
    u = reverse("members:transfer_incoming_create")
    assert as_user(secretary).get(u).status_code == 200
    assert as_user(secretary).get(u, {"mode": "existing"}).status_code == 200
    assert as_user(viewer).get(u).status_code == 403
    assert as_user(viewer).post(u, {}).status_code == 403
    for user in (secretary, viewer, outsider):
        assert as_user(user).get(reverse("members:transfer_list")).status_code == 200


# -- flows through the pages --------------------------------------------------------------------------------------

def test_issue_internal_through_the_page(as_user, secretary, member, branch_b, other_committee):
    far = make_unit(other_committee, kind=UnitKind.BRANCH, name="外委第九支部", code="X001-B09")
    client = as_user(secretary)
    u = reverse("members:person_transfer_create", args=[member.pk])
    page = client.get(u).content.decode()
    # The receiving dropdown lists branches of the whole tree (codes and names) ...
    assert "外委第九支部 (X001-B09" in page and "第二党支部 (C001-B02" in page
    assert "第一党支部 (C001-B01" not in page                      # ... but not the person's own unit
    assert "2026-08-20" in page                                     # default validity: 3 months
    response = client.post(u, {"kind": "internal", "to_unit": far.pk, "issued_on": "2026-05-20",
                               "valid_until": "2026-06-19", "dues_paid_until": "2026-04", "reason": "调动"})
    t = Transfer.objects.get()
    assert response.status_code == 302 and response["Location"] == url("transfer_detail", t)
    assert (t.to_unit, t.valid_until, t.status) == (far, D(2026, 6, 19), S.PENDING)
    # A second transfer while this one waits: sent to it.
    response = client.get(u)
    assert response.status_code == 302 and response["Location"] == url("transfer_detail", t)


@pytest.mark.parametrize("data,field", [
    ({"kind": "internal", "issued_on": "2026-05-20"}, "Choose the receiving unit."),
    ({"kind": "outgoing", "issued_on": "2026-05-20"}, "Enter the outside organization"),
    ({"kind": "outgoing", "external_org": "外", "issued_on": "2026-05-21"}, "cannot be in the future"),
    ({"kind": "outgoing", "external_org": "外", "issued_on": "2026-05-20", "dues_paid_until": "2026-4"},
     "YYYY-MM"),
    ({"kind": "mars", "issued_on": "2026-05-20"}, "Select a valid choice"),
])
def test_issue_form_errors_save_nothing(as_user, secretary, member, data, field):
    response = as_user(secretary).post(reverse("members:person_transfer_create", args=[member.pk]), data)
    assert response.status_code == 200
    assert field in response.content.decode()
    assert not Transfer.objects.exists()
    member.refresh_from_db()
    assert member.status == MemberStatus.FULL


def test_issue_refused_for_an_activist(as_user, secretary, branch_a):
    p = person(branch_a, name="积极", status=MemberStatus.ACTIVIST)
    response = as_user(secretary).get(reverse("members:person_transfer_create", args=[p.pk]), follow=True)
    assert "Only probationary and full members" in response.content.decode()


def test_accept_through_the_page(as_user, internal, member, secretary_b, branch_b):
    client = as_user(secretary_b)
    detail = client.get(url("transfer_detail", internal)).content.decode()
    assert 'data-testid="accept"' in detail and 'data-testid="cancel"' not in detail
    assert "moves from 第一党支部 to 第二党支部" in client.get(url("transfer_accept", internal)).content.decode()
    response = client.post(url("transfer_accept", internal))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.unit == branch_b
    page = client.get(url("transfer_detail", internal)).content.decode()
    assert "Accepted" in page and 'data-testid="accept"' not in page
    # Posting again: a message, nothing changes, no error.
    response = client.post(url("transfer_accept", internal), follow=True)
    assert "not possible" in response.content.decode()


def test_return_through_the_page_needs_a_reason(as_user, internal, member, secretary_b, secretary, branch_a):
    client = as_user(secretary_b)
    response = client.post(url("transfer_return", internal), {"reason": "  "})
    assert response.status_code == 200 and "Enter a reason." in response.content.decode()
    internal.refresh_from_db()
    assert internal.status == S.PENDING
    client.post(url("transfer_return", internal), {"reason": "人员信息有误"})
    internal.refresh_from_db()
    assert internal.status == S.RETURNED
    page = as_user(secretary).get(url("transfer_detail", internal)).content.decode()
    assert "人员信息有误" in page
    member.refresh_from_db()
    assert member.unit == branch_a


def test_cancel_through_the_page(as_user, internal, secretary):
    client = as_user(secretary)
    assert 'data-testid="cancel"' in client.get(url("transfer_detail", internal)).content.decode()
    client.post(url("transfer_cancel", internal), {"reason": "填错"})
    internal.refresh_from_db()
    assert internal.status == S.CANCELLED


def test_outgoing_flow_with_the_expired_flag_and_receipt(as_user, outgoing, secretary):
    client = as_user(secretary)
    page = client.get(url("transfer_detail", outgoing)).content.decode()
    assert 'data-testid="expired-alert"' in page and 'data-testid="receipt"' in page      # until 2026-04-10
    response = client.post(url("transfer_receipt", outgoing), {"receipt_on": "2026-01-09"})
    assert response.status_code == 200 and "cannot be before the letter was issued" in response.content.decode()
    client.post(url("transfer_receipt", outgoing), {"receipt_on": "2026-05-18", "note": "已接收"})
    outgoing.refresh_from_db()
    assert (outgoing.status, outgoing.receipt_on) == (S.RECEIPTED, D(2026, 5, 18))
    page = client.get(url("transfer_detail", outgoing)).content.decode()
    assert 'data-testid="expired-alert"' not in page and 'data-testid="receipt-on"' in page


def test_detail_masks_the_id_and_links_the_person_only_in_scope(as_user, internal, member, viewer, secretary,
                                                                secretary_b, viewer_b):
    assert member.citizen_id in as_user(secretary).get(url("transfer_detail", internal)).content.decode()
    page = as_user(viewer).get(url("transfer_detail", internal)).content.decode()
    assert member.citizen_id not in page and member.masked_citizen_id in page and 'data-testid="person-link"' in page
    page = as_user(viewer_b).get(url("transfer_detail", internal)).content.decode()
    assert member.citizen_id not in page and 'data-testid="person-link"' not in page   # B cannot open A's person
    page = as_user(secretary_b).get(url("transfer_detail", internal)).content.decode()
    assert member.citizen_id in page            # the receiving secretary gets the letter with the ID anyway
    history = page.split('id="history"')[1]
    assert "secretary_a" in history


def test_register_incoming_new_person_through_the_page(as_user, secretary, branch_a):
    birth = D(1990, 3, 8)
    cid = unique_citizen_id(birth, False)
    data = {"mode": "new", "letter-external_org": "中共外省某县委组织部", "letter-external_number": "A-77",
            "letter-issued_on": "2026-05-10", "letter-dues_paid_until": "2026-04",
            "person-name": "周来", "person-citizen_id": cid, "person-ethnicity": "汉族", "person-category": "employee",
            "person-unit": branch_a.pk, "person-status": "full", "person-admission_date": "2012-07-01",
            "person-full_member_date": "2013-07-01"}
    client = as_user(secretary)
    bad = client.post(reverse("members:transfer_incoming_create"), {**data, "person-status": "activist"})
    assert bad.status_code == 200 and not Person.objects.filter(name="周来").exists()
    response = client.post(reverse("members:transfer_incoming_create"), data)
    t = Transfer.objects.get()
    assert response.status_code == 302 and response["Location"] == url("transfer_detail", t)
    assert (t.kind, t.status, t.external_number, t.to_unit) == (TransferKind.INCOMING, S.REGISTERED, "A-77", branch_a)
    assert (t.person.name, t.person.status, t.person.birth_date) == ("周来", MemberStatus.FULL, birth)


def test_register_incoming_existing_person_through_the_page(as_user, secretary, outgoing, branch_a):
    client = as_user(secretary)
    p = outgoing.person
    page = client.get(reverse("members:transfer_incoming_create"), {"mode": "existing"}).content.decode()
    assert "赵外转" in page
    data = {"mode": "existing", "letter-external_org": "中共某省某厅机关委员会", "letter-issued_on": "2026-05-15",
            "existing-person": p.pk, "existing-unit": branch_a.pk, "existing-status": "full"}
    response = client.post(reverse("members:transfer_incoming_create"), data)
    assert response.status_code == 302
    p.refresh_from_db()
    assert (p.status, p.left_date) == (MemberStatus.FULL, None)
    assert Transfer.objects.filter(kind=TransferKind.INCOMING, person=p).exists()


# -- the list ----------------------------------------------------------------------------------------------------

def test_list_tabs_filters_and_counts(as_user, internal, outgoing, secretary, secretary_b, outsider):
    lst = reverse("members:transfer_list")
    page = as_user(secretary_b).get(lst).content.decode()
    assert internal.number in page and outgoing.number not in page
    assert 'data-testid="count-waiting"' in page and 'data-testid="count-expired"' not in page
    assert internal.number in as_user(secretary_b).get(lst, {"tab": "waiting"}).content.decode()
    assert internal.number not in as_user(secretary_b).get(lst, {"tab": "outgoing"}).content.decode()

    client = as_user(secretary)
    page = client.get(lst).content.decode()
    assert internal.number in page and outgoing.number in page
    assert 'data-testid="count-expired"' in page and 'data-testid="expired-badge"' in page
    assert 'data-testid="count-waiting"' not in page
    assert internal.number not in client.get(lst, {"tab": "waiting"}).content.decode()
    expired = client.get(lst, {"tab": "expired"}).content.decode()
    assert outgoing.number in expired and internal.number not in expired
    assert internal.number not in client.get(lst, {"tab": "incoming"}).content.decode()
    by_name = client.get(lst, {"q": "赵外"}).content.decode()
    assert outgoing.number in by_name and internal.number not in by_name
    by_number = client.get(lst, {"q": internal.number}).content.decode()
    assert internal.number in by_number and outgoing.number not in by_number
    by_kind = client.get(lst, {"kind": "outgoing"}).content.decode()
    assert outgoing.number in by_kind and internal.number not in by_kind
    by_status = client.get(lst, {"status": "pending"}).content.decode()
    assert internal.number in by_status and outgoing.number not in by_status
    garbage = client.get(lst, {"tab": "evil", "kind": "x", "status": "y", "sort": "nope", "page": "abc"})
    assert garbage.status_code == 200 and internal.number in garbage.content.decode()

    page = as_user(outsider).get(lst).content.decode()
    assert internal.number not in page and "李转出" not in page


def test_list_query_count_does_not_grow_with_rows(as_user, admin_user, committee, branch_a, branch_b):
    client = as_user(admin_user)
    lst = reverse("members:transfer_list")

    def make(n):
        for i in range(n):
            p = person(branch_a, name=f"转{Person.objects.count()}")
            if i % 2:
                T.transfer_issue(actor=None, person=p, kind=TransferKind.INTERNAL, to_unit=branch_b)
            else:
                T.transfer_issue(actor=None, person=p, kind=TransferKind.OUTGOING, external_org="外",
                                 issued_on=D(2026, 1, 1))

    make(3)
    client.get(lst)
    with CaptureQueriesContext(connection) as few:
        assert client.get(lst).status_code == 200
    make(12)
    with CaptureQueriesContext(connection) as many:
        response = client.get(lst)
    assert response.content.decode().count("/members/transfers/") >= 15
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


# -- the letter ---------------------------------------------------------------------------------------------------

def pdftext(data: bytes, tmp_path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return "".join(text.split())         # lines wrap anywhere in Chinese text


def test_letter_pdf(as_user, internal, member, secretary, viewer, tmp_path):
    response = as_user(secretary).get(url("transfer_letter_pdf", internal))
    assert response["Content-Type"] == "application/pdf"
    text = pdftext(response.content, tmp_path)
    for expected in ("中国共产党党员组织关系介绍信（存根）", "中国共产党党员组织关系介绍信回执", "2026-0001", "李转出",
                     "正式党员", "第一党支部", "第二党支部", member.citizen_id, "请转接组织关系", "特此回执",
                     "2026年8月20日", "沿此线剪开"):
        assert expected in text, expected
    assert "党费已交到2026年4月" in text and "第1页共1页" in text          # one page
    masked = pdftext(as_user(viewer).get(url("transfer_letter_pdf", internal)).content, tmp_path)
    assert member.citizen_id not in masked and member.masked_citizen_id in masked
    assert "已按查看权限部分隐藏" in masked


def test_letter_pdf_outgoing_and_incoming(as_user, outgoing, secretary, branch_a, tmp_path):
    text = pdftext(as_user(secretary).get(url("transfer_letter_pdf", outgoing)).content, tmp_path)
    assert "中共某省某厅机关委员会" in text and "赵外转" in text
    T.transfer_cancel(actor=secretary, transfer=outgoing, reason="未使用")
    assert "已作废" in pdftext(as_user(secretary).get(url("transfer_letter_pdf", outgoing)).content, tmp_path)
    birth = D(1980, 1, 2)
    t = T.transfer_register_incoming(
        actor=secretary, to_unit=branch_a, status=MemberStatus.PROBATIONARY, external_org="中共外县委组织部",
        external_number="外字第12号", issued_on=D(2026, 5, 1),
        person_fields={"name": "钱来", "gender": "M", "birth_date": birth,
                       "citizen_id": unique_citizen_id(birth, True), "admission_date": D(2026, 1, 1)})
    text = pdftext(as_user(secretary).get(url("transfer_letter_pdf", t)).content, tmp_path)
    assert "回执" in text and "外字第12号" in text and "中共外县委组织部" in text and "钱来" in text
    assert "（存根）" not in text

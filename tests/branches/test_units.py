"""Unit services (create, update, move, merge, dissolve) and their views, with the permission matrix."""
import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from branches.choices import AuditAction, Role, UnitCategory, UnitKind
from branches.models import Appointment, AuditEntry, CommitteeTerm, Unit
from branches.services import (appointment_create, term_create, unit_create, unit_dissolve, unit_merge, unit_move,
                               unit_update)
from members.choices import MemberStatus
from members.models import Person
from tests.branches.helpers import add_person
from tests.factories import make_unit

pytestmark = [pytest.mark.django_db]


def _reload(unit):
    return Unit.objects.get(pk=unit.pk)


def _messages(resp):
    return [str(m) for m in get_messages(resp.wsgi_request)]


# --- create ---------------------------------------------------------------------------------------------

def test_create_respects_kind_rules(admin_user, committee, branch_a, group_a):
    gb = unit_create(actor=admin_user, parent=committee, kind=UnitKind.GENERAL_BRANCH, code="GB1", name="机关总支")
    br = unit_create(actor=admin_user, parent=gb, kind=UnitKind.BRANCH, code="GB1-B1", name="总支下支部")
    assert br.path.startswith(gb.path) and _reload(gb).numchild == 1
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, object_id=str(br.pk)).exists()
    with pytest.raises(ValidationError, match="cannot be placed under"):
        unit_create(actor=admin_user, parent=committee, kind=UnitKind.PARTY_GROUP, code="X1", name="小组")
    with pytest.raises(ValidationError, match="cannot be placed under"):
        unit_create(actor=admin_user, parent=group_a, kind=UnitKind.PARTY_GROUP, code="X2", name="小组")
    with pytest.raises(ValidationError, match="Only a committee"):
        unit_create(actor=admin_user, parent=None, kind=UnitKind.BRANCH, code="X3", name="独立支部")
    with pytest.raises(ValidationError):
        unit_create(actor=admin_user, parent=committee, kind=UnitKind.BRANCH, code="C001-B01", name="重复编码")


def test_create_view_permission_matrix(client, as_user, admin_user, secretary, viewer, outsider, committee, branch_a):
    url = reverse("branches:unit_create") + f"?parent={committee.pk}"
    assert client.get(url).status_code == 302
    assert as_user(outsider).get(url).status_code == 404
    assert as_user(viewer).get(url).status_code == 404  # the committee is above the viewer's scope
    assert as_user(viewer).get(reverse("branches:unit_create") + f"?parent={branch_a.pk}").status_code == 403
    assert as_user(secretary).get(reverse("branches:unit_create") + f"?parent={branch_a.pk}").status_code == 403
    assert as_user(admin_user).get(url).status_code == 200
    # a new root only for a superuser
    assert as_user(admin_user).get(reverse("branches:unit_create")).status_code == 403


def test_create_view_creates_and_offers_only_allowed_kinds(as_user, admin_user, committee, branch_a):
    c = as_user(admin_user)
    url = reverse("branches:unit_create") + f"?parent={branch_a.pk}"
    form = c.get(url).context["form"]
    assert [k for k, _ in form.fields["kind"].choices] == [UnitKind.PARTY_GROUP]
    resp = c.post(url, {"name": "第二党小组", "code": "C001-B01-G2", "kind": UnitKind.PARTY_GROUP, "system": "party",
                        "category": "organ"})
    unit = Unit.objects.get(code="C001-B01-G2")
    assert resp.status_code == 302 and resp["Location"] == unit.get_absolute_url()
    assert unit.path.startswith(branch_a.path)


def test_create_view_bad_input_never_500(as_user, admin_user, committee):
    c = as_user(admin_user)
    assert c.get(reverse("branches:unit_create") + "?parent=abc").status_code == 404
    assert c.get(reverse("branches:unit_create") + "?parent=999999").status_code == 404
    url = reverse("branches:unit_create") + f"?parent={committee.pk}"
    resp = c.post(url, {"name": "", "code": "C001", "kind": "nonsense", "established_on": "2020-13-45"})
    assert resp.status_code == 200 and resp.context["form"].errors
    resp = c.post(url, {"name": "重复", "code": "C001-X", "kind": UnitKind.PARTY_GROUP, "system": "party",
                        "category": "organ"})
    assert resp.status_code == 200 and "kind" in resp.context["form"].errors


# --- edit -----------------------------------------------------------------------------------------------

def test_edit_view_matrix_and_save(client, as_user, admin_user, secretary, viewer, outsider, branch_a):
    url = reverse("branches:unit_edit", args=[branch_a.pk])
    assert client.get(url).status_code == 302
    assert as_user(outsider).get(url).status_code == 404
    assert as_user(viewer).get(url).status_code == 403
    assert as_user(viewer).post(url, {"name": "x"}).status_code == 403
    resp = as_user(secretary).get(url)
    assert resp.status_code == 200 and resp.context["form"].fields["kind"].disabled
    data = {"name": "第一党支部（改）", "code": branch_a.code, "kind": UnitKind.BRANCH, "system": "party",
            "category": "organ", "phone": "010-1234"}
    resp = as_user(secretary).post(url, data)
    assert resp.status_code == 302
    branch_a.refresh_from_db()
    assert branch_a.name == "第一党支部（改）" and branch_a.phone == "010-1234"
    entry = AuditEntry.objects.filter(action=AuditAction.UPDATE, object_id=str(branch_a.pk)).first()
    assert entry and entry.before["name"] == "第一党支部" and entry.actor == secretary
    # a secretary cannot change the kind, even by posting it
    as_user(secretary).post(url, {**data, "kind": UnitKind.COMMITTEE})
    assert _reload(branch_a).kind == UnitKind.BRANCH


def test_update_refuses_kind_that_cannot_hold_children(admin_user, branch_a, group_a):
    with pytest.raises(ValidationError, match="cannot be placed under"):
        unit_update(actor=admin_user, unit=branch_a, kind=UnitKind.PARTY_GROUP)
    sub = make_unit(Unit.objects.get(code="C001"), kind=UnitKind.COMMITTEE, name="二级党委")
    make_unit(sub, kind=UnitKind.BRANCH, name="下属支部")
    with pytest.raises(ValidationError, match="cannot hold the child units"):
        unit_update(actor=admin_user, unit=sub, kind=UnitKind.BRANCH)


# --- move -----------------------------------------------------------------------------------------------

def test_move_moves_subtree_and_audits(admin_user, committee, branch_a, group_a, member_a):
    gb = make_unit(committee, kind=UnitKind.GENERAL_BRANCH, name="机关总支", code="C001-GB")
    moved = unit_move(actor=admin_user, unit=branch_a, parent=gb, note="机构调整")
    assert moved.path.startswith(gb.path) and moved.depth == 3
    assert _reload(group_a).path.startswith(moved.path)
    assert Person.objects.get(pk=member_a.pk).unit_id == branch_a.pk
    assert _reload(gb).numchild == 1 and _reload(committee).numchild == 1
    entry = AuditEntry.objects.get(action=AuditAction.MOVE, object_id=str(branch_a.pk))
    assert entry.before["parent"] == committee.name and entry.after["parent"] == gb.name
    assert entry.note == "机构调整"


def test_move_refusals(admin_user, committee, branch_a, group_a, branch_b):
    sub = make_unit(committee, kind=UnitKind.COMMITTEE, name="二级党委")
    subsub = make_unit(sub, kind=UnitKind.COMMITTEE, name="三级党委")
    with pytest.raises(ValidationError, match="under itself or under one of its own"):
        unit_move(actor=admin_user, unit=sub, parent=sub)
    with pytest.raises(ValidationError, match="under itself or under one of its own"):
        unit_move(actor=admin_user, unit=sub, parent=subsub)
    with pytest.raises(ValidationError, match="A Branch cannot be placed under a Branch"):
        unit_move(actor=admin_user, unit=branch_b, parent=branch_a)
    with pytest.raises(ValidationError, match="A Party group cannot be placed under a Committee"):
        unit_move(actor=admin_user, unit=group_a, parent=committee)
    with pytest.raises(ValidationError, match="already directly under"):
        unit_move(actor=admin_user, unit=branch_a, parent=committee)
    unit_dissolve(actor=admin_user, unit=subsub)
    with pytest.raises(ValidationError, match="dissolved"):
        unit_move(actor=admin_user, unit=branch_b, parent=_reload(subsub))
    assert _reload(branch_b).path.startswith(committee.path) and _reload(branch_b).depth == 2


def test_move_view_two_steps_and_matrix(client, as_user, admin_user, secretary, viewer, outsider, committee,
                                        branch_a, branch_b):
    sub = make_unit(committee, kind=UnitKind.COMMITTEE, name="二级党委", code="C001-S")
    url = reverse("branches:unit_move", args=[branch_a.pk])
    assert client.get(url).status_code == 302
    assert as_user(outsider).get(url).status_code == 404
    assert as_user(viewer).get(url).status_code == 403
    assert as_user(secretary).get(url).status_code == 403
    assert as_user(secretary).post(url, {"parent": sub.pk, "confirmed": "1"}).status_code == 403
    c = as_user(admin_user)
    resp = c.get(url)
    assert resp.status_code == 200
    offered = [v for v, _ in resp.context["form"].fields["parent"].choices if v]
    assert offered == [sub.pk]  # committees only, not the current parent, not branches
    resp = c.post(url, {"parent": sub.pk})
    assert resp.status_code == 200 and "generic/confirm.html" in [t.name for t in resp.templates]
    assert sub.name in resp.context["message"]
    assert _reload(branch_a).depth == 2  # nothing happened yet
    resp = c.post(url, {"parent": sub.pk, "confirmed": "1"})
    assert resp.status_code == 302
    assert _reload(branch_a).path.startswith(sub.path)


def test_move_view_crafted_bad_parent_gets_clear_message(as_user, admin_user, committee, branch_a, branch_b):
    c = as_user(admin_user)
    resp = c.post(reverse("branches:unit_move", args=[committee.pk]), {"parent": branch_a.pk, "confirmed": "1"})
    assert resp.status_code == 200
    assert "under itself or under one of its own" in str(resp.context["form"].errors)
    resp = c.post(reverse("branches:unit_move", args=[branch_b.pk]), {"parent": branch_a.pk, "confirmed": "1"})
    assert "cannot be placed under" in str(resp.context["form"].errors)
    resp = c.post(reverse("branches:unit_move", args=[branch_b.pk]), {"parent": "abc"})
    assert resp.status_code == 200 and resp.context["form"].errors


def test_move_view_parent_out_of_scope_is_refused(as_user, admin_user, branch_a, other_committee):
    resp = as_user(admin_user).post(reverse("branches:unit_move", args=[branch_a.pk]),
                                    {"parent": other_committee.pk, "confirmed": "1"})
    assert resp.status_code == 200 and resp.context["form"].errors
    assert _reload(branch_a).path.startswith(Unit.objects.get(code="C001").path)


# --- merge ----------------------------------------------------------------------------------------------

@pytest.fixture
def merge_setup(committee, branch_a, group_a, branch_b):
    full = add_person(branch_b, name="合并甲")
    grouped = add_person(branch_b, name="合并乙")
    group_b = make_unit(branch_b, kind=UnitKind.PARTY_GROUP, name="第二支部小组", code="C001-B02-G1")
    Person.objects.filter(pk=grouped.pk).update(party_group=group_b)
    left = add_person(branch_b, name="已故", status=MemberStatus.DECEASED)
    return {"full": full, "grouped": grouped, "group_b": group_b, "left": left}


def test_merge_moves_people_children_and_appointments(admin_user, committee, branch_a, branch_b, merge_setup):
    from tests.factories import UserFactory

    sec_b = UserFactory(username="sec_b")
    appointment_create(actor=admin_user, user=sec_b, unit=branch_b, role=Role.SECRETARY)
    term_create(actor=admin_user, unit=branch_b, start_date=datetime.date(2024, 1, 1))
    merged = unit_merge(actor=admin_user, unit=branch_b, target=branch_a, note="撤并")
    assert merged.dissolved_on is not None and "撤并" in merged.notes and branch_a.name in merged.notes
    pks = [p.pk for p in merge_setup.values() if isinstance(p, Person)]
    people = {p.pk: p for p in Person.objects.filter(pk__in=pks)}
    assert all(p.unit_id == branch_a.pk for p in people.values())
    group_b = _reload(merge_setup["group_b"])
    assert group_b.path.startswith(_reload(branch_a).path)
    assert people[merge_setup["grouped"].pk].party_group_id == group_b.pk  # kept their group
    # each person's move is audited
    assert AuditEntry.objects.filter(object_id=str(merge_setup["full"].pk), action=AuditAction.UPDATE).exists()
    # appointments transferred, the old one ended
    assert Appointment.objects.filter(user=sec_b, unit=branch_a, role=Role.SECRETARY, ended_at__isnull=True).exists()
    assert not Appointment.objects.filter(user=sec_b, unit=branch_b, ended_at__isnull=True).exists()
    assert not CommitteeTerm.objects.filter(unit=branch_b, ended_on__isnull=True).exists()
    assert AuditEntry.objects.filter(action=AuditAction.MERGE, object_id=str(branch_b.pk)).exists()
    assert AuditEntry.objects.filter(action=AuditAction.MERGE, object_id=str(branch_a.pk)).exists()
    assert AuditEntry.objects.filter(action=AuditAction.DISSOLVE, object_id=str(branch_b.pk)).exists()


def test_merge_party_groups(admin_user, branch_a, group_a, branch_b):
    group_b = make_unit(branch_b, kind=UnitKind.PARTY_GROUP, name="二组")
    p = add_person(branch_b, name="组员")
    Person.objects.filter(pk=p.pk).update(party_group=group_b)
    unit_merge(actor=admin_user, unit=group_b, target=group_a)
    p.refresh_from_db()
    assert p.party_group_id == group_a.pk and p.unit_id == branch_a.pk


def test_merge_clears_a_party_group_left_behind(admin_user, branch_a, branch_b):
    old_group = make_unit(branch_b, kind=UnitKind.PARTY_GROUP, name="旧小组")
    gone = add_person(branch_b, name="已转出", status=MemberStatus.TRANSFERRED_OUT)
    Person.objects.filter(pk=gone.pk).update(party_group=old_group)
    unit_dissolve(actor=admin_user, unit=old_group)  # left people do not block; the group stays behind
    unit_merge(actor=admin_user, unit=branch_b, target=branch_a)
    gone.refresh_from_db()
    assert gone.unit_id == branch_a.pk and gone.party_group_id is None
    assert _reload(old_group).path.startswith(_reload(branch_b).path)


def test_merge_refusals(admin_user, committee, branch_a, group_a, branch_b):
    sub = make_unit(committee, kind=UnitKind.COMMITTEE, name="二级党委")
    subsub = make_unit(sub, kind=UnitKind.COMMITTEE, name="三级党委")
    with pytest.raises(ValidationError, match="into itself"):
        unit_merge(actor=admin_user, unit=branch_a, target=branch_a)
    with pytest.raises(ValidationError, match="into itself or into one of its own"):
        unit_merge(actor=admin_user, unit=sub, target=subsub)
    with pytest.raises(ValidationError, match="can only be merged into another"):
        unit_merge(actor=admin_user, unit=branch_b, target=sub)
    assert _reload(branch_b).dissolved_on is None


def test_merge_view_two_steps_and_matrix(client, as_user, admin_user, secretary, viewer, outsider, committee,
                                         branch_a, branch_b, merge_setup):
    url = reverse("branches:unit_merge", args=[branch_b.pk])
    assert client.get(url).status_code == 302
    assert as_user(outsider).get(url).status_code == 404
    assert as_user(viewer).get(reverse("branches:unit_merge", args=[branch_a.pk])).status_code == 403
    assert as_user(secretary).get(reverse("branches:unit_merge", args=[branch_a.pk])).status_code == 403
    c = as_user(admin_user)
    resp = c.get(url)
    assert [v for v, _ in resp.context["form"].fields["target"].choices if v] == [branch_a.pk]
    today = datetime.date.today().isoformat()
    resp = c.post(url, {"target": branch_a.pk, "merged_on": today})
    assert "generic/confirm.html" in [t.name for t in resp.templates]
    assert "1 child unit and 2 people on the roll or in the pipeline move to" in resp.context["message"]
    resp = c.post(url, {"target": branch_a.pk, "merged_on": today, "confirmed": "1"})
    assert resp.status_code == 302 and resp["Location"] == branch_a.get_absolute_url()
    assert _reload(branch_b).is_dissolved
    # a dissolved unit cannot be merged again
    resp = c.get(url)
    assert resp.status_code == 302


def test_merge_view_refuses_descendant(as_user, admin_user, committee):
    sub = make_unit(committee, kind=UnitKind.COMMITTEE, name="二级党委")
    subsub = make_unit(sub, kind=UnitKind.COMMITTEE, name="三级党委")
    resp = as_user(admin_user).post(reverse("branches:unit_merge", args=[sub.pk]),
                                    {"target": subsub.pk, "merged_on": datetime.date.today().isoformat(),
                                     "confirmed": "1"})
    assert resp.status_code == 200 and "into itself or into one of its own" in str(resp.context["form"].errors)
    assert not _reload(sub).is_dissolved


# --- dissolve -------------------------------------------------------------------------------------------

def test_dissolve_refused_with_what_to_move_first(admin_user, committee, branch_a, group_a, branch_b):
    for i in range(2):
        add_person(branch_a, name=f"党员{i}")
    add_person(branch_a, name="申请人", status=MemberStatus.APPLICANT)
    add_person(branch_a, name="转出", status=MemberStatus.TRANSFERRED_OUT)  # left people do not block
    with pytest.raises(ValidationError) as exc:
        unit_dissolve(actor=admin_user, unit=branch_a)
    assert "move its 3 people on the roll or in the pipeline and 1 child unit first" in exc.value.messages[0]
    with pytest.raises(ValidationError, match="move its 2 child units first"):
        unit_dissolve(actor=admin_user, unit=committee)
    assert not _reload(branch_a).is_dissolved


def test_dissolve_party_group_with_people_refused(admin_user, branch_a, group_a):
    p = add_person(branch_a, name="组员")
    Person.objects.filter(pk=p.pk).update(party_group=group_a)
    with pytest.raises(ValidationError, match="1 person on the roll"):
        unit_dissolve(actor=admin_user, unit=group_a)


def test_dissolve_ends_term_and_appointments(admin_user, secretary, branch_a, group_a):
    term_create(actor=admin_user, unit=branch_a, start_date=datetime.date(2024, 3, 1))
    unit_dissolve(actor=admin_user, unit=group_a)
    add_person(branch_a, name="已故", status=MemberStatus.DECEASED)
    unit = unit_dissolve(actor=admin_user, unit=branch_a, on=datetime.date.today(), note="单位撤销")
    assert unit.dissolved_on == datetime.date.today() and "单位撤销" in unit.notes
    assert CommitteeTerm.objects.get(unit=branch_a).ended_on == datetime.date.today()
    assert not Appointment.objects.filter(unit=branch_a, ended_at__isnull=True).exists()
    entry = AuditEntry.objects.get(action=AuditAction.DISSOLVE, object_id=str(branch_a.pk))
    assert entry.note == "单位撤销" and entry.after["dissolved_on"] == unit.dissolved_on.isoformat()
    with pytest.raises(ValidationError, match="already dissolved"):
        unit_dissolve(actor=admin_user, unit=unit)


def test_dissolve_date_rules(admin_user, committee):
    b = make_unit(committee, kind=UnitKind.BRANCH, name="新支部", established_on=datetime.date(2020, 1, 1))
    with pytest.raises(ValidationError, match="future"):
        unit_dissolve(actor=admin_user, unit=b, on=datetime.date.today() + datetime.timedelta(days=3))
    with pytest.raises(ValidationError, match="before the establishment date"):
        unit_dissolve(actor=admin_user, unit=b, on=datetime.date(2019, 1, 1))


def test_dissolve_view_matrix_and_flow(client, as_user, admin_user, secretary, viewer, outsider, branch_a, group_a):
    url = reverse("branches:unit_dissolve", args=[group_a.pk])
    assert client.get(url).status_code == 302
    assert as_user(outsider).get(url).status_code == 404
    assert as_user(viewer).get(url).status_code == 403
    assert as_user(secretary).post(url, {"dissolved_on": "2025-01-01"}).status_code == 403
    c = as_user(admin_user)
    # blocked: the branch still has a party group and a member
    add_person(branch_a, name="党员")
    blocked = c.get(reverse("branches:unit_dissolve", args=[branch_a.pk]))
    assert blocked.status_code == 302
    assert any("move its 1 person on the roll or in the pipeline and 1 child unit first" in m
               for m in _messages(blocked))
    resp = c.post(reverse("branches:unit_dissolve", args=[branch_a.pk]),
                  {"dissolved_on": datetime.date.today().isoformat()})
    assert resp.status_code == 302 and not _reload(branch_a).is_dissolved
    # allowed: the empty party group, via the confirmation page
    resp = c.get(url)
    assert resp.status_code == 200 and "generic/confirm.html" in [t.name for t in resp.templates]
    assert resp.context["message"]
    resp = c.post(url, {"dissolved_on": "not-a-date"})
    assert resp.status_code == 200 and resp.context["form"].errors
    resp = c.post(url, {"dissolved_on": datetime.date.today().isoformat(), "note": "撤销"})
    assert resp.status_code == 302 and _reload(group_a).is_dissolved


# --- detail page ----------------------------------------------------------------------------------------

def test_detail_page_contents(as_user, admin_user, committee, branch_a, group_a, member_a):
    resp = as_user(admin_user).get(branch_a.get_absolute_url())
    assert resp.status_code == 200
    ctx = resp.context
    crumbs = ctx["breadcrumbs"]
    assert crumbs[0][0] == reverse("branches:unit_tree")
    assert crumbs[1:] == [(committee.get_absolute_url(), committee.display_name), (None, branch_a.display_name)]
    assert ctx["children"] == [group_a]
    html = resp.content.decode()
    assert f'{reverse("members:person_list")}?unit={branch_a.pk}' in html
    assert reverse("members:unit_roll_pdf", args=[branch_a.pk]) in html
    for name in ("unit_edit", "unit_move", "unit_merge", "unit_dissolve", "term_create"):
        assert reverse(f"branches:{name}", args=[branch_a.pk]) in html
    assert 'id="history"' in html
    assert [c[1] for c in ctx["unit_cells"]] == [1, 0, 0]


def test_detail_breadcrumbs_one_query(branch_a, group_a, admin_user, django_assert_num_queries):
    from branches.selectors import unit_breadcrumbs

    admin_user.appointments.exists()
    with django_assert_num_queries(2):  # the ancestors, and the user's appointments (cached after)
        crumbs = unit_breadcrumbs(admin_user, group_a)
    assert [label for _u, label in crumbs][1:] == ["测试党委", "第一党支部", "第一党小组"]
    assert crumbs[-1][0] is None


def test_detail_matrix(client, as_user, secretary, viewer, outsider, branch_a, committee):
    url = branch_a.get_absolute_url()
    assert client.get(url).status_code == 302
    assert as_user(outsider).get(url).status_code == 404
    assert as_user(secretary).get(committee.get_absolute_url()).status_code == 404
    resp = as_user(viewer).get(url)
    assert resp.status_code == 200
    html = resp.content.decode()
    for name in ("unit_edit", "unit_move", "unit_dissolve", "term_create"):
        assert reverse(f"branches:{name}", args=[branch_a.pk]) not in html
    resp = as_user(secretary).get(url)
    html = resp.content.decode()
    assert reverse("branches:unit_edit", args=[branch_a.pk]) in html
    assert reverse("branches:term_create", args=[branch_a.pk]) in html
    assert reverse("branches:unit_move", args=[branch_a.pk]) not in html
    # secretary's ancestors above the scope are shown without links
    assert resp.context["breadcrumbs"][1] == (None, committee.display_name)


def test_detail_of_dissolved_unit_is_readable_without_actions(as_user, admin_user, branch_b):
    unit_dissolve(actor=admin_user, unit=branch_b)
    resp = as_user(admin_user).get(branch_b.get_absolute_url())
    assert resp.status_code == 200
    html = resp.content.decode()
    assert 'data-testid="dissolved"' in html
    assert reverse("branches:unit_move", args=[branch_b.pk]) not in html


def test_long_term_default_for_rural_units(admin_user, committee):
    from branches.services import default_term_years

    village = make_unit(committee, kind=UnitKind.BRANCH, name="村支部", category=UnitCategory.RURAL)
    assert default_term_years(village) == 5
    assert default_term_years(committee) == 3

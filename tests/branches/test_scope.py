import pytest

from branches.models import Unit
from branches.permissions import MEMBER_CHANGE, UNIT_MANAGE, VIEW
from branches.scope import has_perm, scope_paths
from members.models import Person

pytestmark = pytest.mark.django_db


def test_secretary_sees_own_branch_and_below_only(secretary, committee, branch_a, group_a, branch_b):
    visible = set(Unit.objects.restrict(secretary, VIEW))
    assert visible == {branch_a, group_a}
    assert has_perm(secretary, MEMBER_CHANGE, group_a)
    assert not has_perm(secretary, VIEW, committee)
    assert not has_perm(secretary, UNIT_MANAGE, branch_a)


def test_admin_scope_is_one_prefix(admin_user, committee, branch_a, branch_b, other_committee):
    assert scope_paths(admin_user, VIEW) == [committee.path]
    assert set(Unit.objects.restrict(admin_user)) == {committee, branch_a, branch_b}


def test_viewer_cannot_change(viewer, branch_a):
    assert has_perm(viewer, VIEW, branch_a)
    assert not has_perm(viewer, MEMBER_CHANGE, branch_a)


def test_person_restrict_follows_unit(secretary, member_a, branch_b):
    from tests.factories import make_person

    other = make_person(branch_b, name="王五")
    assert list(Person.objects.restrict(secretary)) == [member_a]
    assert other not in Person.objects.restrict(secretary)


def test_anonymous_has_empty_scope(committee):
    from django.contrib.auth.models import AnonymousUser

    assert scope_paths(AnonymousUser()) == []
    assert not Unit.objects.restrict(AnonymousUser()).exists()

"""The fixed cast for permission tests: a committee with two branches, and users at each level.

- ``committee`` > ``branch_a`` (with ``group_a``), ``branch_b``; ``other_committee`` is a separate tree.
- ``admin_user``: admin on the committee; ``secretary``: secretary of branch_a; ``viewer``: viewer of branch_a;
  ``outsider``: secretary of other_committee (everything in ``committee`` is out of scope for them).
"""
import datetime

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from branches.choices import Role, UnitKind
from branches.services import appointment_create

from .factories import UserFactory, make_person, make_unit


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def frozen_today():
    """The clock stopped at 2026-05-20 10:00 for date-rule tests; yields that date."""
    with time_machine.travel(datetime.datetime(2026, 5, 20, 10, 0), tick=False):
        yield datetime.date(2026, 5, 20)


@pytest.fixture(autouse=True)
def english(settings):
    """Tests read English msgids; the Chinese UI is checked explicitly (tests/test_i18n.py, the PDFs)."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def committee(db):
    return make_unit(None, kind=UnitKind.COMMITTEE, name="测试党委", code="C001")


@pytest.fixture
def branch_a(committee):
    return make_unit(committee, kind=UnitKind.BRANCH, name="第一党支部", code="C001-B01")


@pytest.fixture
def group_a(branch_a):
    return make_unit(branch_a, kind=UnitKind.PARTY_GROUP, name="第一党小组", code="C001-B01-G1")


@pytest.fixture
def branch_b(committee):
    return make_unit(committee, kind=UnitKind.BRANCH, name="第二党支部", code="C001-B02")


@pytest.fixture
def other_committee(db):
    return make_unit(None, kind=UnitKind.COMMITTEE, name="其他党委", code="X001")


def _user_with(username, unit, role):
    user = UserFactory(username=username)
    appointment_create(actor=None, user=user, unit=unit, role=role)
    return user


@pytest.fixture
def admin_user(committee):
    return _user_with("committee_admin", committee, Role.ADMIN)


@pytest.fixture
def secretary(branch_a):
    return _user_with("secretary_a", branch_a, Role.SECRETARY)


@pytest.fixture
def viewer(branch_a):
    return _user_with("viewer_a", branch_a, Role.VIEWER)


@pytest.fixture
def outsider(other_committee):
    return _user_with("outsider", other_committee, Role.SECRETARY)


@pytest.fixture
def member_a(branch_a):
    return make_person(branch_a, name="李明")


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def as_user():
    return client_for

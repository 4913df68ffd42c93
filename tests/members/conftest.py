"""Fixtures shared by the membership-development tests: three full members of branch_a (voters, contacts,
sponsors) and an applicant who is old enough."""
import datetime

import pytest

from members.choices import MemberStatus

from .helpers import person


@pytest.fixture
def full_members(branch_a):
    return [person(branch_a, name=f"正式{i}") for i in range(3)]


@pytest.fixture
def applicant(branch_a):
    return person(branch_a, name="王申请", status=MemberStatus.APPLICANT, birth=datetime.date(1995, 3, 1))

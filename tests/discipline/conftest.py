"""Fixtures shared by the discipline tests: the clock stopped at 2026-05-20 10:00 (for every test here), the
discipline officer of branch_a and an accused member of branch_a with four voters beside them."""
import datetime

import pytest
import time_machine

from tests.factories import make_person

from .helpers import officer_of, voters


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(datetime.datetime(2026, 5, 20, 10, 0), tick=False):
        yield


@pytest.fixture
def officer(branch_a):
    return officer_of(branch_a)


@pytest.fixture
def accused(branch_a):
    voters(branch_a)
    return make_person(branch_a, name="王违纪")

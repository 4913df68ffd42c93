"""Dues fixtures on top of the fixed cast: a dues clerk of branch_a, members with bases."""
import datetime
import tempfile
from decimal import Decimal

import pytest

from hypothesis.configuration import set_hypothesis_home_dir

# Hypothesis keeps caches in ./.hypothesis by default: keep the working tree clean.
set_hypothesis_home_dir(tempfile.mkdtemp(prefix="hypothesis-"))

from branches.choices import Role
from branches.services import appointment_create
from dues.services import dues_base_declare

from ..factories import UserFactory, make_person


@pytest.fixture(autouse=True)
def central_rates(db):
    """The shipped rate tables (a data migration): put back after a transactional test flushed the database."""
    from dues.models import RateBracket, RateTable
    from dues.rates import install_central_tables

    install_central_tables(RateTable, RateBracket)


@pytest.fixture
def clerk(branch_a):
    user = UserFactory(username="clerk_a")
    appointment_create(actor=None, user=user, unit=branch_a, role=Role.DUES_CLERK)
    return user


def member_with_base(unit, name="王芳", income="4000.00", year=2026, category="employee",
                     admission=datetime.date(2010, 7, 1), **kw):
    person = make_person(unit, name=name, admission_date=admission, **kw)
    for y in ([year] if isinstance(year, int) else year):
        dues_base_declare(actor=None, person=person, year=y, category=category,
                          income=Decimal(income) if income is not None else None)
    return person


@pytest.fixture
def paying_member(branch_a):
    return member_with_base(branch_a)

"""Meetings fixtures on top of the fixed cast: members of branch_a (some in group_a), a committee term, meetings."""
import datetime

import pytest

from branches.services import term_create
from meetings.choices import MeetingStatus, MeetingType
from meetings.services import meeting_create
from members.committee_services import position_add
from tests.factories import make_person

D = datetime.date


@pytest.fixture
def members_a(branch_a, group_a):
    people = [make_person(branch_a, name=f"党员{i}", party_group=group_a if i < 3 else None,
                          admission_date=D(2015, 7, 1), full_member_date=D(2016, 7, 1)) for i in range(5)]
    return people


@pytest.fixture
def term_a(branch_a, members_a):
    term = term_create(actor=None, unit=branch_a, start_date=D(2024, 1, 1), years=3)
    for person, kind in zip(members_a[:3], ["secretary", "organization", "publicity"]):
        position_add(actor=None, term=term, person=person, position=kind, started_on=D(2024, 1, 1))
    return term


def make_meeting(unit, *, actor=None, meeting_type=MeetingType.GENERAL, date=D(2026, 5, 10),
                 status=MeetingStatus.HELD, topic="学习会议", **fields):
    return meeting_create(actor=actor, unit=unit, meeting_type=meeting_type, date=date, status=status, topic=topic,
                          **fields)


@pytest.fixture
def meeting(branch_a, members_a, frozen_today, secretary):
    return make_meeting(branch_a, actor=secretary, host=members_a[0], recorder=members_a[1])

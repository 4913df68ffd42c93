"""Frequency rules (default vs. committee override vs. effective date) and compliance across month, quarter and year
boundaries with a frozen clock; the set-based computation runs a constant number of queries."""
import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from branches.choices import UnitKind
from meetings.choices import MeetingStatus, MeetingType as T, Period, TalkKind
from meetings.compliance import DUE, FUTURE, MET, OVERDUE, compliance, matrix
from meetings.models import MeetingPolicy
from meetings.policy import PolicyBook
from tests.factories import make_unit

from .conftest import make_meeting

pytestmark = pytest.mark.django_db
D = datetime.date


def _state(result, unit, mtype, key):
    return next(p for p in result[unit.pk].periods if p.meeting_type == mtype and p.span.key == key)


def test_default_rule(branch_a, group_a):
    book = PolicyBook([branch_a, group_a])
    rule = book.rule(branch_a, T.GENERAL, D(2026, 1, 1))
    assert (rule.period, rule.min_count, rule.unit_name) == (Period.QUARTER, 1, None)
    assert str(rule.source) == "central rule"
    assert book.rule(group_a, T.GROUP, D(2026, 1, 1)).period == Period.MONTH
    assert book.rule(branch_a, T.GROUP, D(2026, 1, 1)) is None   # a branch holds no party group meeting itself
    assert book.rule(branch_a, T.STUDY, D(2026, 1, 1)) is None   # concentrated study: local rule only


def test_override_by_effective_date_and_nearest_committee(committee, branch_a, other_committee):
    MeetingPolicy.objects.create(unit=committee, meeting_type=T.GENERAL, unit_kind=UnitKind.BRANCH,
                                 period=Period.MONTH, min_count=1, effective_from=D(2026, 4, 1), note="seed 004")
    sub = make_unit(committee, kind=UnitKind.COMMITTEE, name="下级党委", code="C001-S")
    sub_branch = make_unit(sub, kind=UnitKind.BRANCH, name="下级支部", code="C001-S-B1")
    MeetingPolicy.objects.create(unit=sub, meeting_type=T.GENERAL, unit_kind=UnitKind.BRANCH,
                                 period=Period.HALF_YEAR, min_count=1, effective_from=D(2026, 1, 1))
    other_branch = make_unit(other_committee, kind=UnitKind.BRANCH, name="外支部", code="X001-B1")
    book = PolicyBook([branch_a, sub_branch, other_branch])
    assert book.rule(branch_a, T.GENERAL, D(2026, 3, 1)).period == Period.QUARTER      # before the effective date
    rule = book.rule(branch_a, T.GENERAL, D(2026, 4, 1))
    assert rule.period == Period.MONTH and rule.unit_name == committee.name
    assert "2026-04-01" in rule.source
    assert book.rule(sub_branch, T.GENERAL, D(2026, 7, 1)).period == Period.HALF_YEAR  # nearest committee wins
    assert book.rule(other_branch, T.GENERAL, D(2026, 7, 1)).period == Period.QUARTER  # other tree: default


def test_rule_switch_mid_year_gives_the_right_periods(committee, branch_a, members_a):
    MeetingPolicy.objects.create(unit=committee, meeting_type=T.GENERAL, unit_kind=UnitKind.BRANCH,
                                 period=Period.MONTH, min_count=1, effective_from=D(2026, 5, 15))
    result = compliance([branch_a], D(2026, 1, 1), D(2026, 12, 31), D(2026, 12, 31), types=[T.GENERAL])
    keys = [p.span.key for p in result[branch_a.pk].periods]
    # Q1, Q2 under the central rule (Q2 started before the new rule), then monthly from the next period (July)
    assert keys == ["2026Q1", "2026Q2", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12"]


def test_zero_count_override_means_not_required(committee, branch_a):
    MeetingPolicy.objects.create(unit=committee, meeting_type=T.TALK, unit_kind=UnitKind.BRANCH, period=Period.YEAR,
                                 min_count=0, effective_from=D(2020, 1, 1))
    result = compliance([branch_a], D(2026, 1, 1), D(2026, 12, 31), D(2026, 6, 1), types=[T.TALK])
    assert result[branch_a.pk].periods == []


def test_with_a_committee_each_pair_of_talks_is_required(branch_a, members_a, term_a):
    secretary, organizer, _publicity, m3, m4 = members_a        # the first three sit on the committee
    make_meeting(branch_a, meeting_type=T.TALK, date=D(2026, 2, 3), host=secretary, partner=organizer)
    make_meeting(branch_a, meeting_type=T.TALK, date=D(2026, 3, 3), host=secretary, partner=m3)
    make_meeting(branch_a, meeting_type=T.TALK, date=D(2026, 3, 9), host=organizer, partner=m4)
    with time_machine.travel(datetime.datetime(2026, 6, 2, 9), tick=False):
        r = _state(compliance([branch_a], D(2026, 1, 1), D(2026, 12, 31), D(2026, 6, 2), types=[T.TALK]),
                   branch_a, T.TALK, "2026")
        assert (r.state, r.held, r.required, r.missing_kinds) == (DUE, 2, 3, [TalkKind.AMONG_MEMBERS])
        assert "between members" in r.advice(D(2026, 6, 2))
    make_meeting(branch_a, meeting_type=T.TALK, date=D(2026, 4, 1), host=m3, partner=m4)
    r = _state(compliance([branch_a], D(2026, 1, 1), D(2026, 12, 31), D(2026, 6, 2), types=[T.TALK]),
               branch_a, T.TALK, "2026")
    assert (r.state, r.held, r.required, r.missing_kinds) == (MET, 3, 3, [])
    assert r.kinds == {TalkKind.AMONG_COMMITTEE: 1, TalkKind.COMMITTEE_MEMBER: 2, TalkKind.AMONG_MEMBERS: 1}
    # a year ended without a talk between committee members is overdue, however many other talks were held
    make_meeting(branch_a, meeting_type=T.TALK, date=D(2025, 5, 1), host=m3, partner=m4)
    make_meeting(branch_a, meeting_type=T.TALK, date=D(2025, 6, 1), host=secretary, partner=m4)
    r = _state(compliance([branch_a], D(2025, 1, 1), D(2025, 12, 31), D(2026, 6, 2), types=[T.TALK]),
               branch_a, T.TALK, "2025")
    assert (r.state, r.missing_kinds) == (OVERDUE, [TalkKind.AMONG_COMMITTEE])


def test_the_pair_follows_the_positions_on_the_day_of_the_talk(branch_a, members_a, term_a):
    from members.committee_services import position_end
    from members.models import CommitteePosition

    secretary, organizer = members_a[:2]
    position_end(actor=None, position=CommitteePosition.objects.get(person=organizer), ended_on=D(2026, 2, 28))
    make_meeting(branch_a, meeting_type=T.TALK, date=D(2026, 2, 20), host=secretary, partner=organizer)
    make_meeting(branch_a, meeting_type=T.TALK, date=D(2026, 3, 20), host=secretary, partner=organizer)
    r = _state(compliance([branch_a], D(2026, 1, 1), D(2026, 12, 31), D(2026, 6, 2), types=[T.TALK]),
               branch_a, T.TALK, "2026")
    assert r.kinds[TalkKind.AMONG_COMMITTEE] == 1 and r.kinds[TalkKind.COMMITTEE_MEMBER] == 1


def test_without_a_committee_any_talk_counts(branch_a, members_a):
    make_meeting(branch_a, meeting_type=T.TALK, date=D(2026, 3, 3), host=members_a[3], partner=members_a[4])
    r = _state(compliance([branch_a], D(2026, 1, 1), D(2026, 12, 31), D(2026, 6, 2), types=[T.TALK]),
               branch_a, T.TALK, "2026")
    assert (r.state, r.held, r.required, r.kinds) == (MET, 1, 1, None)


def test_month_boundaries(branch_a, members_a):
    make_meeting(branch_a, meeting_type=T.THEME_DAY, date=D(2026, 4, 30))
    make_meeting(branch_a, meeting_type=T.ORG_LIFE, date=D(2026, 5, 1), also_theme_day=True)  # counts for May
    with time_machine.travel(datetime.datetime(2026, 6, 2, 9), tick=False):
        r = compliance([branch_a], D(2026, 1, 1), D(2026, 12, 31), D(2026, 6, 2), types=[T.THEME_DAY])
    assert _state(r, branch_a, T.THEME_DAY, "2026-03").state == OVERDUE
    assert _state(r, branch_a, T.THEME_DAY, "2026-04").state == MET
    assert _state(r, branch_a, T.THEME_DAY, "2026-05").state == MET
    assert _state(r, branch_a, T.THEME_DAY, "2026-06").state == DUE
    assert _state(r, branch_a, T.THEME_DAY, "2026-07").state == FUTURE


def test_quarter_boundary(branch_a, members_a):
    make_meeting(branch_a, meeting_type=T.GENERAL, date=D(2026, 3, 31))
    make_meeting(branch_a, meeting_type=T.GENERAL, date=D(2026, 4, 1))
    make_meeting(branch_a, meeting_type=T.GENERAL, date=D(2026, 6, 30), status=MeetingStatus.PLANNED)
    with time_machine.travel(datetime.datetime(2026, 7, 1, 9), tick=False):
        today = D(2026, 7, 1)
        r = compliance([branch_a], D(2026, 1, 1), D(2026, 12, 31), today, types=[T.GENERAL])
        q1, q2, q3 = (_state(r, branch_a, T.GENERAL, k) for k in ("2026Q1", "2026Q2", "2026Q3"))
    assert (q1.state, q1.held) == (MET, 1)
    assert (q2.state, q2.held) == (MET, 1)      # the planned (not held) one does not count
    assert q3.state == DUE and q3.missing == 1


def test_year_boundary_and_overdue(branch_a, members_a):
    make_meeting(branch_a, meeting_type=T.ORG_LIFE, date=D(2025, 12, 31))
    with time_machine.travel(datetime.datetime(2026, 1, 5, 9), tick=False):
        r = compliance([branch_a], D(2025, 1, 1), D(2026, 12, 31), D(2026, 1, 5), types=[T.ORG_LIFE, T.APPRAISAL])
    assert _state(r, branch_a, T.ORG_LIFE, "2025").state == MET
    assert _state(r, branch_a, T.ORG_LIFE, "2026").state == DUE
    assert _state(r, branch_a, T.APPRAISAL, "2025").state == OVERDUE
    assert "Overdue" in _state(r, branch_a, T.APPRAISAL, "2025").advice(D(2026, 1, 5))


def test_committee_meeting_only_with_a_committee(branch_a, members_a, term_a, branch_b):
    r = compliance([branch_a, branch_b], D(2026, 1, 1), D(2026, 12, 31), D(2026, 5, 20), types=[T.COMMITTEE])
    assert len(r[branch_a.pk].periods) == 12
    assert r[branch_b.pk].periods == []


def test_cancelled_and_other_units_do_not_count(branch_a, branch_b, members_a):
    m = make_meeting(branch_a, meeting_type=T.THEME_DAY, date=D(2026, 5, 25), status=MeetingStatus.PLANNED)
    from meetings.services import meeting_cancel

    with time_machine.travel(datetime.datetime(2026, 5, 20, 9), tick=False):
        meeting_cancel(actor=None, meeting=m, reason="改期")
    make_meeting(branch_b, meeting_type=T.THEME_DAY, date=D(2026, 5, 3))
    r = compliance([branch_a], D(2026, 5, 1), D(2026, 5, 31), D(2026, 6, 5), types=[T.THEME_DAY])
    assert _state(r, branch_a, T.THEME_DAY, "2026-05").state == OVERDUE


def test_matrix_constant_queries(committee, members_a, term_a):
    def run():
        units = list(type(committee).objects.filter(path__startswith=committee.path, kind=UnitKind.BRANCH))
        with CaptureQueriesContext(connection) as ctx:
            matrix(units, 2026, "month", D(2026, 5, 20), subtree_path=committee.path)
        return len(ctx.captured_queries)

    few = run()
    for i in range(6):
        b = make_unit(committee, kind=UnitKind.BRANCH, name=f"新支部{i}", code=f"C001-N{i}")
        for month in (1, 2, 3):
            make_meeting(b, meeting_type=T.THEME_DAY, date=D(2026, month, 5))
    assert run() == few <= 5          # rules, terms, held meetings, talks' committee positions, talks


def test_matrix_buckets_by_quarter(committee, branch_a, members_a):
    make_meeting(branch_a, meeting_type=T.GENERAL, date=D(2026, 2, 1))
    cols, rows, totals = matrix([branch_a], 2026, "quarter", D(2026, 5, 20))
    assert [c[2] for c in cols] == ["Q1", "Q2", "Q3", "Q4"]
    (_unit, uc, cells), = rows
    assert cells[0].state == OVERDUE        # Q1: the general meeting was held, the monthly theme days were not
    assert any(p.meeting_type == T.GENERAL and p.state == MET for p in cells[0].periods)
    assert cells[1].state == OVERDUE        # April's theme party day is overdue; the Q2 general meeting is due
    assert any(p.meeting_type == T.GENERAL and p.state == DUE for p in cells[1].periods)
    assert cells[2].state == FUTURE and cells[3].state == DUE   # Q4 holds the yearly rules, running since January


def test_league_units_have_no_party_rules(committee):
    from branches.choices import System

    league = make_unit(committee, kind=UnitKind.BRANCH, name="团支部", code="C001-L1", system=System.LEAGUE)
    assert PolicyBook([league]).rule(league, T.GENERAL, D(2026, 1, 1)) is None
    assert compliance([league], D(2026, 1, 1), D(2026, 12, 31), D(2026, 5, 20))[league.pk].periods == []

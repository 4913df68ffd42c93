"""The lapse check: consecutive months across year ends and partial payments, warnings at 3 and 5, a case at 6,
reliefs stop the clock, once however often it runs, constant queries."""
import datetime
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection

from branches.models import Notification, Reminder
from dues import periods
from dues.choices import LapseStatus
from dues.lapse import dues_lapse_check, unpaid_runs
from dues.models import LapseCase
from dues.services import dues_charges_generate, dues_payment_record, dues_relief_record, lapse_case_advance

from .conftest import member_with_base

pytestmark = pytest.mark.django_db
M = periods.month_no


def setup_years(person_unit, name="欠费", years=(2025, 2026), today=datetime.date(2026, 5, 20)):
    person = member_with_base(person_unit, name=name, year=list(years))
    dues_charges_generate(today=datetime.date(2025, 12, 31))
    dues_charges_generate(today=today)
    return person


def pay_month(person, m, amount="40.00", on=datetime.date(2026, 5, 20)):
    return dues_payment_record(actor=None, person=person, first_period=m, last_period=m, amount=Decimal(amount),
                               paid_on=on, back_payment_consent="党委同意", today=on)


def test_run_counts_across_the_year_end(branch_a):
    person = setup_years(branch_a)
    for m in range(M(2025, 1), M(2025, 11)):      # paid up to October 2025
        pay_month(person, m)
    # unpaid: 2025-11, 2025-12, 2026-01 … 2026-04 (reference = April 2026) → 6
    assert unpaid_runs(M(2026, 4))[person.pk] == (6, M(2025, 11))


def test_a_partly_paid_month_is_still_unpaid(branch_a):
    person = setup_years(branch_a)
    for m in range(M(2025, 1), M(2026, 1)):
        pay_month(person, m)
    pay_month(person, M(2026, 2), "20.00")        # half of February
    assert unpaid_runs(M(2026, 4))[person.pk] == (4, M(2026, 1))
    pay_month(person, M(2026, 2), "20.00")        # the other half: February paid, the run restarts after it
    assert unpaid_runs(M(2026, 4))[person.pk] == (2, M(2026, 3))


def test_a_paid_reference_month_means_no_run(branch_a):
    person = setup_years(branch_a)
    pay_month(person, M(2026, 4))
    assert person.pk not in unpaid_runs(M(2026, 4))


def test_a_deferral_stops_the_clock(branch_a):
    person = setup_years(branch_a)
    dues_relief_record(actor=None, person=person, kind="deferral", first_period=M(2026, 1), last_period=M(2026, 2),
                       reason="外出务工", approved_by="测试党委", approved_on=datetime.date(2026, 1, 5))
    assert unpaid_runs(M(2026, 4))[person.pk] == (2, M(2026, 3))


def test_warnings_at_three_and_five_and_a_case_at_six(branch_a, secretary, django_capture_on_commit_callbacks):
    person = setup_years(branch_a)
    for m in range(M(2025, 1), M(2026, 1)):
        pay_month(person, m)
    # As of 2026-04-10: reference March, unpaid Jan–Mar = 3 → first warning
    with django_capture_on_commit_callbacks(execute=True):
        r = dues_lapse_check(datetime.date(2026, 4, 10))
    assert (r.warnings, r.cases) == (1, 0)
    assert Notification.objects.filter(recipient=secretary).count() == 1
    assert secretary.email in mail.outbox[0].to and "3" in mail.outbox[0].subject
    # reference April: 4 months → nothing new
    assert dues_lapse_check(datetime.date(2026, 5, 10)).warnings == 0
    dues_charges_generate(today=datetime.date(2026, 7, 1))
    r = dues_lapse_check(datetime.date(2026, 6, 10))            # reference May: 5 → second warning
    assert (r.warnings, r.cases) == (1, 0)
    r = dues_lapse_check(datetime.date(2026, 7, 10))            # reference June: 6 → case
    assert (r.warnings, r.cases) == (0, 1)
    case = LapseCase.objects.get(person=person)
    assert (case.run_start, case.months_unpaid, case.status) == (M(2026, 1), 6, LapseStatus.OPEN)
    assert case.events.count() == 1
    # twice: nothing more
    r = dues_lapse_check(datetime.date(2026, 7, 10))
    assert (r.warnings, r.cases) == (0, 0)
    assert LapseCase.objects.count() == 1
    assert Notification.objects.filter(recipient=secretary).count() == 3


def test_a_late_first_run_sends_only_the_most_advanced(branch_a, secretary):
    person = setup_years(branch_a)
    for m in range(M(2025, 1), M(2025, 11)):
        pay_month(person, m)
    r = dues_lapse_check(datetime.date(2026, 5, 20))
    assert (r.warnings, r.cases) == (0, 1)
    assert Reminder.objects.filter(kind="dues_lapse").count() == 1


def test_the_management_command_runs_twice(branch_a, secretary, capsys):
    person = setup_years(branch_a)
    for m in range(M(2025, 1), M(2025, 11)):
        pay_month(person, m)
    call_command("dues_lapse_check", "--date", "2026-05-20")
    call_command("dues_lapse_check", "--date", "2026-05-20")
    out = capsys.readouterr().out
    assert "1 lapse case(s) opened" in out and "0 lapse case(s) opened" in out
    assert LapseCase.objects.count() == 1


def test_the_case_moves_through_its_steps(branch_a, secretary, frozen_today):
    person = setup_years(branch_a)
    for m in range(M(2025, 1), M(2025, 11)):
        pay_month(person, m, on=frozen_today)
    dues_lapse_check(frozen_today)
    case = LapseCase.objects.get()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        lapse_case_advance(actor=secretary, case=case, to_status=LapseStatus.APPROVED, date=frozen_today)
    lapse_case_advance(actor=secretary, case=case, to_status=LapseStatus.TALK_HELD, date=frozen_today, note="已谈话")
    with pytest.raises(ValidationError):      # the decision needs its document
        lapse_case_advance(actor=secretary, case=case, to_status=LapseStatus.BRANCH_DECIDED, date=frozen_today)
    lapse_case_advance(actor=secretary, case=case, to_status=LapseStatus.BRANCH_DECIDED, date=frozen_today,
                       document="支部大会记录 2026-05-20")
    case.refresh_from_db()
    assert case.status == LapseStatus.BRANCH_DECIDED
    assert list(case.events.values_list("to_status", flat=True)) == ["open", "talk_held", "branch_decided"]


def test_constant_queries_whatever_the_number_of_members(branch_a, secretary, django_assert_max_num_queries):
    people = [setup_years(branch_a, name=f"党员{i}") for i in range(3)]
    with django_assert_max_num_queries(14):
        dues_lapse_check(datetime.date(2026, 5, 20))
    more = [setup_years(branch_a, name=f"新党员{i}") for i in range(8)]
    with django_assert_max_num_queries(14):
        r = dues_lapse_check(datetime.date(2026, 5, 20))
    assert r.cases == len(more) and LapseCase.objects.count() == len(people) + len(more)


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_open_one_case(branch_a, secretary):
    if connection.vendor != "postgresql":
        pytest.skip("needs a server database")
    setup_years(branch_a)
    results, errors = [], []

    def run():
        try:
            results.append(dues_lapse_check(datetime.date(2026, 5, 20)))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sum(r.cases for r in results) == 1
    assert LapseCase.objects.count() == 1


def test_a_run_longer_than_the_window_is_counted_over_the_whole_history(branch_a):
    person = setup_years(branch_a)                  # nothing paid since January 2025
    assert unpaid_runs(M(2026, 4))[person.pk] == (16, M(2025, 1))


def test_dashboard_counts_agree_with_the_runs(branch_a, branch_b):
    from dues.lapse import dashboard_counts

    behind3 = setup_years(branch_a, name="欠三个月")
    behind5 = setup_years(branch_a, name="欠五个月")
    paid_up = setup_years(branch_a, name="按时缴纳")
    elsewhere = setup_years(branch_b, name="外支部")
    for m in range(M(2025, 1), M(2026, 2)):       # paid to January 2026: Feb–Apr unpaid at April
        pay_month(behind3, m)
    for m in range(M(2025, 1), M(2025, 12)):      # paid to November 2025: Dec–Apr unpaid
        pay_month(behind5, m)
    for m in range(M(2025, 1), M(2026, 5)):
        pay_month(paid_up, m)
    for m in range(M(2025, 1), M(2026, 5)):
        pay_month(elsewhere, m)
    runs = unpaid_runs(M(2026, 4), paths=[branch_a.path])
    assert (runs[behind3.pk][0], runs[behind5.pk][0]) == (3, 5) and paid_up.pk not in runs
    counts = dashboard_counts(M(2026, 4), 2027, [branch_a.path])
    assert counts == {"behind": 2, "behind5": 1, "no_base": 3, "cases": 0}   # nobody has a 2027 base yet
    assert dashboard_counts(M(2026, 4), 2026, [branch_b.path]) == {"behind": 0, "behind5": 0, "no_base": 0,
                                                                   "cases": 0}

"""The six-month lapse check (党费连续六个月未缴): set-based, idempotent, safe to run concurrently.

For the reference month (the last completed month), ``unpaid_runs`` finds each member's run of consecutive unpaid
months ending in it, in ONE SQL statement (gaps and islands: ``period - ROW_NUMBER()`` is constant along a run of
consecutive months, so a year end is nothing special). A month is unpaid when it has a charge above zero and less
than that was paid for it: a partly paid month is still unpaid. Months covered by an approved deferral or hardship
exemption are not unpaid: they stop the clock (the run starts afresh after them).

``dues_lapse_check`` then, per member and run (policy values of the member's committee):
- at ``first_warning_months`` (3) and ``second_warning_months`` (5) warns the secretaries of the member's unit
  (in-app and email; the member by email when an address is on file);
- at ``lapse_months`` (6) opens a LapseCase for the branch (and tells the secretaries).
A late first run that finds several thresholds passed sends only the most advanced one.

Once: a ``branches.Reminder`` row per (unit, ``dues_lapse``, "<person>:<run start>:<level>") is inserted with
``ON CONFLICT DO NOTHING RETURNING``; only the rows this run actually inserted are acted on, so a second or a
concurrent run creates no second warning or case. Queries: a fixed number whatever the number of members (the
inserts go in chunks of ``CHUNK`` rows).
"""
from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import send_mass_mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from branches.audit import request_id_var
from branches.choices import AuditAction
from branches.models import AuditEntry, Notification, Reminder
from branches.notifications import secretaries_by_unit
from members.choices import MEMBER_STATUSES
from members.models import Person

from . import periods
from .choices import EntryKind, LapseStatus
from .models import DuesRelief, LapseCase, LapseCaseEvent, LedgerEntry
from .policy import DuesPolicySet

logger = logging.getLogger(__name__)

REMINDER_KIND = "dues_lapse"
CHUNK = 1000


def _scope_sql(paths: list[str] | None) -> tuple[str, list]:
    if paths is None:
        return "", []
    if not paths:
        return " AND 1 = 0", []
    return " AND (" + " OR ".join("u.path LIKE %s" for _p in paths) + ")", [p + "%" for p in paths]


WINDOW = 13       # months scanned first; runs that fill the window are followed back through the whole history


def _runs_sql(ref: int, *, lo: int | None, paths, person_ids) -> dict[int, tuple[int, int]]:
    sql, args = _runs_query(ref, lo=lo, paths=paths, person_ids=person_ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return {pid: (int(n), int(start)) for pid, n, start in cursor.fetchall()}


def _runs_query(ref: int, *, lo: int | None, paths, person_ids,
                select: str = "person_id, COUNT(*), MIN(period)") -> tuple[str, list]:
    """The runs of unpaid months ending at ``ref``, one row per member (``select`` over the run's months), and the
    query's arguments in the order of their placeholders."""
    from branches.models import Unit

    le, pr, rl, un = LedgerEntry._meta.db_table, Person._meta.db_table, DuesRelief._meta.db_table, Unit._meta.db_table
    args: list = [EntryKind.CHARGE, EntryKind.PAYMENT, ref]
    window = ""
    if lo is not None:
        window = " AND e.period >= %s"
        args.append(lo)
    statuses = list(MEMBER_STATUSES)
    args += statuses
    scope, scope_args = _scope_sql(paths)
    args += scope_args
    people = ""
    if person_ids is not None:
        ids = [int(i) for i in person_ids] or [0]
        people = " AND e.person_id IN (" + ",".join(["%s"] * len(ids)) + ")"
        args += ids
    sql = f"""
        WITH months AS (
            SELECT e.person_id, e.period,
                   SUM(CASE WHEN e.kind = %s THEN e.amount ELSE 0 END) AS charged,
                   SUM(CASE WHEN e.kind = %s THEN e.amount ELSE 0 END) AS paid
            FROM {le} e
            JOIN {pr} p ON p.id = e.person_id
            JOIN {un} u ON u.id = p.unit_id
            WHERE e.period <= %s{window} AND p.status IN ({",".join(["%s"] * len(statuses))}){scope}{people}
            GROUP BY e.person_id, e.period
        ), unpaid AS (
            SELECT m.person_id, m.period FROM months m
            WHERE m.charged > 0 AND m.paid < m.charged
              AND NOT EXISTS (SELECT 1 FROM {rl} r WHERE r.person_id = m.person_id
                              AND r.first_period <= m.period AND r.last_period >= m.period)
        ), islands AS (
            SELECT person_id, period,
                   period - ROW_NUMBER() OVER (PARTITION BY person_id ORDER BY period) AS grp
            FROM unpaid
        )
        SELECT {select} FROM islands
        GROUP BY person_id, grp HAVING MAX(period) = %s
    """
    args.append(ref)
    return sql, args


def dashboard_counts(ref: int, year: int, paths: list[str] | None) -> dict[str, int]:
    """For the dashboard, in ONE query: members 3+ and 5+ consecutive months unpaid up to ``ref`` (counted in the
    last ``WINDOW`` months, enough for these thresholds; the runs are computed once), members on the roll without a
    base for ``year``, and open lapse cases, all within the unit ``paths`` (None: everywhere)."""
    from branches.models import Unit

    from .choices import LAPSE_OPEN_STATUSES
    from .models import DuesBase

    runs_sql, runs_args = _runs_query(ref, lo=ref - WINDOW + 1, paths=paths, person_ids=None,
                                      select="person_id, COUNT(*) AS n")
    scope, scope_args = _scope_sql(paths)
    statuses = list(MEMBER_STATUSES)
    marks = ",".join(["%s"] * len(statuses))
    pr, un, bs, lc = Person._meta.db_table, Unit._meta.db_table, DuesBase._meta.db_table, LapseCase._meta.db_table
    cases = ",".join(["%s"] * len(LAPSE_OPEN_STATUSES))
    sql = f"""
        SELECT runs.behind, runs.behind5,
          (SELECT COUNT(*) FROM {pr} p JOIN {un} u ON u.id = p.unit_id
             WHERE p.status IN ({marks}){scope}
               AND NOT EXISTS (SELECT 1 FROM {bs} b WHERE b.person_id = p.id AND b.year = %s)),
          (SELECT COUNT(*) FROM {lc} c JOIN {pr} p ON p.id = c.person_id JOIN {un} u ON u.id = p.unit_id
             WHERE c.status IN ({cases}){scope})
        FROM (SELECT COALESCE(SUM(CASE WHEN r.n >= 3 THEN 1 ELSE 0 END), 0) AS behind,
                     COALESCE(SUM(CASE WHEN r.n >= 5 THEN 1 ELSE 0 END), 0) AS behind5
              FROM ({runs_sql}) r) runs
    """
    args = [*statuses, *scope_args, year, *LAPSE_OPEN_STATUSES, *scope_args, *runs_args]
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        behind, behind5, no_base, open_cases = cursor.fetchone()
    return {"behind": int(behind), "behind5": int(behind5), "no_base": no_base, "cases": open_cases}


def unpaid_runs(ref: int, *, paths: list[str] | None = None, person_ids=None) -> dict[int, tuple[int, int]]:
    """{person id: (consecutive unpaid months ending at ``ref``, first month of the run)} for members on the roll
    (optionally only within the unit ``paths`` or for ``person_ids``).

    The last ``WINDOW`` months are read first (one query over a year of lines, not the whole history); the few
    members whose run fills the window are then counted over their whole history (a second query for just them),
    so counts and run starts are exact. Two queries at most."""
    runs = _runs_sql(ref, lo=ref - WINDOW + 1, paths=paths, person_ids=person_ids)
    full = [pid for pid, (n, _start) in runs.items() if n >= WINDOW]
    if full:
        runs.update(_runs_sql(ref, lo=None, paths=None, person_ids=full))
    return runs


@dataclass
class CheckResult:
    reference: int
    behind: int = 0            # members with at least the first warning's months unpaid
    warnings: int = 0          # warnings sent by this run
    cases: int = 0             # lapse cases opened by this run

    def __str__(self):
        return (f"{periods.label(self.reference)}: {self.behind} member(s) behind, {self.warnings} warning(s) sent, "
                f"{self.cases} lapse case(s) opened")


def _insert_once(rows: list[tuple[int, str]], now) -> set[tuple[int, str]]:
    """Insert (unit id, key) reminder rows; return those this call inserted (ON CONFLICT DO NOTHING RETURNING)."""
    table = Reminder._meta.db_table
    inserted: set[tuple[int, str]] = set()
    for i in range(0, len(rows), CHUNK):
        chunk = rows[i:i + CHUNK]
        values = ",".join(["(%s, %s, %s, %s)"] * len(chunk))
        args = [a for unit_id, key in chunk for a in (unit_id, REMINDER_KIND, key, now)]
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} (unit_id, kind, key, created_at) VALUES {values} "
                           f"ON CONFLICT (unit_id, kind, key) DO NOTHING RETURNING unit_id, key", args)
            inserted.update((u, k) for u, k in cursor.fetchall())
    return inserted


def dues_lapse_check(today: datetime.date | None = None, *, actor=None) -> CheckResult:
    """Run the check as of ``today`` (default today) for the whole tree; see the module docstring."""
    today = today or timezone.localdate()
    ref = periods.of_date(today) - 1
    result = CheckResult(reference=ref)
    runs = unpaid_runs(ref)
    rows = DuesPolicySet.all_rows()
    min_first = min([3] + [int(r.value) for r in rows if r.key == "first_warning_months"])
    runs = {pid: run for pid, run in runs.items() if run[0] >= min_first}
    if not runs:
        return result
    people = {p.pk: p for p in Person.objects.filter(pk__in=list(runs)).select_related("unit")}
    policies: dict[int, DuesPolicySet] = {}
    due: list[tuple[Person, str, int, int]] = []   # (person, level, months, run start)
    for pid, (months, start) in runs.items():
        person = people.get(pid)
        if person is None:
            continue
        if person.unit_id not in policies:
            policies[person.unit_id] = DuesPolicySet(person.unit, rows=rows)
        pol = policies[person.unit_id]
        lapse = pol.get("lapse_months", today).months
        second = pol.get("second_warning_months", today).months
        first = pol.get("first_warning_months", today).months
        level = "case" if months >= lapse else "5" if months >= second else "3" if months >= first else None
        if level is None:
            continue
        result.behind += 1
        due.append((person, level, months, start))
    if not due:
        return result
    keys = {(p.unit_id, f"{p.pk}:{start}:{level}"): (p, level, months, start) for p, level, months, start in due}
    already = set(Reminder.objects.filter(kind=REMINDER_KIND, key__in=[k for _u, k in keys])
                  .values_list("unit_id", "key"))
    todo = [k for k in keys if k not in already]
    if not todo:
        return result
    recipients = secretaries_by_unit({p.unit_id: p.unit for p, *_rest in due}.values())
    now = timezone.now()
    with transaction.atomic():
        inserted = _insert_once(todo, now)
        acting = [keys[k] for k in todo if k in inserted]
        notifications, mails, cases, unnotified = [], [], [], []
        for person, level, months, start in acting:
            if level == "case":
                cases.append(LapseCase(person=person, unit=person.unit, run_start=start, months_unpaid=months,
                                       opened_on=today, status=LapseStatus.OPEN))
        created_cases = LapseCase.objects.bulk_create(cases, ignore_conflicts=False) if cases else []
        case_by_person = {c.person_id: c for c in created_cases}
        LapseCaseEvent.objects.bulk_create([
            LapseCaseEvent(case=c, from_status="", to_status=LapseStatus.OPEN, date=today,
                           note=_("Opened by the lapse check: %(n)d consecutive months unpaid since %(m)s.")
                           % {"n": c.months_unpaid, "m": periods.label(c.run_start)}) for c in created_cases])
        if created_cases:
            ct = ContentType.objects.get_for_model(LapseCase)
            AuditEntry.objects.bulk_create([
                AuditEntry(actor=actor if getattr(actor, "pk", None) else None, action=AuditAction.CREATE, content_type=ct, object_id=str(c.pk),
                           object_repr=str(c)[:200], unit=c.unit, after={"person": c.person_id, "run_start": c.run_start,
                                                                          "months_unpaid": c.months_unpaid,
                                                                          "status": c.status},
                           note="dues_lapse_check", request_id=request_id_var.get()) for c in created_cases])
        for person, level, months, start in acting:
            users = recipients.get(person.unit_id) or []
            if level == "case":
                title = _("%(name)s: %(n)d months of dues unpaid, a lapse case is opened") % {"name": person.name, "n": months}
                url = reverse("dues:lapsecase_detail", args=[case_by_person[person.pk].pk])
            else:
                title = _("%(name)s: %(n)d consecutive months of dues unpaid") % {"name": person.name, "n": months}
                url = reverse("dues:member_ledger", args=[person.pk])
            body = _("%(name)s (%(unit)s) has paid no dues since %(m)s: %(n)d consecutive months. A member who pays no "
                     "dues for 6 consecutive months without good reason is treated as having lapsed; the branch holds "
                     "an education talk, the branch meeting decides and the higher committee approves.") % {
                "name": person.name, "unit": person.unit.display_name, "m": periods.label(start), "n": months}
            for u in users:
                notifications.append(Notification(recipient=u, unit=person.unit, title=title[:200], body=body, url=url,
                                                  created_at=now))
            addresses = sorted({u.email for u in users if u.email} | ({person.email} if person.email else set()))
            if addresses:
                link = f"\n\n{settings.SITE_URL.rstrip('/')}{url}" if getattr(settings, "SITE_URL", "") else ""
                mails.append((f"[{settings.PRODUCT_NAME}] {title}", body + link, settings.DEFAULT_FROM_EMAIL, addresses))
            if level == "case":
                result.cases += 1
            else:
                result.warnings += 1
            if not users:
                unnotified.append(person.pk)
        Notification.objects.bulk_create(notifications, batch_size=CHUNK)
        if unnotified:
            logger.warning("Dues lapse check: no secretary to notify for %d member(s) (first: %s); their cases and "
                           "reminders are recorded all the same", len(unnotified), unnotified[:10])
        if mails:
            transaction.on_commit(lambda: send_mass_mail(mails, fail_silently=True))
    return result

"""Notification service: in-app rows plus an email, sent after the transaction commits."""
from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .choices import Role
from .models import Notification, Unit


def notification_send(*, recipients: Iterable, title: str, body: str = "", url: str = "",
                      unit: Unit | None = None, email: bool = True) -> list[Notification]:
    users = {u.pk: u for u in recipients if u is not None and u.is_active}.values()
    rows = Notification.objects.bulk_create(
        [Notification(recipient=u, unit=unit, title=title[:200], body=body, url=url) for u in users]
    )
    if email:
        addresses = sorted({u.email for u in users if u.email})
        if addresses:
            link = f"\n\n{settings.SITE_URL.rstrip('/')}{url}" if url and getattr(settings, "SITE_URL", "") else ""
            transaction.on_commit(lambda: send_mail(
                subject=f"[{settings.PRODUCT_NAME}] {title}", message=f"{body}{link}",
                from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=addresses, fail_silently=True,
            ))
    return rows


def unit_secretaries(unit: Unit, roles=(Role.SECRETARY,)):
    """Users who hold one of ``roles`` on this unit itself (active appointments)."""
    from django.contrib.auth import get_user_model

    return list(get_user_model().objects.filter(
        appointments__unit=unit, appointments__role__in=roles, appointments__ended_at__isnull=True, is_active=True,
    ).distinct())


def secretaries_by_unit(units: Iterable[Unit], roles=(Role.SECRETARY,)) -> dict[int, list]:
    """{unit pk: recipients} for reminders: the active holders of ``roles`` on the unit itself, else on the nearest
    unit above that has any (dissolved units skipped); an empty list when nobody. One query for all units."""
    from .models import Appointment
    from .policy import ancestor_paths

    units = list(units)
    chains = {u.pk: ancestor_paths(u) for u in units}
    paths = {p for chain in chains.values() for p in chain}
    by_path: dict[str, dict] = {}
    for a in (Appointment.objects.filter(unit__path__in=sorted(paths), role__in=roles, ended_at__isnull=True,
                                         unit__dissolved_on__isnull=True, user__is_active=True)
              .select_related("user", "unit")):
        by_path.setdefault(a.unit.path, {})[a.user.pk] = a.user
    result = {}
    for unit in units:
        found = next((by_path[p] for p in reversed(chains[unit.pk]) if by_path.get(p)), {})   # the unit first
        result[unit.pk] = list(found.values())
    return result


def notification_mark_read(*, user, notification_ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_for(user):
    """The user's inbox: unread first, then newest first."""
    from django.db.models import Case, IntegerField, Value, When

    return (Notification.objects.filter(recipient=user)
            .select_related("unit")
            .annotate(unread_first=Case(When(read_at__isnull=True, then=Value(0)), default=Value(1),
                                        output_field=IntegerField()))
            .order_by("unread_first", "-created_at", "-pk"))


def safe_local_url(url: str) -> str:
    """``url`` when it is a path on this site ("/..."), else "" (no open redirects through links)."""
    from django.utils.http import url_has_allowed_host_and_scheme

    url = (url or "").strip()
    if not url.startswith("/") or url.startswith("//") or "\\" in url:
        return ""
    if not url_has_allowed_host_and_scheme(url, allowed_hosts=set(), require_https=False):
        return ""
    return url


def notification_open(*, user, notification: Notification) -> str:
    """Mark one of the user's notifications read; return where to send them ("" when nowhere safe)."""
    if notification.recipient_id != user.pk:
        raise PermissionError("not the recipient")
    if notification.read_at is None:
        notification_mark_read(user=user, notification_ids=[notification.pk])
    return safe_local_url(notification.url)

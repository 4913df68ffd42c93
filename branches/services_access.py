"""Writes behind the access pages: user accounts, granting and revoking appointments.

``appointment_grant`` and ``appointment_revoke`` wrap ``branches.services.appointment_create`` /
``appointment_end`` with what the access pages need on top: the actor's own scope is checked again
(a view bug must not widen it), a new account can be created in the same transaction, the appointee
is told in-app, and nobody can lock themselves out by ending their own last admin appointment.
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .audit import audit_record, snapshot
from .choices import AuditAction, Role
from .models import Appointment, Unit
from .notifications import notification_send
from .permissions import APPOINTMENT_MANAGE
from .scope import has_perm
from .services import appointment_create, appointment_end

# Never the password hash: the audit trail is readable by secretaries and reviewers.
USER_AUDIT_FIELDS = ["username", "first_name", "last_name", "email", "is_active", "is_staff", "is_superuser"]


@transaction.atomic
def user_create(*, actor, username: str, password: str, full_name: str = "", email: str = "",
                unit: Unit | None = None):
    """Create an active user account with a password that passes ``AUTH_PASSWORD_VALIDATORS``.

    The full name goes into ``first_name`` whole (Chinese names are not split into given name and
    surname reliably). ``unit`` only places the audit row, so the appointing admin can see it.
    """
    User = get_user_model()
    username = User.normalize_username((username or "").strip())
    if username and User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("A user with that username already exists.")})
    user = User(username=username, first_name=(full_name or "").strip(),
                email=User.objects.normalize_email((email or "").strip()), is_active=True)
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.full_clean()
    user.save()
    audit_record(actor=actor, action=AuditAction.CREATE, obj=user, after=snapshot(user, USER_AUDIT_FIELDS),
                 unit=unit)
    return user


def _ensure_may_manage(actor, unit: Unit) -> None:
    if actor is not None and not has_perm(actor, APPOINTMENT_MANAGE, unit):
        raise ValidationError(_("You may not manage appointments in %(unit)s.") % {"unit": unit})


@transaction.atomic
def appointment_grant(*, actor, unit: Unit, role: str, user=None, new_user: dict | None = None) -> Appointment:
    """Appoint ``user`` (or a new account built from ``new_user``: username, password, full_name, email)
    to ``role`` on ``unit`` and notify them. Refuses a duplicate of an active appointment."""
    if (user is None) == (new_user is None):
        raise ValueError("pass exactly one of user and new_user")
    _ensure_may_manage(actor, unit)
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if user is None:
        user = user_create(actor=actor, unit=unit, **new_user)
    elif not user.is_active:
        raise ValidationError(_("%(user)s is deactivated and cannot be appointed.") % {"user": user})
    elif Appointment.objects.filter(user=user, unit=unit, role=role, ended_at__isnull=True).exists():
        raise ValidationError(_("%(user)s already holds this role in %(unit)s.") % {
            "user": user, "unit": unit})
    appt = appointment_create(actor=actor, user=user, unit=unit, role=role)
    notification_send(
        recipients=[user], unit=unit, url=unit.get_absolute_url(),
        title=_("You have been appointed %(role)s of %(unit)s") % {"role": appt.get_role_display(), "unit": unit},
        body=_("%(actor)s gave you the role %(role)s in %(unit)s and the units below it.") % {
            "actor": _display(actor), "role": appt.get_role_display(), "unit": unit},
    )
    return appt


@transaction.atomic
def appointment_revoke(*, actor, appointment: Appointment) -> Appointment:
    """End an appointment; refuses one already ended and the actor's own last admin appointment."""
    # Lock the actor's admin appointments first so that two concurrent requests ending the actor's
    # last two admin appointments cannot both pass the check below.
    own_admin = []
    if actor is not None and getattr(actor, "pk", None):
        own_admin = list(Appointment.objects.select_for_update(of=("self",)).filter(
            user_id=actor.pk, role=Role.ADMIN, ended_at__isnull=True, unit__dissolved_on__isnull=True,
        ).values_list("pk", flat=True))
    appt = Appointment.objects.select_for_update(of=("self",)).select_related("user", "unit").get(pk=appointment.pk)
    _ensure_may_manage(actor, appt.unit)
    if appt.ended_at is not None:
        raise ValidationError(_("This appointment has already ended."))
    if (actor is not None and appt.user_id == getattr(actor, "pk", None) and appt.role == Role.ADMIN
            and not actor.is_superuser and set(own_admin) <= {appt.pk}):
        raise ValidationError(_(
            "This is your last administrator appointment; ending it would lock you out of access "
            "management. Ask another administrator to end it."))
    appt = appointment_end(actor=actor, appointment=appt)
    notification_send(
        recipients=[appt.user], unit=appt.unit, url="",
        title=_("Your role %(role)s in %(unit)s has ended") % {"role": appt.get_role_display(), "unit": appt.unit},
        body=_("%(actor)s ended this appointment.") % {"actor": _display(actor)},
    )
    return appt


def _display(user) -> str:
    if user is None or not getattr(user, "pk", None):
        return _("The system")
    return user.get_full_name() or user.get_username()

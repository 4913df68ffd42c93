"""Audit records: every service write calls ``audit_record``.

The request id comes from ``RequestIdMiddleware`` through a context variable, so services never need
the request.
"""
from __future__ import annotations

import contextvars
import datetime
import decimal
import uuid

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.fields.files import FieldFile

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def new_request_id() -> str:
    return uuid.uuid4().hex


def _jsonable(value):
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, FieldFile):
        return value.name or None
    return value


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict:
    """Plain JSON dict of a model instance's concrete fields (FKs as ids)."""
    data = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in ("path", "depth", "numchild", "created_at", "updated_at"):
            continue
        value = getattr(obj, field.attname)
        data[field.name] = _jsonable(value)
    return data


def audit_record(*, actor, action: str, obj: models.Model, before: dict | None = None,
                 after: dict | None = None, unit=None, note: str = ""):
    from .models import AuditEntry

    if unit is None:
        unit = getattr(obj, "scope_unit", None)
    return AuditEntry.objects.create(
        actor=actor if (actor is not None and getattr(actor, "pk", None)) else None,
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        unit=unit,
        before=before,
        after=after,
        note=note[:300],
        request_id=request_id_var.get(),
    )


def history_for(obj: models.Model, limit: int = 50) -> list:
    """Audit entries of one object, newest first (for the History panel), with foreign keys named."""
    from .models import AuditEntry

    ct = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return attach_fk_labels(list(AuditEntry.objects.filter(content_type=ct, object_id=str(obj.pk))
                                 .select_related("actor", "unit").order_by("-time", "-pk")[:limit]))


def attach_fk_labels(entries: list) -> list:
    """Name the foreign keys in the entries' before/after data: one query per related model, not per row."""
    wanted: dict = {}
    for entry in entries:
        model = entry.audited_model
        if model is None:
            continue
        for data in (entry.before or {}, entry.after or {}):
            for key, value in data.items():
                if value in (None, ""):
                    continue
                try:
                    field = model._meta.get_field(key)
                except Exception:  # noqa: BLE001 - a field that no longer exists
                    continue
                if getattr(field, "many_to_one", False):
                    wanted.setdefault(field.related_model, set()).add(value)
    labels = {}
    for related, ids in wanted.items():
        for obj in related._default_manager.filter(pk__in=ids):
            labels[(related, obj.pk)] = str(obj)
    for entry in entries:
        entry._fk_labels = labels
    return entries


# Fields whose values need a permission to read (e.g. the citizen ID): field name -> (action, mask function).
# Apps above branches register theirs in AppConfig.ready(); the audit displays call ``mask_entry``.
SENSITIVE_FIELDS: dict[str, tuple[str, object]] = {}


def register_sensitive_field(name: str, *, action: str, mask) -> None:
    SENSITIVE_FIELDS[name] = (action, mask)


def mask_entry(entry, user):
    """Mask the sensitive values of one audit entry in place (not saved) unless ``user`` may read them.

    Uses the scope cached on the user and the entry's ``unit`` (select it with the entry): no query.
    """
    from .scope import has_perm

    for field, (action, mask) in SENSITIVE_FIELDS.items():
        for side in ("before", "after"):
            data = getattr(entry, side)
            if isinstance(data, dict) and data.get(field) and not has_perm(user, action, entry.unit):
                setattr(entry, side, {**data, field: mask(str(data[field]))})
    return entry

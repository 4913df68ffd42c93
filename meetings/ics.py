"""The .ics calendar file of a meeting (RFC 5545), written by hand: one VEVENT in local time."""
from __future__ import annotations

import datetime

from django.conf import settings
from django.utils import timezone


def _escape(text: str) -> str:
    return (text or "").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n") \
        .replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets are folded (continuation lines start with a space)."""
    out, current = [], b""
    for ch in line:
        b = ch.encode("utf-8")
        if len(current) + len(b) > 74:
            out.append(current.decode("utf-8"))
            current = b" " + b
        else:
            current += b
    out.append(current.decode("utf-8"))
    return "\r\n".join(out)


def meeting_ics(meeting) -> str:
    tz = getattr(settings, "TIME_ZONE", "Asia/Shanghai")
    stamp = timezone.now().astimezone(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    if meeting.start_time:
        start = datetime.datetime.combine(meeting.date, meeting.start_time)
        end = datetime.datetime.combine(meeting.date, meeting.end_time) if meeting.end_time else \
            start + datetime.timedelta(hours=2)
        dt = [f"DTSTART;TZID={tz}:{start:%Y%m%dT%H%M%S}", f"DTEND;TZID={tz}:{end:%Y%m%dT%H%M%S}"]
    else:
        dt = [f"DTSTART;VALUE=DATE:{meeting.date:%Y%m%d}",
              f"DTEND;VALUE=DATE:{meeting.date + datetime.timedelta(days=1):%Y%m%d}"]
    desc = [meeting.topic] + [f"{i}. {a}" for i, a in enumerate(meeting.agenda_items, 1)]
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:-//{_escape(settings.PRODUCT_NAME)}//meetings//ZH",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "BEGIN:VEVENT",
             f"UID:meeting-{meeting.pk}@{getattr(settings, 'SITE_DOMAIN', 'branch-admin')}", f"DTSTAMP:{stamp}", *dt,
             f"SUMMARY:{_escape(meeting.get_meeting_type_display() + '：' + meeting.topic)}",
             f"DESCRIPTION:{_escape(chr(10).join(desc))}"]
    if meeting.place:
        lines.append(f"LOCATION:{_escape(meeting.place)}")
    lines += ["STATUS:" + ("CANCELLED" if meeting.status == "cancelled" else "CONFIRMED"), "END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"

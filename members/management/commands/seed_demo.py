"""``manage.py seed_demo [--size small|large]``: a realistic demo organization, built through the services.

Idempotent: units are keyed by code, people by citizen ID and logins by username; what exists is skipped,
so running it again (``scripts/demo.sh`` does on every start) creates nothing. The data are deterministic
(fixed seeds). See ``members/demo.py``.
"""
import time

from django.core.management.base import BaseCommand
from django.test.utils import override_settings
from django.utils import timezone

from members.demo import SIZES, apply_plan, build_plan, logins_block


class Command(BaseCommand):
    help = ("Load a realistic demo organization (a working committee with general branches, branches, party "
            "groups, a Youth League subtree, people, committee terms and demo logins) through the services. "
            "Safe to run again: what exists is skipped.")

    def add_arguments(self, parser):
        parser.add_argument("--size", default="small", choices=SIZES, metavar="{small,large}",
                            help="small: ~300 people in ~10 branches (default); large: 10,000 people in 200 branches.")
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="Address printed with the demo logins.")

    def handle(self, *args, size, url, **options):
        def say(line):
            self.stdout.write(line)
            self.stdout.flush()

        started = time.monotonic()
        plan = build_plan(size, today=timezone.localdate())
        say(f"Demo data ({size}): {len(plan.units)} units, {len(plan.people)} people, {len(plan.terms)} committee "
            f"terms, {len(plan.users)} logins.")
        # The demo's notifications stay in the in-app inbox: no e-mail (the console backend would print them all).
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            result = apply_plan(plan, out=say)
        from meetings.demo import apply_meetings  # after the people exist; idempotent

        apply_meetings(size, today=timezone.localdate(), out=say)
        from dues.demo import apply_dues  # after the people exist; idempotent

        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            apply_dues(size, today=timezone.localdate(), out=say)
        from discipline.demo import apply_discipline  # after people and dues exist; idempotent

        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            apply_discipline(size, today=timezone.localdate(), out=say)
        say(f"Done in {time.monotonic() - started:.1f}s.")
        say(logins_block(plan, url, result.new_users, result.unit_names))

"""`manage.py demo_totp`: the demo accounts' current two-factor code and their shared key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from complaints.two_factor import demo_key_base32, totp_code_now


class Command(BaseCommand):
    help = "Print the demo accounts' current two-factor code (a demo key, never for production)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Demo two-factor code now: {totp_code_now()} (changes every 30 s)")
        self.stdout.write(f"Demo authenticator key (base32): {demo_key_base32()}")

"""Make an API key for a partner system and print it once (only its hash is stored)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from channels_intake.desk import partner_key_create


class Command(BaseCommand):
    help = "Create a partner API key and print it; it cannot be shown again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="Who the key is for, e.g. 'LAPOR! Kota Bandung'.")

    def handle(self, *args: Any, **options: Any) -> None:
        partner, key = partner_key_create(name=options["name"])
        self.stderr.write(
            f"Partner key #{partner.pk} for {partner.name!r} (prefix {partner.prefix}). "
            "Store it now: only its hash is kept."
        )
        # The key alone on stdout, so a script can capture it.
        self.stdout.write(key)

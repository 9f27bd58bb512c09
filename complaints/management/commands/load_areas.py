"""manage.py load_areas: load the official area tree (see complaints/areas.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from complaints.areas import AreaDataError, areas_load_provinces


class Command(BaseCommand):
    help = "Load provinces, regencies, kecamatan and kelurahan from data/wilayah/ (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--province",
            action="append",
            default=[],
            metavar="CODE",
            help="Two-digit province code, e.g. 32; repeat for more. Default: every file.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            paths, result = areas_load_provinces(provinces=options["province"])
        except AreaDataError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Areas from {', '.join(p.name for p in paths)}: {result.created} new, "
                f"{result.updated} updated, {result.unchanged} unchanged."
            )
        )

"""`manage.py import_history FILE ...`: a city's past complaints become training examples."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dispositions.categorizer.history import HistoryFileError, history_import, parse_mapping

from ._history_options import add_column_options, columns_from, write_unknown


class Command(BaseCommand):
    help = (
        "Import labeled past complaints (CSV or .xlsx) as categorizer training examples. "
        "Unknown category and agency names are reported; map them with --map or create "
        "them with --create-missing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        add_column_options(parser, required=True)
        parser.add_argument(
            "--create-missing",
            action="store_true",
            help="Create unknown names as new categories (topics) and city agencies.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Report; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = history_import(
                path=options["file"],
                columns=columns_from(options),
                mapping=parse_mapping(options["map"]),
                create_missing=options["create_missing"],
                dry_run=options["dry_run"],
            )
        except HistoryFileError as error:
            raise CommandError(str(error)) from error
        out = self.stdout
        out.write(f"Rows read: {report.rows}")
        for name, slug in report.bad_mappings.items():
            out.write(f"--map {name!r}={slug}: no category or agency has the slug {slug!r}.")
        write_unknown(out, "category", report.unknown_categories)
        write_unknown(out, "agency", report.unknown_agencies)
        if report.blocked:
            raise CommandError(
                'Nothing imported: map the names above with --map "Name=slug" or create '
                "them with --create-missing."
            )
        for obj in report.created_categories:
            out.write(f"New category: {obj.slug} ({obj.name})")
        for obj in report.created_agencies:
            out.write(f"New agency: {obj.slug} ({obj.name})")
        write_unknown(out, "area (rows kept without an area)", report.unknown_areas)
        if report.ambiguous_areas:
            out.write("Ambiguous areas (rows kept without an area; narrow with --areas-within):")
            for name, count in report.ambiguous_areas.most_common():
                out.write(f"  {count:6d}  {name}")
        if report.without_text:
            out.write(f"Rows without text, skipped: {report.without_text}")
        if report.without_category:
            out.write(f"Rows without a category, skipped: {report.without_category}")
        if report.already_there:
            out.write(f"Rows imported before, skipped: {report.already_there}")
        verb = "Would import" if options["dry_run"] else "Imported"
        out.write(f"{verb} {report.imported} training examples.")
        if not options["dry_run"] and report.imported:
            out.write("Run `manage.py train_categorizer` to learn from them.")

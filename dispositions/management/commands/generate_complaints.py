"""manage.py generate_complaints --count N --seed S [--months 24]: bulk realistic complaints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from dispositions.generator import generate_complaints
from dispositions.generator.world import WorldError

# The report tables are another app's; it is asked by command name so this app never
# imports it (dependencies point inward).
REBUILD_COMMAND = "rebuild_report_tables"


def _until(raw: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"--until {raw!r}: use YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None
    return value if timezone.is_aware(value) else timezone.make_aware(value)


class Command(BaseCommand):
    help = (
        "Generate N realistic complaints with their whole lifecycle (COPY on PostgreSQL). "
        "Needs load_demo first. Never on a production database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True, help="complaints to generate")
        parser.add_argument("--seed", type=int, default=1, help="same seed, same data")
        parser.add_argument("--months", type=int, default=24, help="length of the period")
        parser.add_argument(
            "--until", type=_until, default=None, help="end of the period (default: now)"
        )
        parser.add_argument("--batch-size", type=int, default=10_000)
        parser.add_argument(
            "--no-rebuild", action="store_true", help="do not rebuild the report tables after"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["count"] < 1 or options["months"] < 1 or options["batch_size"] < 1:
            raise CommandError("--count, --months and --batch-size must be at least 1")
        verbose = options["verbosity"] > 0
        try:
            result = generate_complaints(
                count=options["count"],
                seed=options["seed"],
                months=options["months"],
                until=options["until"],
                batch_size=options["batch_size"],
                progress=(lambda line: self.stdout.write(line)) if verbose else (lambda _: None),
            )
        except WorldError as exc:
            raise CommandError(str(exc)) from None
        if verbose:
            rows = ", ".join(f"{name} {n:,}" for name, n in sorted(result.rows.items()))
            self.stdout.write(
                f"Generated {result.complaints:,} complaints in {result.seconds:,.1f} s "
                f"({result.complaints / result.seconds:,.0f}/s): {rows}"
            )
        if not options["no_rebuild"] and REBUILD_COMMAND in get_commands():
            call_command(REBUILD_COMMAND, verbosity=options["verbosity"])

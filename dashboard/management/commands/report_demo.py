"""manage.py report_demo: a few hundred background complaints so reports show something.

`make run` calls it after load_demo. It generates only while the database holds fewer
complaints than --count (so a second run adds nothing) and then brings the facts up to date.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from complaints.models import Complaint
from dashboard.reports.facts import facts_rebuild


class Command(BaseCommand):
    help = "Generate background complaints for the demo reports (once) and build the facts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=400)

    def handle(self, *args: Any, **options: Any) -> None:
        missing = options["count"] - Complaint.objects.count()
        if missing > 0:
            call_command(
                "generate_complaints", count=missing, seed=7, months=6, no_rebuild=True, verbosity=0
            )
        n = facts_rebuild()
        self.stdout.write(f"Report facts: {n:,} complaints")

"""manage.py rebuild_report_tables: recompute the report facts from the complaint records."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from dashboard.reports.facts import facts_rebuild


class Command(BaseCommand):
    help = "Recompute every report fact (set-based SQL). Safe to run at any time."

    def handle(self, *args: Any, **options: Any) -> None:
        verbose = options["verbosity"] > 0
        began = time.monotonic()
        n = facts_rebuild(progress=(lambda line: self.stdout.write(line)) if verbose else print)
        if verbose:
            self.stdout.write(f"Report facts: {n:,} complaints in {time.monotonic() - began:.1f} s")

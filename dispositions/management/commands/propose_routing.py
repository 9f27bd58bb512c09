"""`manage.py propose_routing [--apply]`: routing rules mined from the imported history."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dispositions.categorizer.routing_proposals import (
    MIN_CONFIDENCE,
    MIN_COUNT,
    routing_proposals,
    routing_proposals_create,
)

SHOWN = 40


class Command(BaseCommand):
    help = (
        "Propose routing rules (topic x area -> unit) from the imported history. Without "
        "--apply: a report only. With it: the rules are created inactive, for the admin to "
        "review, try with the routing dry run and activate in bulk."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--apply", action="store_true", help="Create the rules (inactive).")
        parser.add_argument("--min-count", type=int, default=MIN_COUNT)
        parser.add_argument("--min-confidence", type=float, default=MIN_CONFIDENCE)
        parser.add_argument("--show", type=int, default=SHOWN, help="Proposals listed.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = routing_proposals(
            min_count=options["min_count"], min_confidence=options["min_confidence"]
        )
        out = self.stdout
        out.write(
            f"Proposed rules: {len(report.proposals)}; topic/area pairs already ruled: "
            f"{report.already_ruled}; too little or mixed history: {report.weak}."
        )
        for proposal in report.proposals[: options["show"]]:
            out.write(
                f"  {proposal.category.name} @ {proposal.area.name} ({proposal.area.code}) -> "
                f"{proposal.agency.name}  [{proposal.note}]"
            )
        if options["apply"]:
            created = routing_proposals_create(report=report)
            out.write(
                f"Created {created} inactive rules: review and activate them in the admin "
                "(Routing rules, filter Active: No, action Activate)."
            )
        else:
            out.write("Dry run: nothing written. Add --apply to create them inactive.")

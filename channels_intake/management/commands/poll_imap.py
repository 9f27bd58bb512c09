"""manage.py poll_imap: a mailbox's unseen messages into the inbox (providers/email/imap.py)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from channels_intake.providers.email.imap import (
    DEFAULT_LIMIT,
    ImapConfig,
    ImapPollError,
    PollReport,
    imap_poll,
)


class Command(BaseCommand):
    help = (
        "Store the unseen messages of IMAP_FOLDER on IMAP_HOST as email complaints and flag "
        "them seen; loops every --interval seconds unless --once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Poll once and exit.")
        parser.add_argument(
            "--interval", type=float, default=60.0, help="Seconds between polls (default 60)."
        )
        parser.add_argument(
            "--limit",
            type=int,
            default=DEFAULT_LIMIT,
            help=f"Most messages per poll (default {DEFAULT_LIMIT}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        config = ImapConfig.from_settings()
        if not config.host:
            raise CommandError("IMAP_HOST is not set; nothing to poll.")
        if options["interval"] <= 0 or options["limit"] < 1:
            raise CommandError("--interval must be above 0 and --limit at least 1.")
        while True:
            try:
                report = imap_poll(config, limit=options["limit"])
            except ImapPollError as error:
                if options["once"]:
                    raise CommandError(str(error)) from error
                self.stderr.write(
                    f"IMAP poll failed, retrying in {options['interval']:g} s: {error}"
                )
            else:
                self.stdout.write(self._summary(config, report))
            if options["once"]:
                return
            try:
                time.sleep(options["interval"])
            except KeyboardInterrupt:
                return
            close_old_connections()  # a long-running loop outlives database connections

    @staticmethod
    def _summary(config: ImapConfig, report: PollReport) -> str:
        return (
            f"{config.host}/{config.folder}: {report.fetched} fetched, {report.stored} new, "
            f"{report.duplicates} already stored, {report.ignored} automatic, "
            f"{report.rejected} not email."
        )

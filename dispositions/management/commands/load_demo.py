"""`manage.py load_demo`: load the demo (areas if none, categories, agencies, rules, users)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from complaints.areas import AreaDataError
from complaints.two_factor import demo_key_base32, totp_code_now
from dispositions.demo import DEMO_PASSWORD, DemoDataError, DemoLoadResult, demo_load


class Command(BaseCommand):
    help = "Load Sigap's demo data for Jawa Barat and DKI Jakarta. Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-areas",
            action="store_true",
            help="Do not load data/wilayah/ even when the database has no areas.",
        )
        parser.add_argument("--quiet", action="store_true", help="Print nothing on success.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = demo_load(load_areas=not options["no_areas"])
        except (DemoDataError, AreaDataError) as error:
            raise CommandError(str(error)) from error
        if not options["quiet"]:
            self._report(result)

    def _report(self, result: DemoLoadResult) -> None:
        out = self.stdout
        if result.areas is not None:
            a = result.areas
            out.write(f"Areas: {a.created} new, {a.updated} updated, {a.unchanged} unchanged.")
        for kind, changes in result.changes.items():
            out.write(
                f"{kind.capitalize()}: {changes['created']} new, {changes['updated']} updated, "
                f"{changes['unchanged']} unchanged."
            )
        if result.training_examples_loaded:
            out.write(f"Categorizer: {result.training_examples_loaded} starter examples loaded.")
        if result.model_trained is not None:
            m = result.model_trained
            out.write(f"Categorizer: model {m.version} trained on {m.n_examples} examples.")
        if result.complaints_created:
            out.write(f"Complaints: {result.complaints_created} new demo complaints.")
        else:
            out.write("Complaints: the database already has complaints; none added.")

        out.write("")
        out.write(self.style.MIGRATE_HEADING(f"Demo logins (password: {DEMO_PASSWORD})"))
        rows = [
            (u.username, u.get_role_display(), u.agency.name if u.agency else "-")
            for u in result.users
        ]
        widths = [
            max(len(row[i]) for row in [("username", "role", "agency"), *rows]) for i in (0, 1)
        ]
        out.write(f"  {'username':<{widths[0]}}  {'role':<{widths[1]}}  agency")
        for username, role, agency in rows:
            out.write(f"  {username:<{widths[0]}}  {role:<{widths[1]}}  {agency}")
        out.write("A password changed after the first run is kept.")
        out.write(
            f"Two-factor code for operator, supervisor and admin: `manage.py demo_totp` "
            f"(now {totp_code_now()}), or add the key {demo_key_base32()} to an authenticator app."
        )

"""Write the open-data files now (beat does it daily): manage.py export_open_data [--dir DIR]."""

from pathlib import Path

from django.core.management.base import BaseCommand

from complaints.open_data import open_data_dir, open_data_export


class Command(BaseCommand):
    help = "Write the public complaint list as CSV and JSON open data (masked, coarse)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, default=None, help="default: OPEN_DATA_DIR")

    def handle(self, *args, **options):
        directory = options["dir"] or open_data_dir()
        count = open_data_export(directory=directory)
        self.stdout.write(f"{count} complaints written to {directory}")

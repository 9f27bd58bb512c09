"""`manage.py train_categorizer`: fit the categorizer on every training example and activate it."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dispositions.categorizer.services import categorizer_train


class Command(BaseCommand):
    help = "Train the complaint categorizer on the training examples and make it the active model."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--evaluate",
            action="store_true",
            help="Also cross-validate (five more fits: minutes on a large history); "
            "`evaluate_categorizer` does it on its own.",
        )
        # Kept so scripts written for the old default keep working: no evaluation is the
        # default now (10,000 imported rows took 17 minutes with it).
        parser.add_argument("--skip-evaluation", action="store_true", help="The default.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            model = categorizer_train(evaluate=options["evaluate"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        out = self.stdout
        out.write(
            f"Model {model.version}: {model.n_examples} examples, {len(model.categories)} "
            f"categories, {model.n_agency_examples} with an agency, "
            f"{model.size_bytes / 1024:.0f} KiB, {time.monotonic() - started:.1f} s."
        )
        for name, scores in model.metrics.items():
            out.write(
                f"  {name}: accuracy {scores['accuracy']:.3f}, macro-F1 {scores['macro_f1']:.3f} "
                f"({scores['folds']}-fold, n={scores['n']})"
            )
        out.write(f"File: {model.file.name}")

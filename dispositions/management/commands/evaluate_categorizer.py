"""`manage.py evaluate_categorizer [FILE ...]`: cross-validated or held-out scores."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dispositions.categorizer import services
from dispositions.categorizer.history import (
    HistoryFileError,
    labeled_rows,
    parse_mapping,
    split_rows,
)
from dispositions.categorizer.model import MIN_EXAMPLES_TO_EVALUATE, Scores
from dispositions.categorizer.split_evaluation import evaluate_split, split_by_date

from ._history_options import add_column_options, columns_from, write_unknown

FULL_TABLE_MAX_LABELS = 12


class Command(BaseCommand):
    help = (
        "Without FILE: stratified k-fold cross-validation on the training examples. "
        "With FILE (CSV or .xlsx) and column options: score the active model and the "
        "keyword rules on that separate labeled file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, nargs="?")
        add_column_options(parser, required=False)
        parser.add_argument(
            "--time-split",
            metavar="YYYY-MM-DD",
            default="",
            help="Train a fresh model on the file's rows before this date and score the rows "
            "from it on (needs --date-column); nothing is written to the database.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["file"] is None:
            self._cross_validate()
        elif options["time_split"]:
            self._time_split(options)
        else:
            self._held_out(options)

    def _cross_validate(self) -> None:
        examples = services.training_set()
        if not examples:
            raise CommandError("No training examples: load the demo or run import_history.")
        results = services.cross_validated_scores(examples)
        category = results["category"]
        if category is None:
            raise CommandError("Cross-validation needs at least two categories with 2+ examples.")
        self.stdout.write(
            f"Cross-validated on {len(examples)} training examples "
            f"({category.folds}-fold, stratified)."
        )
        if category.excluded:
            self.stdout.write(
                f"Left out (under {MIN_EXAMPLES_TO_EVALUATE} examples): "
                f"{', '.join(sorted(category.excluded))}"
            )
        self._write("category", category)
        with_rules = results["category_with_rules"]
        if with_rules is not None:
            self._write("category (model + keyword rules)", with_rules)
        if results["agency"] is not None:
            self._write("agency", results["agency"])
        self._threshold(with_rules or category)
        self._confusions(with_rules or category)

    def _held_out(self, options: dict[str, Any]) -> None:
        if not options["text_column"] or not options["category_column"]:
            raise CommandError("With FILE, give --text-column and --category-column.")
        try:
            labeled = labeled_rows(
                path=options["file"],
                columns=columns_from(options),
                mapping=parse_mapping(options["map"]),
            )
        except HistoryFileError as error:
            raise CommandError(str(error)) from error
        write_unknown(self.stdout, "category", labeled.unknown_categories)
        write_unknown(self.stdout, "agency", labeled.unknown_agencies)
        if labeled.skipped:
            self.stdout.write(f"Rows left out (no text or an unknown name): {labeled.skipped}")
        if not labeled.rows:
            raise CommandError("No rows to score.")
        if services.active_model()[0] is None:
            self.stdout.write("No trained model is active: scoring the keyword rules alone.")
        category, agency = services.evaluate_labeled(labeled.rows)
        self.stdout.write(f"Scored {len(labeled.rows)} rows of {options['file'].name}.")
        self._write("category", category)
        if agency is not None:
            self._write("agency", agency)
        self._threshold(category)
        self._confusions(category)

    def _time_split(self, options: dict[str, Any]) -> None:
        if not (options["text_column"] and options["category_column"] and options["date_column"]):
            raise CommandError(
                "--time-split needs the text, category and date columns (--date-column)."
            )
        try:
            day = date.fromisoformat(options["time_split"]).isoformat()
            rows = split_rows(path=options["file"], columns=columns_from(options))
        except ValueError as error:  # HistoryFileError too
            raise CommandError(str(error)) from error
        train, test = split_by_date(rows, day)
        if not train or not test:
            raise CommandError(f"No rows before {day} or none from it on: nothing to compare.")
        try:
            report = evaluate_split(train, test)
        except ValueError as error:
            raise CommandError(str(error)) from error
        out = self.stdout
        out.write(
            f"Trained on {report.n_train} rows before {day} in {report.train_seconds:.1f} CPU s; "
            f"scored {report.n_test} rows from {day} on "
            f"({report.classify_per_second:,.0f} texts per CPU second, normalization included)."
        )
        if report.unseen_topics:
            out.write(f"Rows whose topic never occurs before {day}: {report.unseen_topics}")
        out.write(f"topic accuracy: {report.topic_accuracy:.3f}")
        out.write(f"topic top-3 accuracy: {report.top3_accuracy:.3f}")
        out.write(f"topic macro-F1: {report.macro_f1:.3f}")
        if report.agency_accuracy is None:
            return
        out.write(f"agency accuracy (topic x area routing): {report.agency_accuracy:.3f}")
        for precision, (share, threshold) in report.coverage.items():
            out.write(
                f"automatic routing at {precision:.0%} precision: {share:.1%} of complaints "
                f"(confidence >= {threshold:.2f})"
            )

    def _threshold(self, scores: Scores) -> None:
        threshold = settings.CATEGORIZER_THRESHOLD
        share, accuracy = scores.at_threshold(threshold)
        correct = f", {accuracy:.1%} of them correctly" if accuracy is not None else ""
        self.stdout.write(
            f"At the threshold {threshold:.2f}: {share:.1%} categorized automatically{correct}."
        )

    def _write(self, name: str, scores: Scores) -> None:
        self.stdout.write(f"{name} accuracy: {scores.accuracy:.3f}")
        self.stdout.write(f"{name} macro-F1: {scores.macro_f1:.3f}")

    def _confusions(self, scores: Scores) -> None:
        if len(scores.labels) <= FULL_TABLE_MAX_LABELS:
            self._table(scores)
            return
        mistakes = scores.top_confusions()
        self.stdout.write("Most frequent confusions (true -> predicted: count):")
        for true, predicted, count in mistakes:
            self.stdout.write(f"  {true} -> {predicted or '(none)'}: {count}")
        if not mistakes:
            self.stdout.write("  none")

    def _table(self, scores: Scores) -> None:
        labels = [label or "(none)" for label in scores.labels]
        width = max(len(label) for label in labels)
        self.stdout.write("Confusion table (rows: true, columns: predicted, in label order):")
        header = " ".join(f"{i + 1:>4}" for i in range(len(labels)))
        self.stdout.write(f"{'':>{width + 4}} {header}")
        for i, (label, row) in enumerate(zip(labels, scores.confusion, strict=True)):
            cells = " ".join(f"{n:>4}" for n in row)
            self.stdout.write(f"{i + 1:>2}. {label:<{width}} {cells}")

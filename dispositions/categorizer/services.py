"""Categorizer services: train, predict, decide, and record who decided.

How the two layers combine (docs/categorizer.md has the figures): the model gives each
category a probability p, the keyword rules a confidence r (rules.py). A category's
confidence is 1 - (1 - p)(1 - r): either layer alone can make it confident, both
agreeing make it more so. The best category is applied when its confidence reaches
settings.CATEGORIZER_THRESHOLD; the decision's source is the layer that gave more.
"""

from __future__ import annotations

import csv
import io
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import joblib
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from sklearn.pipeline import Pipeline

from complaints import services as complaint_services
from complaints.lifecycle import SYSTEM_ACTOR, Actor
from complaints.models import Agency, Category, Complaint

from ..models import CategorizationDecision, CategorizerModel, TrainingExample
from . import model as ml
from .normalize import normalize
from .rules import rule_confidences, rule_hits

logger = logging.getLogger(__name__)

Source = CategorizationDecision.Source
SUGGESTIONS_KEPT = 5


# Training ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabeledText:
    text: str  # normalized
    category: str  # slug
    agency: str  # slug or ""


def training_set() -> list[LabeledText]:
    """Every training example of an active category, normalized.

    Staff-confirmed complaints are copied into TrainingExample when confirmed
    (`decision_record_person`), so this one table is the whole training set.
    """
    rows = TrainingExample.objects.filter(category__is_active=True).values_list(
        "text", "category__slug", "agency__slug"
    )
    return [LabeledText(normalize(t), c, a or "") for t, c, a in rows]


@dataclass
class TrainedBundle:
    """What one model file holds."""

    category: Pipeline | None
    agency: Pipeline | None


def _agency_pairs(examples: list[LabeledText]) -> tuple[list[str], list[str]]:
    with_agency = [e for e in examples if e.agency]
    return [e.text for e in with_agency], [e.agency for e in with_agency]


@transaction.atomic
def categorizer_train(*, now: datetime | None = None, evaluate: bool = False) -> CategorizerModel:
    """Fit the category (and agency) classifiers on every example and make them active.

    `evaluate` adds cross-validated scores to the model's metrics (k fits more).
    """
    now = now or timezone.now()
    examples = training_set()
    texts = [e.text for e in examples]
    labels = [e.category for e in examples]
    if len(set(labels)) < 2:
        raise ValueError("The categorizer needs examples of at least two categories.")
    agency_texts, agency_labels = _agency_pairs(examples)
    bundle = TrainedBundle(
        category=ml.fit(texts, labels), agency=ml.fit(agency_texts, agency_labels)
    )
    metrics: dict[str, Any] = {}
    if evaluate:
        metrics = {
            name: scores.as_dict()
            for name, scores in cross_validated_scores(examples).items()
            if scores is not None
        }
    buffer = io.BytesIO()
    joblib.dump(bundle, buffer, compress=3)
    version = now.astimezone(timezone.get_current_timezone()).strftime("%Y%m%d-%H%M%S")
    version = _unique_version(version)
    record = CategorizerModel(
        version=version,
        trained_at=now,
        size_bytes=buffer.tell(),
        n_examples=len(examples),
        n_agency_examples=len(agency_texts),
        categories=sorted(set(labels)),
        metrics=metrics,
    )
    record.file.save(f"categorizer-{version}.joblib", ContentFile(buffer.getvalue()), save=False)
    CategorizerModel.objects.filter(is_active=True).update(is_active=False)
    record.is_active = True
    record.save()
    return record


def _unique_version(version: str) -> str:
    candidate, n = version, 1
    while CategorizerModel.objects.filter(version=candidate).exists():
        n += 1
        candidate = f"{version}-{n}"
    return candidate


# The active model, loaded once per process and reloaded when another one becomes active.
_cache_lock = threading.Lock()
_cache: dict[str, Any] = {"key": None, "bundle": None, "version": ""}


def active_model() -> tuple[TrainedBundle | None, str]:
    """The active model's classifiers and version, or (None, "") when none is trained.

    One small query per call tells whether the active model changed (another process
    may have trained one); the file is read only then.
    """
    row = CategorizerModel.objects.filter(is_active=True).values("pk", "version", "file").first()
    if row is None:
        return None, ""
    storage = CategorizerModel._meta.get_field("file").storage
    key = (row["pk"], storage.path(row["file"]))
    with _cache_lock:
        if _cache["key"] != key:
            _cache["bundle"] = _load(storage, row["file"])
            _cache["key"], _cache["version"] = key, row["version"]
        if _cache["bundle"] is None:
            return None, ""
        return _cache["bundle"], _cache["version"]


def _load(storage: Any, name: str) -> TrainedBundle | None:
    """The model file's contents, or None (logged) when it cannot be read.

    A missing volume or a file from an incompatible scikit-learn must not stop routing:
    the keyword rules still decide, and triage takes the rest until someone retrains.
    """
    try:
        with storage.open(name, "rb") as handle:
            return joblib.load(handle)
    except Exception:
        logger.exception("Categorizer model %s cannot be loaded; using keyword rules only", name)
        return None


# Prediction ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    category: Category
    confidence: float
    model: float
    rule: float

    def as_json(self) -> dict[str, Any]:
        return {
            "category_slug": self.category.slug,
            "name": str(self.category),
            "confidence": round(self.confidence, 4),
        }


@dataclass
class Prediction:
    suggestions: list[Suggestion] = field(default_factory=list)
    agency: Agency | None = None
    agency_confidence: float | None = None
    model_version: str = ""

    @property
    def best(self) -> Suggestion | None:
        return self.suggestions[0] if self.suggestions else None


def combine(model_scores: dict[str, float], rule_scores: dict[str, float]) -> dict[str, float]:
    """Noisy-OR of the two layers per category slug (see the module docstring)."""
    slugs = set(model_scores) | set(rule_scores)
    return {s: 1 - (1 - model_scores.get(s, 0.0)) * (1 - rule_scores.get(s, 0.0)) for s in slugs}


def _rule_scores_by_slug(normalized: str) -> dict[str, float]:
    by_id = rule_confidences(rule_hits(normalized))
    slugs = dict(Category.objects.filter(pk__in=by_id).values_list("pk", "slug"))
    return {slugs[pk]: value for pk, value in by_id.items()}


def predict_text(text: str) -> Prediction:
    """Ranked category suggestions for `text` (and an agency), without writing anything."""
    normalized = normalize(text)
    bundle, version = active_model()
    model_scores: dict[str, float] = {}
    prediction = Prediction(model_version=version)
    if bundle is not None and bundle.category is not None:
        model_scores = dict(ml.ranked(bundle.category, normalized))
    if bundle is not None and bundle.agency is not None:
        slug, confidence = ml.ranked(bundle.agency, normalized)[0]
        prediction.agency = Agency.objects.filter(slug=slug, is_active=True).first()
        prediction.agency_confidence = confidence if prediction.agency else None
    rule_scores = _rule_scores_by_slug(normalized)
    combined = combine(model_scores, rule_scores)
    best_slugs = sorted(combined, key=lambda s: -combined[s])[: SUGGESTIONS_KEPT * 2]
    categories = Category.objects.filter(slug__in=best_slugs, is_active=True).select_related(
        "parent"
    )
    by_slug = {c.slug: c for c in categories}
    prediction.suggestions = [
        Suggestion(by_slug[s], combined[s], model_scores.get(s, 0.0), rule_scores.get(s, 0.0))
        for s in best_slugs
        if s in by_slug and combined[s] > 0
    ][:SUGGESTIONS_KEPT]
    return prediction


def predicted_slug(pipeline: Pipeline, normalized: str) -> tuple[str, float]:
    """The combined top category and its confidence for normalized text, `pipeline` as model."""
    combined = combine(dict(ml.ranked(pipeline, normalized)), _rule_scores_by_slug(normalized))
    best = max(combined, key=lambda s: combined[s])
    return best, combined[best]


# Decisions -----------------------------------------------------------------------------


@transaction.atomic
def complaint_categorize(
    *, complaint: Complaint, threshold: float | None = None
) -> CategorizationDecision:
    """Decide a category for a complaint that has none, and record the decision.

    At or above the threshold the category is set (by the system actor, on the internal
    timeline); below it the complaint keeps no category and the decision keeps the
    suggestions for the operator in triage.
    """
    threshold = settings.CATEGORIZER_THRESHOLD if threshold is None else threshold
    prediction = predict_text(_text_of(complaint))
    best = prediction.best
    confident = best is not None and best.confidence >= threshold
    decision = CategorizationDecision.objects.create(
        complaint=complaint,
        category=best.category if confident and best else None,
        confidence=best.confidence if best else None,
        source=Source.RULE if best and best.rule > best.model else Source.MODEL,
        suggestions=[s.as_json() for s in prediction.suggestions],
        agency_suggestion=prediction.agency,
        agency_confidence=prediction.agency_confidence,
        model_version=prediction.model_version,
    )
    if decision.category is not None:
        complaint_services.complaint_set_category(
            complaint=complaint, category=decision.category, actor=SYSTEM_ACTOR
        )
    return decision


def _text_of(complaint: Complaint) -> str:
    """The text to categorize: a title of its own (API, email subject) adds to the body;
    one cut from the body's first words (complaint_create's default) would count twice."""
    title = complaint.title.rstrip("…").strip()
    if not title or " ".join(complaint.text.split()).startswith(title):
        return complaint.text
    return f"{complaint.title}\n{complaint.text}"


def decision_record_reporter(*, complaint: Complaint) -> CategorizationDecision:
    """The reporter (or the operator entering the complaint) chose the category."""
    return CategorizationDecision.objects.create(
        complaint=complaint, category=complaint.category, source=Source.REPORTER
    )


@transaction.atomic
def decision_record_person(
    *, complaint: Complaint, category: Category, actor: Actor
) -> CategorizationDecision:
    """Staff set or confirmed the category: record it, and learn from it next training."""
    TrainingExample.objects.update_or_create(
        complaint=complaint,
        defaults={
            "text": complaint.text,
            "category": category,
            "agency": None,
            "area": complaint.area,
            "occurred_on": timezone.localdate(complaint.created_at),
            "source": TrainingExample.Source.CONFIRMED,
        },
    )
    return CategorizationDecision.objects.create(
        complaint=complaint,
        category=category,
        confidence=1.0,
        source=Source.PERSON,
        actor=actor.user,
    )


# Starter data --------------------------------------------------------------------------

STARTER_CSV = Path(settings.BASE_DIR) / "data" / "categorizer" / "starter.csv"


def starter_examples_load(*, path: Path = STARTER_CSV) -> int:
    """Bring the starter CSV into TrainingExample (replacing earlier starter rows if changed).

    Returns the number of rows created; 0 when the table already matches the file.
    Categories and agencies the database lacks are skipped.
    """
    if not path.exists():
        return 0
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if (r.get("text") or "").strip()]
    categories = dict(Category.objects.values_list("slug", "pk"))
    agencies = dict(Agency.objects.values_list("slug", "pk"))
    wanted = [
        TrainingExample(
            text=r["text"].strip(),
            category_id=categories[r["category"].strip()],
            agency_id=agencies.get((r.get("agency") or "").strip()),
            source=TrainingExample.Source.STARTER,
            imported_from=path.name,
        )
        for r in rows
        if r["category"].strip() in categories
    ]
    existing = TrainingExample.objects.filter(source=TrainingExample.Source.STARTER)
    have = sorted(existing.values_list("text", "category_id", "agency_id"))
    if have == sorted((e.text, e.category_id, e.agency_id) for e in wanted):
        return 0
    existing.delete()
    TrainingExample.objects.bulk_create(wanted)
    return len(wanted)


# Evaluation ----------------------------------------------------------------------------


def cross_validated_scores(examples: list[LabeledText]) -> dict[str, ml.Scores | None]:
    """Stratified k-fold scores of the model alone, with the rules, and of the agency model."""
    texts = [e.text for e in examples]
    labels = [e.category for e in examples]
    agency_texts, agency_labels = _agency_pairs(examples)
    return {
        "category": ml.cross_validate(texts, labels),
        "category_with_rules": ml.cross_validate(texts, labels, predict=predicted_slug),
        "agency": ml.cross_validate(agency_texts, agency_labels),
    }


def evaluate_labeled(rows: list[tuple[str, str, str]]) -> tuple[ml.Scores, ml.Scores | None]:
    """Category and agency scores of the active model and the rules on labeled rows.

    Rows are (text, category slug, agency slug or "").
    """
    truth: list[str] = []
    predicted: list[str] = []
    confidences: list[float] = []
    agency_truth: list[str] = []
    agency_predicted: list[str] = []
    for text, category, agency in rows:
        prediction = predict_text(text)
        best = prediction.best
        truth.append(category)
        predicted.append(best.category.slug if best else "")
        confidences.append(best.confidence if best else 0.0)
        if agency:
            agency_truth.append(agency)
            agency_predicted.append(prediction.agency.slug if prediction.agency else "")
    agency_scores = ml.score(agency_truth, agency_predicted) if agency_truth else None
    return ml.score(truth, predicted, confidences), agency_scores

"""The categorizer's records: keyword rules, labeled examples, trained models, decisions.

Models of the dispositions app (dispositions.models imports them, so Django and the
migrations see them there); kept apart because they belong to the categorizer's job.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from complaints.models import Agency, Area, Category, Complaint

# ---------------------------------------------------------------------------------------
# The categorizer: admin-edited keyword rules, labeled examples, trained models, decisions.


class CategoryKeyword(models.Model):
    """A word or phrase that points to a category; matched after the same normalization."""

    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="keywords", verbose_name=_("category")
    )
    phrase = models.CharField(
        _("phrase"),
        max_length=120,
        help_text=_("Written as citizens write it; slang and affixes are normalized."),
    )
    weight = models.FloatField(
        _("weight"), default=1.0, help_text=_("1 is an ordinary hint, 2 or more a strong one.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["category", "phrase"]
        verbose_name = _("category keyword")
        verbose_name_plural = _("category keywords")
        constraints = [
            models.UniqueConstraint(fields=["category", "phrase"], name="category_keyword_unique")
        ]

    def __str__(self) -> str:
        return f"{self.phrase} → {self.category}"


class TrainingExample(models.Model):
    """One labeled complaint text the categorizer learns from (never a live complaint)."""

    class Source(models.TextChoices):
        STARTER = "starter", _("Starter set")
        IMPORT = "import", _("Imported history")
        CONFIRMED = "confirmed", _("Confirmed by staff")

    text = models.TextField(_("text"))
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="training_examples"
    )
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    area = models.ForeignKey(
        Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    occurred_on = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    imported_from = models.CharField(max_length=255, blank=True)
    # Set for source "confirmed": one example per complaint, updated when re-confirmed.
    complaint = models.OneToOneField(
        Complaint, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("training example")
        verbose_name_plural = _("training examples")
        indexes = [models.Index(fields=["source", "imported_from"])]

    def __str__(self) -> str:
        return f"{self.category}: {self.text[:60]}"


def categorizer_model_storage() -> FileSystemStorage:
    return CategorizerModelStorage()


class CategorizerModelStorage(FileSystemStorage):
    """Trained models under settings.CATEGORIZER_MODEL_DIR, read at use (tests move it)."""

    @property
    def base_location(self) -> str:  # type: ignore[override]
        return str(settings.CATEGORIZER_MODEL_DIR)

    @property
    def location(self) -> str:  # type: ignore[override]
        return os.path.abspath(self.base_location)


class CategorizerModel(models.Model):
    """One trained categorizer: the joblib file, what it learned from, how well it scored."""

    version = models.CharField(max_length=40, unique=True)
    trained_at = models.DateTimeField()
    file = models.FileField(storage=categorizer_model_storage, max_length=200)
    size_bytes = models.PositiveBigIntegerField()
    n_examples = models.PositiveIntegerField()
    n_agency_examples = models.PositiveIntegerField(default=0)
    categories = models.JSONField(default=list)
    metrics = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=False)

    class Meta:
        ordering = ["-trained_at", "-id"]
        verbose_name = _("categorizer model")
        verbose_name_plural = _("categorizer models")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_categorizer"
            )
        ]

    def __str__(self) -> str:
        return self.version


class CategorizationDecision(models.Model):
    """Who or what chose a complaint's category, how sure, and what else was suggested."""

    class Source(models.TextChoices):
        RULE = "rule", _("Keyword rule")
        MODEL = "model", _("Trained model")
        PERSON = "person", _("Staff")
        REPORTER = "reporter", _("Reporter")

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="categorization_decisions"
    )
    # Null when the categorizer was not confident enough: the complaint went to triage.
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confidence = models.FloatField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    # [{"category_slug", "name", "confidence"}], best first.
    suggestions = models.JSONField(default=list, blank=True)
    agency_suggestion = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    agency_confidence = models.FloatField(null=True, blank=True)
    model_version = models.CharField(max_length=40, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("categorization decision")
        verbose_name_plural = _("categorization decisions")
        indexes = [
            models.Index(fields=["complaint", "created_at"]),
            models.Index(fields=["source", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.category or '—'} ({self.source})"

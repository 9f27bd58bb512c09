"""Admin: routing rules and keywords are edited here; the rest is only inspected."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    CategorizationDecision,
    CategorizerModel,
    CategoryKeyword,
    Disposition,
    RoutingRule,
    TrainingExample,
)


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("__str__", "category", "area", "agency", "order", "is_active")
    list_display_links = ("__str__",)
    list_editable = ("order", "is_active")
    list_filter = ("is_active", ("agency", admin.RelatedOnlyFieldListFilter))
    search_fields = ("category__name", "area__name", "area__code", "agency__name", "note")
    autocomplete_fields = ("category", "area", "agency")
    list_select_related = ("category__parent", "area", "agency")


@admin.register(Disposition)
class DispositionAdmin(admin.ModelAdmin):
    """Dispositions change only through dispositions.services (with the complaint's status)."""

    list_display = (
        "complaint",
        "agency",
        "state",
        "response_due_at",
        "resolution_due_at",
        "accepted_at",
        "closed_at",
    )
    list_filter = ("state", ("agency", admin.RelatedOnlyFieldListFilter))
    search_fields = ("complaint__tracking_code", "agency__name")
    list_select_related = ("complaint", "agency")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CategoryKeyword)
class CategoryKeywordAdmin(admin.ModelAdmin):
    """Admins tune the keyword rules here; phrases are normalized when matched."""

    list_display = ("phrase", "category", "weight", "is_active")
    list_editable = ("weight", "is_active")
    list_filter = ("is_active", ("category", admin.RelatedOnlyFieldListFilter))
    search_fields = ("phrase", "category__name", "category__slug")
    autocomplete_fields = ("category",)
    list_select_related = ("category__parent",)


@admin.register(TrainingExample)
class TrainingExampleAdmin(admin.ModelAdmin):
    list_display = ("__str__", "category", "agency", "source", "imported_from", "occurred_on")
    list_filter = ("source", ("category", admin.RelatedOnlyFieldListFilter))
    search_fields = ("text", "imported_from")
    autocomplete_fields = ("category", "agency", "area")
    raw_id_fields = ("complaint",)
    list_select_related = ("category__parent", "agency")


@admin.register(CategorizerModel)
class CategorizerModelAdmin(admin.ModelAdmin):
    """Models are made by `manage.py train_categorizer`; here they are only inspected."""

    list_display = ("version", "trained_at", "n_examples", "size_bytes", "is_active")
    readonly_fields = [f.name for f in CategorizerModel._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CategorizationDecision)
class CategorizationDecisionAdmin(admin.ModelAdmin):
    """Every categorization with its source: the raw material for measuring accuracy."""

    list_display = ("complaint", "category", "source", "confidence", "model_version", "created_at")
    list_filter = ("source", "model_version")
    search_fields = ("complaint__tracking_code",)
    list_select_related = ("complaint", "category__parent")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

"""Admin for routing rules (edited here), dispositions and duplicate links (inspected only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Disposition, DuplicateLink, RoutingRule


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


@admin.register(DuplicateLink)
class DuplicateLinkAdmin(admin.ModelAdmin):
    """Suggestions are decided on the staff complaint page, through dispositions.duplicates."""

    list_display = (
        "complaint",
        "candidate_of",
        "score",
        "reasons",
        "distance_m",
        "state",
        "decided_by",
        "decided_at",
    )
    list_filter = ("state",)
    search_fields = ("complaint__tracking_code", "candidate_of__tracking_code")
    list_select_related = ("complaint", "candidate_of", "decided_by")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

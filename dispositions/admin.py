"""Admin for routing rules (edited here), dispositions and escalations (inspected only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Disposition, Escalation, RoutingRule


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


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    """Escalation steps are written by dispositions.escalation only, each exactly once."""

    list_display = (
        "disposition",
        "deadline_kind",
        "step",
        "due_at",
        "reached_at",
        "fired_at",
    )
    list_filter = (
        "step",
        "deadline_kind",
        ("disposition__agency", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("disposition__complaint__tracking_code", "disposition__agency__name")
    list_select_related = ("disposition__complaint", "disposition__agency")
    date_hierarchy = "reached_at"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

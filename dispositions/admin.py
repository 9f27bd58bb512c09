"""Admin for routing rules, deadline policies and days off (edited here) and dispositions.

Dispositions are inspected only: services write them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import DeadlinePolicy, Disposition, NonWorkingDay, RoutingRule


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("__str__", "category", "area", "agency", "order", "is_active")
    list_display_links = ("__str__",)
    list_editable = ("order", "is_active")
    list_filter = ("is_active", ("agency", admin.RelatedOnlyFieldListFilter))
    search_fields = ("category__name", "area__name", "area__code", "agency__name", "note")
    autocomplete_fields = ("category", "area", "agency")
    list_select_related = ("category__parent", "area", "agency")


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(admin.ModelAdmin):
    """Per category and priority; without a policy the category's own hours apply."""

    list_display = ("category", "priority", "response_hours", "resolution_hours")
    list_editable = ("response_hours", "resolution_hours")
    list_filter = ("priority",)
    search_fields = ("category__name",)
    autocomplete_fields = ("category",)
    list_select_related = ("category__parent",)


@admin.register(NonWorkingDay)
class NonWorkingDayAdmin(admin.ModelAdmin):
    """Cuti bersama and local holidays; national holidays come from the `holidays` package."""

    list_display = ("date", "name", "kind", "note")
    list_filter = ("kind",)
    search_fields = ("name", "note")
    date_hierarchy = "date"


@admin.register(Disposition)
class DispositionAdmin(admin.ModelAdmin):
    """Dispositions change only through dispositions.services (with the complaint's status)."""

    list_display = (
        "complaint",
        "agency",
        "state",
        "response_due_at",
        "resolution_due_at",
        "on_wall_time",
        "paused_at",
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

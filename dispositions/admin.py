"""Admin: routing rules (with a dry run and a dead-end report), keywords, deadline policies
and days off are edited here; dispositions, duplicates, escalations, models and decisions
are only inspected: services write them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from complaints.admin import ReadOnlyAdminMixin
from complaints.models import Area

from . import routing
from .categorizer.routing_proposals import routing_rules_activate
from .forms import DryRunForm
from .models import (
    CategorizationDecision,
    CategorizerModel,
    CategoryKeyword,
    DeadlinePolicy,
    Disposition,
    DuplicateLink,
    Escalation,
    NonWorkingDay,
    RoutingRule,
    TrainingExample,
)

GAP_AREAS_SHOWN = 30


class RuleLevelFilter(admin.SimpleListFilter):
    """Rules by the level of their area: the city and province rules are the defaults."""

    title = _("level")
    parameter_name = "level"
    ANYWHERE = "anywhere"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(str(value), label) for value, label in Area.Level.choices] + [
            (self.ANYWHERE, _("Anywhere"))
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[RoutingRule]) -> QuerySet:
        value = self.value()
        if value == self.ANYWHERE:
            return queryset.filter(area__isnull=True)
        if value in {str(v) for v in Area.Level.values}:
            return queryset.filter(area__level=int(value))
        return queryset


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("__str__", "category", "area", "level", "agency", "order", "is_active")
    list_display_links = ("__str__",)
    list_editable = ("order", "is_active")
    list_filter = ("is_active", RuleLevelFilter, ("agency", admin.RelatedOnlyFieldListFilter))
    search_fields = ("category__name", "area__name", "area__code", "agency__name", "note")
    autocomplete_fields = ("category", "area", "agency")
    list_select_related = ("category__parent", "area", "agency")

    actions = ["activate_rules"]

    @admin.display(description=_("level"), ordering="area__level")
    def level(self, rule: RoutingRule) -> str:
        return routing.rule_level_label(rule)

    @admin.action(description=_("Activate the selected rules"), permissions=["change"])
    def activate_rules(self, request: HttpRequest, queryset: QuerySet[RoutingRule]) -> None:
        # Rules proposed from the history (manage.py propose_routing) arrive inactive.
        count = routing_rules_activate(rules=queryset)
        self.message_user(request, _("%(count)d rules activated.") % {"count": count})

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "can_dry_run": self.has_change_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def get_urls(self) -> list[URLPattern]:
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                "dry-run/",
                self.admin_site.admin_view(self.dry_run_view),
                name=f"{prefix}_dry_run",
            ),
            path("gaps/", self.admin_site.admin_view(self.gaps_view), name=f"{prefix}_gaps"),
            *super().get_urls(),
        ]

    def _require_change_permission(self, request: HttpRequest) -> None:
        if not self.has_change_permission(request):
            raise PermissionDenied

    def dry_run_view(self, request: HttpRequest) -> HttpResponse:
        """Which agency a sample complaint would reach, and why (reads only)."""
        self._require_change_permission(request)
        form = DryRunForm(request.GET or None, admin_site=self.admin_site)
        result = None
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            result = routing.routing_dry_run(
                category=data["category"],
                area=data["area"],
                latitude=data["latitude"],
                longitude=data["longitude"],
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Routing dry run"),
            "form": form,
            "media": self.media + form.media,
            "result": result,
        }
        return TemplateResponse(request, "admin/dispositions/routingrule/dry_run.html", context)

    def gaps_view(self, request: HttpRequest) -> HttpResponse:
        """Active categories that some area of a loaded province would not route."""
        self._require_change_permission(request)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Categories without routing"),
            "gaps": routing.routing_gaps(),
            "shown": GAP_AREAS_SHOWN,
        }
        return TemplateResponse(request, "admin/dispositions/routingrule/gaps.html", context)


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
class DispositionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Dispositions change only through dispositions.services (with the complaint's status)."""

    list_display = (
        "complaint",
        "agency",
        "state",
        "forwarded_from",
        "response_due_at",
        "resolution_due_at",
        "on_wall_time",
        "paused_at",
        "accepted_at",
        "closed_at",
    )
    list_filter = ("state", ("agency", admin.RelatedOnlyFieldListFilter))
    search_fields = ("complaint__tracking_code", "agency__name")
    list_select_related = (
        "complaint",
        "agency",
        "forwarded_from__agency",
        "forwarded_from__complaint",
    )
    date_hierarchy = "created_at"


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
class CategorizationDecisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every categorization with its source: the raw material for measuring accuracy."""

    list_display = ("complaint", "category", "source", "confidence", "model_version", "created_at")
    list_filter = ("source", "model_version")
    search_fields = ("complaint__tracking_code",)
    list_select_related = ("complaint", "category__parent")
    date_hierarchy = "created_at"


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
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

"""Admin for reference data and staff accounts; complaints and their timeline are read-only.

Reference data (areas, categories, agencies, users) is edited here. Complaints are only
inspected: every status change goes through complaints.lifecycle, which the admin never
bypasses, so the complaint pages offer no change, add or delete.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .lifecycle import status_colour
from .models import (
    Agency,
    Area,
    Attachment,
    AuditEntry,
    Category,
    Complaint,
    ComplaintEvent,
    Reporter,
    StaffApiToken,
    User,
)


class ReadOnlyAdminMixin:
    """View-only pages: Django shows every field as text and offers no save button."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)
    list_select_related = ("parent",)


class SubcategoryInline(admin.TabularInline):
    model = Category
    fk_name = "parent"
    fields = ("slug", "name", "response_hours", "resolution_hours", "is_active", "sort_order")
    extra = 0
    show_change_link = True


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "parent",
        "slug",
        "response_hours",
        "resolution_hours",
        "is_emergency",
        "is_active",
        "is_public",
        "sort_order",
    )
    list_editable = (
        "response_hours",
        "resolution_hours",
        "is_emergency",
        "is_active",
        "sort_order",
    )
    list_filter = ("is_active", "is_emergency", ("parent", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("parent",)
    list_select_related = ("parent",)
    inlines = [SubcategoryInline]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "level", "parent", "is_active")
    list_filter = ("level", "is_active")
    search_fields = ("name", "short_name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("parent", "areas")
    list_select_related = ("parent",)


@admin.register(User)
class SigapUserAdmin(UserAdmin):
    list_display = (
        "username",
        "first_name",
        "last_name",
        "role",
        "agency",
        "is_staff",
        "is_active",
    )
    list_filter = ("role", "is_staff", "is_superuser", "is_active", "agency")
    search_fields = ("username", "first_name", "last_name", "email")
    autocomplete_fields = ("agency", "area")
    list_select_related = ("agency",)
    fieldsets = (
        *UserAdmin.fieldsets,
        (
            _("Sigap role"),
            {
                "fields": ("role", "agency", "area"),
                "description": _(
                    "Agency staff and heads need an agency. An area limits an operator "
                    "or supervisor to that part of the tree."
                ),
            },
        ),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (_("Sigap role"), {"fields": ("first_name", "last_name", "role", "agency", "area")}),
    )


@admin.register(Reporter)
class ReporterAdmin(admin.ModelAdmin):
    list_display = ("__str__", "phone", "email", "created_at")
    search_fields = ("name", "phone", "email")
    readonly_fields = ("created_at",)


class ComplaintEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ComplaintEvent
    fields = (
        "created_at",
        "kind",
        "action",
        "from_status",
        "to_status",
        "actor_label",
        "agency",
        "note",
        "is_public",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("created_at", "id")


class AttachmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Attachment
    fields = ("preview", "kind", "original_name", "content_type", "width", "height", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    @admin.display(description=_("Photo"))
    def preview(self, obj: Attachment) -> str:
        return format_html(
            '<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="" width="96"></a>',
            obj.file.url,
            obj.thumbnail.url,
        )


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Inspection only: staff act on complaints in the workspace, through the services."""

    list_display = ("tracking_code", "title", "coloured_status", "agency", "channel", "created_at")
    list_filter = ("status", "channel", ("category", admin.RelatedOnlyFieldListFilter))
    search_fields = ("tracking_code",)
    list_select_related = ("agency",)
    date_hierarchy = "created_at"
    fieldsets = (
        (None, {"fields": ("tracking_code", "status", "agency", "due_at", "merged_into")}),
        (_("Complaint"), {"fields": ("channel", "title", "text", "category", "priority")}),
        (_("Place"), {"fields": ("area", "address", "latitude", "longitude")}),
        (
            _("Reporter"),
            {"fields": ("reporter", "is_anonymous", "is_confidential")},
        ),
        (None, {"fields": ("created_at", "updated_at")}),
    )
    readonly_fields = ("tracking_code", "created_at", "updated_at")
    inlines = [ComplaintEventInline, AttachmentInline]

    @admin.display(description=_("status"), ordering="status")
    def coloured_status(self, obj: Complaint) -> str:
        return format_html(
            '<span class="status-{}">{}</span>', status_colour(obj.status), obj.get_status_display()
        )


@admin.register(ComplaintEvent)
class ComplaintEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "complaint",
        "kind",
        "action",
        "from_status",
        "to_status",
        "actor_label",
        "is_public",
    )
    list_filter = ("kind", "action", "is_public")
    search_fields = ("complaint__tracking_code",)
    list_select_related = ("complaint",)
    date_hierarchy = "created_at"


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit trail: read-only, searchable by user, address and object."""

    list_display = ("at", "username", "action", "target", "ip", "status_code")
    list_filter = ("action",)
    search_fields = ("username", "target", "ip", "path")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(StaffApiToken)
class StaffApiTokenAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Staff API tokens: seen here, revoked here (someone left); made only by their owner."""

    list_display = ("user", "name", "prefix", "created_at", "expires_at", "last_used_at")
    list_filter = ("revoked_at",)
    search_fields = ("user__username", "name", "prefix")
    exclude = ("key_hash",)
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[StaffApiToken]) -> None:
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, _("%(count)d tokens revoked.") % {"count": count})

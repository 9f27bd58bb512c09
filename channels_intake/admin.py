"""The inbox and the outbox in the admin: read-only, with Replay and Send-again actions."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from complaints.admin import ReadOnlyAdminMixin

from .models import InboundMessage, OutboundMessage, ReporterHandle
from .outbox import outbound_retry
from .services import inbound_replay


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "received_at",
        "channel",
        "provider_message_id",
        "sender_id",
        "state",
        "attempts",
        "complaint",
    )
    list_filter = ("state", "channel")
    search_fields = ("provider_message_id", "sender_id")
    date_hierarchy = "received_at"
    exclude = ("body",)
    readonly_fields = ("raw_body",)
    actions = ("replay",)

    @admin.display(description=_("Raw body"))
    def raw_body(self, obj: InboundMessage) -> str:
        return bytes(obj.body).decode("utf-8", errors="replace")

    @admin.action(description=_("Replay the selected parked or failed messages"))
    def replay(self, request: HttpRequest, queryset: QuerySet[InboundMessage]) -> None:
        replayed = sum(
            inbound_replay(message_id=pk) for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d message sent to processing again.",
                "%(count)d messages sent to processing again.",
                replayed,
            )
            % {"count": replayed},
            messages.SUCCESS if replayed else messages.WARNING,
        )


@admin.register(ReporterHandle)
class ReporterHandleAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("channel", "handle", "reporter", "created_at")
    list_filter = ("channel",)
    search_fields = ("handle", "reporter__name", "reporter__phone")


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "channel",
        "recipient",
        "kind",
        "state",
        "attempts",
        "delivery_status",
        "sent_at",
    )
    list_filter = ("state", "channel", "kind", "delivery_status")
    search_fields = ("recipient", "provider_message_id", "complaint__tracking_code")
    raw_id_fields = ("complaint",)
    list_select_related = ("complaint",)
    actions = ["retry_failed"]

    @admin.action(description=_("Send the failed messages again"))
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[OutboundMessage]) -> None:
        count = outbound_retry(message_ids=list(queryset.values_list("id", flat=True)))
        self.message_user(
            request,
            ngettext(
                "%d failed message will be sent again.",
                "%d failed messages will be sent again.",
                count,
            )
            % count,
            messages.SUCCESS,
        )

"""The outbox in the admin: read-only, with one action to send failed messages again."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from complaints.admin import ReadOnlyAdminMixin

from .models import OutboundMessage
from .outbox import outbound_retry


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

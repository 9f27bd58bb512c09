"""The inbox and the outbox in the admin: read-only, with Replay and Send-again actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from complaints.admin import ReadOnlyAdminMixin

from .desk import partner_key_assign
from .inbox import inbound_replay
from .models import (
    InboundMessage,
    OutboundMessage,
    PartnerKey,
    PartnerScope,
    ReporterHandle,
    default_partner_scopes,
)
from .outbox import outbound_retry


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
            # Each channel goes down its own path (partner API messages: channels_intake.desk).
            inbound_replay(message_id=pk)
            for pk in queryset.values_list("pk", flat=True)
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


class PartnerKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"),
        choices=PartnerScope.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        initial=default_partner_scopes,
    )
    rate_limit_per_minute = forms.IntegerField(
        label=_("requests per minute"),
        min_value=0,
        required=False,
        initial=120,
        help_text=_("Requests this key may make per minute; 0 for no limit."),
    )

    def clean_rate_limit_per_minute(self) -> int:
        value = self.cleaned_data.get("rate_limit_per_minute")
        return 120 if value is None else value

    class Meta:
        model = PartnerKey
        fields = ("name", "is_active", "scopes", "rate_limit_per_minute")


@admin.register(PartnerKey)
class PartnerKeyAdmin(admin.ModelAdmin):
    """Partner API keys: the plaintext is shown once, on the page after "Save"."""

    form = PartnerKeyForm

    list_display = ("name", "prefix", "is_active", "created_at", "last_used_at")
    list_filter = ("is_active",)
    search_fields = ("name", "prefix")
    fields = (
        "name",
        "is_active",
        "scopes",
        "rate_limit_per_minute",
        "prefix",
        "created_at",
        "last_used_at",
    )
    readonly_fields = ("prefix", "created_at", "last_used_at")

    def save_model(self, request: HttpRequest, obj: PartnerKey, form: Any, change: bool) -> None:
        if not change:
            # Held on this request only: never in the database, a session or a message.
            request._partner_key_plaintext = partner_key_assign(obj)  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def response_add(
        self, request: HttpRequest, obj: PartnerKey, post_url_continue: str | None = None
    ) -> HttpResponse:
        key = getattr(request, "_partner_key_plaintext", None)
        if key is None:
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "partner": obj,
            "key": key,
            "title": _("Partner API key created"),
        }
        response = TemplateResponse(
            request, "admin/channels_intake/partnerkey/created.html", context
        )
        response["Cache-Control"] = "no-store"
        return response

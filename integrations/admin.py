"""Admin: webhook subscriptions, and every outbound delivery with its tries.

The delivery list opens on the failures; "Re-send" gives the selected failed deliveries
a fresh round of tries (integrations.delivery.delivery_resend).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .delivery import delivery_resend
from .models import Delivery, DeliveryAttempt, Open311Media, WebhookEvent, WebhookSubscription
from .webhooks.transport import new_secret


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("events"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "events", "is_active", "include_personal_data", "secret"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if not url.startswith("https://") and not url.startswith("http://127.0.0.1"):
            raise forms.ValidationError(_("Use an https:// address."))
        return url


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ["name", "url", "is_active", "include_personal_data", "created_at"]
    list_filter = ["is_active", "include_personal_data"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if not obj.secret:
            obj.secret = new_secret()
        super().save_model(request, obj, form, change)


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ["created_at", "response_status", "duration_ms", "error", "response_body"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class FailedFirst(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        return [*Delivery.State.choices, ("all", _("All"))]

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        value = self.value() or Delivery.State.FAILED
        return queryset if value == "all" else queryset.filter(state=value)

    def choices(self, changelist):  # type: ignore[no-untyped-def]
        current = self.value() or Delivery.State.FAILED
        for value, label in self.lookup_choices:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "event_type",
        "subscription",
        "complaint",
        "state",
        "attempts",
        "last_error",
        "created_at",
    ]
    list_filter = [FailedFirst, "kind", "event_type"]
    list_select_related = ["subscription", "complaint"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    inlines = [AttemptInline]
    actions = ["resend"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    @admin.action(description=_("Re-send the selected failed deliveries"))
    def resend(self, request, queryset):  # type: ignore[no-untyped-def]
        count = delivery_resend(delivery_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request,
            ngettext("%d delivery queued again.", "%d deliveries queued again.", count) % count,
            messages.SUCCESS,
        )


@admin.register(Open311Media)
class Open311MediaAdmin(admin.ModelAdmin):
    """Open311 media_url fetches: what was attached, what was refused and why."""

    list_display = ("created_at", "url", "state", "error", "attempts", "finished_at")
    list_filter = ("state",)
    search_fields = ("url", "error")
    readonly_fields = [f.name for f in Open311Media._meta.fields]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

"""Records of the staff side: rejection reasons the citizen reads, and the audit trail.

Imported by complaints.models so Django registers these models in the core app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RejectionReason(models.Model):
    """A reason an operator picks when rejecting; its text is what the citizen reads.

    Administrators keep the list (wording matters: it is public on the tracking page).
    """

    title = models.CharField(_("title"), max_length=80, help_text=_("What operators pick."))
    text = models.TextField(
        _("text for the citizen"),
        max_length=1000,
        help_text=_("Shown on the tracking page and sent on the complaint's channel."),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "title"]
        verbose_name = _("rejection reason")
        verbose_name_plural = _("rejection reasons")

    def __str__(self) -> str:
        return self.title


class AuditEntry(models.Model):
    """One staff action: who, from which address, what (the URL's name and arguments), when.

    Written for every state-changing request of a signed-in staff member and every
    sign-in, sign-out and refused second factor (complaints/audit.py); append-only.
    """

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=255, blank=True)
    action = models.CharField(_("action"), max_length=80)
    method = models.CharField(max_length=8, blank=True)
    path = models.CharField(_("path"), max_length=255, blank=True)
    target = models.CharField(_("object"), max_length=120, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        indexes = [models.Index(fields=["user", "-at"], name="audit_user_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None:
            raise ValueError("Audit entries are append-only")
        super().save(*args, **kwargs)


class StaffApiToken(models.Model):
    """A staff member's token for the staff API, made on a page reached after the second
    factor (complaints/api_tokens.py). Scoped and expiring; only its SHA-256 is stored.

    HTTP Basic carries a password alone and so cannot stand in for an account that must
    sign in with a second factor: such accounts use a session that passed the code, or
    this token (docs/sign-in.md).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("token prefix"), max_length=16, editable=False)
    key_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    # Whether the session that made it had passed the second factor: a token made before
    # the account's role required one stops working when it does.
    second_factor = models.BooleanField(_("made after the second factor"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("staff API token")
        verbose_name_plural = _("staff API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

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

"""Staff API tokens: made after the second factor, scoped, expiring, revocable.

An account that must sign in with a second factor (complaints.two_factor) cannot use
HTTP Basic on the API: a password alone is exactly what the second factor is there to
distrust. A script or a spreadsheet of such a member uses a token made here instead,
from a session that passed the code; the plaintext is shown once and only its SHA-256
is kept (a random 256-bit secret needs no slow hash). docs/sign-in.md.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import StaffApiToken, User
from .two_factor import two_factor_pending, two_factor_required

KEY_PREFIX = "sgs_"
PREFIX_LENGTH = 10
SCOPE_READ = "staff:read"
# What a token may be made for. The staff API only reads today; a write scope would be
# added here with the endpoints that need it.
SCOPES = (SCOPE_READ,)
MAX_ACTIVE_TOKENS = 10


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def staff_token_create(
    *, user: User, name: str, second_factor_verified: bool
) -> tuple[StaffApiToken, str]:
    """A new read token for `user`: the row and the plaintext, which is kept nowhere.

    Refused (PermissionDenied) for an account that owes its second factor and has not
    given it in this session; ValidationError for a missing name or too many tokens.
    """
    if not user.is_active or not user.role:
        raise PermissionDenied(_("Only staff accounts can have API tokens."))
    needs_code = two_factor_required(user)
    if needs_code and (not second_factor_verified or two_factor_pending(user)):
        raise PermissionDenied(_("Sign in with your second factor before making a token."))
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the token a name (what will use it)."))
    if staff_tokens_active(user=user).count() >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            _("You already have %(count)d active tokens; revoke one first.")
            % {"count": MAX_ACTIVE_TOKENS}
        )
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = StaffApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=key[:PREFIX_LENGTH],
        key_hash=_hash(key),
        scopes=[SCOPE_READ],
        second_factor=needs_code,
        expires_at=timezone.now() + timedelta(days=settings.STAFF_API_TOKEN_DAYS),
    )
    return token, key


def staff_token_revoke(*, user: User, token_id: int) -> bool:
    """Revoke one of `user`'s own tokens; False when it is not theirs or already revoked."""
    return bool(
        StaffApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )


def staff_tokens_active(*, user: User) -> QuerySet[StaffApiToken]:
    return StaffApiToken.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


def staff_tokens_of(*, user: User) -> QuerySet[StaffApiToken]:
    """The user's tokens for their page, newest first (revoked and expired ones too)."""
    return StaffApiToken.objects.filter(user=user).order_by("-created_at", "-id")


class TokenRefused(Exception):
    """The token exists but may not be used; the message says why."""


def staff_token_authenticate(key: str) -> tuple[User, StaffApiToken] | None:
    """The user and token row of a presented key; None for an unknown key.

    TokenRefused when the token is revoked, expired, its account disabled, or the account
    now needs a second factor the token was not made with.
    """
    if not key or not key.startswith(KEY_PREFIX):
        return None
    token = StaffApiToken.objects.select_related("user").filter(key_hash=_hash(key)).first()
    if token is None:
        return None
    now = timezone.now()
    if token.revoked_at is not None:
        raise TokenRefused(_("This API token was revoked."))
    if token.expires_at <= now:
        raise TokenRefused(_("This API token has expired; make a new one."))
    user = token.user
    if not user.is_active:
        raise TokenRefused(_("This account is disabled."))
    if two_factor_required(user) and not token.second_factor:
        raise TokenRefused(
            _("This account now needs a second factor: make a new token after signing in.")
        )
    # Written at most once a minute, like the session's last-seen time.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        StaffApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return user, token

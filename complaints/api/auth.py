"""How staff authenticate to the API, none of which gets around the second factor.

- `Authorization: Bearer <token>`: a staff API token (complaints.api_tokens), made on
  the staff pages after the second factor; read-only scope.
- a browser session, only once it passed the second factor when the account needs one;
- HTTP Basic, only for accounts with no second-factor duty (agency staff by default):
  for the others a password alone is refused with 401 and a sentence saying what to use.
Partner systems keep their own `Api-Key` (channels_intake.api.views). docs/sign-in.md.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import (
    BaseAuthentication,
    BasicAuthentication,
    SessionAuthentication,
    get_authorization_header,
)
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request

from ..api_tokens import SCOPE_READ, TokenRefused, staff_token_authenticate
from ..models import StaffApiToken, User
from ..two_factor import two_factor_pending, two_factor_required

TOKEN_KEYWORD = "Bearer"  # noqa: S105 - the scheme name, not a secret


class StaffTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>`; the token is looked up by its SHA-256."""

    def authenticate(self, request: Request) -> tuple[User, StaffApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != TOKEN_KEYWORD.lower().encode():
            return None
        if request.method not in SAFE_METHODS:
            # A read token never authenticates a write: the request goes on as anonymous
            # (the public complaint form takes it; anything else answers 401/403).
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("Send the token as “Authorization: Bearer <token>”."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(_("Unknown API token.")) from None
        try:
            found = staff_token_authenticate(key)
        except TokenRefused as exc:
            raise AuthenticationFailed(str(exc)) from None
        if found is None:
            raise AuthenticationFailed(_("Unknown API token."))
        user, token = found
        if SCOPE_READ not in (token.scopes or []):
            raise PermissionDenied(_("This API token may not read the staff API."))
        return user, token

    def authenticate_header(self, request: Request) -> str:
        return TOKEN_KEYWORD


class NoSecondFactorBasicAuthentication(BasicAuthentication):
    """HTTP Basic for accounts that sign in with a password alone; refused for the rest."""

    def authenticate_credentials(
        self, userid: str, password: str, request: Any = None
    ) -> tuple[User, None]:
        # The password is checked first (and counted by django-axes), so a guesser learns
        # nothing about an account's role from this answer.
        user, auth = super().authenticate_credentials(userid, password, request)
        if two_factor_required(user):
            raise AuthenticationFailed(
                _(
                    "This account signs in with a second factor: use an API token made "
                    "on the staff pages after signing in, not a password."
                )
            )
        return user, auth


class VerifiedSessionAuthentication(SessionAuthentication):
    """The browser session, but only once it passed the second factor it owes.

    complaints.two_factor.TwoFactorMiddleware already answers 403 under /api/; this
    keeps the rule in the API itself should a view be mounted elsewhere.
    """

    def authenticate(self, request: Request) -> tuple[User, None] | None:
        found = super().authenticate(request)
        if found is not None and two_factor_pending(found[0]):
            return None
        return found


class StaffTokenScheme(OpenApiAuthenticationExtension):
    target_class = "complaints.api.auth.StaffTokenAuthentication"
    name = "StaffToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A staff API token (read-only), made on /dashboard/token-api/ "
            "after signing in with the second factor.",
        }


class NoSecondFactorBasicScheme(OpenApiAuthenticationExtension):
    target_class = "complaints.api.auth.NoSecondFactorBasicAuthentication"
    name = "basicAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "basic",
            "description": "Only for accounts without a second factor (agency staff by "
            "default); operators, supervisors and administrators use a token.",
        }


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    target_class = "complaints.api.auth.VerifiedSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}

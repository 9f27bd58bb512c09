"""Partner API views: authenticate the key, validate, store first, answer with the code.

A partner is a system, not a person: it authenticates with `Authorization: Api-Key <key>`
(channels_intake.models.PartnerKey) and sees only the complaints it filed itself.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import RequestDataTooBig
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed, NotFound, PermissionDenied
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints.api.serializers import tracking_url
from complaints.lifecycle import status_colour
from complaints.models import Complaint

from ..desk import (
    partner_complaint_submit,
    partner_key_lookup,
    partner_key_touch,
    partner_message_find,
)
from ..models import PartnerKey, PartnerScope
from .limits import HasPartnerScope, PartnerKeyThrottle
from .serializers import PartnerComplaintInputSerializer, PartnerComplaintOutputSerializer

PARTNER_TAG = "partner"
KEYWORD = "Api-Key"


class PartnerKeyAuthentication(BaseAuthentication):
    """`Authorization: Api-Key <key>`; the key is looked up by its SHA-256, never stored."""

    def authenticate(self, request: Request) -> tuple[AnonymousUser, PartnerKey] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD.lower().encode():
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("Send the key as “Authorization: Api-Key <key>”."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(_("Unknown API key.")) from None
        partner = partner_key_lookup(key)
        if partner is None:
            raise AuthenticationFailed(_("Unknown API key."))
        if not partner.is_active:
            raise PermissionDenied(_("This API key is disabled."))
        partner_key_touch(partner)
        return AnonymousUser(), partner

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


class PartnerKeyScheme(OpenApiAuthenticationExtension):
    target_class = "channels_intake.api.views.PartnerKeyAuthentication"
    name = "PartnerApiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`; keys are made by an administrator "
            "(docs/channels/desk.md).",
        }


class HasPartnerKey(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, PartnerKey)


def _answer(*, external_id: str, complaint: Complaint | None) -> dict[str, Any]:
    if complaint is None:
        body: dict[str, Any] = {
            "external_id": external_id,
            "tracking_code": None,
            "public_url": None,
            "status": "queued",
            "colour": None,
            "agency": None,
            "updated_at": None,
        }
    else:
        body = {
            "external_id": external_id,
            "tracking_code": complaint.tracking_code,
            "public_url": tracking_url(complaint.public_token),
            "status": complaint.status,
            "colour": status_colour(complaint.status),
            "agency": complaint.agency.name if complaint.agency else None,
            "updated_at": complaint.updated_at,
        }
    return PartnerComplaintOutputSerializer(body).data


UNAUTHENTICATED = OpenApiResponse(description="No key, or an unknown key (401).")
DISABLED = OpenApiResponse(
    description="The key is disabled, or lacks this operation's scope (403)."
)
RATE_LIMITED = OpenApiResponse(
    description="The key's requests per minute are used up (429); retry after the "
    "seconds in the Retry-After header."
)


class PartnerComplaintCreateApi(APIView):
    authentication_classes = [PartnerKeyAuthentication]
    permission_classes = [HasPartnerKey, HasPartnerScope]
    throttle_classes = [PartnerKeyThrottle]
    required_scope = PartnerScope.COMPLAINTS_WRITE
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="partner_complaints_create",
        summary="File a complaint (partner)",
        description="The request is stored first, then the complaint is made in the same "
        "request: 201 with the tracking code. The same `external_id` again answers 200 "
        "with the complaint made the first time, whatever the new body says. When the "
        "complaint cannot be made right now (a temporary error) the stored request is "
        "retried by a worker: 202 with `status: queued`; ask GET .../<external_id>/ later. "
        "No reporter data is ever returned.",
        request=PartnerComplaintInputSerializer,
        responses={
            201: PartnerComplaintOutputSerializer,
            200: PartnerComplaintOutputSerializer,
            202: PartnerComplaintOutputSerializer,
            400: OpenApiResponse(
                description="Invalid input: each field (nested for `reporter`, by index "
                "for `photos`) mapped to its messages."
            ),
            401: UNAUTHENTICATED,
            403: DISABLED,
            413: OpenApiResponse(description="The body is larger than 5 MB."),
            429: RATE_LIMITED,
        },
        tags=[PARTNER_TAG],
    )
    def post(self, request: Request) -> Response:
        try:
            raw = request._request.body
        except RequestDataTooBig:
            return Response(
                {"detail": _("The request body is too large; send smaller photos.")},
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        data = PartnerComplaintInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        external_id = fields["external_id"]
        result = partner_complaint_submit(
            partner=request.auth, external_id=external_id, body=raw, fields=fields
        )
        if result.complaint is None:
            code = status.HTTP_202_ACCEPTED
        elif result.created:
            code = status.HTTP_201_CREATED
        else:
            code = status.HTTP_200_OK
        return Response(_answer(external_id=external_id, complaint=result.complaint), status=code)


class PartnerComplaintDetailApi(APIView):
    authentication_classes = [PartnerKeyAuthentication]
    permission_classes = [HasPartnerKey, HasPartnerScope]
    throttle_classes = [PartnerKeyThrottle]
    required_scope = PartnerScope.COMPLAINTS_READ

    @extend_schema(
        operation_id="partner_complaints_retrieve",
        summary="Status of a complaint you filed (partner)",
        description="By your `external_id`. Only complaints filed with your key are "
        "found; another partner's id is 404. No reporter data.",
        responses={
            200: PartnerComplaintOutputSerializer,
            401: UNAUTHENTICATED,
            403: DISABLED,
            404: OpenApiResponse(description="You filed no complaint with this id."),
            429: RATE_LIMITED,
        },
        tags=[PARTNER_TAG],
    )
    def get(self, request: Request, external_id: str) -> Response:
        message = partner_message_find(partner=request.auth, external_id=external_id)
        if message is None:
            raise NotFound(_("You filed no complaint with this id."))
        return Response(_answer(external_id=external_id, complaint=message.complaint))

"""Staff API for dispositions: the actions a complaint allows its viewer now.

The answer is dispositions.selectors.available_actions, the same list that decides the
dashboard's buttons, so a client never guesses the rules.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints.lifecycle import Actor
from complaints.selectors import complaint_visible_to

from ..selectors import available_actions
from .serializers import ComplaintActionsOutputSerializer

NOT_FOUND = OpenApiResponse(description="Not found (or not visible to you).")
NOT_AUTHENTICATED = OpenApiResponse(description="Authentication required.")


class ComplaintActionsApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="complaints_actions_retrieve",
        summary="Actions you may take on a complaint (staff)",
        description="The lifecycle actions the signed-in user may take on this complaint "
        "now, in the lifecycle's order: the same rule that decides the dashboard's buttons. "
        "Another agency's complaint is a 404, never a 403.",
        responses={200: ComplaintActionsOutputSerializer, 401: NOT_AUTHENTICATED, 404: NOT_FOUND},
        tags=["staff"],
    )
    def get(self, request: Request, tracking_code: str, **kwargs: Any) -> Response:
        code = tracking_code.strip().upper()
        complaint = complaint_visible_to(request.user).filter(tracking_code=code).first()
        if complaint is None:
            raise NotFound(_("No complaint with this code."))
        actions = available_actions(complaint=complaint, actor=Actor.for_user(request.user))
        data = {"tracking_code": complaint.tracking_code, "available_actions": actions}
        return Response(ComplaintActionsOutputSerializer(data).data)

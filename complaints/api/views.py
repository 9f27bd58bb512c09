"""API v1 views: parse and validate the request, call a service or selector, shape the answer.

Citizens' endpoints (create, categories, areas, track) are public. Staff endpoints read
through complaints.selectors.complaint_visible_to, so the agency boundary holds for the
list, every filter and every retrieve.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle, UserRateThrottle
from rest_framework.views import APIView

from complaints.client_ip import client_ip
from complaints.models import Area, Channel, Complaint, ComplaintEvent, User
from complaints.selectors import (
    area_children,
    category_choices,
    complaint_by_token,
    complaint_public_view,
    complaint_visible_to,
)
from complaints.services import complaint_create

from .filters import ComplaintFilter
from .serializers import (
    AreaOutputSerializer,
    CategoryOutputSerializer,
    ComplaintCreatedOutputSerializer,
    ComplaintCreateInputSerializer,
    ComplaintStaffDetailOutputSerializer,
    ComplaintStaffOutputSerializer,
    PublicComplaintOutputSerializer,
)

VALIDATION_ERROR = OpenApiResponse(
    description="Invalid input: an object mapping each field (nested for `reporter`) "
    "to a list of messages in the request's language."
)
NOT_FOUND = OpenApiResponse(description="Not found (or not visible to you).")
NOT_AUTHENTICATED = OpenApiResponse(description="Authentication required.")
TRACK_NOT_FOUND = OpenApiResponse(description="No complaint has this tracking token.")
PUBLIC_TAG, STAFF_TAG = "public", "staff"


def _service_error(exc: DjangoValidationError) -> serializers.ValidationError:
    """A rule only the service knows refused the input: answer 400 in the serializer's shape."""
    if hasattr(exc, "error_dict"):
        return serializers.ValidationError(exc.message_dict)
    return serializers.ValidationError({"non_field_errors": exc.messages})


class PublicCreateThrottle(UserRateThrottle):
    """Citizens' submissions, per client address (or per account when logged in)."""

    scope = "public_create"

    def get_ident(self, request: Request) -> str:
        # DRF's own reading trusts any X-Forwarded-For unless NUM_PROXIES is set: a forged
        # header was a fresh bucket per request. complaints.client_ip honours
        # TRUSTED_PROXY_COUNT (0 by default: the socket's address).
        return client_ip(request._request)


class StaffPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request: Request) -> int:
        """A page_size that is not a whole number from 1 is a 400, not quietly the default."""
        values = request.query_params.getlist(self.page_size_query_param)
        for value in values:
            if not value.isdigit() or int(value) < 1:
                raise ValidationError(
                    {self.page_size_query_param: [_("A whole number from 1 to 100.")]}
                )
        return super().get_page_size(request)


def _staff_list_queryset(user: User) -> QuerySet[Complaint]:
    return complaint_visible_to(user).select_related(
        "category__parent", "area", "agency", "reporter"
    )


class ComplaintListCreateApi(generics.ListAPIView):
    """POST is the public way in; GET is the staff list of what the caller may see."""

    serializer_class = ComplaintStaffOutputSerializer
    filterset_class = ComplaintFilter
    pagination_class = StaffPagination
    # The contract is JSON; a form post would flatten the nested reporter object.
    parser_classes = [JSONParser]

    def get_permissions(self) -> list[BasePermission]:
        if self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_throttles(self) -> list[BaseThrottle]:
        if self.request.method == "POST":
            return [PublicCreateThrottle()]
        return []

    def get_queryset(self) -> QuerySet[Complaint]:
        return _staff_list_queryset(self.request.user)

    @extend_schema(
        operation_id="complaints_list",
        summary="List complaints (staff)",
        description="Complaints visible to the caller: agency staff see their own "
        "agency's only, whatever the filters say. Newest first.",
        responses={
            200: ComplaintStaffOutputSerializer(many=True),
            400: OpenApiResponse(description="A filter value is not one of its choices."),
            403: NOT_AUTHENTICATED,
            404: OpenApiResponse(description="No such page (past the last one, or 0)."),
        },
        tags=[STAFF_TAG],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="complaints_create",
        summary="Submit a complaint (public)",
        description="No account needed; rate-limited per client. Routing to the agency "
        "starts once the complaint is stored; `status` is therefore `new` in the answer.",
        request=ComplaintCreateInputSerializer,
        responses={
            201: ComplaintCreatedOutputSerializer,
            400: VALIDATION_ERROR,
            429: OpenApiResponse(description="Too many submissions; retry later."),
        },
        auth=[],
        tags=[PUBLIC_TAG],
    )
    def post(self, request: Request) -> Response:
        data = ComplaintCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        reporter = fields.get("reporter") or {}
        try:
            complaint = complaint_create(
                channel=Channel.API,
                text=fields["text"],
                category=fields.get("category"),
                area=fields.get("area_code"),
                latitude=fields["latitude"],
                longitude=fields["longitude"],
                address=fields["address"],
                reporter_name=reporter.get("name", ""),
                reporter_phone=reporter.get("phone", ""),
                reporter_email=reporter.get("email", ""),
                is_anonymous=fields["anonymous"],
                is_confidential=fields["confidential"],
                report_type=fields["report_type"],
            )
        except DjangoValidationError as exc:
            raise _service_error(exc) from None
        body = ComplaintCreatedOutputSerializer(complaint).data
        return Response(body, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        operation_id="complaints_retrieve",
        summary="One complaint (staff)",
        description="By tracking code. 404 when the complaint exists but is not visible to you.",
        responses={
            200: ComplaintStaffDetailOutputSerializer,
            403: NOT_AUTHENTICATED,
            404: NOT_FOUND,
        },
        tags=[STAFF_TAG],
    )
)
class ComplaintDetailApi(generics.RetrieveAPIView):
    serializer_class = ComplaintStaffDetailOutputSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list[type] = []
    lookup_field = "tracking_code"

    def get_queryset(self) -> QuerySet[Complaint]:
        return _staff_list_queryset(self.request.user).prefetch_related(
            Prefetch("events", queryset=ComplaintEvent.objects.select_related("agency")),
            "attachments",
        )

    def get_object(self) -> Complaint:
        self.kwargs[self.lookup_field] = self.kwargs[self.lookup_field].strip().upper()
        return super().get_object()


@extend_schema_view(
    get=extend_schema(
        operation_id="categories_list",
        summary="Complaint categories (public)",
        description="Every active category as a flat list, topics and subcategories; a "
        "subcategory names its topic in `parent`.",
        responses={200: CategoryOutputSerializer(many=True)},
        auth=[],
        tags=[PUBLIC_TAG],
    )
)
class CategoryListApi(generics.ListAPIView):
    serializer_class = CategoryOutputSerializer
    permission_classes = [AllowAny]
    pagination_class = None
    filter_backends: list[type] = []

    def get_queryset(self) -> QuerySet[Any]:
        return category_choices()


@extend_schema_view(
    get=extend_schema(
        operation_id="areas_list",
        summary="Administrative areas (public)",
        description="The children of `parent` ordered by name, or the provinces when "
        "`parent` is left out. A plain list, not paginated. An area without children (a "
        "village) gives an empty list; an unknown `parent` code gives 404.",
        parameters=[
            OpenApiParameter(
                "parent",
                OpenApiTypes.STR,
                description="Official code of the parent area, e.g. 32.73.",
            )
        ],
        responses={200: AreaOutputSerializer(many=True), 404: NOT_FOUND},
        auth=[],
        tags=[PUBLIC_TAG],
    )
)
class AreaListApi(APIView):
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        parent = request.query_params.get("parent", "").strip() or None
        areas = list(area_children(parent))
        if parent and not areas and not Area.objects.filter(code=parent).exists():
            raise NotFound(_("Unknown area code “%s”.") % parent)
        return Response(AreaOutputSerializer(areas, many=True).data)


class TrackApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="track_retrieve",
        summary="Track a complaint (public)",
        description="What the public tracking page shows, by the complaint's unguessable "
        "token. Never anything about the reporter. For a confidential complaint only the "
        "progress is public: `title`, `text`, `category`, `area`, `address` and `photos` "
        "are left out.",
        responses={200: PublicComplaintOutputSerializer, 404: TRACK_NOT_FOUND},
        auth=[],
        tags=[PUBLIC_TAG],
    )
    def get(self, request: Request, token: str) -> Response:
        complaint = complaint_by_token(token)
        if complaint is None:
            raise NotFound(_("No complaint with this tracking link."))
        body = PublicComplaintOutputSerializer(
            complaint_public_view(complaint),
            context={"is_confidential": complaint.is_confidential},
        ).data
        return Response(body)

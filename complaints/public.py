"""Reads for the public list, the public map and open data: what anyone may see, masked.

A complaint is public unless it is confidential (rahasia), merged into another, or filed
under a category (or a topic) an administrator marked not public. Nothing about the
reporter is ever read here; text passes through `mask_personal_data` on the way out and
locations are coarsened (docs/public-pages.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.utils.text import Truncator

from .lifecycle import STATUS_COLOURS, public_status_label, status_colour
from .models import Area, Attachment, Complaint, Status
from .privacy import mask_personal_data
from .selectors import _public_queryset

PAGE_SIZE = 20
# Three decimals of a degree: about 110 m, so a pin shows the street, not the house.
COARSE = Decimal("0.001")
COLOURS = ("red", "yellow", "green", "grey")


def statuses_of_colour(colour: str) -> list[str]:
    return [s for s, c in STATUS_COLOURS.items() if c == colour]


def public_complaints() -> QuerySet[Complaint]:
    """Every complaint the public may see (not the filters, not the order)."""
    return (
        Complaint.objects.filter(is_confidential=False, merged_into__isnull=True)
        .exclude(Q(category__is_public=False) | Q(category__parent__is_public=False))
        .exclude(status=Status.DUPLICATE)
    )


@dataclass(frozen=True)
class PublicFilters:
    city: str = ""  # a kota/kabupaten code
    district: str = ""  # a kecamatan code inside that city
    category: str = ""  # a category slug: the category and its subcategories
    colour: str = ""  # red / yellow / green / grey

    @classmethod
    def from_query(cls, query: object) -> PublicFilters:
        get = getattr(query, "get", lambda *_: "")
        colour = (get("status") or "").strip()
        city = (get("kota") or "").strip()[:16]
        district = (get("kecamatan") or "").strip()[:16]
        return cls(
            city=city,
            district=district if city and district.startswith(f"{city}.") else "",
            category=(get("kategori") or "").strip()[:60],
            colour=colour if colour in COLOURS else "",
        )

    @property
    def area(self) -> str:
        """The narrowest area chosen: the area and everything under it."""
        return self.district or self.city

    def apply(self, qs: QuerySet[Complaint]) -> QuerySet[Complaint]:
        if self.area:
            qs = qs.filter(Q(area__code=self.area) | Q(area__code__startswith=f"{self.area}."))
        if self.category:
            qs = qs.filter(
                Q(category__slug=self.category) | Q(category__parent__slug=self.category)
            )
        if self.colour:
            qs = qs.filter(status__in=statuses_of_colour(self.colour))
        return qs


@dataclass(frozen=True)
class PublicRow:
    tracking_code: str
    text: str
    category: str
    area: str
    status_label: str
    colour: str
    created_at: datetime
    thumbnails: list[str]


def coarse(value: Decimal | float | None) -> float | None:
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(COARSE, rounding=ROUND_HALF_UP))


def public_row(complaint: Complaint) -> PublicRow:
    photos = getattr(complaint, "report_photos", [])
    return PublicRow(
        tracking_code=complaint.tracking_code,
        text=Truncator(mask_personal_data(complaint.text)).chars(280),
        category=str(complaint.category) if complaint.category else "",
        area=complaint.area.name if complaint.area else "",
        status_label=public_status_label(complaint.status),
        colour=status_colour(complaint.status),
        created_at=complaint.created_at,
        thumbnails=[a.thumbnail.url for a in photos[:3]],
    )


def public_complaint_page(
    filters: PublicFilters, *, before: int | None = None
) -> tuple[list[PublicRow], int | None]:
    """One page of the public list, newest first, and the id to continue from (keyset).

    A keyset on the primary key, not OFFSET and COUNT: page 5,000 of a million rows
    costs what page 1 costs.
    """
    qs = filters.apply(public_complaints())
    if before is not None:
        qs = qs.filter(pk__lt=before)
    rows = list(
        qs.select_related("category__parent", "area")
        .prefetch_related(
            Prefetch(
                "attachments",
                queryset=Attachment.objects.filter(kind=Attachment.Kind.REPORT),
                to_attr="report_photos",
            )
        )
        .order_by("-pk")[: PAGE_SIZE + 1]
    )
    more = rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None
    return [public_row(c) for c in rows[:PAGE_SIZE]], more


def public_complaint_by_code(code: str) -> Complaint | None:
    """The read-only public view's complaint, or None when it is not public."""
    return _public_queryset().filter(pk__in=public_complaints(), tracking_code=code).first()


def city_choices() -> QuerySet[Area]:
    """Every kota/kabupaten: the public area filter's first level."""
    return Area.objects.filter(level=Area.Level.REGENCY).order_by("name")

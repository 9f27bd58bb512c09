"""Filters of the staff complaint list. They only narrow what complaint_visible_to allows."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from complaints.models import Channel, Complaint, Status


def _start_of_day(day: date) -> datetime:
    """Midnight of `day` in the deployment's time zone (WIB), as an aware datetime."""
    return timezone.make_aware(datetime.combine(day, time.min))


class ComplaintFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    category = django_filters.CharFilter(
        method="filter_category",
        label="Category slug; a topic's slug includes its subcategories.",
    )
    agency = django_filters.CharFilter(field_name="agency__slug", label="Agency slug.")
    area = django_filters.CharFilter(
        method="filter_area",
        label="Official area code; includes every area inside it.",
    )
    created_after = django_filters.DateFilter(
        method="filter_created_after",
        label="Created on or after this date (YYYY-MM-DD, WIB).",
    )
    created_before = django_filters.DateFilter(
        method="filter_created_before",
        label="Created on or before this date (YYYY-MM-DD, WIB).",
    )

    class Meta:
        model = Complaint
        fields = [
            "status",
            "channel",
            "category",
            "agency",
            "area",
            "created_after",
            "created_before",
        ]

    def filter_category(
        self, queryset: QuerySet[Complaint], name: str, value: str
    ) -> QuerySet[Complaint]:
        return queryset.filter(Q(category__slug=value) | Q(category__parent__slug=value))

    def filter_area(
        self, queryset: QuerySet[Complaint], name: str, value: str
    ) -> QuerySet[Complaint]:
        code = value.strip().rstrip(".")
        return queryset.filter(Q(area__code=code) | Q(area__code__startswith=f"{code}."))

    def filter_created_after(
        self, queryset: QuerySet[Complaint], name: str, value: date
    ) -> QuerySet[Complaint]:
        return queryset.filter(created_at__gte=_start_of_day(value))

    def filter_created_before(
        self, queryset: QuerySet[Complaint], name: str, value: date
    ) -> QuerySet[Complaint]:
        # Inclusive: everything before midnight at the start of the next day.
        return queryset.filter(created_at__lt=_start_of_day(value + timedelta(days=1)))

"""Probable duplicates: find them when a complaint is routed and record the suggestions.

Operators decide on them in dispositions.merging. The rules, thresholds and the counting
that follows a merge are in docs/duplicates.md.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet

from complaints.lifecycle import (
    OPEN_STATUSES,
)
from complaints.models import Area, Complaint

from .models import DuplicateLink

EARTH_RADIUS_M = 6_371_008.8
# Rows read per rule: a busy kelurahan must not turn routing into a scan.
MAX_ROWS_PER_RULE = 200

# Words that carry no subject in Indonesian complaints (greetings, fillers, particles).
# Deliberately tiny: stemming and a full stop list belong to the categorizer.
# A word list reads better as text than as a 28-line literal.
STOP_WORDS = frozenset(
    """
    ada admin ini itu dan di ke dari yang untuk dengan juga sudah belum sejak karena
    tolong mohon pak bu bapak ibu min kak sangat sekali nya
    """.split()  # noqa: SIM905
)
_WORD = re.compile(r"[a-z0-9]+")


def normalize_words(text: str) -> list[str]:
    """Lower-case ASCII words without punctuation and stop words."""
    folded = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return [w for w in _WORD.findall(folded) if w not in STOP_WORDS]


def _trigrams(text: str) -> Counter[str]:
    # Padding each word marks its edges, so "lubang" in "berlubang" still shares most
    # grams: Indonesian affixes (ber-, di-, -kan) do not hide the shared root.
    grams: Counter[str] = Counter()
    for word in normalize_words(text):
        padded = f" {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def text_similarity(a: str, b: str) -> float:
    """Cosine similarity of the texts' character 3-gram counts: 0 (unrelated) to 1 (same)."""
    left, right = _trigrams(a), _trigrams(b)
    if not left or not right:
        return 0.0
    dot = sum(count * right[gram] for gram, count in left.items())
    norm = math.sqrt(sum(c * c for c in left.values()) * sum(c * c for c in right.values()))
    return dot / norm


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, h)))


def _bounding_box(lat: float, lon: float, radius_m: float) -> tuple[Decimal, ...]:
    """A latitude/longitude box around the point that holds the whole circle, for SQL."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
    # One extra micro-degree (~0.1 m) so six-decimal rounding never cuts the edge.
    pad = 1e-6
    return tuple(
        Decimal(f"{v:.6f}")
        for v in (lat - dlat - pad, lat + dlat + pad, lon - dlon - pad, lon + dlon + pad)
    )


@dataclass
class DuplicateCandidate:
    """An older open complaint the new one probably repeats, and why."""

    complaint: Complaint
    score: float
    reasons: list[str] = field(default_factory=list)
    distance_m: int | None = None


def _earlier_open(complaint: Complaint) -> QuerySet[Complaint]:
    """Open complaints created before `complaint`, inside the duplicate window."""
    since = complaint.created_at - timedelta(days=settings.DUPLICATE_WINDOW_DAYS)
    return (
        Complaint.objects.filter(status__in=OPEN_STATUSES, created_at__gte=since)
        .filter(
            Q(created_at__lt=complaint.created_at)
            | Q(created_at=complaint.created_at, pk__lt=complaint.pk)
        )
        .order_by("-created_at")
    )


def _has_point(complaint: Complaint) -> bool:
    return complaint.latitude is not None and complaint.longitude is not None


def _nearby(complaint: Complaint) -> list[tuple[Complaint, str, int | None]]:
    """Same category within the radius; without a map point, the same kelurahan."""
    if complaint.category_id is None:
        return []
    same_category = _earlier_open(complaint).filter(category_id=complaint.category_id)
    found: list[tuple[Complaint, str, int | None]] = []
    if _has_point(complaint):
        lat, lon = float(complaint.latitude), float(complaint.longitude)  # type: ignore[arg-type]
        radius = settings.DUPLICATE_RADIUS_METERS
        lat_lo, lat_hi, lon_lo, lon_hi = _bounding_box(lat, lon, radius)
        boxed = same_category.filter(
            latitude__range=(lat_lo, lat_hi), longitude__range=(lon_lo, lon_hi)
        )
        for other in boxed[:MAX_ROWS_PER_RULE]:
            metres = distance_m(lat, lon, float(other.latitude), float(other.longitude))  # type: ignore[arg-type]
            if metres <= radius:
                found.append((other, DuplicateLink.Reason.NEARBY, round(metres)))
    area = complaint.area
    if area is not None and area.level == Area.Level.VILLAGE:
        in_area = same_category.filter(area_id=area.pk)
        if _has_point(complaint):
            # Two map points are compared by distance above; the area stands in only
            # where one of the two has no point.
            in_area = in_area.filter(Q(latitude__isnull=True) | Q(longitude__isnull=True))
        found.extend(
            (other, DuplicateLink.Reason.SAME_AREA, None) for other in in_area[:MAX_ROWS_PER_RULE]
        )
    return found


def _same_reporter(complaint: Complaint) -> list[tuple[Complaint, str, int | None]]:
    if complaint.reporter_id is None:
        return []
    rows = _earlier_open(complaint).filter(reporter_id=complaint.reporter_id)
    return [(other, DuplicateLink.Reason.SAME_REPORTER, None) for other in rows[:MAX_ROWS_PER_RULE]]


def _threshold(reason: str) -> float:
    if reason == DuplicateLink.Reason.SAME_AREA:
        return settings.DUPLICATE_MIN_SIMILARITY_SAME_AREA / 100
    return settings.DUPLICATE_MIN_SIMILARITY / 100


def duplicate_candidates_find(*, complaint: Complaint) -> list[DuplicateCandidate]:
    """The older open complaints `complaint` probably repeats, most similar first.

    A candidate is near (same category, within DUPLICATE_RADIUS_METERS, or the same
    kelurahan when a map point is missing) or from the same reporter on any channel,
    created within DUPLICATE_WINDOW_DAYS before it, with text similar enough for the
    rule that found it. Reads only.
    """
    by_pk: dict[int, DuplicateCandidate] = {}
    for other, reason, metres in [*_nearby(complaint), *_same_reporter(complaint)]:
        candidate = by_pk.get(other.pk)
        if candidate is None:
            score = text_similarity(complaint.text, other.text)
            candidate = by_pk[other.pk] = DuplicateCandidate(complaint=other, score=score)
        if candidate.score >= _threshold(reason) and reason not in candidate.reasons:
            candidate.reasons.append(reason)
            if metres is not None:
                candidate.distance_m = metres
    found = [c for c in by_pk.values() if c.reasons]
    return sorted(found, key=lambda c: (-c.score, c.complaint.pk))


@transaction.atomic
def duplicate_links_record(*, complaint: Complaint) -> list[DuplicateLink]:
    """Store a link for each candidate. Idempotent: an existing link, decided or not, stays."""
    links = []
    for candidate in duplicate_candidates_find(complaint=complaint):
        link, _created = DuplicateLink.objects.get_or_create(
            complaint=complaint,
            candidate_of=candidate.complaint,
            defaults={
                "score": round(candidate.score, 4),
                "reasons": ",".join(candidate.reasons),
                "distance_m": candidate.distance_m,
            },
        )
        links.append(link)
    return links

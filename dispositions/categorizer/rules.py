"""Keyword rules: admin-edited phrases per category, matched on normalized text."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ..models import CategoryKeyword
from .normalize import normalize

# A category's rule score s becomes a confidence s / (s + RULE_SATURATION): a strong
# keyword (weight 2) alone gives 0.5, a hint for the model rather than a decision; two
# strong ones give 0.67, enough to route at the default threshold with no model at all.
# On the starter set, 2 beat 1 (fewer wrong automatic routes, docs/categorizer.md).
# Confidence is then shared among categories in proportion to their scores, so
# "sampah" and "jalan rusak" in one complaint make neither of them certain.
RULE_SATURATION = 2.0


@dataclass(frozen=True)
class RuleHit:
    category_id: int
    score: float
    phrases: tuple[str, ...]


def _keywords() -> list[tuple[int, str, float]]:
    rows = CategoryKeyword.objects.filter(is_active=True, category__is_active=True).values_list(
        "category_id", "phrase", "weight"
    )
    return [(category_id, normalize(phrase), weight) for category_id, phrase, weight in rows]


def rule_hits(normalized_text: str) -> list[RuleHit]:
    """Every category whose active phrases occur in the text (whole words), best first."""
    padded = f" {normalized_text} "
    scores: dict[int, float] = defaultdict(float)
    phrases: dict[int, list[str]] = defaultdict(list)
    for category_id, phrase, weight in _keywords():
        if phrase and f" {phrase} " in padded:
            scores[category_id] += weight
            phrases[category_id].append(phrase)
    hits = [RuleHit(c, scores[c], tuple(phrases[c])) for c in scores if scores[c] > 0]
    return sorted(hits, key=lambda h: -h.score)


def rule_confidences(hits: list[RuleHit]) -> dict[int, float]:
    """Each matched category's rule confidence (0-1), as RULE_SATURATION describes."""
    total = sum(h.score for h in hits)
    return {
        h.category_id: (h.score / (h.score + RULE_SATURATION)) * (h.score / total) for h in hits
    }

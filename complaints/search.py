"""Finding complaints by what is written in them: full-text search that forgives typos.

PostgreSQL: the `simple` text-search configuration (no stemming: Indonesian affixes and
slang defeat the bundled stemmers, and names, places and codes must match as typed) over
title, text and address, served by one GIN expression index. A query word that no
complaint contains is corrected through the vocabulary (SearchTerm) by trigram
similarity (pg_trgm): "jalam" also looks for "jalan". SQLite: icontains over the same
fields and difflib for the corrections. The tracking code always matches exactly.

Who may search what (reporter contact for operators only) is the caller's decision.
"""

from __future__ import annotations

import contextlib
import difflib
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from .models import Complaint, Reporter, normalize_tracking_code
from .search_models import SearchTerm, SearchTermMark

WORD = re.compile(r"[^\W_]+")
MIN_TERM = 3  # shorter words are kept out of the vocabulary (and never corrected)
MIN_FUZZY = 4  # a typo in a 3-letter word has too many plausible corrections
MAX_TERM = 40
MAX_QUERY_WORDS = 8
MAX_VARIANTS = 3
# Trigram similarity a correction needs (pg_trgm's own default threshold is 0.3).
MIN_SIMILARITY = 0.4

# The document searched. Keep identical to the expression indexed by migration
# complaints 0003 (the planner uses the index only for the same expression).
DOCUMENT_SQL = (
    '"complaints_complaint"."title" || \' \' || "complaints_complaint"."text"'
    ' || \' \' || "complaints_complaint"."address"'
)
FTS_SQL = f"to_tsvector('simple'::regconfig, {DOCUMENT_SQL}) @@ to_tsquery('simple'::regconfig, %s)"


def query_words(query: str) -> list[str]:
    """The words of a query, lowercased, in order, without repeats, at most MAX_QUERY_WORDS."""
    words: list[str] = []
    for word in WORD.findall((query or "").lower()):
        if word not in words and len(word) <= MAX_TERM:
            words.append(word)
    return words[:MAX_QUERY_WORDS]


def document_terms(*texts: str) -> set[str]:
    """The vocabulary words of a complaint's fields."""
    found: set[str] = set()
    for text in texts:
        for word in WORD.findall((text or "").lower()):
            if MIN_TERM <= len(word) <= MAX_TERM and not word.isdigit():
                found.add(word)
    return found


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def word_corrections(words: list[str]) -> dict[str, list[str]]:
    """For each word the vocabulary lacks: its closest known words, best first (one query)."""
    fuzzy = [w for w in words if len(w) >= MIN_FUZZY and not w.isdigit()]
    if not fuzzy:
        return {}
    if _is_postgres():
        return _corrections_postgres(fuzzy)
    return _corrections_python(fuzzy)


def _corrections_postgres(words: list[str]) -> dict[str, list[str]]:
    sql = (
        "SELECT q.w, t.word FROM unnest(%s::text[]) AS q(w) CROSS JOIN LATERAL ("
        "  SELECT word, similarity(word, q.w) AS s FROM complaints_searchterm"
        "  WHERE word %% q.w ORDER BY s DESC, word LIMIT %s"
        ") t WHERE t.s >= %s"
    )
    found: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [words, MAX_VARIANTS + 1, MIN_SIMILARITY])
        for word, term in cursor.fetchall():
            found.setdefault(word, []).append(term)
    # A word the vocabulary holds as typed needs no correction.
    return {w: terms[:MAX_VARIANTS] for w, terms in found.items() if w not in terms}


def _corrections_python(words: list[str]) -> dict[str, list[str]]:
    """SQLite (small deployments): difflib over the vocabulary sharing a first letter or two."""
    known = set(SearchTerm.objects.filter(word__in=words).values_list("word", flat=True))
    found: dict[str, list[str]] = {}
    for word in (w for w in words if w not in known):
        pool = SearchTerm.objects.filter(
            Q(word__startswith=word[0]) | Q(word__startswith=word[1:3])
        ).values_list("word", flat=True)[:20000]
        close = difflib.get_close_matches(word, list(pool), n=MAX_VARIANTS, cutoff=0.75)
        if close:
            found[word] = close
    return found


@dataclass(frozen=True)
class TextSearch:
    """A parsed query: its words and the corrections search added for them."""

    words: list[str]
    corrections: dict[str, list[str]]
    tracking_code: str

    @property
    def is_empty(self) -> bool:
        return not self.words and not self.tracking_code


def text_search_parse(query: str) -> TextSearch:
    words = query_words(query)
    code = normalize_tracking_code(query.strip())
    looks_like_code = bool(re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", code))
    return TextSearch(
        words=words,
        corrections=word_corrections(words),
        tracking_code=code if looks_like_code else "",
    )


def _tsquery(search: TextSearch) -> str:
    """Every word must match: as a prefix as typed, or exactly as one of its corrections."""
    parts = []
    for word in search.words:
        variants = [f"{word}:*" if len(word) >= MIN_TERM else word]
        variants += search.corrections.get(word, [])
        parts.append("(" + " | ".join(variants) + ")")
    return " & ".join(parts)


def text_search_condition(search: TextSearch) -> Q:
    """A condition on Complaint: the words (or their corrections), or the tracking code."""
    condition = Q(tracking_code=search.tracking_code) if search.tracking_code else Q(pk__in=[])
    if not search.words:
        return condition
    if _is_postgres():
        # A constant SQL text; the query words go as a parameter.
        fts = RawSQL(FTS_SQL, [_tsquery(search)], output_field=BooleanField())  # noqa: S611
        return condition | Q(fts)
    words = Q()
    for word in search.words:
        either = Q()
        for variant in [word, *search.corrections.get(word, [])]:
            either |= (
                Q(title__icontains=variant)
                | Q(text__icontains=variant)
                | Q(address__icontains=variant)
            )
        words &= either
    return condition | words


def reporter_ids_matching(query: str, *, limit: int = 200) -> list[int]:
    """Reporters whose phone, email or full name is the query (each lookup indexed).

    The caller decides whether the viewer may search by reporter at all.
    """
    from .services import normalize_phone  # services import this module's callers

    query = query.strip()
    if not query:
        return []
    match = Q(name__iexact=query)
    if "@" in query:
        match |= Q(email__iexact=query)
    if sum(ch.isdigit() for ch in query) >= 6:
        with contextlib.suppress(ValidationError):
            match |= Q(phone=normalize_phone(query))
    return list(Reporter.objects.filter(match).values_list("pk", flat=True)[:limit])


# The vocabulary --------------------------------------------------------------------------


def search_terms_refresh(*, batch: int = 5000, max_batches: int = 40) -> int:
    """Add the words of complaints written or changed since the mark; safe to run twice.

    Returns how many complaints were read. Run by beat every minute and by
    `manage.py search_terms_refresh` (a first fill of a big table takes several runs).
    """
    read = 0
    for _ in range(max_batches):
        done = _refresh_batch(batch)
        read += done
        if done < batch:
            break
    return read


@transaction.atomic
def _refresh_batch(batch: int) -> int:
    mark, _created = SearchTermMark.objects.select_for_update().get_or_create(pk=1)
    rows = Complaint.objects.order_by("updated_at", "id")
    if mark.updated_at is not None:
        rows = rows.filter(
            Q(updated_at__gt=mark.updated_at)
            | Q(updated_at=mark.updated_at, id__gt=mark.complaint_id)
        )
    found = list(rows.values_list("id", "updated_at", "title", "text", "address")[:batch])
    if not found:
        return 0
    words: set[str] = set()
    for _pk, _updated, title, text, address in found:
        words |= document_terms(title, text, address)
    SearchTerm.objects.bulk_create(
        [SearchTerm(word=w) for w in sorted(words)], ignore_conflicts=True, batch_size=2000
    )
    mark.complaint_id, mark.updated_at = found[-1][0], found[-1][1]
    mark.save(update_fields=["complaint_id", "updated_at"])
    return len(found)

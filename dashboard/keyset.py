"""Keyset ("seek") pagination for the staff lists: fast on page 1 and on page 10,000 alike.

A page is "the next N rows after this sort key", answered by the index that holds the
sort (a row comparison `(k1, k2, id) > (v1, v2, w)`), never by OFFSET, which reads and
throws away every row before the page. The cursor in the URL is the last (or first)
row's key, signed so a hand-made value gets a clear 400 instead of a database error.
Nothing counts the whole list: whether a next page exists is one extra row fetched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

_SALT = "sigap.keyset"


@dataclass(frozen=True)
class Sort:
    """An order over non-null keys (annotations or fields), all in one direction, id last."""

    keys: tuple[str, ...]
    descending: bool = False

    def order_by(self) -> list[Any]:
        return [F(k).desc() if self.descending else F(k).asc() for k in self.keys]


@dataclass
class KeysetPage:
    rows: list[Any]
    next_cursor: str  # "" on the last page
    previous_cursor: str  # "" on the first page
    is_first: bool


def _encode(values: Sequence[Any]) -> str:
    tagged = [["dt", v.isoformat()] if isinstance(v, datetime) else ["v", v] for v in values]
    return signing.dumps(tagged, salt=_SALT, compress=True)


def _invalid() -> ValidationError:
    return ValidationError(_("This page link is not valid; start from the first page."))


def _decode(cursor: str, sort: Sort) -> list[Any]:
    try:
        tagged = signing.loads(cursor, salt=_SALT)
    except (signing.BadSignature, ValueError, UnicodeDecodeError) as exc:
        raise _invalid() from exc
    if not isinstance(tagged, list) or len(tagged) != len(sort.keys):
        raise _invalid()
    values = []
    for item in tagged:
        if not (isinstance(item, list) and len(item) == 2):
            raise _invalid()
        kind, value = item
        if kind == "dt":
            value = parse_datetime(value) if isinstance(value, str) else None
            if value is None:
                raise _invalid()
        values.append(value)
    return values


def _key_of(row: Any, sort: Sort) -> list[Any]:
    return [getattr(row, k) for k in sort.keys]


def keyset_page(
    qs: QuerySet[Any], *, sort: Sort, size: int, after: str = "", before: str = ""
) -> KeysetPage:
    """One page of `qs` in `sort` order: after a cursor, before one, or the first page.

    `qs` must already carry the annotations the sort keys name. Raises ValidationError
    for a cursor that was not made here.
    """
    columns = Tuple(*(F(k) for k in sort.keys))
    if before:
        values = _decode(before, sort)
        backwards = Sort(sort.keys, descending=not sort.descending)
        compare = TupleGreaterThan if sort.descending else TupleLessThan
        rows = list(qs.filter(compare(columns, values)).order_by(*backwards.order_by())[: size + 1])
        has_more = len(rows) > size
        rows = list(reversed(rows[:size]))
        if not rows:  # the rows before were deleted: show the first page
            return keyset_page(qs, sort=sort, size=size)
        return KeysetPage(
            rows=rows,
            next_cursor=_encode(_key_of(rows[-1], sort)),
            previous_cursor=_encode(_key_of(rows[0], sort)) if has_more else "",
            is_first=not has_more,
        )
    page_qs = qs.order_by(*sort.order_by())
    if after:
        values = _decode(after, sort)
        compare = TupleLessThan if sort.descending else TupleGreaterThan
        page_qs = page_qs.filter(compare(columns, values))
    rows = list(page_qs[: size + 1])
    has_next = len(rows) > size
    rows = rows[:size]
    return KeysetPage(
        rows=rows,
        next_cursor=_encode(_key_of(rows[-1], sort)) if has_next and rows else "",
        previous_cursor=_encode(_key_of(rows[0], sort)) if after and rows else "",
        is_first=not after,
    )

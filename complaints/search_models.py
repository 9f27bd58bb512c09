"""The vocabulary complaints are written in: what typo-tolerant search corrects a word to.

Imported by complaints.models so Django registers these models in the core app.
"""

from __future__ import annotations

from django.db import models


class SearchTerm(models.Model):
    """One distinct word seen in a complaint's title, text or address (lowercase).

    Search looks a query word up here by similarity when no complaint contains it as
    typed ("jalam" -> "jalan"), then searches for the corrected words with the full-text
    index. A table of distinct words stays small (tens of thousands of rows) while the
    complaints grow to millions, so the fuzzy step never touches the complaint table.
    """

    word = models.CharField(max_length=40, unique=True)

    class Meta:
        verbose_name = "search term"

    def __str__(self) -> str:
        return self.word


class SearchTermMark(models.Model):
    """The high-water mark of the vocabulary: complaints updated up to here are read.

    One row (pk=1). (updated_at, id) so rows updated in the same instant are not skipped.
    """

    updated_at = models.DateTimeField(null=True)
    complaint_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.updated_at} #{self.complaint_id}"

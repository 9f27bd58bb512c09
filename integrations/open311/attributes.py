"""Service attributes (the `metadata=true` service definitions) and their request values.

Sigap's categories ask for no attributes of their own today; the report type
(docs/report-types.md) is the one attribute every service will carry once it lands.
"""

from __future__ import annotations

from typing import Any

from complaints.models import Category, Complaint


def service_attributes(category: Category) -> list[dict[str, Any]]:
    return []


def request_attributes(complaint: Complaint) -> dict[str, Any]:
    return {}


def attribute_fields(attributes: dict[str, list[str]]) -> tuple[dict[str, Any], list[str]]:
    """Posted `attribute[CODE]` values as complaint fields, and the errors (none known yet)."""
    return {}, []

"""Template tags that show integration records on other apps' pages."""

from __future__ import annotations

from django import template

from complaints.models import Complaint

from ..models import LaporLink
from ..selectors import lapor_link_of as _lapor_link_of

register = template.Library()


@register.simple_tag
def lapor_link_of(complaint: Complaint) -> LaporLink | None:
    return _lapor_link_of(complaint)

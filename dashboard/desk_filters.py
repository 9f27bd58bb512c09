"""Search and filters of the desk lists: the inbox, the outbox and the reporters.

The same rules as the complaint queue (dashboard.filters): every filter is a GET
parameter, so a view is a bookmark; an empty field means "any"; a value that does not
parse answers 400 on the same page with the reason; pages are keyset pages
(dashboard.keyset) whose links keep every filter; counts are bounded
(dashboard.queue.bounded_count). The lists are for operators and admins only
(desk_views.desk_required): reporters' contact data never reaches anyone else.

Parameters:
  q          inbox: sender, reply address, a complaint's tracking code, the last error;
             outbox: recipient, text, a complaint's tracking code, the last error;
             reporters: name, email or phone (typed any usual way: 0812..., +62 812-...)
  channel    one channel (reporters: with a complaint from that channel)
  state      inbox / outbox: one processing or delivery state (the counts row)
  date_from, date_to   the day received (inbox), made (outbox) or first seen
             (reporters), YYYY-MM-DD in Asia/Jakarta, both inclusive
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from complaints.models import Channel

from .filters import _without_blanks


@dataclass(frozen=True)
class DeskFilters:
    q: str = ""
    channel: str = ""
    state: str = ""
    date_from: date | None = None
    date_to: date | None = None

    @property
    def active(self) -> bool:
        return bool(self.q or self.channel or self.state or self.date_from or self.date_to)


class DeskFilterForm(forms.Form):
    """The filter bar of a desk list; `states` are the list's states (none: no state)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(
        self,
        data: Any = None,
        *,
        states: Sequence[tuple[str, Any]] = (),
        search_help: str = "",
    ) -> None:
        super().__init__(_without_blanks(data))
        self.fields["channel"].choices = [("", gettext("All")), *Channel.choices]
        if states:
            self.fields["state"].choices = [("", gettext("All")), *states]
        else:
            del self.fields["state"]
        if search_help:
            self.fields["q"].widget.attrs["placeholder"] = search_help

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", gettext("The end date is before the start date."))
        return data


def desk_filters_parse(form: DeskFilterForm) -> DeskFilters:
    """The form's filters; ValidationError naming each bad field when it does not parse."""
    if not form.is_valid():
        raise ValidationError(
            [
                f"{form.fields[name].label if name in form.fields else name}: {' '.join(errors)}"
                for name, errors in form.errors.items()
            ]
        )
    data = form.cleaned_data
    return DeskFilters(
        q=(data.get("q") or "").strip(),
        channel=data.get("channel") or "",
        state=data.get("state") or "",
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )


def day_bounds(filters: DeskFilters) -> tuple[datetime | None, datetime | None]:
    """[start, end) of the filter's days in the site's time zone (Asia/Jakarta)."""

    def midnight(day: date) -> datetime:
        return timezone.make_aware(datetime.combine(day, time.min))

    start = midnight(filters.date_from) if filters.date_from else None
    end = midnight(filters.date_to + timedelta(days=1)) if filters.date_to else None
    return start, end

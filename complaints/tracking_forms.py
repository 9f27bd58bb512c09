"""The tracking page's forms: find a complaint by code and phone, confirm, rate, reopen."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import normalize_phone


class TrackLookupForm(forms.Form):
    """The short code plus the reporter's phone number."""

    code = forms.CharField(
        label=_("Tracking code"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocapitalize": "characters",
                "autocomplete": "off",
                "placeholder": "ABCD-2345",
            }
        ),
    )
    phone = forms.CharField(
        label=_("Phone number used in the complaint"),
        max_length=32,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data["phone"])


# The citizen's answer after "resolved" (the views live in dispositions/views.py). ------

RATING_WORDS = {
    1: _("Very poor"),
    2: _("Poor"),
    3: _("Fair"),
    4: _("Good"),
    5: _("Very good"),
}
RATING_CHOICES = [(n, f"{'★' * n} {n} · {word}") for n, word in RATING_WORDS.items()]
COMMENT_MAX = 1000


def _score_field(*, required: bool) -> forms.TypedChoiceField:
    # Radio buttons work without JavaScript and read well on a screen reader.
    return forms.TypedChoiceField(
        label=_("How satisfied are you with the result?"),
        choices=RATING_CHOICES,
        coerce=int,
        empty_value=None,
        required=required,
        widget=forms.RadioSelect(attrs={"class": "rating-choice"}),
    )


def _comment_field() -> forms.CharField:
    return forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ConfirmForm(forms.Form):
    """Yes, it is fixed; the stars and comment are optional."""

    score = _score_field(required=False)
    comment = _comment_field()


class RateForm(forms.Form):
    """Stars on their own, for a complaint that closed without them."""

    score = _score_field(required=True)
    comment = _comment_field()


class ReopenForm(forms.Form):
    """No, it is not fixed: the agency reads why."""

    reason = forms.CharField(
        label=_("What is still wrong?"),
        max_length=COMMENT_MAX,
        help_text=_("The agency reads this when the complaint comes back to it."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

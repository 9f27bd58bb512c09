"""Operators decide on duplicate suggestions: merge the pair, or dismiss the suggestion.

Detection (which pairs are suggested) is dispositions.duplicates; docs/duplicates.md
has the rules.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import services as complaint_services
from complaints.lifecycle import OPERATOR, Actor, TransitionError, TransitionNotPermitted
from complaints.models import Complaint

from .models import DuplicateLink
from .services import disposition_cancel_open


def _require_operator(*, complaint: Complaint, actor: Actor) -> None:
    if OPERATOR not in actor.capacities(complaint):
        raise TransitionNotPermitted(_("Only an operator may decide on duplicates."))


def _decide(
    links: QuerySet[DuplicateLink], *, state: str, actor: Actor, now: datetime | None = None
) -> int:
    return links.filter(state=DuplicateLink.State.OPEN).update(
        state=state, decided_by=actor.user, decided_at=now or timezone.now()
    )


@transaction.atomic
def complaint_merge(
    *, duplicate: Complaint, into: Complaint, actor: Actor, note: str = ""
) -> Complaint:
    """Merge `duplicate` into `into` in one step (operators only).

    The duplicate goes to the grey "duplicate" status through the lifecycle and follows
    `into` from then on; its open disposition is cancelled so no agency works it twice;
    the suggestion between the two is marked merged. Nothing else is copied.
    """
    complaint_services.complaint_mark_duplicate(
        complaint=duplicate, into=into, actor=actor, note=note
    )
    now = timezone.now()
    disposition_cancel_open(complaint=duplicate, now=now)
    pair = DuplicateLink.objects.filter(
        Q(complaint=duplicate, candidate_of=into) | Q(complaint=into, candidate_of=duplicate)
    )
    _decide(pair, state=DuplicateLink.State.MERGED, actor=actor, now=now)
    return duplicate


@transaction.atomic
def duplicate_link_dismiss(*, link: DuplicateLink, actor: Actor) -> DuplicateLink:
    """An operator says the two complaints are different problems; detection keeps quiet."""
    _require_operator(complaint=link.complaint, actor=actor)
    if not _decide(
        DuplicateLink.objects.filter(pk=link.pk), state=DuplicateLink.State.DISMISSED, actor=actor
    ):
        raise TransitionError(_("This suggestion was already decided."))
    link.refresh_from_db()
    return link

"""reporter_merge: one citizen known by two records becomes one, with every app's rows."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from channels_intake.models import Conversation, ReporterHandle
from complaints import hooks
from complaints.lifecycle import Actor
from complaints.models import Channel, ComplaintEvent, Reporter
from complaints.services import complaint_create, reporter_merge

pytestmark = pytest.mark.django_db


def test_it_moves_complaints_and_channel_handles_and_fills_blanks(world, operator, english):
    keep = Reporter.objects.create(name="Siti Rahma", phone="+6281234567890")
    merge = Reporter.objects.create(name="siti", email="siti@example.id")
    kept_complaint = complaint_create(channel="web", text="Satu", reporter=keep)
    moved = complaint_create(channel="whatsapp", text="Dua", reporter=merge, is_anonymous=True)
    ReporterHandle.objects.create(reporter=merge, channel=Channel.WHATSAPP, handle="ID.123")
    draft = Conversation.objects.create(
        channel=Channel.WHATSAPP,
        sender_id="ID.123",
        reporter=merge,
        closes_at="2030-01-01T00:00:00+07:00",
    )

    result = reporter_merge(keep=keep, merge=merge, actor=Actor.for_user(operator))

    assert not Reporter.objects.filter(pk=merge.pk).exists()
    keep.refresh_from_db()
    assert keep.name == "Siti Rahma"  # never overwritten
    assert keep.email == "siti@example.id"  # filled in
    assert result.filled == ["email"]
    assert result.complaints == [moved]
    moved.refresh_from_db()
    assert moved.reporter == keep
    assert ReporterHandle.objects.get().reporter == keep
    draft.refresh_from_db()
    assert draft.reporter == keep
    assert result.moved == {
        "complaints.Complaint": 1,
        "channels_intake.ReporterHandle": 1,
        "channels_intake.Conversation": 1,
    }
    note = moved.events.get(action="merge_reporter")
    assert note.kind == ComplaintEvent.Kind.NOTE
    assert not note.is_public
    assert note.actor == operator
    # The note names record numbers only: agencies read it, the reporter may be anonymous.
    assert "siti" not in note.note.lower()
    assert not kept_complaint.events.filter(action="merge_reporter").exists()


def test_it_announces_the_merge_after_commit(
    world, operator, monkeypatch, django_capture_on_commit_callbacks
):
    heard = []
    monkeypatch.setitem(hooks._handlers, hooks.REPORTER_MERGED, [lambda **kw: heard.append(kw)])
    keep = Reporter.objects.create(phone="+6281234567890")
    merge = Reporter.objects.create(phone="+6281234567891")
    with django_capture_on_commit_callbacks(execute=True):
        reporter_merge(keep=keep, merge=merge, actor=Actor.for_user(operator))
    assert heard == [{"reporter_id": keep.pk, "merged_id": merge.pk}]


def test_it_refuses_to_merge_a_reporter_with_itself_or_a_gone_one(world, operator, english):
    keep = Reporter.objects.create(name="A")
    with pytest.raises(ValidationError, match="itself"):
        reporter_merge(keep=keep, merge=keep, actor=Actor.for_user(operator))
    gone = Reporter.objects.create(name="B")
    Reporter.objects.filter(pk=gone.pk).delete()
    with pytest.raises(ValidationError, match="no longer exists"):
        reporter_merge(keep=keep, merge=gone, actor=Actor.for_user(operator))
    assert Reporter.objects.filter(pk=keep.pk).exists()

"""complaint_reporter_edit: the edit reaches the text, the history stays, the status never moves."""

from __future__ import annotations

from complaints.lifecycle import Actor, complaint_transition
from complaints.models import ComplaintEvent, Status
from complaints.services import complaint_create, complaint_reporter_edit


def test_it_updates_the_text_and_its_title_and_keeps_the_earlier_text(world, english):
    complaint = complaint_create(channel="facebook", text="Lampu jalan mati")
    event = complaint_reporter_edit(complaint=complaint, text="  Lampu jalan mati di RT 05  ")
    complaint.refresh_from_db()
    assert complaint.text == complaint.title == "Lampu jalan mati di RT 05"
    assert (event.kind, event.action, event.actor_label) == (
        ComplaintEvent.Kind.NOTE,
        "reporter_edit",
        "citizen",
    )
    assert event.note == "The reporter edited the text. Before: Lampu jalan mati"
    assert not event.is_public
    assert event.from_status == event.to_status == complaint.status


def test_it_never_changes_the_status(world, operator):
    complaint = complaint_create(channel="instagram", text="Trotoar rusak")
    complaint_transition(
        complaint=complaint,
        action="reject",
        actor=Actor.for_user(operator),
        note="Bukan kewenangan",
    )
    complaint.refresh_from_db()
    assert complaint.status == Status.REJECTED
    complaint_reporter_edit(complaint=complaint, text="Trotoar rusak parah")
    complaint.refresh_from_db()
    assert complaint.status == Status.REJECTED
    assert complaint.text == "Trotoar rusak parah"


def test_an_empty_or_unchanged_edit_does_nothing(world):
    complaint = complaint_create(
        channel="facebook", text="Sampah menumpuk", title="Sampah di Braga"
    )
    assert complaint_reporter_edit(complaint=complaint, text="   ") is None
    assert complaint_reporter_edit(complaint=complaint, text="Sampah menumpuk") is None
    complaint_reporter_edit(complaint=complaint, text="Sampah menumpuk di Braga")
    complaint.refresh_from_db()
    assert complaint.title == "Sampah di Braga"  # a title someone wrote is not replaced
    assert ComplaintEvent.objects.filter(action="reporter_edit").count() == 1

"""Output of the dispositions API: what a staff member may do with one complaint."""

from __future__ import annotations

from rest_framework import serializers

from complaints.lifecycle import TRANSITIONS

ACTION_CHOICES = list(TRANSITIONS)


class ComplaintActionsOutputSerializer(serializers.Serializer):
    tracking_code = serializers.CharField()
    available_actions = serializers.ListField(child=serializers.ChoiceField(ACTION_CHOICES))

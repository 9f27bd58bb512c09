"""Who sees which figures: a ReportScope is the set of complaints a report may count."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from complaints.models import Agency, Area, Complaint, User


@dataclass(frozen=True)
class ReportScope:
    """agency_ids None = every agency; area_code "" = the whole tree.

    `personal` is False for the public scope: no section ever shows a reporter, and the
    public one also hides confidential complaints' areas and texts (none are shown).
    """

    agency_ids: frozenset[int] | None = None
    area_code: str = ""
    personal: bool = True

    @classmethod
    def for_user(cls, user: User) -> ReportScope | None:
        """The scope of `user`, or None when the user may not read reports."""
        if not (user.is_authenticated and user.is_active):
            return None
        if user.is_superuser or user.role == User.Role.ADMIN:
            return cls()
        if user.role == User.Role.AGENCY_HEAD and user.agency_id:
            # The head's agency and every agency under it (any depth).
            ids = {user.agency_id}
            frontier = {user.agency_id}
            while frontier:
                frontier = (
                    set(Agency.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
                    - ids
                )
                ids |= frontier
            return cls(agency_ids=frozenset(ids))
        if user.role == User.Role.AGENCY_STAFF and user.agency_id:
            return cls(agency_ids=frozenset({user.agency_id}))
        if user.role in (User.Role.SUPERVISOR, User.Role.OPERATOR):
            return cls(area_code=user.area.code if user.area_id else "")
        return None

    @classmethod
    def public_scope(cls) -> ReportScope:
        """City-wide figures for the public statistics page: counts only, no personal data."""
        return cls(personal=False)

    def complaint_q(self, prefix: str = "") -> Q:
        q = Q()
        if self.agency_ids is not None:
            q &= Q(**{f"{prefix}agency_id__in": sorted(self.agency_ids)})
        if self.area_code:
            q &= Q(**{f"{prefix}area__code": self.area_code}) | Q(
                **{f"{prefix}area__code__startswith": f"{self.area_code}."}
            )
        return q

    def agencies(self) -> QuerySet[Agency]:
        qs = Agency.objects.all()
        if self.agency_ids is not None:
            qs = qs.filter(id__in=self.agency_ids)
        return qs.order_by("name")

    def allows_agency(self, agency_id: int) -> bool:
        return self.agency_ids is None or agency_id in self.agency_ids

    def allows_area(self, area: Area) -> bool:
        if not self.area_code:
            return True
        return area.code == self.area_code or area.code.startswith(f"{self.area_code}.")

    def complaints(self) -> QuerySet[Complaint]:
        return Complaint.objects.filter(self.complaint_q())

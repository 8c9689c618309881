from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "cunzhan.supervision"
    verbose_name = "督查"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from cunzhan.core.scoping import ScopePaths, register
        from cunzhan.supervision import models as m

        through_station = ScopePaths(
            region="station__region__code", operating_unit="station__operating_unit", station="station"
        )
        through_inspection = ScopePaths(
            region="inspection__station__region__code",
            operating_unit="inspection__station__operating_unit",
            station="inspection__station",
        )
        for model in (m.Inspection, m.Complaint, m.SupervisionEvent):
            register(model, through_station)
        for model in (m.InspectionRating, m.InspectionPhoto):
            register(model, through_inspection)
        for model in (m.Inspection, m.InspectionRating, m.InspectionPhoto, m.Complaint, m.SupervisionEvent):
            auditlog.register(model)
        # an inspection of a published half-year entered after its publication is marked 补录 (its page)
        from cunzhan.core import late_entries

        late_entries.register(
            m.Inspection,
            late_entries.Kind(
                county="station__county_code",
                day="inspected_at",
                entered_at="created_at",
                entered_by="inspector",
                day_is_moment=True,
            ),
        )

from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "cunzhan.activities"
    verbose_name = "培训与营销活动"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from cunzhan.activities import models as m
        from cunzhan.core import late_entries
        from cunzhan.core.scoping import ScopePaths, register

        # county-wide events: everyone in the county sees them, a keeper those its station must attend
        county_event = ScopePaths(region="county__code", station="required_stations", county_level=True)
        register(m.Training, county_event)
        register(m.MarketingActivity, county_event)
        through_station = ScopePaths(
            region="station__region__code", operating_unit="station__operating_unit", station="station"
        )
        for model in (m.Attendance, m.Participation, m.ActivityReport, m.GuidanceVisit):
            register(model, through_station)
        for model in (m.Training, m.MarketingActivity):
            auditlog.register(model, m2m_fields={"required_stations"})
        for model in (m.Attendance, m.Participation, m.ActivityReport, m.GuidanceVisit):
            auditlog.register(model)
        # records of a published half-year entered after its publication are marked 补录 (cunzhan.core.late_entries)
        for model, event, entered_at, entered_by in (
            (m.Attendance, "training", "recorded_at", "recorded_by"),
            (m.Participation, "activity", "recorded_at", "recorded_by"),
            (m.ActivityReport, "activity", "submitted_at", "submitted_by"),
        ):
            late_entries.register(
                model,
                late_entries.Kind(
                    county=f"{event}__county_id",
                    day=f"{event}__start_date",
                    entered_at=entered_at,
                    entered_by=entered_by,
                ),
            )
        # the county-wide events themselves (their pages' mark; their stations' records carry the diff)
        for model in (m.Training, m.MarketingActivity):
            late_entries.register(
                model,
                late_entries.Kind(
                    county="county_id", day="start_date", entered_at="created_at", entered_by="created_by", station="pk"
                ),
            )

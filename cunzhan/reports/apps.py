from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "cunzhan.reports"
    verbose_name = "报表"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from cunzhan.core import late_entries
        from cunzhan.core.scoping import ScopePaths, register
        from cunzhan.reports import models as m

        register(
            m.Report,
            ScopePaths(region="station__region__code", operating_unit="station__operating_unit", station="station"),
        )
        register(
            m.ReportVersion,
            ScopePaths(
                region="report__station__region__code",
                operating_unit="report__station__operating_unit",
                station="report__station",
            ),
        )
        # county-level records: station and operating-unit roles fall back to their region
        for model in (m.ReportSettings, m.AdhocRequest, m.UpwardTransmission):
            register(model, ScopePaths(region="county__code"))
        for model in (m.Report, m.ReportVersion, m.ReportSettings, m.AdhocRequest, m.UpwardTransmission):
            auditlog.register(model, exclude_fields=["payload", "data"])
        from cunzhan.reports import jobs  # noqa: F401  registers the reports' kinds of long work

        # a report submitted after its half-year's assessment was published is marked 补录; it belongs to the
        # half-year of its due time, as the assessment counts it
        late_entries.register(
            m.Report,
            late_entries.Kind(
                county="county_code",
                day="due_at",
                entered_at="first_submitted_at",
                entered_by="first_submitted_by",
                day_is_moment=True,
            ),
        )

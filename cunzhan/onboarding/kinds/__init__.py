"""The importers, one per kind of past record (:class:`cunzhan.onboarding.models.HistoryKind`)."""

from __future__ import annotations

from cunzhan.onboarding.importing import HistoryImporter
from cunzhan.onboarding.kinds.attendance import AttendanceImporter
from cunzhan.onboarding.kinds.faults import FaultsImporter
from cunzhan.onboarding.kinds.inspections import InspectionsImporter
from cunzhan.onboarding.kinds.participation import ParticipationImporter
from cunzhan.onboarding.kinds.reports import ReportsImporter

IMPORTERS: dict[str, HistoryImporter] = {
    importer.kind: importer
    for importer in (
        ReportsImporter(),
        InspectionsImporter(),
        AttendanceImporter(),
        ParticipationImporter(),
        FaultsImporter(),
    )
}

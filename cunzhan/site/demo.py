"""Demo data: 佳县 (610828) and 寻乌县 (360734), marked as demo. Idempotent.

Each app contributes a loader; later issues add their records here in order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction


@dataclass
class DemoContext:
    write: Callable[[str], None]
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, scope
    objects: dict = field(default_factory=dict)


def loaders() -> list[Callable[[DemoContext], None]]:
    from cunzhan.accounts.demo import load_accounts
    from cunzhan.activities.demo import load_activities
    from cunzhan.assessment.demo import load_assessment
    from cunzhan.ledgers.demo import load_ledgers
    from cunzhan.notices.demo import load_notices
    from cunzhan.regions.demo import load_regions
    from cunzhan.reports.demo import load_reports
    from cunzhan.stations.demo import load_stations
    from cunzhan.supervision.demo import load_supervision

    return [
        load_regions,
        load_stations,
        load_ledgers,
        load_accounts,
        load_reports,
        load_activities,
        load_supervision,
        load_assessment,
        load_notices,
    ]


@transaction.atomic
def load(write: Callable[[str], None]) -> DemoContext:
    ctx = DemoContext(write=write)
    for loader in loaders():
        loader(ctx)
    return ctx

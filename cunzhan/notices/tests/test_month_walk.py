"""A month of the monthly report, walked at frozen times with the scheduler run every hour and every
minute around each moment that matters, by the service and by the command in turn (the scheduler keeps
no state but the notices themselves: each call is a restart): the reminders before the 5th, none after a
report submitted at 23:59:59 on the 5th, 逾期未报 on the 6th to the keeper who has not submitted and to the
operating unit and the county office, and 漏报 after the end of the next month — each exactly once."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from cunzhan.notices.models import Notice
from cunzhan.notices.services import notices_generate
from cunzhan.notices.tests.conftest import at
from cunzhan.reports import services as report_services
from cunzhan.reports.models import ReportSettings
from cunzhan.reports.status import monthly_period

NOVEMBER = "monthly:2026-11"


def walk_moments():
    """Every 12 hours from 1 December to 2 January, every 2 hours on the days a phase begins (and the
    5th), and every minute around 09:00 on those days and around midnight at the deadline."""
    moments = set()
    moment = at(2026, 12, 1)
    while moment <= at(2027, 1, 2, 12):
        moments.add(moment)
        moment += timedelta(hours=12)
    for day in (at(2026, 12, 2), at(2026, 12, 4), at(2026, 12, 5), at(2026, 12, 6), at(2027, 1, 1)):
        moments.update(day + timedelta(hours=h) for h in range(0, 24, 2))
    for day in (at(2026, 12, 2), at(2026, 12, 4), at(2026, 12, 6), at(2027, 1, 1)):
        for minute in range(-3, 4):
            moments.add(day + timedelta(hours=9, minutes=minute))
    for minute in range(-3, 4):
        moments.add(at(2026, 12, 6) + timedelta(minutes=minute))
    return sorted(moments)


def run_scheduler(moment, turn):
    if turn % 2:
        call_command("remind", "--at", moment.strftime("%Y-%m-%d %H:%M:%S"), stdout=StringIO())
    else:
        notices_generate(at=moment)


def november(world):
    return monthly_period(ReportSettings.for_county("610828"), 2026, 11)


@pytest.mark.django_db
def test_a_month_of_the_monthly_report_tells_each_person_each_thing_exactly_once(world, second_keeper):
    ReportSettings.objects.create(county=world.regions["610828"], weekly_enabled=False)
    seen_at = {}
    for turn, moment in enumerate(walk_moments()):
        if moment == at(2026, 12, 5, 22):
            # the keeper of 高家坬村站 submits at the last second
            with time_machine.travel(at(2026, 12, 5, 23, 59, 59), tick=False):
                report = report_services.report_obtain(station=world.station_keng, period=november(world))
                report_services.report_submit(acting_user=world.keeper, report=report, revision=report.revision)
        run_scheduler(moment, turn)
        if moment.minute == 0 and moment.hour == 9:
            run_scheduler(moment, turn + 1)  # twice at the same moment: the second tells nobody anything
        for notice in Notice.objects.filter(subject__startswith=NOVEMBER, county_code="610828"):
            seen_at.setdefault(notice.pk, moment)

    made = {
        (n.recipient.username, n.kind, n.subject.removeprefix(NOVEMBER), n.phase, seen_at[n.pk])
        for n in Notice.objects.filter(subject__startswith=NOVEMBER, county_code="610828").select_related("recipient")
    }
    keng, dian = f":{world.station_keng.pk}", f":{world.station_dian.pk}"
    assert made == {
        # 3 days and 1 day before the 5th, at 09:00: to both keepers (neither has submitted yet)
        ("keeper", "report_due", keng, "before-3", at(2026, 12, 2, 9)),
        ("keeper2", "report_due", dian, "before-3", at(2026, 12, 2, 9)),
        ("keeper", "report_due", keng, "before-1", at(2026, 12, 4, 9)),
        ("keeper2", "report_due", dian, "before-1", at(2026, 12, 4, 9)),
        # the 6th: 逾期未报 to the keeper who has not submitted, digests to the unit and the county office;
        # nothing to the keeper who submitted at 23:59:59 on the 5th
        ("keeper2", "report_late", dian, "late", at(2026, 12, 6, 9)),
        ("operator", "report_digest", "", "late", at(2026, 12, 6, 9)),
        ("county", "report_digest", "", "late", at(2026, 12, 6, 9)),
        # after the end of the next month: 漏报
        ("keeper2", "report_missed", dian, "missed", at(2027, 1, 1, 9)),
        ("operator", "report_digest", "", "missed", at(2027, 1, 1, 9)),
        ("county", "report_digest", "", "missed", at(2027, 1, 1, 9)),
    }
    digest = Notice.objects.get(recipient=world.operator, subject=NOVEMBER, phase="late")
    assert digest.params["count"] == 1
    assert digest.params["behind"] == [{"name": "店镇", "count": 1}]

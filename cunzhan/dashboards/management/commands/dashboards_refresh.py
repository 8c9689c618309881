"""Bring the dashboards' monthly aggregates up to date; ``--full`` rebuilds them from the ledgers
(run nightly: it repairs any drift, e.g. from a transaction that committed long after taking its ids)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from cunzhan.ledgers.aggregates import rebuild_county, refresh_county
from cunzhan.stations.models import Station


class Command(BaseCommand):
    help = "刷新看板的站点月度汇总（--full 从台账全部重算）"

    def add_arguments(self, parser):
        parser.add_argument("--county", action="append", help="县级区划代码，可重复；默认全部")
        parser.add_argument("--full", action="store_true", help="从台账全部重算")

    def handle(self, *args, county=None, full=False, **options):
        counties = county or sorted(set(Station.objects.values_list("county_code", flat=True)))
        for code in counties:
            n = rebuild_county(code) if full else refresh_county(code)
            self.stdout.write(f"{code}: {n} 个站点月份已重算")

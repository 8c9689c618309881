from django.apps import AppConfig


class LedgersConfig(AppConfig):
    name = "cunzhan.ledgers"
    verbose_name = "台账"

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.db.models.signals import post_migrate

        from cunzhan.core import late_entries
        from cunzhan.core.scoping import ScopePaths, register
        from cunzhan.ledgers.models import ENTRY_MODELS, ImportBatch, StationMonth

        paths = ScopePaths(
            region="station__region__code",
            operating_unit="station__operating_unit",
            station="station",
            county="county_code",
        )
        # an entry dated in a published half-year and recorded after its publication is marked 补录
        late = late_entries.Kind(
            county="county_code", day="occurred_on", entered_at="recorded_at", entered_by="created_by"
        )
        for model in ENTRY_MODELS:
            register(model, paths)
            auditlog.register(model, exclude_fields=["version"])
            late_entries.register(model, late)
        # a batch may span stations: its region is the common region of its stations
        register(ImportBatch, ScopePaths(region="region_code", station="station"))
        auditlog.register(ImportBatch)
        register(
            StationMonth,
            ScopePaths(region="station__region__code", operating_unit="station__operating_unit", station="station"),
        )
        post_migrate.connect(_partitions_ahead, sender=self)
        from cunzhan.ledgers import jobs  # noqa: F401  registers the ledgers' kinds of long work


def _partitions_ahead(sender, using="default", **kwargs) -> None:
    """After every migrate: the ledgers' monthly partitions exist up to ``LEDGER_PARTITIONS_AHEAD`` months ahead."""
    from django.db import connections

    from cunzhan.ledgers import partitions

    partitions.ensure(connection=connections[using])

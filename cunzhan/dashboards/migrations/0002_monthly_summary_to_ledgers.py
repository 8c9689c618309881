"""The monthly summary's models now belong to the ledgers (ledgers migration 0008 renamed the tables)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0001_initial"),
        ("ledgers", "0008_monthly_summary_from_dashboards"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="StationMonth"), migrations.DeleteModel(name="AggregateState")]
        )
    ]

"""Purchases, sales and services: one unique index (station, date, row key, county) serves both the
row keys and the per-station reads, instead of a key index and a station index. Parcels keep both:
their key (carrier and tracking number) is looked up by itself."""

from django.conf import settings
from django.db import migrations, models

LEDGERS = ["proxypurchase", "proxysale", "convenienceservice"]


class Migration(migrations.Migration):

    dependencies = [
        ("ledgers", "0003_partitioned_by_month"),
        ("stations", "0004_station_edited_at_station_edited_by_station_version"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # the new key first, so that the rows are never without one
        *(
            migrations.AddConstraint(
                model_name=name,
                constraint=models.UniqueConstraint(
                    fields=("station", "occurred_on", "row_key", "county_code"), name=f"{name}_key"
                ),
            )
            for name in LEDGERS
        ),
        *(migrations.RemoveConstraint(model_name=name, name=f"{name}_row_key") for name in LEDGERS),
        *(migrations.RemoveIndex(model_name=name, name=f"{name}_st_date") for name in LEDGERS),
    ]

"""The ledgers' monthly summary (StationMonth, AggregateState) moves from the dashboards app, which only
reads it, to the ledgers it summarises. The tables are renamed, their rows, keys and indexes kept; the
dashboards app forgets the models in its own migration 0002."""

import django.db.models.deletion
from django.db import migrations, models

RENAMES = [("dashboards_stationmonth", "ledgers_stationmonth"), ("dashboards_aggregatestate", "ledgers_aggregatestate")]

AMOUNT = {"decimal_places": 2, "default": 0, "max_digits": 16}


class Migration(migrations.Migration):
    dependencies = [
        ("ledgers", "0007_entry_version"),
        ("dashboards", "0001_initial"),
        ("stations", "0003_registry_lifecycle_assets"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=[f'ALTER TABLE "{old}" RENAME TO "{new}"' for old, new in RENAMES],
                    reverse_sql=[f'ALTER TABLE "{new}" RENAME TO "{old}"' for old, new in RENAMES],
                )
            ],
            state_operations=[
                migrations.CreateModel(
                    name="AggregateState",
                    fields=[
                        ("county_code", models.CharField(max_length=6, primary_key=True, serialize=False, verbose_name="县级区划代码")),
                        ("purchase_id", models.BigIntegerField(default=0)),
                        ("sale_id", models.BigIntegerField(default=0)),
                        ("parcel_id", models.BigIntegerField(default=0)),
                        ("service_id", models.BigIntegerField(default=0)),
                        ("log_id", models.BigIntegerField(default=0)),
                        ("refreshed_at", models.DateTimeField(blank=True, null=True, verbose_name="刷新时间")),
                    ],
                    options={"verbose_name": "汇总进度", "verbose_name_plural": "汇总进度"},
                ),
                migrations.CreateModel(
                    name="StationMonth",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("county_code", models.CharField(max_length=6, verbose_name="县级区划代码")),
                        ("month", models.DateField(verbose_name="月份")),
                        ("purchase_orders", models.PositiveIntegerField(default=0, verbose_name="代购单数")),
                        ("purchase_amount", models.DecimalField(verbose_name="代购金额", **AMOUNT)),
                        ("sale_orders", models.PositiveIntegerField(default=0, verbose_name="代销单数")),
                        ("sale_amount", models.DecimalField(verbose_name="代销金额", **AMOUNT)),
                        ("farm_orders", models.PositiveIntegerField(default=0, verbose_name="农产品上行单数")),
                        ("farm_amount", models.DecimalField(verbose_name="农产品上行金额", **AMOUNT)),
                        ("parcels_in", models.PositiveIntegerField(default=0, verbose_name="快递收件")),
                        ("parcels_out", models.PositiveIntegerField(default=0, verbose_name="快递寄件")),
                        ("services", models.PositiveIntegerField(default=0, verbose_name="便民服务次数")),
                        ("services_amount", models.DecimalField(verbose_name="便民服务金额", **AMOUNT)),
                        (
                            "station",
                            models.ForeignKey(
                                db_index=False,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="stations.station",
                                verbose_name="服务站",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "站点月度汇总",
                        "verbose_name_plural": "站点月度汇总",
                        "indexes": [models.Index(fields=["county_code", "month"], name="station_month_county")],
                        "constraints": [models.UniqueConstraint(fields=("station", "month"), name="station_month_unique")],
                    },
                ),
            ],
        )
    ]

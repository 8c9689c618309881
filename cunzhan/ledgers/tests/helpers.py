"""Small builders shared by the ledger tests."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from cunzhan.core.privacy import id_check_character
from cunzhan.ledgers.specs import spec_for


def id_number(first17: str = "61082819900101123") -> str:
    return first17 + id_check_character(first17)


GOOD_ID = id_number()


def write_xlsx(path: Path, header: list[str], rows: list[list]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, header)
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if isinstance(value, date):
                sheet.write_datetime(r, c, value, date_format)
            elif isinstance(value, str):
                sheet.write_string(r, c, value)
            elif value is None:
                continue
            else:
                sheet.write(r, c, value)
    book.close()
    return path


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def purchase_rows(station: str = "JX-0001") -> list[list]:
    return [
        [station, date(2025, 3, 1), "复合肥 50kg", 2, 236.5, "拼多多", "张三", "13800001234", GOOD_ID],
        [station, date(2025, 3, 2), "玉米种子", 10, 80, "淘宝", "", "", ""],
        [station, date(2025, 3, 2), "玉米种子", 10, 80, "淘宝", "", "", ""],  # a second, identical sale
        [station, date(2025, 3, 5), "洗衣液", 1, 39.9, "京东", "李四", "13912345678", ""],
    ]


PURCHASE_HEADER = spec_for("purchase").headers
AMOUNT = Decimal


def record_parcel(world, tracking_no: str, arrived_at, **fields):
    """A parcel received at 坑镇's village station, recorded by its keeper through the service."""
    from cunzhan.ledgers import services

    return services.entry_create(
        acting_user=world.keeper,
        kind="parcel",
        station=world.station_keng,
        direction="in",
        carrier="中通",
        tracking_no=tracking_no,
        arrived_at=arrived_at,
        **fields,
    )

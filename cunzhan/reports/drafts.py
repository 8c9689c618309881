"""A report's draft, aggregated from the station's ledgers by the database, and the keeper's
corrections applied to it.

A report document (``format: cunzhan-report/1``) is a list of lines of one shape::

    {"key": "purchase|化肥|拼多多", "section": "purchase", "label": "化肥 · 拼多多",
     "count": 3, "quantity": "5.000", "amount": "123.45", ...section fields}

Amounts are Decimal strings with two places, quantities with three: a draft matches the ledger
sums to the fen. A corrected line keeps the drafted values under ``draft`` and the ``reason``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum
from django.utils import timezone

from cunzhan.core.money import quantize, round_money
from cunzhan.ledgers.models import ConvenienceService, Direction, Parcel, ProxyPurchase, ProxySale, ServiceKind

FORMAT = "cunzhan-report/1"
SECTIONS = ("purchase", "sale", "parcel", "service")


def money(value: Decimal | int | str | None) -> str:
    return str(round_money(value))


def qty(value: Decimal | int | str | None) -> str:
    return str(quantize(value, 3))


def build_lines(station_id: int, start: date, end: date) -> list[dict[str, Any]]:
    """Four grouped aggregate queries over the ledgers for [start, end] (``occurred_on``)."""
    span = {"station_id": station_id, "occurred_on__gte": start, "occurred_on__lte": end}
    lines: list[dict[str, Any]] = []
    purchases = (
        ProxyPurchase.objects.filter(**span)
        .values("product_name", "platform")
        .annotate(n=Count("id"), q=Sum("quantity"), a=Sum("amount"))
        .order_by("product_name", "platform")
    )
    for row in purchases:
        lines.append(
            {
                "key": f"purchase|{row['product_name']}|{row['platform']}",
                "section": "purchase",
                "label": f"{row['product_name']} · {row['platform']}",
                "product_name": row["product_name"],
                "platform": row["platform"],
                "count": row["n"],
                "quantity": qty(row["q"]),
                "amount": money(row["a"]),
            }
        )
    sales = (
        ProxySale.objects.filter(**span)
        .values("product_name", "platform", "via_county_centre", "farm_product")
        .annotate(n=Count("id"), q=Sum("quantity"), a=Sum("amount"))
        .order_by("product_name", "platform", "via_county_centre", "farm_product")
    )
    for row in sales:
        channel = "县公共服务中心" if row["via_county_centre"] else row["platform"]
        lines.append(
            {
                "key": f"sale|{row['product_name']}|{row['platform']}|{int(row['via_county_centre'])}"
                f"|{int(row['farm_product'])}",
                "section": "sale",
                "label": f"{row['product_name']} · {channel or '—'}",
                "product_name": row["product_name"],
                "platform": row["platform"],
                "via_county_centre": row["via_county_centre"],
                "farm_product": row["farm_product"],
                "count": row["n"],
                "quantity": qty(row["q"]),
                "amount": money(row["a"]),
            }
        )
    parcels = dict(Parcel.objects.filter(**span).values_list("direction").annotate(n=Count("id")).order_by())
    for direction in Direction:
        lines.append(
            {
                "key": f"parcel|{direction.value}",
                "section": "parcel",
                "label": str(direction.label),
                "direction": direction.value,
                "count": parcels.get(direction.value, 0),
                "quantity": None,
                "amount": None,
            }
        )
    services = {
        row["service_kind"]: row
        for row in ConvenienceService.objects.filter(**span)
        .values("service_kind")
        .annotate(n=Count("id"), a=Sum("amount"))
        .order_by()
    }
    for kind in ServiceKind:
        row = services.get(kind.value, {"n": 0, "a": 0})
        lines.append(
            {
                "key": f"service|{kind.value}",
                "section": "service",
                "label": str(kind.label),
                "service_kind": kind.value,
                "count": row["n"],
                "quantity": None,
                "amount": money(row["a"]),
            }
        )
    return lines


def totals(lines: list[dict[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for section in SECTIONS:
        chosen = [line for line in lines if line["section"] == section]
        result[section] = {
            "count": sum(line["count"] for line in chosen),
            "amount": money(sum((Decimal(line["amount"] or 0) for line in chosen), Decimal(0))),
        }
    result["parcel"]["in"] = sum(line["count"] for line in lines if line.get("direction") == Direction.IN)
    result["parcel"]["out"] = sum(line["count"] for line in lines if line.get("direction") == Direction.OUT)
    del result["parcel"]["amount"]
    return result


def apply_corrections(lines: list[dict[str, Any]], corrections: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The lines with the keeper's corrections: the drafted values move under ``draft``."""
    corrected = []
    for line in lines:
        fix = corrections.get(line["key"])
        if not fix:
            corrected.append(line)
            continue
        draft = line.get("draft") or {f: line[f] for f in ("count", "quantity", "amount")}
        new = {**line, "draft": draft, "reason": fix["reason"]}
        new["count"] = int(fix["count"])
        if line["quantity"] is not None and fix.get("quantity") not in (None, ""):
            new["quantity"] = qty(fix["quantity"])
        if line["amount"] is not None and fix.get("amount") not in (None, ""):
            new["amount"] = money(fix["amount"])
        corrected.append(new)
    return corrected


def document(
    *, station_code: str, kind: str, start: date, end: date, lines: list[dict[str, Any]], text: str = ""
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "station": station_code,
        "kind": kind,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "drafted_at": timezone.now().isoformat(),
        "text": text,
        "lines": lines,
        "totals": totals(lines),
    }

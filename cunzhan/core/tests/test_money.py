"""One rounding rule (DOMAIN.md: 2 places, ROUND_HALF_UP): computed money and scores round half up
through cunzhan.core.money, and so does an entered amount with more places than it keeps, on every entry
path (page, API, import): 1.005 yuan is kept as 1.01."""

from __future__ import annotations

import ast
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from cunzhan.assessment.engine.scheme import load_scheme
from cunzhan.core.money import (
    as_decimal,
    format_fixed,
    format_money,
    format_quantity,
    format_score,
    has_more_places,
    quantize,
    round_entered,
    round_money,
    round_score,
    yuan,
)
from cunzhan.ledgers.models import ProxyPurchase
from cunzhan.ledgers.tests.helpers import PURCHASE_HEADER, write_csv

PACKAGE = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1.005"), Decimal("1.01")),  # half-even would give 1.00
        (Decimal("1.015"), Decimal("1.02")),
        (Decimal("-1.005"), Decimal("-1.01")),
        (1.005, Decimal("1.01")),  # a float read through its shortest text, not 1.00499999…
        (282890.87000000000, Decimal("282890.87")),  # as SQLite returns a sum
        ("2.675", Decimal("2.68")),
        (None, Decimal("0.00")),
        (7, Decimal("7.00")),
    ],
)
def test_money_and_scores_round_half_up(value, expected):
    assert round_money(value) == expected and str(round_money(value)) == str(expected)
    assert round_score(value) == expected


def test_other_places_and_the_more_places_check():
    assert quantize("0.0005", 3) == Decimal("0.001")
    assert as_decimal(0.1) == Decimal("0.1")
    assert has_more_places(Decimal("1.005"), 2) and not has_more_places(Decimal("1.50"), 2)


def test_the_engine_and_the_boards_round_half_up():
    scheme = load_scheme("jia-2020")
    assert scheme.round(Decimal("3.425")) == Decimal("3.43")  # e.g. 10 × 137 / 400
    assert yuan(Decimal("10050")) == "1.01万元" and yuan(1.005) == "1.01元"


def _code() -> list[Path]:
    """The product's and the benchmarks' modules, outside migrations, tests and the helper itself."""
    paths = [*PACKAGE.rglob("*.py"), *(PACKAGE.parent / "benchmarks").glob("*.py")]
    return [p for p in paths if not ({"migrations", "tests"} & set(p.parts)) and p.name != "money.py"]


def test_no_rounding_outside_the_helper():
    """Every quantize in the code is cunzhan.core.money's (a bare one rounds half to even)."""
    bare = []
    for path in _code():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "quantize":
                bare.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert bare == []


NEW = {"station": "JX-0001", "occurred_on": "2025-03-01", "product_name": "复合肥", "quantity": "1", "platform": "淘宝"}


# entered → kept: half up at the fen, including the cases half-even and binary floats get wrong
BOUNDARY = [("1.005", "1.01"), ("1.004", "1.00"), ("2.675", "2.68")]


@pytest.mark.parametrize(("entered", "kept"), BOUNDARY)
def test_an_amount_with_more_places_is_rounded_half_up_on_every_entry_path(world, client, tmp_path, entered, kept):
    """DOMAIN.md: amounts are yuan with 2 places, ROUND_HALF_UP — on entry as in computation: the API,
    the page and the import keep the same fen."""
    client.force_login(world.keeper)
    api = client.post("/api/v1/ledgers/purchase", {**NEW, "amount": entered}, "application/json")
    assert api.status_code == 201 and api.json()["amount"] == kept
    as_number = client.post("/api/v1/ledgers/purchase", {**NEW, "amount": float(entered)}, "application/json")
    assert as_number.status_code == 201 and as_number.json()["amount"] == kept  # a JSON number, not 2.67499…
    page = client.post(
        "/ledgers/purchase/new/",
        {"s-station": world.station_keng.pk, **{k: v for k, v in NEW.items() if k != "station"}, "amount": entered},
    )
    assert page.status_code == 302
    row = ["JX-0001", date(2025, 3, 2).isoformat(), "复合肥", "1", entered, "淘宝", "", "", ""]
    imported = client.post(
        "/api/v1/ledgers/purchase/import", {"file": write_csv(tmp_path / "a.csv", PURCHASE_HEADER, [row]).open("rb")}
    )
    assert imported.status_code == 200, imported.content
    assert [str(a) for a in ProxyPurchase.objects.order_by("pk").values_list("amount", flat=True)] == [kept] * 4


def test_an_amount_is_rounded_where_it_is_parsed_and_where_it_is_typed():
    from cunzhan.core.forms import MoneyField
    from cunzhan.ledgers.parsing import parse_amount

    field = MoneyField(min_value=0, decimal_places=2, max_digits=14)
    for entered, kept in BOUNDARY:
        assert parse_amount(entered) == Decimal(kept) == field.clean(entered)
        assert str(round_entered(entered)) == kept and str(round_entered(float(entered))) == kept
    assert parse_amount(2.675) == Decimal("2.68")  # a spreadsheet's float cell, read through its shortest text
    assert round_entered("abc") == "abc" and round_entered(None) is None  # left for the field to refuse


def test_amounts_and_quantities_are_printed_by_one_helper():
    assert format_money(282890.87000000000) == "282,890.87"  # SQLite's sum of a county's month
    assert format_money(Decimal("1234.5")) == "1,234.50" and format_money(None) == "0.00"
    assert format_money(Decimal("1.005"), grouping=False) == "1.01"
    assert [format_quantity(q) for q in (Decimal("2.000"), Decimal("1.500"), Decimal("0.125"), 1200)] == [
        "2",
        "1.5",
        "0.125",
        "1,200",
    ]
    assert yuan(282890.87) == "28.29万元"


# Two decimals written by Python's format spec, not amounts: each with why
NOT_AMOUNTS = {
    "cunzhan/ledgers/management/commands/import_ledger.py": "the import's seconds",
}


def test_no_amount_or_score_is_written_with_a_format_spec_of_its_own():
    """``f"{x:.2f}"`` rounds a Decimal half to even (1.005 → "1.00"): the product's amounts and scores are
    written by format_money / format_score / format_fixed. (The benchmarks write their own timings and
    generate whole-cent amounts: not checked.)"""
    found = []
    for path in PACKAGE.rglob("*.py"):
        name = str(path.relative_to(PACKAGE.parent))
        if {"migrations", "tests"} & set(path.parts) or path.name == "money.py" or name in NOT_AMOUNTS:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            spec = node.format_spec if isinstance(node, ast.FormattedValue) else None
            text = "".join(v.value for v in spec.values if isinstance(v, ast.Constant)) if spec else ""
            if text.endswith(".2f"):
                found.append(f"{name}:{node.lineno} {text}")
    assert found == []


def test_the_written_forms_round_half_up():
    assert format_fixed(Decimal("1.005")) == "1.01" and f"{Decimal('1.005'):.2f}" == "1.00"  # the reason
    assert format_fixed(Decimal("2"), 3) == "2.000" and format_fixed(None) == "0.00"
    assert format_score(Decimal("87.5")) == "87.50" and format_score(Decimal("2.675")) == "2.68"
    assert format_score(Decimal("1.5"), sign=True) == "+1.50" and format_score(Decimal("-1.005"), sign=True) == "-1.01"

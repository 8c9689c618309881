from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cunzhan.core.dates import SHANGHAI
from cunzhan.core.tabular import CellError
from cunzhan.ledgers import parsing
from cunzhan.ledgers.parsing import CellInvalid, Context, convert_column
from cunzhan.ledgers.specs import SPECS
from cunzhan.ledgers.tests.helpers import GOOD_ID

TODAY = date(2026, 4, 1)
NOW = datetime(2026, 4, 1, 12, 0, tzinfo=SHANGHAI)
CJK = re.compile(r"[\u4e00-\u9fff]")

# anything a spreadsheet cell or a CSV field can hold
cells = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.dates(),
    st.datetimes(),
    st.sampled_from(["", " ", "2025-02-30", "2025/13/01", "-5", "1.005", "¥12,345.67", "13800001234", GOOD_ID]),
)

PARSERS = [
    lambda v: parsing.parse_date(v, today=TODAY),
    lambda v: parsing.parse_datetime(v, now=NOW),
    parsing.parse_amount,
    parsing.parse_quantity,
    parsing.parse_phone,
    parsing.parse_id_number,
    lambda v: parsing.parse_bool(v),
    lambda v: parsing.parse_text(v, max_length=8),
    lambda v: parsing.parse_choice(v, choices=(("in", "收"), ("out", "寄"))),
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=cells, which=st.integers(min_value=0, max_value=len(PARSERS) - 1))
def test_a_cell_parser_never_crashes_and_explains_itself_in_chinese(value, which):
    try:
        PARSERS[which](value)
    except CellInvalid as exc:
        assert CJK.search(exc.message), exc.message


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(cells, min_size=1, max_size=30), kind=st.sampled_from(sorted(SPECS)))
def test_a_column_of_random_cells_gives_texts_or_chinese_cell_errors(values, kind):
    ctx = Context(today=TODAY, now=NOW)
    for column in SPECS[kind].columns:
        texts, errors = convert_column(column, values, ctx)
        assert len(texts) == len(values)
        for error in errors:
            assert isinstance(error, CellError)
            assert 2 <= error.row < 2 + len(values)
            assert error.column == column.header
            assert CJK.search(error.message), error.message


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
def test_the_fast_and_the_cell_by_cell_paths_agree_on_amounts(amount):
    column = SPECS["purchase"].column("amount")
    ctx = Context(today=TODAY, now=NOW)
    fast, errors = convert_column(column, [float(amount), str(amount)], ctx)
    assert not errors
    assert fast == [f"{amount:.2f}", f"{amount:.2f}"]
    assert parsing.parse_amount(float(amount)) == amount


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-03-01", date(2025, 3, 1)),
        ("2025/3/1", date(2025, 3, 1)),
        ("2025年3月1日", date(2025, 3, 1)),
        ("20250301", date(2025, 3, 1)),
        (45717.0, date(2025, 3, 1)),  # an Excel serial number
        (datetime(2025, 3, 1, 9, 30), date(2025, 3, 1)),  # noqa: DTZ001  as calamine returns it
    ],
)
def test_dates_are_read_in_the_forms_people_type(value, expected):
    assert parsing.parse_date(value, today=TODAY) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2025-02-30", "不存在"),
        ("明天", "不是日期"),
        ("2026-05-01", "晚于今天"),
        ("1999-12-31", "早于 2000 年"),
        (None, "不能为空"),
    ],
)
def test_bad_dates_say_what_is_wrong(value, message):
    with pytest.raises(CellInvalid, match=message):
        parsing.parse_date(value, today=TODAY)


def test_amounts_are_exact_decimals_with_two_places():
    assert parsing.parse_amount("¥1,234.5") == Decimal("1234.50")
    assert parsing.parse_amount(0.1 + 0.2) == Decimal("0.30")  # formula noise is not a third place
    with pytest.raises(CellInvalid, match="负数"):
        parsing.parse_amount(-5)
    assert parsing.parse_amount("1.005") == Decimal("1.01")  # rounded half up to the fen, not refused
    assert parsing.parse_amount("1.004") == Decimal("1.00") and parsing.parse_amount("2.675") == Decimal("2.68")
    with pytest.raises(CellInvalid, match="不是数字"):
        parsing.parse_amount("abc")


def test_an_id_number_stored_as_a_number_is_refused_with_advice():
    with pytest.raises(CellInvalid, match="文本"):
        parsing.parse_id_number(6.10828199001011e17)


def test_a_phone_number_typed_as_a_number_is_accepted():
    assert parsing.parse_phone(13800001234.0) == "13800001234"

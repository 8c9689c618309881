from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cunzhan.core import privacy
from cunzhan.ledgers.tests.helpers import GOOD_ID


def test_it_accepts_an_id_number_whose_check_character_is_right():
    assert privacy.id_number_problem(GOOD_ID) is None
    # the published GB 11643 example
    assert privacy.id_check_character("11010519491231002") == "X"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("61082819900101123", "18 位"),
        ("6108281990010112X5", "18 位"),
        ("610828199002301234", "出生日期"),
        ("610828199001011230", "校验位"),
    ],
)
def test_it_explains_a_bad_id_number_in_chinese(value, reason):
    problem = privacy.id_number_problem(value if value != "610828199001011230" else _wrong_check())
    assert reason in problem


def _wrong_check() -> str:
    right = GOOD_ID[-1]
    return GOOD_ID[:-1] + ("0" if right != "0" else "1")


def test_mobile_numbers_follow_the_mainland_pattern():
    assert privacy.is_mobile("13800001234")
    assert not privacy.is_mobile("12800001234")
    assert not privacy.is_mobile("1380000123")
    assert privacy.normalize_mobile("+86 138-0000-1234") == "13800001234"
    with pytest.raises(ValidationError):
        privacy.validate_mobile("02912345678")


def test_masks_keep_only_what_identifies_nobody():
    assert privacy.mask_mobile("13812341234") == "138****1234"
    assert privacy.mask_id_number("610828199001011234") == "610828********1234"
    assert privacy.mask_name("张三丰") == "张**"
    assert privacy.mask_mobile("") == ""

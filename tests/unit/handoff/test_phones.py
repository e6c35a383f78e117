import pytest

from bot.handoff.phones import find_mobile, mask_phone, mask_phones_in


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("８６１３８１２３４５６７８", "13812345678"),  # full-width, with country code
        ("打这个吧：19912345678，谢谢", "19912345678"),
        ("12812345678", None),  # no mobile prefix 12
        ("1381234567", None),  # 10 digits
        ("138123456789", None),  # 12 digits
        ("021-12345678", None),  # landline
        ("", None),
        ("😀😀😀", None),
        ("'; DROP TABLE customers; --", None),
    ],
)
def test_find_mobile(text: str, phone: str | None) -> None:
    assert find_mobile(text) == phone


def test_mask_phone() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("") == "" and mask_phone(None) == ""
    assert mask_phone("12345") == "*****"


def test_mask_phones_in_free_text() -> None:
    assert mask_phones_in("请打13812345678或13900001111") == "请打138****5678或139****1111"
    assert mask_phones_in("没有号码") == "没有号码"

import pytest

from bot.handoff.phones import find_mobile, mask_phone, mask_phones_in, means_number_on_file


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


@pytest.mark.parametrize("text", ["打我预留的号码就行", "就打这个手机", "账户上注册的那个号", "本机"])
def test_asking_to_be_called_on_the_number_on_file(text: str) -> None:
    assert means_number_on_file(text)


@pytest.mark.parametrize("text", ["138 1234 5678", "不用了", "我没有手机", "号码不对吗", "明天打给我"])
def test_other_answers_are_not_the_number_on_file(text: str) -> None:
    assert not means_number_on_file(text)

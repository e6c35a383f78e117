"""「验证码没收到」 asks for a new code; a typed code or anything else does not."""

import pytest

from bot.security.code_replies import code_resending_reply
from bot.security.verification import wants_new_code


@pytest.mark.parametrize(
    "text",
    [
        *("验证码没收到", "没有收到短信", "收不到啊", "再发一次", "重新发一个吧", "验证码过期了"),
        # said otherwise: not arrived, send again, expired
        *("短信一直没有", "等半天了也没有验证码", "验证码呢", "怎么还没发过来", "收不着", "手机上啥也没有"),
        *("验证码怎么还不来", "能不能再给我发个", "等了五分钟了还没有", "你们发了吗", "超时了"),
    ],
)
def test_asking_for_a_new_code(text: str) -> None:
    assert wants_new_code(text)


@pytest.mark.parametrize(
    "text", ["123456", "没收到 不对 是123456", "不知道", "算了", "好的", "不对", "转人工", "不要了", "验证码是干嘛的"]
)
def test_a_code_or_anything_else_is_no_request_for_a_new_one(text: str) -> None:
    assert not wants_new_code(text)


def test_the_resend_is_said_before_the_code_goes_out() -> None:
    assert code_resending_reply().response == "utter_code_resending"


def test_no_code_is_asked_again_at_most_twice() -> None:
    from bot.security.code_replies import code_format_reply
    from bot.security.verification import MAX_CODE_REASKS, is_no_code

    assert [code_format_reply(n).response for n in (1, 2, 3)] == [
        "utter_code_format",
        "utter_code_format_way_out",
        "utter_code_gave_up",
    ]
    assert MAX_CODE_REASKS == 2
    assert is_no_code("不知道") and not is_no_code("123456") and not is_no_code("没收到")

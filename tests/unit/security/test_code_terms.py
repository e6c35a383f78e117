"""What the responses say about the one-time code comes from the constants that make it."""

from datetime import timedelta

import pytest

from bot.security import verification as v
from bot.security.code_replies import code_format_reply, code_question, code_sent_reply
from tests.rendering import render


def test_terms_are_the_constants() -> None:
    assert v.code_terms() == {
        "code_length": str(v.CODE_LENGTH),
        "code_minutes": str(v.CODE_LIFETIME // timedelta(minutes=1)),
    }


def test_the_code_replies_state_length_and_lifetime_as_before() -> None:
    def text(reply) -> str:
        return render({"response": reply.response, **reply.params})

    safety = "仅用于本次操作。工作人员不会向您索要验证码，请不要告诉任何人。"
    assert text(code_sent_reply(v.CodeSent("1111"))) == f"验证码已发送到您尾号 1111 的手机，5 分钟内有效，{safety}"
    assert text(code_sent_reply(v.CodeSent(""))) == f"验证码已发送到您预留的联系方式，5 分钟内有效，{safety}"
    assert text(code_question("utter_ask_closure_code")) == "请输入收到的 6 位验证码。不想关闭了可以直接说“算了”。"
    assert text(code_format_reply()) == "验证码是 6 位数字，请再输入一次。"


@pytest.mark.parametrize("question", ["utter_ask_closure_code", "utter_ask_change_code", "utter_ask_deletion_code"])
def test_every_code_question_carries_the_terms(question: str) -> None:
    reply = code_question(question)
    assert reply.params == v.code_terms()
    assert "6 位验证码" in render({"response": reply.response, **reply.params})


@pytest.mark.parametrize(
    ("typed", "code"),
    [("123456", "123456"), ("验证码是 654321 ", "654321"), ("12345", None), ("1234567", None), ("我不知道", None)],
)
def test_find_code_takes_exactly_code_length_digits(typed: str, code: str | None) -> None:
    assert v.find_code(typed) == code


@pytest.mark.parametrize("sent", [v.CodeSent("1111"), v.CodeSent("")])
def test_every_code_sent_says_it_is_for_this_operation_only_and_staff_never_ask(sent: v.CodeSent) -> None:
    said = render({"response": code_sent_reply(sent).response, **code_sent_reply(sent).params})
    assert "仅用于本次操作" in said and "工作人员不会向您索要验证码" in said

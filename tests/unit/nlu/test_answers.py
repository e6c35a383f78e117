"""Short answers and requests for a person read by rule (bot/nlu/answers.py); anything else is left alone."""

from __future__ import annotations

import pytest
import yaml

from bot.config import REPO_ROOT
from bot.nlu.answers import AFFIRM, DENY, INFORM, REQUEST_HUMAN, answer_intent, asks_for_a_person, yes_or_no


@pytest.mark.parametrize(
    "text",
    [
        "确认",
        "确认关闭",
        "提交申请",
        "确认撤回",
        "那就帮我办吧",
        "行 就这么办",
        "好的，确认",
        "嗯嗯",
        "可以的",
        "OK",
        "好吧",
    ],
)
def test_agreement_is_affirm(text: str) -> None:
    assert answer_intent(text) == AFFIRM


@pytest.mark.parametrize(
    "text", ["算了", "不要了", "取消", "不用了", "先不关闭", "不撤回", "先不用", "那算了吧", "还是算了", "先不了！！"]
)
def test_refusal_is_deny(text: str) -> None:
    assert answer_intent(text) == DENY


@pytest.mark.parametrize("text", ["那就三个月吧", "停两年", "半年吧", "先停一个月", "90天", "三个月"])
def test_a_length_alone_is_inform(text: str) -> None:
    assert answer_intent(text) == INFORM


@pytest.mark.parametrize(
    "text", ["让个真人跟我说", "转人工", "真人客服在吗", "找个活人来", "你们客服呢 叫个人来", "我要人工"]
)
def test_asking_for_a_person_in_any_words_is_request_human(text: str) -> None:
    assert answer_intent(text) == REQUEST_HUMAN


@pytest.mark.parametrize(
    "text",
    [
        "你是真人吗",  # what the bot is: bot_challenge
        "人工提额怎么弄",  # about limits (contract rule 11)
        "联系客服怎么关闭花呗",  # names a journey: the journey wins (rule 13)
        "客服说我的花呗可以关",
    ],
)
def test_not_every_mention_of_a_person_asks_for_one(text: str) -> None:
    assert not asks_for_a_person(text)


@pytest.mark.parametrize(
    "text",
    [
        "好的 不用了",  # agreement and refusal mixed: the classifier decides
        "确认关闭花呗",  # names what: a journey message
        "算了 还是帮我关了吧",
        "不注销了",
        "取消自动还款",
        "三个月后还能用吗",
        "借呗能注销吗",
        "/affirm",
        "",
        "！！！",
    ],
)
def test_anything_else_is_left_to_the_classifier(text: str) -> None:
    assert answer_intent(text) is None


def test_punctuation_and_emoji_runs_do_not_change_the_reading() -> None:
    assert yes_or_no("算了！！！") == yes_or_no("算了") == DENY
    assert answer_intent("行！！ 就这么办？？") == AFFIRM
    assert answer_intent("行！！！ 就这么办😤😤") == AFFIRM
    assert answer_intent("让个真人跟我说🙏🙏") == REQUEST_HUMAN


def _button_titles(payload: str) -> list[str]:
    domain = yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return [
        b["title"]
        for variants in domain["responses"].values()
        for variant in variants
        for b in variant.get("buttons") or []
        if b["payload"] == payload
    ]


@pytest.mark.parametrize(("payload", "intent"), [("/affirm", AFFIRM), ("/deny", DENY)])
def test_every_yes_or_no_button_title_typed_reads_like_the_button(payload: str, intent: str) -> None:
    titles = _button_titles(payload)
    assert titles, payload
    for title in titles:
        assert answer_intent(title) == intent, title

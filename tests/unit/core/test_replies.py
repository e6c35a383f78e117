"""Replies as data: the intent buttons every journey builds."""

from bot.core.replies import HUMAN_BUTTON, Fragment, intent_button


def test_intent_button_without_entities_is_the_bare_intent() -> None:
    assert intent_button("转人工", "request_human") == ("转人工", "/request_human")


def test_intent_button_writes_rasa_intent_payload_with_compact_json() -> None:
    title = Fragment("utter_button_one_month")
    assert intent_button(title, "pause_credit", product="huabei", duration=30) == (
        title,
        '/pause_credit{"product":"huabei","duration":30}',
    )


def test_intent_button_keeps_lists_and_chinese_readable() -> None:
    _, payload = intent_button("都要", "close_account", product=["huabei", "jiebei"], note="花呗")
    assert payload == '/close_account{"product":["huabei","jiebei"],"note":"花呗"}'


def test_human_button_is_an_intent_button() -> None:
    assert HUMAN_BUTTON == (intent_button(Fragment("utter_button_human"), "request_human"),)

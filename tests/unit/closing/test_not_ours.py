"""Closing what is not ours: 信用购 / 信用贷 / 先用后付, and the whole platform account (issue 13.1)."""

from datetime import date

from bot.closing.not_ours import platform_account_replies, separate_line_replies
from bot.core.catalog import load_catalog
from tests.factories import HUABEI, JIEBEI, TODAY, bill, make_account, make_customer
from tests.rendering import domain

CATALOG = load_catalog()


def test_each_separate_line_has_its_own_answer_in_the_domain() -> None:
    customer = make_customer(make_account(JIEBEI))
    replies = separate_line_replies(["xinyonggou", "xinyongdai", "xianyonghoufu", "xinyonggou"], customer, CATALOG)
    assert [r.response for r in replies] == [
        "utter_separate_line_xinyonggou",
        "utter_separate_line_xinyongdai",
        "utter_separate_line_xianyonghoufu",
    ]
    assert all(r.response in domain()["responses"] for r in replies)
    assert replies[0].buttons == ()  # no 花呗 held: nothing to offer beside 信用购
    assert [payload for _, payload in replies[1].buttons] == ['/close_account{"product":"jiebei"}']
    assert replies[2].buttons == ()


def test_separate_line_wording_never_starts_or_names_a_closure_of_ours() -> None:
    for line in CATALOG.separate_lines:
        text = domain()["responses"][f"utter_separate_line_{line.id}"][0]["text"]
        assert "没法" in text and "确认" not in text


def test_platform_account_lists_what_is_owed() -> None:
    customer = make_customer(
        make_account(HUABEI, bills=(bill("100", date(2026, 12, 1)),)),
        make_account(JIEBEI, account_id=2, status="closed"),
    )
    replies = platform_account_replies(customer, today=TODAY)
    assert [r.response for r in replies] == ["utter_platform_account_intro", "utter_platform_account_owed"]
    assert replies[1].params == {"owed": "花呗 ¥100.00"}


def test_platform_account_with_every_line_closed() -> None:
    customer = make_customer(make_account(HUABEI, status="closed"))
    replies = platform_account_replies(customer, today=TODAY)
    assert [r.response for r in replies] == ["utter_platform_account_intro", "utter_platform_account_lines_closed"]

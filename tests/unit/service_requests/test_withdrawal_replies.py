"""One message per withdrawn request kind and the state its line is left in (issue 13.5)."""

from datetime import date

import pytest

from bot.core.catalog import load_catalog
from bot.core.replies import Fragment
from bot.service_requests.replies import withdrawal_done
from bot.service_requests.withdrawal import Withdrawn
from tests.factories import TODAY
from tests.rendering import domain

CATALOG = load_catalog()


@pytest.mark.parametrize(
    ("withdrawn", "response", "state"),
    [
        (Withdrawn("close", "jiebei", "active"), "utter_withdraw_done_close", Fragment("utter_withdraw_state_active")),
        (
            Withdrawn("close", "huabei", "paused", date(2026, 1, 20)),
            "utter_withdraw_done_close",
            Fragment("utter_withdraw_state_paused", {"until": "1月20日"}),
        ),
        (Withdrawn("reopen", "huabei", "closed"), "utter_withdraw_done_reopen", None),
        (Withdrawn("data_deletion", None, None), "utter_withdraw_done_data_deletion", None),
    ],
)
def test_each_kind_says_what_the_withdrawal_leaves(withdrawn: Withdrawn, response: str, state: Fragment | None) -> None:
    reply = withdrawal_done(withdrawn, "某申请（11月22日提交）", CATALOG, today=TODAY)
    assert reply.response == response and response in domain()["responses"]
    assert reply.params.get("state") == state


def test_no_withdrawal_message_promises_normal_use_for_a_closed_line() -> None:
    reopen = domain()["responses"]["utter_withdraw_done_reopen"][0]["text"]
    assert "照常使用" not in reopen and "恢复原状" not in reopen
    assert "照常使用" not in domain()["responses"]["utter_withdraw_done"][0]["text"]

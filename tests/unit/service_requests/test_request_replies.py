from datetime import datetime, timezone

from bot.core.accounts import RequestInfo
from bot.core.catalog import load_catalog
from bot.core.replies import Fragment
from bot.service_requests.replies import choose_withdrawal, request_status_replies
from tests.factories import TODAY, request

CATALOG = load_catalog()


def test_status_lists_each_request() -> None:
    replies = request_status_replies(
        [request(status="under_review"), request(id=8, status="approved")], CATALOG, today=TODAY
    )
    assert [r.response for r in replies] == ["utter_requests_intro", "utter_request_line", "utter_request_line"]
    assert replies[1].params["status"] == Fragment("utter_status_under_review")
    assert request_status_replies([], CATALOG, today=TODAY)[0].response == "utter_requests_none"


def test_single_open_request_is_chosen() -> None:
    choice = choose_withdrawal([request(status="approved", id=1), request(id=2)], [], CATALOG, today=TODAY)
    assert choice.request_id == 2 and choice.replies == []
    assert choice.description is not None and choice.description.params["product_name"] == "花呗"


def test_several_open_requests_ask_which() -> None:
    a = request(id=1)
    b = request(id=2, kind="pause")
    choice = choose_withdrawal([a, b], [], CATALOG, today=TODAY)
    assert choice.request_id is None and choice.replies[0].response == "utter_ask_withdraw_which"
    assert len(choice.replies[0].buttons) == 2


def test_nothing_open() -> None:
    choice = choose_withdrawal([request(status="withdrawn")], [], CATALOG, today=TODAY)
    assert choice.request_id is None and choice.replies[0].response == "utter_withdraw_nothing"


def test_a_deletion_request_is_picked_by_its_kind() -> None:
    closing = request(id=1, kind="close")
    deletion = RequestInfo(2, "data_deletion", "submitted", closing.created_at)
    ask = choose_withdrawal([closing, deletion], [], CATALOG, today=TODAY)
    assert [p for _, p in ask.replies[0].buttons] == [
        '/cancel_request{"product":"huabei"}',
        '/cancel_request{"request_kind":"data_deletion"}',
    ]
    picked = choose_withdrawal([closing, deletion], [], CATALOG, today=TODAY, kinds=("data_deletion",))
    assert picked.request_id == 2 and picked.description is not None
    assert picked.description.params["kind"] == Fragment("utter_request_kind_data_deletion")


def test_a_request_made_early_in_the_morning_shows_the_local_day() -> None:
    # Made at 04:00 Beijing time on 22 November = 20:00 UTC on 21 November.
    early = RequestInfo(3, "close", "under_review", datetime(2026, 11, 21, 20, 0, tzinfo=timezone.utc), 1, "huabei")
    line = request_status_replies([early], CATALOG, today=TODAY)[1]
    assert line.params["submitted"] == "11月22日"
    choice = choose_withdrawal([early], [], CATALOG, today=TODAY)
    assert choice.description is not None and choice.description.params["submitted"] == "11月22日"


def test_a_yes_with_nothing_pending_is_never_a_bare_ok() -> None:
    from bot.service_requests.replies import nothing_pending_replies

    assert [r.response for r in nothing_pending_replies([], CATALOG, today=TODAY)] == [
        "utter_nothing_to_confirm",
        "utter_nothing_to_confirm_help",
    ]
    done = request(status="approved")
    assert [r.response for r in nothing_pending_replies([done], CATALOG, today=TODAY)][-1] == (
        "utter_nothing_to_confirm_help"
    )
    replies = nothing_pending_replies([done, request(id=9)], CATALOG, today=TODAY, offered=True)
    assert [r.response for r in replies] == [
        "utter_nothing_to_confirm",
        "utter_nothing_to_confirm_buttons",
        "utter_nothing_to_confirm_open",
        "utter_request_line",
    ]

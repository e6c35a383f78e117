"""A wrong callback number is asked for again at most twice, then the form lets go (issue 12, part 4)."""

from bot.handoff.phones import MAX_PHONE_REASKS, gave_up, phone_retry_response


def test_asked_again_twice_then_no_more() -> None:
    assert [phone_retry_response(n) for n in (1, 2, 3)] == [
        "utter_handoff_phone_invalid",
        "utter_handoff_phone_invalid_way_out",
        None,
    ]
    assert MAX_PHONE_REASKS == 2
    assert not gave_up(0) and not gave_up(2) and gave_up(3)

"""A journey question is asked again at most twice, the second time with the ways out (issue 12, part 4)."""

from bot.core.change_offer import MAX_REASKS, ChangeOffer, limit_reasks, question_of
from bot.core.replies import Fragment, Reply

LENGTH = ChangeOffer([Reply("utter_pause_out_of_range"), Reply("utter_ask_pause_duration")])
PRODUCT = ChangeOffer([Reply("utter_ask_pause_product")])
CONFIRM = ChangeOffer([Reply("utter_pause_explain")], {"kind": "pause"}, Fragment("utter_change_question_pause"))


def responses(offer: ChangeOffer) -> list[str]:
    return [p.response for p in offer.replies if isinstance(p, Reply)]


def test_the_same_question_is_asked_again_twice_then_the_journey_stops() -> None:
    assert MAX_REASKS == 2
    first, count = limit_reasks(LENGTH, "utter_ask_pause_duration", 0)
    assert first == LENGTH and count == 1
    second, count = limit_reasks(LENGTH, "utter_ask_pause_duration", count)
    assert responses(second) == ["utter_pause_out_of_range", "utter_ask_pause_duration", "utter_reask_way_out"]
    assert count == 2
    third, count = limit_reasks(LENGTH, "utter_ask_pause_duration", count)
    assert responses(third) == ["utter_pause_out_of_range", "utter_reask_stopped"] and count == 0
    assert question_of(third) is None and third.change is None


def test_another_question_or_a_change_to_confirm_starts_over() -> None:
    assert limit_reasks(LENGTH, "utter_ask_pause_product", 2) == (LENGTH, 0)
    assert limit_reasks(CONFIRM, "utter_ask_pause_duration", 2) == (CONFIRM, 0)
    assert question_of(PRODUCT) == "utter_ask_pause_product" and question_of(CONFIRM) is None


def test_unbinding_lists_are_questions_too() -> None:
    which = ChangeOffer([Reply("utter_unbind_which_product")])
    assert which.asks and not ChangeOffer([Reply("utter_unbind_nothing_bound")]).asks


def test_a_confirmation_not_understood_is_asked_again_at_most_twice() -> None:
    from bot.core.change_offer import unclear_in_form

    said_each = [([r.response for r in replies], stop) for replies, stop in map(unclear_in_form, (0, 1, 2))]
    assert said_each == [
        (["utter_default"], False),
        (["utter_default", "utter_reask_way_out"], False),
        (["utter_form_unclear_stopped"], True),
    ]

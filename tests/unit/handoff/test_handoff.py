import pytest

from bot.handoff.tickets import (
    HandoffReason,
    InvalidTicketTransition,
    TicketKind,
    TicketState,
    TicketStatus,
    advance,
    choose_reason,
    ensure_can_write,
    estimate_wait,
    fallback_streak,
    load_reason_words,
    must_not_decide,
)
from bot.nlu.textnorm import normalise

Q, C, HB, X, ML = (
    TicketStatus.QUEUED,
    TicketStatus.CLAIMED,
    TicketStatus.HANDED_BACK,
    TicketStatus.CLOSED,
    TicketStatus.MESSAGE_LEFT,
)
LIVE, MSG = TicketKind.LIVE, TicketKind.MESSAGE


@pytest.mark.parametrize(
    ("start", "kind", "claimed_by", "action", "expected", "owner"),
    [
        (Q, LIVE, None, "claim", C, "wang"),
        (Q, LIVE, None, "close", X, None),
        (C, LIVE, "wang", "hand_back", HB, "wang"),
        (C, LIVE, "wang", "close", X, "wang"),
        (ML, MSG, None, "claim", C, "wang"),
        (ML, MSG, None, "close", X, None),
        (C, MSG, "wang", "close", X, "wang"),
    ],
)
def test_allowed_transitions(start, kind, claimed_by, action, expected, owner) -> None:
    after = advance(TicketState(start, kind, claimed_by), action, agent="wang")
    assert after == TicketState(expected, kind, owner)


@pytest.mark.parametrize(
    ("start", "kind", "claimed_by", "action"),
    [
        (Q, LIVE, None, "hand_back"),  # nobody has talked to the customer yet
        (C, LIVE, "wang", "claim"),  # already claimed (even by the same agent)
        (HB, LIVE, "wang", "claim"),
        (HB, LIVE, "wang", "close"),
        (X, LIVE, "wang", "claim"),
        (X, LIVE, "wang", "hand_back"),
        (X, MSG, "wang", "close"),
        (C, MSG, "wang", "hand_back"),  # a message-left ticket never paused the bot
        (ML, MSG, None, "hand_back"),
        (Q, LIVE, None, "delete"),
    ],
)
def test_illegal_transitions_are_refused(start, kind, claimed_by, action) -> None:
    with pytest.raises(InvalidTicketTransition):
        advance(TicketState(start, kind, claimed_by), action, agent="wang")


@pytest.mark.parametrize("action", ["hand_back", "close"])
def test_only_the_claiming_agent_finishes_a_claimed_ticket(action: str) -> None:
    with pytest.raises(InvalidTicketTransition, match="claimed by wang"):
        advance(TicketState(C, LIVE, "wang"), action, agent="li")


def test_replies_need_a_live_ticket_claimed_by_this_agent() -> None:
    ensure_can_write(TicketState(C, LIVE, "wang"), agent="wang", to_customer=True)
    for state, agent in [
        (TicketState(Q, LIVE, None), "wang"),
        (TicketState(C, LIVE, "wang"), "li"),
        (TicketState(C, MSG, "wang"), "wang"),
        (TicketState(HB, LIVE, "wang"), "wang"),
    ]:
        with pytest.raises(InvalidTicketTransition):
            ensure_can_write(state, agent=agent, to_customer=True)


def test_notes_allowed_until_the_ticket_is_finished() -> None:
    for status in (Q, C, ML):
        ensure_can_write(TicketState(status, LIVE, "wang"), agent="li", to_customer=False)
    for status in (HB, X):
        with pytest.raises(InvalidTicketTransition):
            ensure_can_write(TicketState(status, LIVE, "wang"), agent="wang", to_customer=False)


@pytest.mark.parametrize(
    ("text", "streak", "frozen", "reason"),
    [
        ("转人工", 0, False, HandoffReason.REQUESTED),
        ("我要投诉你们乱关我借呗", 0, False, HandoffReason.COMPLAINT),
        ("我要去12378", 0, False, HandoffReason.COMPLAINT),
        ("我的账户被盗用了 要找人工", 0, False, HandoffReason.SUSPECTED_FRAUD),
        ("我不是自己借的 找人工核实", 0, True, HandoffReason.SUSPECTED_FRAUD),
        ("这笔扣款我不认可，找人工", 0, False, HandoffReason.DISPUTE),
        ("啊啊啊", 2, False, HandoffReason.REPEATED_FALLBACK),
        ("转人工", 0, True, HandoffReason.FROZEN_BY_PLATFORM),
        ("投诉", 2, True, HandoffReason.COMPLAINT),  # the most specific reason wins
    ],
)
def test_reason(text: str, streak: int, frozen: bool, reason: HandoffReason) -> None:
    assert choose_reason(text, fallback_streak=streak, has_frozen_account=frozen) is reason


@pytest.mark.parametrize(
    ("intents", "streak"),
    [
        ([], 0),
        (["greet"], 0),
        (["nlu_fallback"], 1),
        (["greet", "nlu_fallback", "nlu_fallback"], 2),
        (["nlu_fallback", "greet", "nlu_fallback"], 1),  # not in a row
    ],
)
def test_fallback_streak(intents: list[str], streak: int) -> None:
    assert fallback_streak(intents) == streak


@pytest.mark.parametrize(
    ("ahead", "minutes", "agents", "position", "wait"),
    [
        (0, 5, 1, 1, 5),
        (3, 5, 1, 4, 20),
        (3, 5, 2, 4, 10),
        (2, 4.5, 2, 3, 7),  # 6.75 rounds up
        (0, 0.1, 3, 1, 1),  # never "0 minutes"
        (-1, 5, 0, 1, 5),  # defensive: no negative places, no division by zero
    ],
)
def test_queue_position_and_wait(ahead: int, minutes: float, agents: int, position: int, wait: int) -> None:
    estimate = estimate_wait(ahead, average_handling_minutes=minutes, agents_on_duty=agents)
    assert (estimate.position, estimate.wait_minutes) == (position, wait)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("有人盗用我的身份开了借呗", HandoffReason.SUSPECTED_FRAUD),
        ("这笔借款不是我借的", HandoffReason.SUSPECTED_FRAUD),
        ("账户被盗了钱被借走了", HandoffReason.SUSPECTED_FRAUD),
        ("花呗有一笔交易我不认可", HandoffReason.DISPUTE),
        ("我没买过这个东西为什么扣我钱", HandoffReason.DISPUTE),
        ("借呗能注销吗", None),
        ("你们是骗子吧 我要注销花呗", None),  # angry, but a request the bot can serve
        ("自动还款乱扣钱 帮我关掉", None),
    ],
)
def test_must_not_decide(text: str, reason: HandoffReason | None) -> None:
    assert must_not_decide(text) == reason


def test_reason_words_are_data_in_their_order() -> None:
    words = load_reason_words()
    assert [r for r, _ in words.must_not_decide] == [HandoffReason.SUSPECTED_FRAUD, HandoffReason.DISPUTE]
    assert [r for r, _ in words.handoff_reasons] == [
        HandoffReason.SUSPECTED_FRAUD,
        HandoffReason.DISPUTE,
        HandoffReason.COMPLAINT,
    ]


def test_reason_words_match_normalised_text() -> None:
    words = load_reason_words()
    for _, listed in (*words.must_not_decide, *words.handoff_reasons):
        assert [w for w in listed if normalise(w) != w] == []


def test_what_must_not_be_decided_is_recorded_with_its_reason() -> None:
    """The must-not-decide words are the narrower list: the ticket then gets the same reason."""
    words = load_reason_words()
    recorded = dict(words.handoff_reasons)
    for reason, listed in words.must_not_decide:
        assert set(listed) <= set(recorded[reason])


def test_unknown_reason_or_empty_word_is_refused(tmp_path) -> None:
    path = tmp_path / "words.yml"
    path.write_text("must_not_decide:\n  theft: [盗用]\nhandoff_reasons: {}\n", encoding="utf-8")
    with pytest.raises(ValueError):
        load_reason_words(path)
    path.write_text("must_not_decide:\n  dispute: ['']\nhandoff_reasons: {}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="empty word"):
        load_reason_words(path)

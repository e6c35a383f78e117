"""`SessionReader.rewind`: a reading rewound and read on is the reading of the same events read once."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.conversation import events as ev

USER = st.builds(
    lambda text, intent: {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}},
    st.sampled_from(["借呗能注销吗", "那花呗呢", "还是不行", "好的"]),
    st.sampled_from(["close_account", "affirm", "deny", None]),
)
ACTION = st.builds(
    lambda name: {"event": "action", "name": name},
    st.sampled_from([ev.LISTEN, ev.OFFER_SECOND_QUESTION, ev.ANSWER_FOLLOW_UP, "action_check_closure", "pause_form"]),
)
BOT = st.builds(
    lambda utter, buttons: {"event": "bot", "text": "…", "metadata": {"utter_action": utter}, "data": buttons},
    st.sampled_from([*sorted(ev.FAILED_REPLIES), "utter_greet"]),
    st.sampled_from([{}, {"buttons": [{"title": "是"}]}]),
)
SLOT = st.builds(
    lambda name, value: {"event": "slot", "name": name, "value": value},
    st.sampled_from(["closure_ready", ev.JOURNEY_QUESTION, "product"]),
    st.sampled_from([True, None, "huabei"]),
)
OTHER = st.sampled_from(
    [
        {"event": "active_loop", "name": "pause_form"},
        {"event": "active_loop", "name": None},
        {"event": "session_started"},
        {"event": "restart"},
        {"event": "pause"},
    ]
)
EVENTS = st.lists(st.one_of(USER, USER, ACTION, ACTION, BOT, SLOT, OTHER), max_size=40)


def _state(reader: ev.SessionReader) -> dict[str, Any]:
    return {
        "events": reader.events,
        "start": reader.start,
        "users": reader.users,
        "turns": reader.turns,
        "unanswered": reader.unanswered,
        "loop": reader.loop,
        "view": reader.view(),
    }


@settings(max_examples=400, deadline=None)
@given(EVENTS, EVENTS, st.data())
def test_a_rewound_reading_read_on_is_the_reading_of_the_events_read_once(
    kept: list[dict[str, Any]], read_then_forgotten: list[dict[str, Any]], data: st.DataObject
) -> None:
    replacing = data.draw(st.lists(st.one_of(USER, ACTION, BOT, SLOT, OTHER), max_size=10))
    reader = ev.SessionReader().read(kept).read(read_then_forgotten)
    if reader.rewind(len(kept)):
        reader.read(replacing)
        assert _state(reader) == _state(ev.SessionReader().read(kept + replacing))
    else:  # only where the session began after the events kept
        assert reader.start > len(kept)
        assert _state(reader) == _state(ev.SessionReader().read(kept + read_then_forgotten))


def test_a_rewind_within_the_session_forgets_the_later_turns_marks_and_loop() -> None:
    ask: dict[str, Any] = {"event": "user", "text": "借呗能注销吗", "parse_data": {"intent": {"name": "close_account"}}}
    failed: dict[str, Any] = {"event": "bot", "metadata": {"utter_action": "utter_try_again_later"}}
    events: list[dict[str, Any]] = [ask, failed, {"event": "active_loop", "name": "pause_form"}, ask, failed, ask]
    reader = ev.SessionReader().read(events)
    assert reader.unanswered == {0, 1} and reader.loop == "pause_form" and len(reader.turns) == 3
    assert reader.rewind(2)
    assert (reader.unanswered, reader.loop, len(reader.turns), len(reader.events)) == (set(), None, 1, 2)


def test_a_rewind_to_before_the_session_began_is_refused_and_forgets_nothing() -> None:
    events = [{"event": "user", "text": "你好"}, {"event": "session_started"}, {"event": "user", "text": "在吗"}]
    reader = ev.SessionReader().read(events)
    assert not reader.rewind(1)
    assert len(reader.events) == 3 and reader.start == 2
    assert reader.rewind(2) and reader.users == [] and reader.view() is None

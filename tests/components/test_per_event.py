"""Values kept per event object (components/per_event.py): worked out once, by identity, dropped with the event."""

from __future__ import annotations

import copy

from rasa.shared.core.events import ActionExecuted, Event, SlotSet

from components.per_event import PerEvent


def test_a_value_is_worked_out_once_per_event_and_dropped_with_it() -> None:
    calls: list[str] = []

    def derive(event: Event) -> dict[str, object]:
        calls.append(type(event).__name__)
        return event.as_dict()

    per_event = PerEvent(derive)
    events: list[Event] = [SlotSet("product", [f"p{n}"]) for n in range(50)]
    values = [per_event(event) for event in events]
    assert [v["value"] for v in values] == [[f"p{n}"] for n in range(50)]
    assert per_event(events[7]) is values[7] and len(calls) == 50  # asked again: the kept value
    del events[:40], values
    assert len(per_event) == 10


def test_events_that_compare_equal_keep_their_own_values() -> None:
    # Rasa's events compare equal without their timestamps: two "listen"s are two values
    first, second = ActionExecuted("action_listen", timestamp=1.0), ActionExecuted("action_listen", timestamp=2.0)
    assert first == second
    stamps = PerEvent(lambda event: event.timestamp)
    assert (stamps(first), stamps(second)) == (1.0, 2.0)


def test_an_edited_copy_is_a_new_event() -> None:
    event = SlotSet("product", ["huabei"])
    values = PerEvent(lambda e: e.as_dict()["value"])
    assert values(event) == ["huabei"]
    edited = copy.deepcopy(event)
    edited.value = ["jiebei"]
    assert values(edited) == ["jiebei"] and values(event) == ["huabei"]

"""A dialogue policy for the conversation as a whole: follow-ups, push-back, a second question.

「那借呗呢」「进度呢」 and 「还是不行」 carry no intent of their own: the NLU files them
under whatever their words resemble (「那现在能用了吗」 looks like reopening). Whether a
turn leans on the ones before is decided from the text and the conversation's earlier
turns (`bot.conversation.turn_plan`), so this policy outranks the rules for those turns,
as MustNotDecidePolicy does for fraud, which still comes first: a theft report is never
read as a push-back. Inside a form or a journey question it stays silent: answering
there and asking again is the form's rules' work.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from rasa.core.policies.policy import PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

from bot.conversation import events as ev
from bot.conversation.turn_plan import Step, decide
from bot.handoff.tickets import must_not_decide
from bot.nlu.textnorm import normalise
from components.per_event import PerEvent, shared_prefix
from components.untrained_policy import UntrainedPolicy

logger = logging.getLogger(__name__)

# Below MustNotDecidePolicy (9: a theft report is never a push-back; _decide also defers to it), above
# PendingQuestionPolicy (7): a second question in a side question is offered before the waiting journey
# question is asked again; the waiting question still takes its answer afterwards (bot/core/pending.py
# keeps it through the offer). Above RulePolicy (6). tests/components/test_policy_priorities.py.
PRIORITY = 8
_ACTIONS = {
    Step.FOLLOW_UP: ev.ANSWER_FOLLOW_UP,
    Step.PUSH_BACK: ev.ANSWER_PUSH_BACK,
    Step.OFFER_NEXT: ev.OFFER_SECOND_QUESTION,
    Step.ANSWER_OFFERED: ev.ANSWER_SECOND_QUESTION,
    Step.LISTEN: ev.LISTEN,
}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class ConversationContextPolicy(UntrainedPolicy):
    """Predicts the follow-up, push-back and second-question actions when the turn is one of those."""

    PRIORITY = PRIORITY

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """Certain about the step `bot.conversation.turn_plan` decides; silent when it decides none."""
        probabilities = self._default_predictions(domain)
        try:
            action = _decide(tracker)
        except Exception:  # noqa: BLE001 - a turn this policy cannot read is left to the others, never lost
            logger.exception("could not read the turn; leaving it to the other policies")
            action = None
        if action is not None and action in domain.action_names_or_texts:
            probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities)


# Each event in Rasa's JSON form, made once while the event lives (components/per_event.py).
_as_dict: PerEvent[dict[str, Any]] = PerEvent(lambda event: event.as_dict())
# Per conversation, the events read so far and their reading (least recently used dropped first):
# a prediction reads only the events added since the last one, three or four times a turn.
MAX_READ_CONVERSATIONS = 500
_readers: OrderedDict[str, tuple[list[Event], ev.SessionReader]] = OrderedDict()


def _reading(tracker: DialogueStateTracker) -> ev.SessionReader:
    """The conversation's reading, going on from the last one as far as its events are the very same objects.

    Across turns the store hands the last turn's events back as new objects: the reading is
    rewound to the events before them.
    """
    events = list(tracker.events)
    read, reader = _readers.pop(tracker.sender_id, ([], None))
    kept = 0 if reader is None else shared_prefix(events, read)
    if reader is None or (kept < len(read) and not reader.rewind(kept)):
        kept, reader = 0, ev.SessionReader()
    reader.read(_as_dict(event) for event in events[kept:])  # read only: the dicts are shared
    _readers[tracker.sender_id] = (events, reader)
    while len(_readers) > MAX_READ_CONVERSATIONS:
        _readers.popitem(last=False)
    return reader


def _decide(tracker: DialogueStateTracker) -> str | None:
    view = _reading(tracker).view()
    if view is None or (view.just_asked and must_not_decide(normalise(view.text)) is not None):
        return None
    step = decide(view)
    return _ACTIONS[step] if step is not None else None

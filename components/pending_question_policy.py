"""A dialogue policy that keeps a journey question alive across a side question (bot/core/pending.py).

Rules cannot see which journey question waits (it is in the unfeaturised
`journey_question` slot), and a rule per journey × side question would be dozens of
near-copies. This policy reads the slot and the conversation's journey steps, and
predicts only in three narrow states: after a side question was answered (ask the
waiting question again), after asking it again (listen), and on the answer that
follows (the journey that asked). Anywhere else it abstains.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.trackers import DialogueStateTracker

from bot.core.pending import next_step, still_waiting, waiting_from_slot
from components.untrained_policy import UntrainedPolicy

SLOT = "journey_question"
# Above RulePolicy (6), whose rules end in action_listen right after a side question's answer; below
# MustNotDecidePolicy (9: a theft report is no answer to the question) and ConversationContextPolicy (8: a
# second question is offered first). tests/components/test_policy_priorities.py.
PRIORITY = 7


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class PendingQuestionPolicy(UntrainedPolicy):
    """Asks a waiting journey question again after a side question, and routes the answer back to its journey."""

    PRIORITY = PRIORITY

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """Certain in the three states of bot.core.pending.next_step; silent otherwise."""
        probabilities = self._default_predictions(domain)
        action = self._next_step(tracker)
        if action is not None and action in domain.action_names_or_texts:
            probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities)

    @staticmethod
    def _next_step(tracker: DialogueStateTracker) -> str | None:
        waiting = waiting_from_slot(tracker.get_slot(SLOT))
        if waiting is not None:  # the actions since it was asked matter only then (a pass over the whole session)
            actions = [e.action_name for e in tracker.events if isinstance(e, ActionExecuted) and e.action_name]
            waiting = still_waiting(waiting, actions)
        intent = (tracker.latest_message.intent or {}).get("name") if tracker.latest_message else None
        return next_step(
            waiting,
            latest_action=tracker.latest_action_name or "",
            intent=intent,
            in_form=bool(tracker.active_loop_name),
        )

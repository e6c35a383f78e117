"""A dialogue policy for messages whose words decide, not their intent: theft, disputes, complaints.

The bot must not decide fraud or disputes (issue 6), yet users report them in words
the NLU files under many intents ("有人盗用我的身份开了借呗" reads like reopening,
"账户被盗了" like a platform closure); an angry complaint about collection calls reads
as out_of_scope (issue 12.5). So the decision rests on the text itself
(`bot.handoff.people.decide`), not on the intent, and outranks every other policy for
that turn. A theft signal is acted on inside a form too (the step stops); otherwise
the form's own rules handle a human request or a question.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot.handoff.people import HANDOFF_ACTION, decide
from components.untrained_policy import UntrainedPolicy

# Entities that make a message a request (关闭花呗 气死了 is still a closing request).
NAMING_ENTITIES = ("product", "service", "duration")
__all__ = ["HANDOFF_ACTION", "MustNotDecidePolicy"]
# The highest of the project's policies (MustNotDecidePolicy 9 > ConversationContextPolicy 8 >
# PendingQuestionPolicy 7 > RulePolicy 6): a fraud report must not continue an ordinary rule, be read as a
# push-back, or be taken as the answer to a waiting journey question. Distinct priorities, because with
# equal ones Rasa breaks a tie between equally sure policies by their order in config.yml
# (tests/components/test_policy_priorities.py shows each conflict).
PRIORITY = 9


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False)
class MustNotDecidePolicy(UntrainedPolicy):
    """Right after a message reporting theft, a dispute, a disowned closure or a complaint: the action for it."""

    PRIORITY = PRIORITY

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """Certain on the turn right after such a message; silent otherwise."""
        probabilities = self._default_predictions(domain)
        action = self._decided(tracker)
        if action is None or action not in domain.action_names_or_texts:
            return self._prediction(probabilities)
        probabilities[domain.index_for_action(action)] = 1.0
        # Inside a form RulePolicy predicts the form itself as a "no user" prediction, which outranks every
        # prediction that reads the message; a theft report must stop the form before it takes the message.
        return self._prediction(probabilities, is_no_user_prediction=bool(tracker.active_loop_name))

    @staticmethod
    def _decided(tracker: DialogueStateTracker) -> str | None:
        message = tracker.latest_message
        if tracker.latest_action_name != ACTION_LISTEN_NAME or message is None or not message.text:
            return None
        if message.text.startswith("/"):
            return None  # a button payload names its intent: the customer chose
        names = any(e.get("entity") in NAMING_ENTITIES for e in message.entities or [])
        intent = (message.intent or {}).get("name")
        return decide(message.text, intent=intent, names_something=names, active_loop=tracker.active_loop_name)

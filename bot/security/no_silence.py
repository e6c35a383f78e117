"""No message that reached the assistant goes unanswered (issue 14: hostile and careless input).

Rasa answers some messages with nothing at all: `/session_start` typed as a
payload (Rasa's own action utters nothing), a turn whose prediction ends in
listening, and a turn that failed on the way (the NLU, a policy or the action
server raising). The channels then send one polite reply of their own, and
the user is never left without an answer. The one wanted silence is a
conversation a human agent has taken over: the bot stays quiet until it is
handed back. `/restart` is answered by Rasa itself: its `action_restart` says
RESTART_RESPONSE when the domain has it.
"""

from __future__ import annotations

# Said by Rasa's action_restart (named here so the data validation knows it is used).
RESTART_RESPONSE = "utter_restart"
# The turn ended without a word: the assistant is there and says what it can do.
SILENT_RESPONSE = "utter_still_here"
# The turn failed: an apology and the way on.
FAILED_RESPONSE = "utter_message_failed"
# The turn failed because a part of the system was unreachable (not the message): try again later.
OUTAGE_RESPONSE = "utter_try_again_later"


def silence_reply(*, sent: int, failed: bool, paused: bool, outage: bool = False) -> str | None:
    """The response a channel adds after a turn, or None when the turn needs none.

    Args:
        sent: messages the assistant sent to the user in this turn.
        failed: the turn raised (or timed out) before it finished.
        paused: a human agent has the conversation (the bot is silent on purpose).
        outage: the turn failed because a store it needs was unreachable (channels/failures.py).
    """
    if sent:
        return None
    if failed:
        return OUTAGE_RESPONSE if outage else FAILED_RESPONSE
    return None if paused else SILENT_RESPONSE

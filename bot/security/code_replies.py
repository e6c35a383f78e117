"""What to say at each step of a one-time code, whatever the code confirms (closing, unbinding, limit, deletion).

The journeys differ only in the question (`utter_ask_<journey>_code`, which
says how to back out of *that* journey); sending, format, wrong, expired and
locked replies are shared. Every reply that states the code's length or
lifetime takes them from bot.security.verification.code_terms.
"""

from __future__ import annotations

from bot.core.replies import Reply
from bot.security.verification import (
    MAX_CODE_REASKS,
    CheckResult,
    CodeCheck,
    CodeNotSent,
    CodeSent,
    SendRefusal,
    code_terms,
)

_NOT_SENT = {
    SendRefusal.HOURLY_LIMIT: "utter_code_send_limit_hour",
    SendRefusal.DAILY_LIMIT: "utter_code_send_limit_day",
    SendRefusal.TOO_MANY_WRONG: "utter_code_wrong_today",
}
_CHECK_FAILED = {
    CodeCheck.EXPIRED: "utter_code_expired",
    CodeCheck.NONE_PENDING: "utter_code_expired",
    CodeCheck.LOCKED: "utter_code_locked",
    CodeCheck.LOCKED_TODAY: "utter_code_wrong_today",
}


def code_sent_reply(outcome: CodeSent | CodeNotSent | None) -> Reply:
    """The code went out (to the phone ending in …, or the contact on file), a cap stopped it, or none can be sent."""
    if outcome is None:
        return Reply("utter_code_unavailable")
    if isinstance(outcome, CodeNotSent):
        return Reply(_NOT_SENT[outcome.reason])
    if outcome.phone_tail:
        return Reply("utter_code_sent", {"phone_tail": outcome.phone_tail, **code_terms()})
    return Reply("utter_code_sent_no_phone", {**code_terms()})


def code_question(response: str) -> Reply:
    """A form's question for the code (`utter_ask_closure_code`, `utter_ask_change_code` …) with its length."""
    return Reply(response, {**code_terms()})


def code_format_reply(tries: int = 1) -> Reply:
    """What was typed is not a code at all (the `tries`-th time in a row): ask again, the last time with the ways out.

    After MAX_CODE_REASKS re-asks the step ends instead (`utter_code_gave_up`, nothing changed).
    """
    if tries > MAX_CODE_REASKS:
        return Reply("utter_code_gave_up")
    response = "utter_code_format_way_out" if tries == MAX_CODE_REASKS else "utter_code_format"
    return Reply(response, {**code_terms()})


def code_check_reply(result: CheckResult) -> Reply | None:
    """What to say after a code was checked: nothing when it was right."""
    if result.outcome is CodeCheck.OK:
        return None
    if result.outcome is CodeCheck.WRONG:
        return Reply("utter_code_wrong", {"attempts_left": str(result.attempts_left)})
    return Reply(_CHECK_FAILED[result.outcome])


def code_resending_reply() -> Reply:
    """Before a new code goes out at the customer's request: the previous one stops working."""
    return Reply("utter_code_resending")

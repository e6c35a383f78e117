"""Callback numbers left outside service hours: validation and masking.

Only mainland mobile numbers are accepted (11 digits starting 13–19); a
callback to a landline or abroad is not something the service desk does.
Everywhere except the agent's own ticket view the number is masked
(138****5678): logs, summaries, audit rows and published events.
"""

from __future__ import annotations

import re

from bot.nlu.textnorm import normalise

_MOBILE = re.compile(r"(?<!\d)(?:\+?86)?(1[3-9]\d{9})(?!\d)")
_SEPARATORS = re.compile(r"[\s\-()]")


def find_mobile(text: str) -> str | None:
    """The first mainland mobile number in `text` (spaces, dashes and +86 tolerated), or None."""
    compact = _SEPARATORS.sub("", normalise(text or ""))
    match = _MOBILE.search(compact)
    return match.group(1) if match else None


# 「打我预留的号码就行」「就打这个手机」: call the number the account has on file.
_ON_FILE = re.compile(
    r"(?:预留|注册|绑定|账户|账号|登录|平时|常用|本人|现在用|原来)的?(?:那个|这个)?(?:手机|号码|电话|号)"
    r"|(?:就|直接)?打(?:我|这个)(?:的)?(?:手机|电话|号码)|本机|这个(?:手机)?号(?:码)?就行"
)


def means_number_on_file(text: str) -> bool:
    """Whether the customer answers the number question with 'the one you have' instead of digits."""
    return find_mobile(text) is None and bool(_ON_FILE.search(normalise(text or "")))


def mask_phone(phone: str | None) -> str:
    """138****5678; short or missing numbers are masked entirely."""
    if not phone:
        return ""
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_phones_in(text: str) -> str:
    """Replace every mobile number in free text by its masked form (for logs and summaries)."""
    return _MOBILE.sub(lambda m: mask_phone(m.group(1)), text)


# A wrong number is asked for again at most twice, the second time with the ways out; the third ends the form.
MAX_PHONE_REASKS = 2


def phone_retry_response(tries: int) -> str | None:
    """What to say after the `tries`-th number that is not a mobile number; None: stop asking (the form ends)."""
    if tries <= 1:
        return "utter_handoff_phone_invalid"
    if tries <= MAX_PHONE_REASKS:
        return "utter_handoff_phone_invalid_way_out"
    return None


def gave_up(tries: int) -> bool:
    """Whether the callback form stopped asking for a number after too many that were not one."""
    return tries > MAX_PHONE_REASKS

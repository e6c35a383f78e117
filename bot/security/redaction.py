"""Personal numbers in free text, masked before anything is stored: codes, phones, ID and card numbers.

One pure function, `redact`, applied wherever text is persisted (the tracker
store, channels.redacting_store). It replaces:

- one-time code → [验证码]: 6 digits on their own, not an amount (no ¥ before,
  no 元/块/万/千… after); while a code is awaited, any 6 digits, also 123 456;
- mainland mobile → 138****5678 (as bot.handoff.phones): 11 digits 1[3-9]…,
  spaces, dashes and +86 tolerated;
- resident ID → [身份证号尾号123X]: 17 digits and a digit or X (an 18-digit
  run with a birth date where an ID has one);
- bank card → [卡号尾号1234]: 16–19 digits, in groups or not.

The last four digits stay so that an agent can still refer to "the card ending
1234". Full-width digits are recognised too (the text is matched in its
normalised form, which has the same length, and the spans replaced in the
original). Anything else (dates, amounts, order numbers of other lengths) is
left as it is.
"""

from __future__ import annotations

import re

from bot.handoff.phones import mask_phone
from bot.nlu.textnorm import normalise

CODE_MASK = "[验证码]"
# A run of digits, possibly in groups separated by one space or dash (phones and cards are
# written 138 1234 5678, 6222-0212-3456-7890), with an optional +86, and an ID's final X.
# Letters around it mean it is part of something else (a URL, a token), not a number on its own.
_NUMBER = re.compile(r"(?<![0-9a-z])(?:\+?86[ \-]?)?[0-9](?:[ \-]?[0-9]){5,20}x?(?![0-9a-z])")
_SIX = re.compile(r"(?<![0-9a-z])[0-9]{6}(?![0-9a-z])")
_SIX_SPACED = re.compile(r"(?<![0-9a-z])[0-9]{3}[ \-][0-9]{3}(?![0-9a-z])")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_AMOUNT_BEFORE = ("¥", "￥", "$")
_AMOUNT_AFTER = ("元", "块", "万", "千", "百", "%", "分", "笔", "天", "个", "期")
_SEPARATORS = re.compile(r"[ \-]")


def redact(text: str, *, expecting_code: bool = False) -> str:
    """`text` with one-time codes, mobile, ID and card numbers masked (see the module docstring).

    `expecting_code`: the bot has just asked for a one-time code, so any six digits are one.
    """
    if not text:
        return text
    folded = normalise(text)
    spans: list[tuple[int, int, str]] = []
    for match in _NUMBER.finditer(folded):
        masked = _mask_number(match.group(0), text[match.start() : match.end()])
        if masked is not None:
            spans.append((match.start(), match.end(), masked))
    taken = [(s, e) for s, e, _ in spans]
    for pattern in (_SIX, _SIX_SPACED) if expecting_code else (_SIX,):
        for match in pattern.finditer(folded):
            start, end = match.span()
            if any(s < end and start < e for s, e in taken):
                continue
            if expecting_code or not _looks_like_amount(folded, start, end):
                spans.append((start, end, CODE_MASK))
                taken.append((start, end))
    for start, end, masked in sorted(spans, reverse=True):
        text = text[:start] + masked + text[end:]
    return text


def _mask_number(folded: str, original: str) -> str | None:
    """The masked form of one number-like run, or None to leave it as it is."""
    compact = _SEPARATORS.sub("", folded).lstrip("+")
    digits = compact.rstrip("x")
    original_compact = _SEPARATORS.sub("", original)
    if compact.endswith("x"):
        return f"[身份证号尾号{original_compact[-4:]}]" if len(compact) == 18 and len(digits) == 17 else None
    if len(digits) == 13 and digits.startswith("86") and _MOBILE.fullmatch(digits[2:]):
        digits = digits[2:]
    if len(digits) == 11 and _MOBILE.fullmatch(digits):
        return mask_phone(digits)
    if len(digits) == 18 and _is_resident_id(digits):
        return f"[身份证号尾号{original_compact[-4:]}]"
    if 16 <= len(digits) <= 19:
        return f"[卡号尾号{original_compact[-4:]}]"
    return None


def _is_resident_id(digits: str) -> bool:
    """An 18-digit run that carries a birth date where an ID does (19xx/20xx, month, day)."""
    year, month, day = digits[6:10], int(digits[10:12]), int(digits[12:14])
    return year[:2] in ("19", "20") and 1 <= month <= 12 and 1 <= day <= 31


def _looks_like_amount(folded: str, start: int, end: int) -> bool:
    before = folded[:start].rstrip()[-1:]
    after = folded[end:].lstrip()[:1]
    return before in _AMOUNT_BEFORE or after in _AMOUNT_AFTER


# ── stored conversation events ───────────────────────────────────

# Slots whose value is a one-time code while it is checked ("verified" afterwards, see actions/step_up.py).
CODE_SLOT_SUFFIX = "_code"
CODE_VERIFIED = "verified"
# The callback number: the full one goes into the ticket row for the agent who calls back, the tracker keeps it masked.
PHONE_SLOTS = frozenset({"callback_phone"})
# Free text the customer typed, kept in a slot.
TEXT_SLOTS = frozenset({"callback_message"})
_RESETS = frozenset({"session_started", "restart"})


def redact_slot(name: str, value: object) -> object:
    """A slot's value as it may be stored."""
    if value is None or not isinstance(value, str):
        return value
    if name.endswith(CODE_SLOT_SUFFIX):
        return value if value == CODE_VERIFIED else CODE_MASK
    if name in PHONE_SLOTS:
        return mask_phone(value) if value else value
    if name in TEXT_SLOTS:
        return redact(value)
    return value


def redact_events(events: list[dict[str, object]], *, requested: object = None) -> list[dict[str, object]]:
    """Serialised conversation events (Rasa's `Event.as_dict()`) as they may be stored.

    User messages (text, the parsed text, entity values), agent messages, and
    the values of code, phone and free-text slots are redacted. A user message
    that answers the bot's request for a one-time code (`requested_slot` ending
    in `_code`) has any six digits masked. Events without anything to redact are
    returned as the same objects; changed ones are copies.

    `requested`: the slot requested before the first of `events` (`requested_after`
    the events stored earlier), so that a conversation can be redacted a part at a time.
    """
    redacted: list[dict[str, object]] = []
    for event in events:
        requested = _requested_after(event, requested)
        expecting_code = isinstance(requested, str) and requested.endswith(CODE_SLOT_SUFFIX)
        redacted.append(_redact_event(event, expecting_code=expecting_code))
    return redacted


def requested_after(events: list[dict[str, object]], requested: object = None) -> object:
    """The slot the bot is waiting for after `events` (None after a session start or restart).

    What `redact_events` starts from for the events that follow them.
    """
    for event in events:
        requested = _requested_after(event, requested)
    return requested


def _requested_after(event: dict[str, object], requested: object) -> object:
    kind = event.get("event")
    if kind in _RESETS:
        return None
    if kind == "slot" and event.get("name") == "requested_slot":
        return event.get("value")
    return requested


def _redact_event(event: dict[str, object], *, expecting_code: bool) -> dict[str, object]:
    kind = event.get("event")
    if kind == "user":
        return _redact_user(event, expecting_code=expecting_code)
    if kind == "slot":
        name, value = str(event.get("name")), event.get("value")
        masked = redact_slot(name, value)
        return event if masked == value else {**event, "value": masked}
    if kind == "bot" and isinstance(event.get("text"), str):
        metadata = event.get("metadata")
        if isinstance(metadata, dict) and metadata.get("sender") == "agent":
            text = redact(str(event["text"]))
            return event if text == event["text"] else {**event, "text": text}
    return event


def _redact_user(event: dict[str, object], *, expecting_code: bool) -> dict[str, object]:
    def clean(value: object) -> object:
        if isinstance(value, str):
            return redact(value, expecting_code=expecting_code)
        if isinstance(value, int) and not isinstance(value, bool):  # an entity's number, e.g. an amount
            text = str(value)
            masked = redact(text, expecting_code=expecting_code)
            return value if masked == text else masked
        return value

    changed = dict(event)
    changed["text"] = clean(event.get("text"))
    parse_data = event.get("parse_data")
    if isinstance(parse_data, dict):
        parsed = dict(parse_data)
        parsed["text"] = clean(parse_data.get("text"))
        entities = parse_data.get("entities")
        if isinstance(entities, list):
            parsed["entities"] = [{**e, "value": clean(e.get("value"))} if isinstance(e, dict) else e for e in entities]
        changed["parse_data"] = parsed
    return event if changed == event else changed

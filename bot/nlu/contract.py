"""The entity contract (../shared/spec/intents.md): which values each entity may carry.

Button payloads (`/intent{"entity": value}`) bypass the NLU, and anybody can
type one. A value outside the contract's sets (a product id the catalog does
not know, free text as an `external_product`, a duration of 1e999) must not
reach the dialogue: the bot would say it back as its own words. The channels
drop such values with `clean_payload` before Rasa sees the message; the
actions check values again with `known_value` (the NLU's own entities too).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from bot.core.catalog import PLATFORM_ACCOUNT, Catalog
from bot.db.models import REQUEST_KINDS
from bot.nlu.textnorm import normalise

PRODUCT = "product"
SERVICE = "service"
DURATION = "duration"
EXTERNAL_PRODUCT = "external_product"
REQUEST_KIND = "request_kind"
SEPARATE_LINE = "separate_line"  # 信用购, 信用贷, 先用后付: named, never ours to close (data/catalog/products.yml)
PLATFORM_ACCOUNT_ENTITY = PLATFORM_ACCOUNT  # the whole platform account (注销这个号)
ENTITIES = (PRODUCT, SERVICE, DURATION, EXTERNAL_PRODUCT, REQUEST_KIND, SEPARATE_LINE, PLATFORM_ACCOUNT_ENTITY)

# A pause length beyond this many days (about 100 years) is no length anyone
# means; larger numbers (1e300, 1e999 = inf) are treated as no length at all.
MAX_DURATION_DAYS = 36_500

# Rasa's own pattern for "/intent@confidence{entities}" (YAMLStoryReader._regex_message_pattern).
_PAYLOAD = re.compile(r"^/(?P<intent>[^{@]+)(?P<confidence>@[0-9.]+)?(?P<entities>\{.+\})?(?P<rest>.*)$", re.DOTALL)


def known_value(entity: str, value: Any, catalog: Catalog) -> Any:
    """`value` as the contract has it (canonical spelling, whole days), or None when it has no place there."""
    if entity == PRODUCT:
        return value if isinstance(value, str) and catalog.product(value) is not None else None
    if entity == SERVICE:
        return value if isinstance(value, str) and catalog.service(value) is not None else None
    if entity == EXTERNAL_PRODUCT:
        return external_name(value, catalog)
    if entity == DURATION:
        return duration_days(value)
    if entity == REQUEST_KIND:
        return value if value in REQUEST_KINDS else None
    if entity == SEPARATE_LINE:
        return value if isinstance(value, str) and catalog.separate_line(value) is not None else None
    if entity == PLATFORM_ACCOUNT_ENTITY:
        return value if value == PLATFORM_ACCOUNT else None
    return None


def external_name(value: Any, catalog: Catalog) -> str | None:
    """The catalog's spelling of another company's product named in `value`, else None.

    Exact or normalised (traditional characters, width, case), or the longest
    catalog name inside the value (苏宁任性付 → 任性付).
    """
    if not isinstance(value, str) or not value:
        return None
    wanted = normalise(value)
    names = sorted(catalog.external_products, key=len, reverse=True)
    return next((name for name in names if normalise(name) == wanted), None) or next(
        (name for name in names if normalise(name) in wanted), None
    )


def duration_days(value: Any) -> int | None:
    """A pause length in whole days from a slot or entity value; None when absent, not a number or absurd.

    Booleans are no numbers; infinities, NaN and anything beyond
    MAX_DURATION_DAYS (either sign) read as no length, so the caller asks again
    instead of failing (int(1e999) raises OverflowError) or quoting 300 digits.
    """
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if not math.isfinite(number) or abs(number) > MAX_DURATION_DAYS:
        return None
    return int(number)


def clean_entities(entities: Mapping[str, Any], catalog: Catalog) -> dict[str, Any]:
    """The contract's entities with their known values; unknown entities and values are dropped.

    A list (the 两个都 button sends `product: [huabei, jiebei]`) keeps its known items.
    """
    cleaned: dict[str, Any] = {}
    for entity, raw in entities.items():
        if entity not in ENTITIES:
            continue
        if isinstance(raw, list):
            kept = [v for v in (known_value(entity, item, catalog) for item in raw) if v is not None]
            if kept:
                cleaned[entity] = kept
        elif (value := known_value(entity, raw, catalog)) is not None:
            cleaned[entity] = value
    return cleaned


def clean_payload(text: str, catalog: Catalog) -> str:
    """A `/intent{...}` message with only contract values left; any other text unchanged.

    Malformed entity JSON and trailing text are dropped (Rasa would ignore them);
    the intent itself is Rasa's to check against the domain.
    """
    stripped = text.strip()
    match = _PAYLOAD.match(stripped) if stripped.startswith("/") else None
    if match is None:
        return text
    head = f"/{match['intent']}{match['confidence'] or ''}"
    if not match["entities"]:
        return head
    try:
        entities = json.loads(match["entities"], parse_constant=lambda _: None)  # NaN, Infinity
    except (ValueError, RecursionError):
        return head
    cleaned = clean_entities(entities, catalog) if isinstance(entities, dict) else {}
    return head + json.dumps(cleaned, ensure_ascii=False, separators=(",", ":")) if cleaned else head

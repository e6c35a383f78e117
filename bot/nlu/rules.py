"""Rule layer over the statistical NLU: catalog aliases, canonical ids, entity merging.

DIET finds entities from examples and generalises to typos it has never seen,
but it returns the user's spelling ("花被") and sometimes misses a known alias.
The product catalog knows every spelling we have seen and the canonical id for
each. This module combines the two. It works on plain dicts shaped like Rasa
entities (`entity`, `start`, `end`, `value`, ...), so it is testable without
Rasa; `components/rule_entities.py` only feeds it spaCy matches.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

from bot.core import catalog as catalog_files
from bot.nlu.durations import mask_long_numerals, parse_duration
from bot.nlu.textnorm import normalise

PRODUCT = "product"
SERVICE = "service"
DURATION = "duration"
EXTERNAL_PRODUCT = "external_product"
# A line users name next to ours that is not ours to close (信用购, 信用贷, 先用后付).
SEPARATE_LINE = "separate_line"
# The whole platform account (支付宝账号, 这个号); its one value is PLATFORM_ACCOUNT.
PLATFORM_ACCOUNT = catalog_files.PLATFORM_ACCOUNT
# Ruler label for spans that look like durations but are not (dates, idioms);
# they only exist to out-compete the duration patterns inside them.
NOT_DURATION = "not_duration"
# Ruler label for common words that contain a name but are not one (信用贷款 is
# "a credit loan", not the 信用贷 line); they out-compete the name inside them.
NOT_NAME = "not_name"
_NOT_NAME_PHRASES = ("信用贷款",)

CATALOG_FILES = ("products.yml", "services.yml")

# Labels that compete for the same span; the longest match in a family wins.
# Our products, other companies' products and separate lines compete, so
# "360借条" is never read as a product alias hidden inside it, nor 花呗 inside
# 花呗信用购.
_FAMILIES = {
    PRODUCT: "product",
    EXTERNAL_PRODUCT: "product",
    SEPARATE_LINE: "product",
    NOT_NAME: "product",
    PLATFORM_ACCOUNT: "account",
    SERVICE: "service",
    DURATION: "duration",
    NOT_DURATION: "duration",
}

Entity = dict[str, Any]


@dataclass(frozen=True)
class CatalogEntry:
    """One product or service: its canonical id and every spelling users write."""

    label: str
    id: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class AliasCatalog:
    """The NLU-relevant part of data/catalog/products.yml and services.yml."""

    entries: tuple[CatalogEntry, ...]
    external_products: tuple[str, ...]

    def ids(self, label: str) -> set[str]:
        """Canonical ids of one entity type."""
        return {entry.id for entry in self.entries if entry.label == label}


@dataclass(frozen=True)
class RuleMatch:
    """A span the rules recognised in the normalised text; `id` is the canonical value."""

    label: str
    id: str
    start: int
    end: int

    def overlaps(self, start: int, end: int) -> bool:
        """Whether this match shares at least one character with [start, end)."""
        return self.start < end and start < self.end


def load_alias_catalog(catalog_dir: Path) -> AliasCatalog:
    """The NLU view (labels, ids, aliases) of the catalog files read by `bot.core.catalog`."""
    full = catalog_files.load_catalog(catalog_dir)
    entries = [CatalogEntry(PRODUCT, p.id, p.aliases) for p in full.products]
    entries += [CatalogEntry(SERVICE, s.id, s.aliases) for s in full.services]
    entries += [CatalogEntry(SEPARATE_LINE, line.id, line.aliases) for line in full.separate_lines]
    if full.platform_account_aliases:
        entries.append(CatalogEntry(PLATFORM_ACCOUNT, PLATFORM_ACCOUNT, full.platform_account_aliases))
    return AliasCatalog(entries=tuple(entries), external_products=full.external_products)


def catalog_fingerprint(catalog_dir: Path) -> str:
    """Hash of the catalog files, so a trained model is rebuilt when they change."""
    digest = hashlib.sha256()
    for name in CATALOG_FILES:
        digest.update((catalog_dir / name).read_bytes())
    return digest.hexdigest()


def code_fingerprint(modules: Iterable[ModuleType]) -> str:
    """Hash of the given modules' source files.

    Rasa decides whether a cached component can be reused from the
    component's own source and inputs; it does not see the `bot` code the
    component calls, so components add this to their fingerprint.
    """
    digest = hashlib.sha256()
    for module in modules:
        if module.__file__ is not None:
            digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()


def alias_forms(aliases: Iterable[str]) -> list[str]:
    """Aliases as written plus their normalised forms, deduplicated, in order.

    The written forms keep the generated synonym lists faithful to the
    catalog; the normalised forms are what the NLU actually sees.
    """
    forms: dict[str, None] = {}
    for alias in aliases:
        forms[alias] = None
        forms[normalise(alias)] = None
    return list(forms)


def alias_index(catalog: AliasCatalog) -> dict[str, tuple[str, str]]:
    """Map each normalised alias to (label, canonical value).

    Raises ValueError if one spelling would mean two different things, which
    would make canonicalisation depend on file order.
    """
    index: dict[str, tuple[str, str]] = {}
    pairs = [(alias, (e.label, e.id)) for e in catalog.entries for alias in e.aliases]
    pairs += [(name, (EXTERNAL_PRODUCT, name)) for name in catalog.external_products]
    for alias, target in pairs:
        key = normalise(alias)
        if index.setdefault(key, target) != target:
            raise ValueError(f"alias {alias!r} maps to both {index[key]} and {target}")
    return index


def ruler_patterns(catalog: AliasCatalog) -> list[dict[str, Any]]:
    """Patterns for the spaCy span ruler: catalog phrases plus duration token patterns.

    Phrase patterns are the normalised aliases, since the ruler runs on
    normalised text.
    """
    phrases = [
        {"label": label, "pattern": alias, "id": value} for alias, (label, value) in alias_index(catalog).items()
    ]
    not_names = [{"label": NOT_NAME, "pattern": phrase} for phrase in _NOT_NAME_PHRASES]
    return phrases + not_names + duration_patterns()


# "+" is unbounded (spaCy 3.4 has no {n,m}), and on a long run of numerals the
# matcher keeps a partial match open from every position: quadratic. The rules
# therefore run on `rule_text`, where runs longer than MAX_NUMERAL_CHARS are masked.
_NUMERAL: dict[str, Any] = {
    "TEXT": {"REGEX": r"^[0-9.零〇一二两俩三四五六七八九十百千万]$"},
    "OP": "+",
}
_UNITS = ("天", "日", "周", "星期", "礼拜", "月", "季度", "年")
_CALENDAR_PHRASES = (
    "月底", "月末", "这个月底", "本月底", "下个月", "下月", "下个月底", "下月底",
    "年底", "年末", "今年底", "明年", "明年底", "下周", "下星期", "下个星期", "下礼拜",
    "下个礼拜",
)  # fmt: skip
_NOT_DURATION_PHRASES = ("十天半个月", "十天半月", "一年半载", "三天两头", "一天到晚")


def rule_text(normalised: str) -> str:
    """The text the spaCy rules run on: `normalised` with overlong numeral runs masked, same length.

    A run of thousands of numerals is no pause length; masked, it costs the
    matcher nothing, and offsets into the normalised text stay valid.
    """
    return mask_long_numerals(normalised)


def duration_patterns() -> list[dict[str, Any]]:
    """Token patterns for pause lengths, written for one-character tokens.

    They find candidate spans only; `parse_duration` decides the value and
    rejects spans it cannot read. Dates (1月5号, 2025年) and idioms are
    labelled NOT_DURATION so the longest-match rule suppresses the
    durations inside them.
    """
    patterns: list[dict[str, Any]] = []
    for unit in _UNITS:
        unit_tokens = [{"TEXT": char} for char in unit]
        amount = [
            {"TEXT": {"IN": ["个", "整", "多"]}, "OP": "*"},
            {"TEXT": "半", "OP": "?"},
            {"TEXT": "个", "OP": "?"},
            *unit_tokens,
            {"TEXT": "半", "OP": "?"},
        ]
        ranged = [_NUMERAL, {"TEXT": {"IN": ["-", "~", "到", "至"]}}, _NUMERAL]
        half = [{"TEXT": "半"}, {"TEXT": "个", "OP": "?"}, *unit_tokens]
        for tokens in ([_NUMERAL, *amount], [*ranged, *amount], half):
            patterns.append({"label": DURATION, "pattern": tokens})
    patterns += [{"label": DURATION, "pattern": phrase} for phrase in _CALENDAR_PHRASES]
    return patterns + _not_duration_patterns()


# 「一天打十几个」「一周催三次」: how often, not how long (bot/nlu/durations.py reads the same as no length).
_RATE_VERBS = ("打", "催", "发", "响", "来电", "骚扰")
_RATE_UNITS = ("天", "周", "星期", "礼拜", "月", "个月")
_COUNT: dict[str, Any] = {"TEXT": {"REGEX": r"^[0-9零〇一二两俩三四五六七八九十百千万几多余好]$"}, "OP": "+"}


def _rate_patterns() -> list[list[dict[str, Any]]]:
    """「一<unit>[都就要得]<verb>」 and 「一<unit><count><个次遍通条>」, one-character tokens."""
    patterns: list[list[dict[str, Any]]] = []
    for unit in _RATE_UNITS:
        start: list[dict[str, Any]] = [
            {"TEXT": "一"},
            *({"TEXT": char} for char in unit),
            {"TEXT": {"IN": ["都", "就", "要", "得"]}, "OP": "?"},
        ]
        patterns += [[*start, *({"TEXT": char} for char in verb)] for verb in _RATE_VERBS]
        patterns.append([*start, _COUNT, {"TEXT": {"IN": ["个", "次", "遍", "通", "条"]}}])
    return patterns


def _not_duration_patterns() -> list[dict[str, Any]]:
    """Dates and idioms that contain a number and a unit but are no pause length."""
    digit: dict[str, Any] = {"TEXT": {"REGEX": r"^[0-9]$"}}
    month_day = [_NUMERAL, {"TEXT": "月"}, _NUMERAL, {"TEXT": {"IN": ["号", "日"]}}]
    patterns: list[list[dict[str, Any]] | str] = [
        month_day,
        [_NUMERAL, {"TEXT": "月"}, {"TEXT": "份"}],
        [digit, digit, digit, digit, {"TEXT": "年"}],
        *_NOT_DURATION_PHRASES,
        *_rate_patterns(),
    ]
    return [{"label": NOT_DURATION, "pattern": pattern} for pattern in patterns]


def select_matches(matches: Iterable[RuleMatch], text: str) -> list[RuleMatch]:
    """Keep the matches that stand: whole Latin words, longest per family.

    A ruler on single characters matches any substring, which is what we want
    for Chinese but not for Latin aliases ("hb" inside "github"). Other
    companies' product names inside one of our service aliases (信用卡 in
    信用卡收款) are part of the service, not a mention of that product.
    """
    candidates = [m for m in matches if _on_latin_boundaries(m, text)]
    chosen: list[RuleMatch] = []
    for family in sorted(set(_FAMILIES.values())):
        members = [m for m in candidates if _FAMILIES.get(m.label) == family]
        chosen += _longest_first(members)
    services = [m for m in chosen if m.label == SERVICE]
    kept = [
        m
        for m in chosen
        if m.label not in (NOT_DURATION, NOT_NAME)
        and not (m.label == EXTERNAL_PRODUCT and any(s.overlaps(m.start, m.end) for s in services))
    ]
    return sorted(kept, key=lambda m: (m.start, m.end, m.label))


def _on_latin_boundaries(match: RuleMatch, text: str) -> bool:
    """False when a match starts or ends inside a run of ASCII letters/digits."""

    def joins(left: int, right: int) -> bool:
        in_range = 0 <= left and right < len(text)
        return in_range and _is_ascii_alnum(text[left]) and _is_ascii_alnum(text[right])

    return not joins(match.start - 1, match.start) and not joins(match.end - 1, match.end)


def _is_ascii_alnum(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _longest_first(matches: Sequence[RuleMatch]) -> list[RuleMatch]:
    """Greedy non-overlapping selection: longer matches first, then leftmost."""
    chosen: list[RuleMatch] = []
    taken: set[int] = set()  # character positions of chosen matches: an overlap test costs the span's length
    for match in sorted(matches, key=lambda m: (m.start - m.end, m.start)):
        span = range(match.start, match.end)
        if taken.isdisjoint(span):
            chosen.append(match)
            taken.update(span)
    return chosen


@dataclass(frozen=True)
class MergeContext:
    """What merging needs besides the entities: the text, tables and our name."""

    text: str
    index: dict[str, tuple[str, str]]
    canonical: dict[str, set[str]]
    extractor: str
    today: date | None = None

    @classmethod
    def build(
        cls,
        text: str,
        catalog_index: dict[str, tuple[str, str]],
        extractor: str,
        today: date | None = None,
    ) -> MergeContext:
        """Derive the canonical id sets from the alias index."""
        canonical: dict[str, set[str]] = {}
        for label, value in catalog_index.values():
            canonical.setdefault(label, set()).add(value)
        return cls(text, catalog_index, canonical, extractor, today)


def merge_entities(entities: Sequence[Entity], matches: Sequence[RuleMatch], ctx: MergeContext) -> list[Entity]:
    """Combine DIET's entities with rule matches; the result is new dicts, sorted by position.

    Order matters: other companies' products are removed before anything is
    canonicalised, so a DIET `product` on "微粒贷" never survives as a product.
    """
    result = [dict(entity) for entity in entities]
    touched: set[int] = set()
    result = _apply_external(result, [m for m in matches if m.label == EXTERNAL_PRODUCT], ctx)
    result = _drop_products_on(result, [m for m in matches if m.label == SEPARATE_LINE])
    # Entities added below are claimed as they are added: only these can still be claimed.
    claimable = len(result)
    for match in matches:
        if match.label in (PRODUCT, SERVICE, SEPARATE_LINE, PLATFORM_ACCOUNT):
            _apply_catalog_match(result, touched, match, ctx, claimable)
        elif match.label == DURATION:
            _apply_duration_match(result, touched, match, ctx, claimable)
    for position, entity in enumerate(result):
        if position not in touched:
            _canonicalise_leftover(entity, ctx)
    return dedupe_entities(sorted(result, key=lambda e: (e["start"], e["end"])))


def _apply_external(entities: list[Entity], matches: Sequence[RuleMatch], ctx: MergeContext) -> list[Entity]:
    """Drop `product` entities on other companies' products; add `external_product`."""
    return _drop_products_on(entities, matches) + [_new_entity(m, m.id, ctx) for m in matches]


def _drop_products_on(entities: list[Entity], matches: Sequence[RuleMatch]) -> list[Entity]:
    """`entities` without the `product` entities that overlap one of `matches` (names that are not our lines)."""
    return [
        e for e in entities if e.get("entity") != PRODUCT or not any(m.overlaps(e["start"], e["end"]) for m in matches)
    ]


def _apply_catalog_match(
    entities: list[Entity], touched: set[int], match: RuleMatch, ctx: MergeContext, claimable: int
) -> None:
    """Canonicalise the overlapping DIET entity of the same type, or add one."""
    position = _find_overlapping(entities[:claimable], touched, match)
    if position is None:
        touched.add(len(entities))
        entities.append(_new_entity(match, match.id, ctx))
        return
    _widen(entities[position], match)
    _rewrite(entities[position], match.id, ctx)
    touched.add(position)


def _apply_duration_match(
    entities: list[Entity], touched: set[int], match: RuleMatch, ctx: MergeContext, claimable: int
) -> None:
    """Give an overlapping duration entity its days, or add one if the span parses.

    The rule span is tried before DIET's, and a DIET span inside it is
    widened to it, because DIET sometimes cuts a length short ("一年" of "一年半").
    """
    rule_days = parse_duration(ctx.text[match.start : match.end], today=ctx.today)
    position = _find_overlapping(entities[:claimable], touched, match)
    if position is None:
        if rule_days is not None:
            touched.add(len(entities))
            entities.append(_new_entity(match, rule_days, ctx))
        return
    entity = entities[position]
    touched.add(position)
    if rule_days is not None:
        _widen(entity, match)
    days = rule_days or _parse_span(entity, ctx)
    if days is not None:
        _rewrite(entity, days, ctx)


def _canonicalise_leftover(entity: Entity, ctx: MergeContext) -> None:
    """DIET entities no rule matched: exact alias lookup, or days for durations."""
    label = entity.get("entity")
    if label == DURATION:
        days = _parse_span(entity, ctx)
        if days is not None:
            _rewrite(entity, days, ctx)
        return
    if label not in (PRODUCT, SERVICE) or entity.get("value") in ctx.canonical.get(label, set()):
        return
    target = ctx.index.get(normalise(str(entity.get("value", ""))))
    if target is not None and target[0] == label:
        _rewrite(entity, target[1], ctx)


def _find_overlapping(entities: Sequence[Entity], touched: set[int], match: RuleMatch) -> int | None:
    """First not-yet-claimed entity of the match's type sharing a character with it."""
    for position, entity in enumerate(entities):
        same_type = entity.get("entity") == match.label
        if same_type and position not in touched and match.overlaps(entity["start"], entity["end"]):
            return position
    return None


def _widen(entity: Entity, match: RuleMatch) -> None:
    """Stretch a DIET span that the rule span contains ("一年" of "一年半").

    Spans are only ever widened to a rule match, never shrunk or shifted, so
    the entity still covers at least what DIET saw.
    """
    if match.start <= entity["start"] and entity["end"] <= match.end:
        entity["start"], entity["end"] = match.start, match.end


def _parse_span(entity: Entity, ctx: MergeContext) -> int | None:
    return parse_duration(ctx.text[entity["start"] : entity["end"]], today=ctx.today)


def _rewrite(entity: Entity, value: Any, ctx: MergeContext) -> None:
    """Set a canonical value, keeping what the user wrote in `text` (Rasa's processor convention)."""
    entity.setdefault("text", ctx.text[entity["start"] : entity["end"]])
    if entity.get("value") == value:
        return
    entity["value"] = value
    processors = entity.setdefault("processors", [])
    if ctx.extractor not in processors:
        processors.append(ctx.extractor)


def _new_entity(match: RuleMatch, value: Any, ctx: MergeContext) -> Entity:
    return {
        "entity": match.label,
        "start": match.start,
        "end": match.end,
        "value": value,
        "text": ctx.text[match.start : match.end],
        "confidence_entity": 1.0,
        "extractor": ctx.extractor,
    }


def dedupe_entities(entities: Iterable[Entity]) -> list[Entity]:
    """Keep the first of entities that describe the same thing.

    Same thing: same type, role and group, and either the same span or the same
    value on overlapping spans.
    """
    ordered = list(entities)
    if any(b["start"] < a["start"] for a, b in zip(ordered, ordered[1:], strict=False)):
        kept: list[Entity] = []
        for entity in ordered:
            if not any(_same_thing(entity, other) for other in kept):
                kept.append(entity)
        return kept
    return _dedupe_sorted(ordered)


def _dedupe_sorted(entities: list[Entity]) -> list[Entity]:
    """`dedupe_entities` for entities sorted by start, comparing each only with kept ones it may touch.

    A kept entity starting more than the longest kept span before this one
    ends before it starts, and so do all kept before it: the scan stops
    there, which keeps a long message's merge near-linear instead of quadratic.
    """
    kept: list[Entity] = []
    longest = 0
    for entity in entities:
        duplicate = False
        for other in reversed(kept):
            if other["start"] + longest < entity["start"]:
                break
            if _same_thing(entity, other):
                duplicate = True
                break
        if not duplicate:
            kept.append(entity)
            longest = max(longest, entity["end"] - entity["start"])
    return kept


def _same_thing(a: Entity, b: Entity) -> bool:
    keys = ("entity", "role", "group")
    if any(a.get(key) != b.get(key) for key in keys):
        return False
    same_span = (a["start"], a["end"]) == (b["start"], b["end"])
    overlapping = a["start"] < b["end"] and b["start"] < a["end"]
    return same_span or (overlapping and a.get("value") == b.get("value"))

"""Hostile and careless input for the property-based tests (issue 14, part 8), and the figures they record.

Strategies draw what a careless user, a broken client or an attacker sends:
empty and blank text, 100,000 characters, bytes, lone surrogates, emoji,
mixed scripts, SQL and template injection, typed `/intent{...}` payloads
(malformed JSON included), fields of the wrong type, huge metadata and
tokens that are expired, forged, unsigned (`alg: none`) or otherwise wrong.

How many cases each property runs is its CI budget times the profile's scale:
HYPOTHESIS_PROFILE=ci (the default: deterministic, what `make test` runs) or
long (`make fuzz`: five times as many, freshly random each run). Every case
is counted per target (`count`, `timed`); the totals are printed at the end of
the pytest run and written to results/fuzz/figures.json (tests/conftest.py).
"""

from __future__ import annotations

import json
import os
import string
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import jwt
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from bot.core.catalog import load_catalog
from bot.db.models import REQUEST_KINDS

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture]
# deadline=None: a case against real servers may wait for the NLU; the properties bound latency themselves.
settings.register_profile("ci", derandomize=True, database=None, deadline=None, suppress_health_check=_QUIET)
settings.register_profile("long", derandomize=False, database=None, deadline=None, suppress_health_check=_QUIET)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)
SCALE = {"ci": 1, "long": 5}.get(PROFILE, 1)


def budget(ci_cases: int) -> int:
    """The number of cases a property runs: its CI budget times the profile's scale."""
    return ci_cases * SCALE


# ── figures ───────────────────────────────────────────────────────────


@dataclass
class Figures:
    """What one fuzz target saw: cases run, requests sent, the slowest answer."""

    cases: int = 0
    requests: int = 0
    seconds: float = 0.0
    max_latency: float = 0.0


FIGURES: dict[str, Figures] = {}


def count(target: str) -> None:
    """Count one generated case for `target`."""
    FIGURES.setdefault(target, Figures()).cases += 1


@contextmanager
def timed(target: str) -> Iterator[None]:
    """Time one request to `target` (its latency goes into the figures)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - start
        figures = FIGURES.setdefault(target, Figures())
        figures.requests += 1
        figures.seconds += elapsed
        figures.max_latency = max(figures.max_latency, elapsed)


# ── text ──────────────────────────────────────────────────────────────

CATALOG = load_catalog()
PRODUCTS = [p.id for p in CATALOG.products]
EXTERNAL = list(CATALOG.external_products)
INTENTS = [
    "close_account",
    "lower_limit",
    "pause_credit",
    "reopen_account",
    "unbind_service",
    "ask_credit_impact",
    "ask_closure_effects",
    "ask_closed_by_platform",
    "request_settlement_certificate",
    "check_request_status",
    "cancel_request",
    "ask_data_deletion",
    "request_human",
    "out_of_scope",
    "greet",
    "goodbye",
    "affirm",
    "deny",
    "thank",
    "bot_challenge",
    "inform",
    # Rasa's own intents, which anyone can type as a payload
    "restart",
    "session_start",
    "back",
    "nlu_fallback",
    "out_of_scope",
    # and names no domain has
    "action_restart",
    "EXTERNAL_reminder",
    "drop_table",
]
SENTENCES = [
    "借呗能注销吗",
    "我想把花呗关了",
    "关闭花呗影响征信吗",
    "转人工",
    "你好",
    "确认",
    "算了",
    "花呗先暂停三个月",
]
INJECTIONS = [
    "' OR '1'='1",
    "'; DROP TABLE customers; --",
    "demo_balance' --",
    "1; SELECT pg_sleep(10); --",
    '" OR ""="',
    "admin'/*",
    "{{7*7}}",
    "${7*7}",
    "#{7*7}",
    "<%= 7*7 %>",
    "{product_name}",
    "{max_chars}",
    "{0.__class__.__mro__}",
    "%s%s%s%n",
    "${jndi:ldap://127.0.0.1/a}",
    "<script>alert(1)</script>",
    "![x](javascript:alert(1))",
    "[[!]]",
    "\\u0000",
]
MIXED = [
    "ﷺ مرحبا",  # Arabic, right to left
    "\u202e借呗注销\u202c",  # right-to-left override
    "Z̴̡̛̖̗a̸̗̲l̷̢̛g̶o̵",  # stacked combining marks
    "ｈｕａｂｅｉ　注銷",  # full width, traditional
    "안녕하세요 花呗",
    "Привет 借呗",
    "\u200b\u200c\u200d\ufeff",  # zero-width characters
    "e\u0301\u0301\u0301",
    "𠀀𪚥𰻞",  # supplementary-plane CJK
]
EMOJI = ["😀", "👍🏽", "👨‍👩‍👧‍👦", "🇨🇳", "💳", "❤️", "🙏", "🤬"]
BLANKS = " \t\n\r\u3000\u00a0\u2028\u2029\u200b\ufeff"


def _long(char: str, length: int) -> str:
    return char * length


long_texts = st.builds(
    _long,
    st.sampled_from(["一", "1", "a", " ", "😀", "天", "\ud800", "{"]),
    st.sampled_from([999, 1000, 1001, 5_000, 20_000, 100_000]) | st.integers(900, 1100),
)
blank_texts = st.text(alphabet=BLANKS, max_size=30)
emoji_texts = st.lists(
    st.sampled_from(EMOJI) | st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF), min_size=1
).map("".join)
# Lone surrogates: only JSON's \ud800 escapes can carry them (UTF-8 cannot).
surrogate_texts = st.lists(
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF) | st.sampled_from(["借呗", "a", " "]), min_size=1
).map("".join)
# Bytes as a client that mixes up encodings sends them: every byte a character.
binary_texts = st.binary(max_size=200).map(lambda b: b.decode("latin-1"))
control_texts = st.text(alphabet=st.characters(max_codepoint=0x9F, categories=["Cc"]), min_size=1, max_size=20)
any_unicode = st.text(st.characters(codec=None, exclude_categories=[]), max_size=200)
mixed_texts = st.lists(
    st.sampled_from(MIXED + SENTENCES + EMOJI) | st.text(string.printable, max_size=10), min_size=1, max_size=6
).map("".join)


def json_values(max_leaves: int = 8) -> st.SearchStrategy[Any]:
    """Any JSON value (what a client may put in any field), including huge and non-finite numbers."""
    scalars = (
        st.none()
        | st.booleans()
        | st.integers(min_value=-(10**30), max_value=10**30)
        | st.floats(allow_nan=True, allow_infinity=True)
        | st.text(max_size=20)
        | st.sampled_from(PRODUCTS + EXTERNAL + INJECTIONS)
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
        max_leaves=max_leaves,
    )


def _entity_json(entities: dict[str, Any]) -> str:
    return json.dumps(entities, ensure_ascii=False)


entity_values = st.dictionaries(
    st.sampled_from(["product", "service", "duration", "external_product", "request_kind", "amount", "sender_id"])
    | st.text(max_size=10),
    json_values() | st.sampled_from(PRODUCTS + EXTERNAL + list(REQUEST_KINDS) + [90, 1e308, -1, "1e999", 10**400]),
    max_size=4,
)
malformed_entities = st.sampled_from(
    [
        "{",
        '{"product":',
        '{"product":"huabei"',
        '{"duration":1e999}',
        '{"duration":NaN}',
        '{"duration":-Infinity}',
        "{'product':'huabei'}",
        '{"product":"huabei"}}',
        '{"product":"huabei"} trailing text',
        "[" * 2_000 + "]" * 2_000,
        '{"a":' * 500 + "1" + "}" * 500,
        "{}",
        "{null}",
        '{"product":["huabei",{"$ne":1}]}',
    ]
)


@st.composite
def payloads(draw: st.DrawFn) -> str:
    """A typed `/intent{...}` message: a known, default or unknown intent with good, odd or malformed entities."""
    intent = draw(st.sampled_from(INTENTS) | st.text(alphabet=string.ascii_letters + "_/@{", max_size=12))
    confidence = draw(st.sampled_from(["", "@0.1", "@1.0", "@2", "@-1", "@"]))
    entities = draw(st.sampled_from([""]) | entity_values.map(_entity_json) | malformed_entities)
    return f"/{intent}{confidence}{entities}"


hostile_texts = st.one_of(
    st.just(""),
    blank_texts,
    long_texts,
    emoji_texts,
    surrogate_texts,
    binary_texts,
    control_texts,
    any_unicode,
    mixed_texts,
    st.sampled_from(INJECTIONS + SENTENCES),
    payloads(),
    st.sampled_from(["/restart", "/session_start", "/", "//", "/ restart", "/restart{}", "/session_start@1.0"]),
)
"""Any text a message may carry; every kind above, drawn with about equal weight."""

# ── fields of the wrong type and whole request bodies ────────────────

wrong_types = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(json_values(4), max_size=3),
    st.dictionaries(st.text(max_size=5), json_values(4), max_size=3),
)
huge_metadata = st.builds(
    lambda n, k: {f"k{i}": "元" * n for i in range(k)} | {"display_text": "显" * n},
    st.sampled_from([10, 1_000, 30_000]),
    st.integers(1, 4),
)
metadata_values = st.none() | wrong_types | huge_metadata | st.fixed_dictionaries({"display_text": hostile_texts})


@dataclass(frozen=True)
class Body:
    """One REST request body: raw bytes, and its sender and message when it is a JSON object."""

    raw: bytes
    message: str | None  # None: the request is malformed (not an object, or no string message)
    sender: Any = None


def encode(value: Any) -> bytes:
    """JSON as a client sends it (ASCII escapes, so lone surrogates travel as \\ud800)."""
    return json.dumps(value, ensure_ascii=True, allow_nan=True).encode()


@st.composite
def rest_bodies(draw: st.DrawFn, senders: st.SearchStrategy[Any]) -> Body:
    """A REST webhook body: mostly well-formed with a hostile message, else wrong in one of many ways."""
    kind = draw(st.sampled_from(["message"] * 6 + ["wrong_field", "not_an_object", "not_json", "huge_metadata"]))
    if kind == "not_json":
        raw = draw(
            st.binary(max_size=300)
            | st.sampled_from([b"", b"{", b'{"message": "\xff\xfe"}', b"[" * 100_000, b"null", b'"just text"'])
        )
        try:  # a few byte strings are JSON objects after all
            decoded = json.loads(raw)
        except (ValueError, RecursionError):
            decoded = None
        if isinstance(decoded, dict):
            message = decoded.get("message")
            return Body(raw, message if isinstance(message, str) else None, decoded.get("sender"))
        return Body(raw, None)
    if kind == "not_an_object":
        return Body(encode(draw(st.lists(json_values(4), max_size=3) | st.text(max_size=20) | st.integers())), None)
    body: dict[str, Any] = {"sender": draw(senders), "message": draw(hostile_texts)}
    if draw(st.booleans()):
        body["metadata"] = draw(metadata_values)
    if kind == "huge_metadata":
        body["metadata"] = draw(huge_metadata)
    if kind == "wrong_field":
        field = draw(st.sampled_from(["sender", "message", "metadata"]))
        body[field] = draw(wrong_types)
    message = body["message"] if isinstance(body["message"], str) else None
    return Body(encode(body), message, body["sender"])


# ── tokens ────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Issuer:
    """What the servers under test trust: the secret, issuer and audience of good tokens."""

    secret: str
    issuer: str
    audience: str

    def claims(self, customer: str, **overrides: Any) -> dict[str, Any]:
        now = int(datetime.now(timezone.utc).timestamp())
        claims: dict[str, Any] = {"sub": customer, "iss": self.issuer, "aud": self.audience, "iat": now}
        claims["exp"] = now + 600
        return {**claims, **overrides}

    def sign(self, claims: dict[str, Any], secret: str | None = None, algorithm: str = "HS256") -> str:
        return _sign(claims, secret or self.secret, algorithm)


def _sign(claims: dict[str, Any], key: str | None, algorithm: str) -> str:
    # signed as JWS over raw JSON: PyJWT's own encoder refuses claims of the wrong type, a forger does not
    payload = json.dumps(claims, allow_nan=True).encode()
    return jwt.api_jws.PyJWS().encode(payload, key, algorithm=algorithm, headers={"typ": "JWT"})  # type: ignore[arg-type]


def _unsigned(claims: dict[str, Any]) -> str:
    # `alg: none` with no signature: what an attacker sends when a server trusts the header
    return _sign(claims, None, "none")


@st.composite
def bad_tokens(draw: st.DrawFn, issuer: Issuer, customer: str = "demo_balance") -> str:
    """A token the channels must refuse: expired, forged, unsigned, wrongly addressed or malformed."""
    now = int(datetime.now(timezone.utc).timestamp())
    day = int(timedelta(days=1).total_seconds())
    kind = draw(
        st.sampled_from(
            [
                "expired",
                "forged",
                "alg_none",
                "hs512",
                "audience",
                "issuer",
                "too_long",
                "future",
                "sub",
                "missing_claim",
                "odd_claim",
                "garbage",
                "tampered",
            ]
        )
    )
    good = issuer.claims(customer)
    if kind == "expired":
        return issuer.sign(issuer.claims(customer, iat=now - draw(st.integers(700, 10 * day)), exp=now - 600))
    if kind == "forged":
        return issuer.sign(good, secret=draw(st.text(min_size=1, max_size=40).filter(lambda s: s != issuer.secret)))
    if kind == "alg_none":
        return _unsigned(good)
    if kind == "hs512":
        return issuer.sign(good, algorithm="HS512")
    if kind == "audience":
        return issuer.sign({**good, "aud": draw(st.sampled_from(["another-service", [], ["x", "y"], 1, None]))})
    if kind == "issuer":
        return issuer.sign({**good, "iss": draw(st.sampled_from(["evil", "", None, 7]))})
    if kind == "too_long":
        return issuer.sign({**good, "exp": now + draw(st.integers(2 * day, 10_000 * day))})
    if kind == "future":
        return issuer.sign({**good, "iat": now + draw(st.integers(3_600, 100 * day)), "exp": now + 101 * day})
    if kind == "sub":
        sub = draw(
            st.sampled_from(["", "demo balance", "x" * 65, "demo_balance'--", "用户", None, 42, ["demo_balance"]])
        )
        return issuer.sign({**good, "sub": sub})
    if kind == "missing_claim":
        claim = draw(st.sampled_from(["sub", "iss", "aud", "iat", "exp"]))
        return issuer.sign({k: v for k, v in good.items() if k != claim})
    if kind == "odd_claim":
        # exp/iat of odd types and sizes (a platform bug, not an attacker: signed with the real secret)
        claim = draw(st.sampled_from(["exp", "iat"]))
        odd = draw(
            st.sampled_from([1e999, -1e999, float("nan"), 10**20, -(10**20), 1e300, "tomorrow", None, True, [now]])
        )
        long_lived = draw(st.booleans())  # with a NaN iat, a 10-year token must not slip past the lifetime check
        return issuer.sign({**good, claim: odd, **({"exp": now + 3650 * day} if long_lived and claim == "iat" else {})})
    if kind == "tampered":
        token = issuer.sign(good)
        head, payload, signature = token.split(".")
        swapped = jwt.utils.base64url_encode(json.dumps(issuer.claims("demo_clean")).encode()).decode()
        return draw(st.sampled_from([f"{head}.{swapped}.{signature}", f"{head}.{payload}.", f"{token}.extra"]))
    # anything an HTTP header can carry (latin-1, no line breaks)
    header_text = st.text(
        st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=200
    )
    return draw(header_text | st.sampled_from(["Bearer", "null", "undefined", "a.b.c", "..", "e30.e30.e30"]))


def authorization_headers(token: str) -> st.SearchStrategy[str]:
    """How a client may present a token in `Authorization` (scheme, case and spacing vary)."""
    return st.sampled_from([f"Bearer {token}", f"bearer {token}", f"Bearer  {token} ", f"Basic {token}", token])

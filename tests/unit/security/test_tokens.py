from datetime import datetime, timedelta, timezone
from typing import Any

import jwt
import pytest

from bot.security.tokens import TokenError, mint_token, verify_token

SECRET = "s" * 40
ISSUER = "credit-assistant"
AUDIENCE = "credit-assistant-chat"
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)
DAY = timedelta(hours=24)


def at(moment: datetime) -> int:
    return int(moment.timestamp())


def sign(claims: dict[str, Any], secret: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=algorithm)


def claims(**over: object) -> dict[str, Any]:
    base = {
        "sub": "demo_balance",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": at(NOW),
        "exp": at(NOW + timedelta(minutes=5)),
    }
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


def problem(token: str | None, **kw: object) -> str:
    with pytest.raises(TokenError) as err:
        verify_token(token, secret=SECRET, issuer=ISSUER, audience=AUDIENCE, now=NOW, **kw)  # type: ignore[arg-type]
    return err.value.kind


def test_a_valid_token_names_its_customer() -> None:
    verified = verify_token(sign(claims()), secret=SECRET, issuer=ISSUER, audience=AUDIENCE, now=NOW)
    assert verified.customer_id == "demo_balance"
    assert verified.expires_at == NOW + timedelta(minutes=5)


def test_minted_tokens_verify() -> None:
    token = mint_token("demo_clean", secret=SECRET, issuer=ISSUER, audience=AUDIENCE, ttl=timedelta(minutes=1), now=NOW)
    assert verify_token(token, secret=SECRET, issuer=ISSUER, audience=AUDIENCE, now=NOW).customer_id == "demo_clean"
    assert jwt.decode(token, options={"verify_signature": False})["aud"] == AUDIENCE
    assert _stale(token) == "expired"


def _stale(token: str) -> str:
    with pytest.raises(TokenError) as err:
        verify_token(token, secret=SECRET, issuer=ISSUER, audience=AUDIENCE, now=NOW + timedelta(minutes=2))
    return err.value.kind


@pytest.mark.parametrize("token", [None, ""])
def test_missing(token: str | None) -> None:
    assert problem(token) == "missing"


def test_expired_beyond_the_leeway() -> None:
    assert problem(sign(claims(exp=int((NOW - timedelta(seconds=30)).timestamp())))) == "expired"
    # a few seconds of clock skew are tolerated
    skewed = sign(claims(iat=at(NOW - timedelta(minutes=5)), exp=at(NOW - timedelta(seconds=5))))
    verify_token(skewed, secret=SECRET, issuer=ISSUER, audience=AUDIENCE, now=NOW)


@pytest.mark.parametrize(
    "token",
    [
        sign(claims(), secret="another-secret-" + "x" * 30),  # wrong secret
        sign(claims(iss="someone-else")),  # wrong issuer
        sign(claims(iss=None)),  # no issuer
        sign(claims(sub=None)),  # no customer
        sign(claims(exp=None)),  # never expires: refused
        sign(claims(aud=None)),  # no audience: could be any service's token
        sign(claims(aud="another-service")),  # another service's token
        sign(claims(aud=["another-service"])),
        sign(claims(iat=None)),  # no issue time: its lifetime is unknown
        sign(claims(iat="yesterday")),
        sign(claims(exp=at(NOW + DAY + timedelta(minutes=1)))),  # valid for longer than the maximum
        sign(claims(iat=at(NOW + timedelta(minutes=1)), exp=at(NOW + timedelta(minutes=5)))),  # issued in the future
        sign(claims(sub="../etc")),  # not a customer id
        sign(claims(sub="x" * 65)),
        sign(claims(sub="a b")),
        sign(claims(exp="tomorrow")),
        sign(claims(), algorithm="HS512"),  # only HS256 is accepted
        "not.a.jwt",
        "garbage",
    ],
)
def test_invalid(token: str) -> None:
    assert problem(token) == "invalid"


def test_alg_none_is_refused() -> None:
    unsigned = jwt.encode(claims(), None, algorithm="none")  # type: ignore[arg-type]
    assert problem(unsigned) == "invalid"


def test_tampered_payload_is_refused() -> None:
    header, _, signature = sign(claims()).split(".")
    other = jwt.utils.base64url_encode(b'{"sub":"demo_overdue","iss":"credit-assistant","exp":9999999999}').decode()
    assert problem(f"{header}.{other}.{signature}") == "invalid"


def test_no_secret_configured_refuses_everything() -> None:
    with pytest.raises(TokenError) as err:
        verify_token(sign(claims()), secret="", issuer=ISSUER, audience=AUDIENCE, now=NOW)
    assert err.value.kind == "invalid"


def test_mint_refuses_malformed_customer_ids() -> None:
    with pytest.raises(ValueError):
        mint_token("not a customer", secret=SECRET, issuer=ISSUER, audience=AUDIENCE)


def test_the_lifetime_is_exp_minus_iat_up_to_the_configured_maximum() -> None:
    day_long = sign(claims(iat=at(NOW - timedelta(hours=1)), exp=at(NOW - timedelta(hours=1) + DAY)))
    assert verify_token(day_long, secret=SECRET, issuer=ISSUER, audience=AUDIENCE, now=NOW).customer_id
    hour_max = timedelta(hours=1)
    assert problem(day_long, max_lifetime=hour_max) == "invalid"
    week = mint_token("demo_clean", secret=SECRET, issuer=ISSUER, audience=AUDIENCE, ttl=timedelta(days=7), now=NOW)
    assert problem(week) == "invalid"  # even one this code signed


def test_an_audience_among_several_is_accepted() -> None:
    token = sign(claims(aud=["another-service", AUDIENCE]))
    assert verify_token(token, secret=SECRET, issuer=ISSUER, audience=AUDIENCE, now=NOW).customer_id == "demo_balance"


def test_no_audience_configured_refuses_everything() -> None:
    with pytest.raises(TokenError) as err:
        verify_token(sign(claims()), secret=SECRET, issuer=ISSUER, audience="", now=NOW)
    assert err.value.kind == "invalid"


@pytest.mark.parametrize("claim, value", [("iat", float("nan")), ("exp", float("nan")), ("exp", float("inf"))])
def test_non_finite_times_are_refused_even_when_signed(claim: str, value: float) -> None:
    # a NaN iat passed every comparison: a 10-year token slipped past the lifetime check (found by tests/fuzzing.py)
    ten_years = claims(exp=at(NOW + timedelta(days=3650)))
    assert problem(sign({**ten_years, claim: value})) == "invalid"


def test_a_huge_integer_time_is_refused_not_raised() -> None:
    assert problem(sign(claims(exp=10**400))) == "invalid"
    assert problem(sign(claims(iat=-(10**400)))) == "invalid"


@pytest.mark.parametrize("token", ["\udc80", "a\udc9c.b.c", "é.e30.e30", "a.b", "a.b.c.d", "x" * 9000 + ".e30.e30"])
def test_a_token_that_is_no_compact_jwt_is_invalid_not_an_error(token: str) -> None:
    # a header byte over 0x7f reached PyJWT as a lone surrogate: UnicodeEncodeError, HTTP 500 (tests/fuzzing.py)
    assert problem(token) == "invalid"

"""One-time codes on SQLite and PostgreSQL: sending, checking, caps, and the verification a change consumes."""

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.db import models as m
from bot.db.session import session_scope
from bot.security import verification as v
from bot.security.verification import (
    CodeCheck,
    CodeNotSent,
    CodeSent,
    OutboxSender,
    Purpose,
    SendRefusal,
    check_code,
    consume_verification,
    fingerprint,
    issue_code,
    sender_for,
)
from tests.factories import CodeRecorder

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc)
CHANGE = fingerprint(Purpose.CLOSE, {"products": ["huabei"]})
OTHER_CHANGE = fingerprint(Purpose.CLOSE, {"products": ["huabei", "jiebei"]})


def issue(factory, sender, customer="demo_clean", purpose=Purpose.CLOSE, change=CHANGE, now=NOW):
    with session_scope(factory) as s:
        return issue_code(s, customer_id=customer, purpose=purpose, change=change, sender=sender, now=now)


def check(factory, typed, customer="demo_clean", purpose=Purpose.CLOSE, change=CHANGE, now=NOW):
    with session_scope(factory) as s:
        return check_code(s, customer_id=customer, purpose=purpose, change=change, typed=typed, now=now)


def consume(factory, customer="demo_clean", purpose=Purpose.CLOSE, change=CHANGE, now=NOW) -> bool:
    with session_scope(factory) as s:
        return consume_verification(s, customer_id=customer, purpose=purpose, change=change, now=now)


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_code_is_sent_and_only_its_hash_is_stored(factory) -> None:
    sender = CodeRecorder()
    assert issue(factory, sender) == CodeSent("1111")
    (sent,) = sender.sent
    code = sent["code"]
    assert len(code) == 6 and code.isdigit() and sent["phone"] == "13800001111" and sent["purpose"] == "close"
    with session_scope(factory) as s:
        row = s.execute(select(m.VerificationCode)).scalars().one()
        assert code not in (row.code_hash, row.salt) and row.fingerprint == CHANGE
    assert check(factory, code).outcome is CodeCheck.OK
    assert check(factory, code).outcome is CodeCheck.NONE_PENDING  # used up


def test_wrong_codes_count_down_then_lock(factory) -> None:
    sender = CodeRecorder()
    issue(factory, sender)
    code = sender.sent[0]["code"]
    first = check(factory, wrong(code))
    assert (first.outcome, first.attempts_left) == (CodeCheck.WRONG, 2)
    assert check(factory, wrong(code)).attempts_left == 1
    assert check(factory, wrong(code)).outcome is CodeCheck.LOCKED
    assert check(factory, code).outcome is CodeCheck.LOCKED  # even the right code, once locked
    assert not consume(factory)


def test_expired_code(factory) -> None:
    sender = CodeRecorder()
    issue(factory, sender)
    later = NOW + timedelta(minutes=6)
    assert check(factory, sender.sent[0]["code"], now=later).outcome is CodeCheck.EXPIRED


def test_new_code_replaces_the_old_one_and_codes_are_per_customer_and_purpose(factory) -> None:
    sender = CodeRecorder()
    issue(factory, sender)
    issue(factory, sender)
    old, new = sender.sent[0]["code"], sender.sent[1]["code"]
    assert check(factory, new, customer="demo_balance").outcome is CodeCheck.NONE_PENDING
    assert check(factory, new, purpose=Purpose.UNBIND).outcome is CodeCheck.NONE_PENDING
    if old != new:
        assert check(factory, old).outcome is CodeCheck.WRONG
    assert check(factory, new).outcome is CodeCheck.OK


def test_a_code_for_one_change_cannot_confirm_another(factory) -> None:
    sender = CodeRecorder()
    issue(factory, sender, change=CHANGE)
    code = sender.sent[0]["code"]
    assert check(factory, code, change=OTHER_CHANGE).outcome is CodeCheck.NONE_PENDING
    assert check(factory, code).outcome is CodeCheck.OK
    assert not consume(factory, change=OTHER_CHANGE)
    assert not consume(factory, purpose=Purpose.UNBIND)
    assert not consume(factory, customer="demo_balance")
    assert consume(factory)


def test_unknown_customer_gets_no_code(factory) -> None:
    sender = CodeRecorder()
    assert issue(factory, sender, customer="nobody") is None
    assert sender.sent == []


# ── the verification a change consumes ──


def test_a_verification_is_consumed_once_and_only_while_fresh(factory) -> None:
    assert not consume(factory)  # nothing entered: nothing to consume
    sender = CodeRecorder()
    issue(factory, sender)
    assert not consume(factory)  # sent but not entered
    assert check(factory, sender.sent[0]["code"]).outcome is CodeCheck.OK
    assert not consume(factory, now=NOW + v.VERIFIED_LIFETIME + timedelta(seconds=1))  # stale
    assert consume(factory, now=NOW + timedelta(minutes=1))
    assert not consume(factory, now=NOW + timedelta(minutes=1))  # single use
    with session_scope(factory) as s:
        row = s.execute(select(m.VerificationCode)).scalars().one()
        assert row.verified_at is not None and row.consumed_at is not None


def test_a_retired_or_wrong_code_leaves_nothing_to_consume(factory) -> None:
    sender = CodeRecorder()
    issue(factory, sender)
    issue(factory, sender)  # the first is retired, never verified
    check(factory, wrong(sender.sent[1]["code"]))
    assert not consume(factory)


# ── caps per customer ──


def test_at_most_five_codes_an_hour(factory) -> None:
    sender = CodeRecorder()
    for minute in range(v.MAX_SENDS_PER_HOUR):
        assert isinstance(issue(factory, sender, now=NOW + timedelta(minutes=minute)), CodeSent)
    capped = issue(factory, sender, purpose=Purpose.UNBIND, now=NOW + timedelta(minutes=10))  # any purpose counts
    assert capped == CodeNotSent(SendRefusal.HOURLY_LIMIT)
    assert len(sender.sent) == v.MAX_SENDS_PER_HOUR
    assert isinstance(issue(factory, sender, now=NOW + timedelta(minutes=61)), CodeSent)
    assert isinstance(issue(factory, sender, customer="demo_balance", now=NOW + timedelta(minutes=10)), CodeSent)


def test_at_most_ten_codes_a_day(factory) -> None:
    sender = CodeRecorder()
    for n in range(v.MAX_SENDS_PER_DAY):
        assert isinstance(issue(factory, sender, now=NOW + timedelta(hours=2 * n)), CodeSent)
    last = NOW + timedelta(hours=2 * (v.MAX_SENDS_PER_DAY - 1))
    assert issue(factory, sender, now=last + timedelta(hours=1)) == CodeNotSent(SendRefusal.DAILY_LIMIT)
    assert isinstance(issue(factory, sender, now=NOW + timedelta(hours=24, minutes=1) + (last - NOW)), CodeSent)


def test_too_many_wrong_entries_in_a_day_stop_codes_for_that_customer(factory) -> None:
    sender = CodeRecorder()
    entries = 0
    moment = NOW
    while entries < v.MAX_WRONG_PER_DAY:
        moment += timedelta(minutes=13)  # below the hourly cap
        issue(factory, sender, now=moment)
        code = sender.sent[-1]["code"]
        for _ in range(min(v.MAX_ATTEMPTS, v.MAX_WRONG_PER_DAY - entries)):
            result = check(factory, wrong(code), now=moment)
            entries += 1
    assert result.outcome is CodeCheck.LOCKED_TODAY
    assert issue(factory, sender, now=moment + timedelta(hours=1)) == CodeNotSent(SendRefusal.TOO_MANY_WRONG)
    assert issue(factory, sender, customer="demo_balance", now=moment) is not None
    assert isinstance(issue(factory, sender, now=NOW + timedelta(days=1, hours=12)), CodeSent)


def test_the_daily_wrong_cap_also_refuses_a_right_code(factory) -> None:
    sender = CodeRecorder()
    issue(factory, sender)
    with session_scope(factory) as s:
        s.execute(m.VerificationCode.__table__.update().values(attempts=v.MAX_WRONG_PER_DAY))
    issue(factory, sender, customer="demo_clean", now=NOW)  # refused: nothing new is sent
    assert len(sender.sent) == 1
    assert check(factory, sender.sent[0]["code"]).outcome is CodeCheck.LOCKED_TODAY


# ── delivery ──


def test_outbox_sender_is_development_only(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox.jsonl"
    assert sender_for(Settings(dev_mode=False, dev_outbox=str(outbox))) is None
    sender = sender_for(Settings(dev_mode=True, dev_outbox=str(outbox)))
    assert isinstance(sender, OutboxSender)
    sender.send(customer_id="c", phone=None, code="123456", purpose="close")
    assert json.loads(outbox.read_text())["code"] == "123456"


def test_configured_gateway_is_loaded_by_name() -> None:
    sender = sender_for(Settings(dev_mode=False, code_sender="tests.factories:CodeRecorder"))
    assert type(sender).__name__ == "CodeRecorder" and hasattr(sender, "send")


@pytest.mark.parametrize("purpose", list(Purpose))
def test_fingerprints_differ_by_purpose_and_change_not_by_key_order(purpose: Purpose) -> None:
    assert fingerprint(purpose, {"a": 1, "b": [2]}) == fingerprint(purpose, {"b": [2], "a": 1})
    assert fingerprint(purpose, {"a": 1}) != fingerprint(purpose, {"a": 2})
    others = [p for p in Purpose if p is not purpose]
    assert all(fingerprint(purpose, {"a": 1}) != fingerprint(o, {"a": 1}) for o in others)
    assert len(fingerprint(purpose, {})) == 64

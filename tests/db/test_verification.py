import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.config import Settings
from bot.db import models as m
from bot.db.session import session_scope
from bot.security.verification import CodeCheck, OutboxSender, check_code, issue_code, sender_for

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc)


class Recorder:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send(self, *, customer_id: str, phone: str | None, code: str, purpose: str) -> None:
        self.sent.append({"customer_id": customer_id, "phone": phone, "code": code, "purpose": purpose})


def issue(factory, sender, customer="demo_clean", purpose="close:huabei", now=NOW):
    with session_scope(factory) as s:
        return issue_code(s, customer_id=customer, purpose=purpose, sender=sender, now=now)


def check(factory, typed, customer="demo_clean", purpose="close:huabei", now=NOW):
    with session_scope(factory) as s:
        return check_code(s, customer_id=customer, purpose=purpose, typed=typed, now=now)


def test_code_is_sent_and_only_its_hash_is_stored(factory) -> None:
    sender = Recorder()
    assert issue(factory, sender) == "1111"
    (sent,) = sender.sent
    code = sent["code"]
    assert len(code) == 6 and code.isdigit() and sent["phone"] == "13800001111"
    with session_scope(factory) as s:
        row = s.execute(select(m.VerificationCode)).scalars().one()
        assert code not in (row.code_hash, row.salt)
    assert check(factory, code).outcome is CodeCheck.OK
    assert check(factory, code).outcome is CodeCheck.NONE_PENDING  # used up


def test_wrong_codes_count_down_then_lock(factory) -> None:
    sender = Recorder()
    issue(factory, sender)
    code = sender.sent[0]["code"]
    wrong = "000000" if code != "000000" else "111111"
    first = check(factory, wrong)
    assert (first.outcome, first.attempts_left) == (CodeCheck.WRONG, 2)
    assert check(factory, wrong).attempts_left == 1
    assert check(factory, wrong).outcome is CodeCheck.LOCKED
    assert check(factory, code).outcome is CodeCheck.LOCKED  # even the right code, once locked


def test_expired_code(factory) -> None:
    sender = Recorder()
    issue(factory, sender)
    later = NOW + timedelta(minutes=6)
    assert check(factory, sender.sent[0]["code"], now=later).outcome is CodeCheck.EXPIRED


def test_new_code_replaces_the_old_one_and_codes_are_per_customer_and_purpose(factory) -> None:
    sender = Recorder()
    issue(factory, sender)
    issue(factory, sender)
    old, new = sender.sent[0]["code"], sender.sent[1]["code"]
    assert check(factory, new, customer="demo_balance").outcome is CodeCheck.NONE_PENDING
    assert check(factory, new, purpose="close:jiebei").outcome is CodeCheck.NONE_PENDING
    if old != new:
        assert check(factory, old).outcome is CodeCheck.WRONG
    assert check(factory, new).outcome is CodeCheck.OK


def test_unknown_customer_gets_no_code(factory) -> None:
    sender = Recorder()
    assert issue(factory, sender, customer="nobody") is None
    assert sender.sent == []


def test_outbox_sender_is_development_only(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox.jsonl"
    assert sender_for(Settings(dev_mode=False, dev_outbox=str(outbox))) is None
    sender = sender_for(Settings(dev_mode=True, dev_outbox=str(outbox)))
    assert isinstance(sender, OutboxSender)
    sender.send(customer_id="c", phone=None, code="123456", purpose="close:huabei")
    assert json.loads(outbox.read_text())["code"] == "123456"


def test_configured_gateway_is_loaded_by_name() -> None:
    sender = sender_for(Settings(dev_mode=False, code_sender="tests.db.test_verification:Recorder"))
    assert type(sender).__name__ == "Recorder" and hasattr(sender, "send")

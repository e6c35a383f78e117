"""Operator commands (python -m bot.cli) against a real database."""

import pytest

from bot import cli
from bot.closing.submission import ClosureSubmitted, submit_closure
from bot.db.session import session_scope
from tests.conftest import TODAY
from tests.factories import handoff_event, stored_account


@pytest.fixture
def cli_db(factory, db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    return factory


def test_prepare_is_idempotent(cli_db, capsys) -> None:
    assert cli.main(["prepare"]) == 0
    assert "database ready" in capsys.readouterr().out


def test_operator_approves_a_pending_closure(cli_db, capsys) -> None:
    with session_scope(cli_db) as s:
        outcome = submit_closure(s, customer_id="demo_clean", product_id="jiebei", channel="rest", today=TODAY)
        assert isinstance(outcome, ClosureSubmitted)
        request_id = outcome.request_id
    assert cli.main(["requests"]) == 0
    assert f"#{request_id}\tdemo_clean\tclose\tunder_review\tlevel 1/2" in capsys.readouterr().out
    assert cli.main(["review", str(request_id), "approve", "--operator", "li"]) == 0
    assert "approved" in capsys.readouterr().out
    with session_scope(cli_db) as s:
        assert stored_account(s, "demo_clean", "jiebei").status == "closed"
    assert cli.main(["review", str(request_id), "reject"]) == 1  # already decided
    assert cli.main(["review", "999999", "approve"]) == 1


def test_operator_approves_a_reopen_request(cli_db, capsys) -> None:
    from bot.pause.reopen import ReopenSubmitted, apply_reopen

    with session_scope(cli_db) as s:
        outcome = apply_reopen(s, customer_id="demo_closed", product_id="huabei", channel="rest", today=TODAY)
    assert isinstance(outcome, ReopenSubmitted)
    assert cli.main(["requests"]) == 0
    assert f"#{outcome.request_id}\tdemo_closed\treopen\tsubmitted" in capsys.readouterr().out
    assert cli.main(["review", str(outcome.request_id), "approve"]) == 0
    with session_scope(cli_db) as s:
        line = stored_account(s, "demo_closed", "huabei")
    assert (line.status, line.closed_on) == ("active", None)
    assert cli.main(["review", str(outcome.request_id), "reject"]) == 1  # already decided


def test_hash_password_prints_a_hash_that_verifies(monkeypatch, capsys) -> None:
    import getpass

    from bot import cli
    from bot.security.console_auth import AgentUser, verify_password

    answers = iter(["座席密码-1", "座席密码-1"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    assert cli.main(["hash-password"]) == 0
    hashed = capsys.readouterr().out.strip()
    assert hashed.startswith("pbkdf2_sha256$") and "座席密码" not in hashed
    assert verify_password(AgentUser("a", "A", hashed), "座席密码-1")


def test_hash_password_refuses_a_mismatch(monkeypatch) -> None:
    import getpass

    from bot import cli

    answers = iter(["one", "two"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    assert cli.main(["hash-password"]) == 1


def test_prepare_outside_development_loads_the_catalog_but_no_demo_customers(db_url, monkeypatch, capsys) -> None:
    from bot.db import models as m
    from bot.db.session import session_factory

    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("BOT_DEV_MODE", "false")
    assert cli.main(["prepare"]) == 0
    assert "catalog loaded" in capsys.readouterr().out
    with session_scope(session_factory(db_url)) as s:
        assert s.query(m.Product).count() >= 2
        assert s.query(m.Customer).count() == 0


def test_reseeding_demo_customers_is_refused_outside_development(cli_db, monkeypatch) -> None:
    monkeypatch.setenv("BOT_DEV_MODE", "false")
    assert cli.main(["seed"]) == 1


def test_outbox_reports_the_waiting_handoff_events_and_fails_when_they_are_late(cli_db, capsys) -> None:
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import update

    from bot.db import models as m
    from bot.db.queries import add_outbox_events
    from bot.handoff.outbox import LATE_AFTER

    assert cli.main(["outbox"]) == 0
    assert capsys.readouterr().out.strip() == "no handoff events waiting"
    message = handoff_event()
    with session_scope(cli_db) as s:
        add_outbox_events(s, [message])
    assert cli.main(["outbox"]) == 0  # just written: the next round sends it
    assert capsys.readouterr().out.startswith("1 handoff events waiting, the oldest for ")
    with session_scope(cli_db) as s:
        written = datetime.now(timezone.utc) - LATE_AFTER - timedelta(seconds=5)
        s.execute(update(m.HandoffEventOutbox).values(created_at=written))
    assert cli.main(["outbox"]) == 1
    assert "RabbitMQ out of reach" in capsys.readouterr().out

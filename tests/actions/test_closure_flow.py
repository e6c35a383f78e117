"""The confirmation, one-time code and submission steps of the closing journey."""

from pathlib import Path
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from actions.closing import ActionAskClosureCode, ActionCheckClosure, ActionSubmitClosure, ValidateClosureForm
from actions.service_requests import ActionPrepareWithdrawal, ActionWithdrawRequest
from bot.core.formatting import cn_date, local_date
from bot.core.replies import Fragment
from bot.db import models as m
from bot.db.queries import load_requests
from bot.db.session import session_scope
from bot.security.verification import CODE_LENGTH, CODE_LIFETIME, MAX_SENDS_PER_HOUR
from tests.actions.conftest import last_code, make_tracker, run_action, seed_day
from tests.conftest import TODAY
from tests.factories import stored_account
from tests.rendering import domain, fragment, params, payloads, render, reply, said

pytestmark = pytest.mark.usefixtures("action_db")
FORM = ValidateClosureForm()
Messages = list[dict[str, Any]]

CODE_MINUTES = CODE_LIFETIME.seconds // 60


def slots_of(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def status(factory: sessionmaker, customer: str, product: str) -> str:
    with session_scope(factory) as s:
        return stored_account(s, customer, product).status


def counts(factory: sessionmaker) -> tuple[int, int]:
    with session_scope(factory) as s:
        return (
            s.execute(select(func.count()).select_from(m.ServiceRequest)).scalar_one(),
            s.execute(select(func.count()).select_from(m.AuditEntry)).scalar_one(),
        )


async def confirm(customer: str, products: list[str]) -> tuple[dict[str, Any], Messages]:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(customer, intent="affirm", slots={"closure_products": products})
    result = await FORM.validate_closure_confirmed(True, dispatcher, tracker, domain())
    return result, dispatcher.messages


async def enter_code(
    customer: str, products: list[str], text: str, reasks: float | None = None
) -> tuple[dict[str, Any], Messages]:
    dispatcher = CollectingDispatcher()
    slots = {"closure_products": products, "closure_confirmed": True, "code_reasks": reasks}
    tracker = make_tracker(customer, intent="inform", slots=slots)
    result = await FORM.validate_closure_code(text, dispatcher, tracker, domain())
    return result, dispatcher.messages


async def submit(
    customer: str,
    products: list[str],
    code: str | None = "verified",
    confirmed: bool = True,
    outbox: Path | None = None,
) -> Messages:
    """Submit as the form leaves it; with `outbox`, the customer first confirms and enters the code they got."""
    if outbox is not None:
        await confirm(customer, products)
        result, _ = await enter_code(customer, products, last_code(outbox))
        assert result == {"closure_code": "verified"}
    slots = {"closure_products": products, "closure_confirmed": confirmed, "closure_code": code}
    messages, events = await run_action(
        ActionSubmitClosure(clock=seed_day), make_tracker(customer, intent="inform", slots=slots)
    )
    assert slots_of(events)["closure_products"] is None  # the flow is reset either way
    return messages


async def test_eligible_check_sets_up_the_confirmation_with_personal_consequences() -> None:
    messages, events = await run_action(
        ActionCheckClosure(clock=seed_day), make_tracker("demo_bound", slots={"product": ["jiebei"]})
    )
    assert said(messages) == ["utter_closure_eligible", "utter_closure_what_matters", "utter_closure_alternatives"]
    assert params(reply(messages, "utter_closure_eligible")) == {"product_name": "借呗", "limit": "¥25,000.00"}
    matters = render(reply(messages, "utter_closure_what_matters"))
    assert "您的花呗是单独的额度，一般不受影响" in matters
    assert "按本平台规则，借呗关闭满 30 天后才能申请重新开通" in matters
    assert payloads(reply(messages, "utter_closure_alternatives")) == [
        '/pause_credit{"product":"jiebei"}',
        '/lower_limit{"product":"jiebei"}',
    ]
    assert slots_of(events)["closure_products"] == ["jiebei"]
    assert slots_of(events)["closure_product_names"] == "借呗"


async def test_alternatives_are_offered_only_once() -> None:
    tracker = make_tracker("demo_clean", slots={"product": ["huabei"], "alternatives_offered": True})
    messages, _ = await run_action(ActionCheckClosure(clock=seed_day), tracker)
    assert "utter_closure_eligible" in said(messages) and "utter_closure_alternatives" not in said(messages)


async def test_blocked_check_starts_no_confirmation() -> None:
    _, events = await run_action(
        ActionCheckClosure(clock=seed_day), make_tracker("demo_balance", slots={"product": ["jiebei"]})
    )
    assert slots_of(events)["closure_products"] is None


async def test_confirm_sends_a_code_and_the_right_code_verifies(outbox: Path) -> None:
    result, messages = await confirm("demo_clean", ["huabei"])
    assert result == {"closure_confirmed": True}
    assert said(messages) == ["utter_code_sent"] and params(messages[0]) == {
        "phone_tail": "1111",
        "code_length": str(CODE_LENGTH),
        "code_minutes": str(CODE_MINUTES),
    }
    result, messages = await enter_code("demo_clean", ["huabei"], f"验证码是{last_code(outbox)}")
    assert result == {"closure_code": "verified"} and messages == []


async def test_full_width_digits_are_accepted(outbox: Path) -> None:
    await confirm("demo_clean", ["huabei"])
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in last_code(outbox))
    result, _ = await enter_code("demo_clean", ["huabei"], full_width)
    assert result == {"closure_code": "verified"}


async def test_wrong_code_then_lockout(outbox: Path) -> None:
    await confirm("demo_clean", ["huabei"])
    wrong = "000000" if last_code(outbox) != "000000" else "999999"
    result, messages = await enter_code("demo_clean", ["huabei"], wrong)
    assert result == {"closure_code": None}
    assert said(messages) == ["utter_code_wrong"] and params(messages[0]) == {"attempts_left": "2"}
    await enter_code("demo_clean", ["huabei"], wrong)
    result, messages = await enter_code("demo_clean", ["huabei"], wrong)
    assert result == {"closure_confirmed": False, "closure_code": None}
    assert said(messages) == ["utter_code_locked"]


async def test_not_a_code_is_asked_again() -> None:
    result, messages = await enter_code("demo_clean", ["huabei"], "我不知道")
    assert result == {"closure_code": None, "code_reasks": 1.0} and said(messages) == ["utter_code_format"]


async def test_no_code_is_asked_again_at_most_twice_then_nothing_happens(factory) -> None:
    # No trap: the second re-ask says how to get out, the third answer that is no code ends the step.
    await confirm("demo_clean", ["huabei"])
    result, messages = await enter_code("demo_clean", ["huabei"], "嗯", reasks=1.0)
    assert result == {"closure_code": None, "code_reasks": 2.0} and said(messages) == ["utter_code_format_way_out"]
    result, messages = await enter_code("demo_clean", ["huabei"], "啊？", reasks=2.0)
    assert result == {"closure_confirmed": False, "closure_code": None, "code_reasks": None}
    assert said(messages) == ["utter_code_gave_up"]
    # A code typed after re-asks still counts, and clears the count.
    result, _ = await enter_code("demo_clean", ["huabei"], "123456", reasks=1.0)
    assert result.get("code_reasks", "cleared") is None


async def test_code_for_one_product_does_not_close_another(outbox: Path) -> None:
    await confirm("demo_clean", ["huabei"])
    result, _ = await enter_code("demo_clean", ["huabei", "jiebei"], last_code(outbox))
    assert result["closure_code"] is None


async def test_another_customers_code_does_not_work(outbox: Path) -> None:
    await confirm("demo_bound", ["huabei"])
    result, _ = await enter_code("demo_clean", ["huabei"], last_code(outbox))
    assert result["closure_code"] is None


async def test_submit_closes_a_verified_single_level_product(factory: sessionmaker, outbox: Path) -> None:
    messages = await submit("demo_bound", ["huabei"], outbox=outbox)
    assert said(messages) == ["utter_closure_done"]
    note = params(messages[0])["services_note"]
    assert "绑定在花呗上的自动还款、默认付款方式和亲友代还已一并结束" in note
    assert "免密支付、代扣协议和收钱码收款仍在支付账户上" in note
    assert status(factory, "demo_bound", "huabei") == "closed"


async def test_submit_two_level_product_goes_to_review(factory: sessionmaker, outbox: Path) -> None:
    messages = await submit("demo_clean", ["jiebei"], outbox=outbox)
    assert said(messages) == ["utter_closure_under_review"]
    request_id = params(messages[0]).pop("request_id")
    assert params(messages[0]) == {"product_name": "借呗", "request_id": request_id, "review_days": "3"}
    assert status(factory, "demo_clean", "jiebei") == "pending_closure"


async def test_both_products(factory: sessionmaker, outbox: Path) -> None:
    messages = await submit("demo_clean", ["huabei", "jiebei"], outbox=outbox)
    assert said(messages) == ["utter_closure_done", "utter_closure_under_review"]
    assert params(messages[0]) == {"product_name": "花呗", "services_note": ""}  # nothing was bound
    assert params(messages[1])["product_name"] == "借呗"


@pytest.mark.parametrize(("code", "confirmed"), [(None, True), ("123456", True), ("verified", False)])
async def test_nothing_changes_without_confirmation_and_code(
    factory: sessionmaker, code: str | None, confirmed: bool
) -> None:
    before = counts(factory)
    messages = await submit("demo_clean", ["huabei"], code=code, confirmed=confirmed)
    assert said(messages) == ["utter_closure_not_submitted"]
    assert counts(factory) == before and status(factory, "demo_clean", "huabei") == "active"


async def test_a_slot_saying_verified_closes_nothing_without_a_verified_code_in_the_database(
    factory: sessionmaker, outbox: Path
) -> None:
    # What anyone holding the HTTP API token could do: set closure_confirmed and closure_code by hand.
    before = counts(factory)
    assert said(await submit("demo_bound", ["huabei"])) == ["utter_closure_not_submitted"]
    await confirm("demo_bound", ["huabei"])  # a code was sent but never entered
    assert said(await submit("demo_bound", ["huabei"])) == ["utter_closure_not_submitted"]
    assert counts(factory) == before and status(factory, "demo_bound", "huabei") == "active"


async def test_a_verified_code_closes_only_once(factory: sessionmaker, outbox: Path) -> None:
    assert said(await submit("demo_clean", ["huabei"], outbox=outbox)) == ["utter_closure_done"]
    assert said(await submit("demo_clean", ["jiebei"])) == ["utter_closure_not_submitted"]  # replayed slots
    assert status(factory, "demo_clean", "jiebei") == "active"


async def test_sending_is_capped_with_a_polite_reply(outbox: Path) -> None:
    for _ in range(MAX_SENDS_PER_HOUR):
        result, messages = await confirm("demo_clean", ["huabei"])
        assert result == {"closure_confirmed": True} and said(messages) == ["utter_code_sent"]
    result, messages = await confirm("demo_clean", ["huabei"])
    assert result == {"closure_confirmed": False} and said(messages) == ["utter_code_send_limit_hour"]
    assert len(outbox.read_text(encoding="utf-8").splitlines()) == MAX_SENDS_PER_HOUR


async def prepare_withdrawal(customer: str) -> tuple[Messages, dict[str, Any]]:
    messages, events = await run_action(
        ActionPrepareWithdrawal(clock=seed_day), make_tracker(customer, intent="cancel_request")
    )
    return messages, slots_of(events)


async def withdraw(customer: str, slots: dict[str, Any], intent: str) -> Messages:
    messages, _ = await run_action(
        ActionWithdrawRequest(clock=seed_day), make_tracker(customer, intent=intent, slots=slots)
    )
    return messages


async def test_withdrawal_after_confirmation(factory: sessionmaker, outbox: Path) -> None:
    [submitted] = await submit("demo_clean", ["jiebei"], outbox=outbox)
    _, prepared = await prepare_withdrawal("demo_clean")
    with session_scope(factory) as s:
        [request] = load_requests(s, "demo_clean")
    assert prepared["withdraw_request_id"] == float(submitted["request_id"]) == request.id
    description = fragment(
        "utter_request_description",
        product_name="借呗",
        kind=Fragment("utter_request_kind_close"),
        submitted=cn_date(local_date(request.created_at), today=TODAY),
    )
    assert prepared["withdraw_description"] == description
    messages = await withdraw("demo_clean", {**prepared, "withdraw_confirmed": True}, "affirm")
    assert said(messages) == ["utter_withdraw_done_close"]
    assert params(messages[0]) == {
        "withdraw_description": description,
        "product_name": "借呗",
        "state": fragment("utter_withdraw_state_active"),
    }
    assert status(factory, "demo_clean", "jiebei") == "active"


async def test_withdrawal_declined_keeps_the_request(factory: sessionmaker, outbox: Path) -> None:
    await submit("demo_clean", ["jiebei"], outbox=outbox)
    _, prepared = await prepare_withdrawal("demo_clean")
    messages = await withdraw("demo_clean", {**prepared, "withdraw_confirmed": False}, "deny")
    assert said(messages) == ["utter_withdraw_kept"]
    assert status(factory, "demo_clean", "jiebei") == "pending_closure"


async def test_nothing_to_withdraw() -> None:
    messages, prepared = await prepare_withdrawal("demo_clean")
    assert said(messages) == ["utter_withdraw_nothing"] and prepared["withdraw_request_id"] is None


async def test_cannot_withdraw_someone_elses_request(factory: sessionmaker, outbox: Path) -> None:
    await submit("demo_clean", ["jiebei"], outbox=outbox)
    _, prepared = await prepare_withdrawal("demo_clean")
    messages = await withdraw("demo_bound", {**prepared, "withdraw_confirmed": True}, "affirm")
    assert said(messages) == ["utter_withdraw_failed"]
    assert status(factory, "demo_clean", "jiebei") == "pending_closure"


async def test_validators_ignore_a_reset_rather_than_treating_it_as_no() -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("demo_clean", slots={"closure_products": ["huabei"]})
    assert await FORM.validate_closure_confirmed(None, dispatcher, tracker, domain()) == {"closure_confirmed": None}
    assert await FORM.validate_closure_code(None, dispatcher, tracker, domain()) == {"closure_code": None}
    assert dispatcher.messages == []


async def test_the_form_asks_for_the_code_with_its_length() -> None:
    messages, events = await run_action(ActionAskClosureCode(), make_tracker("demo_clean", intent="affirm"))
    assert said(messages) == ["utter_ask_closure_code"] and events == []
    assert params(messages[0]) == {"code_length": str(CODE_LENGTH), "code_minutes": str(CODE_MINUTES)}

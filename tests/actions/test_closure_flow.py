"""The confirmation, one-time code and submission steps of the closing journey."""

from pathlib import Path

import pytest
from sqlalchemy import func, select

from actions.closing import ActionAskClosureCode, ActionCheckClosure, ActionSubmitClosure, ValidateClosureForm
from actions.service_requests import ActionPrepareWithdrawal, ActionWithdrawRequest
from bot.db import models as m
from bot.db.queries import load_customer
from bot.db.session import session_scope
from tests.actions.conftest import last_code, make_tracker, run_action
from tests.rendering import domain, render_all

pytestmark = pytest.mark.usefixtures("action_db")
FORM = ValidateClosureForm()


def slots_of(events) -> dict:  # type: ignore[no-untyped-def]
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def status(factory, customer: str, product: str) -> str:  # type: ignore[no-untyped-def]
    with session_scope(factory) as s:
        return load_customer(s, customer).account(product).status


def counts(factory) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with session_scope(factory) as s:
        return (
            s.execute(select(func.count()).select_from(m.ServiceRequest)).scalar_one(),
            s.execute(select(func.count()).select_from(m.AuditEntry)).scalar_one(),
        )


async def confirm(customer: str, products: list[str]):  # type: ignore[no-untyped-def]
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    tracker = make_tracker(customer, intent="affirm", slots={"closure_products": products})
    result = await FORM.validate_closure_confirmed(True, dispatcher, tracker, domain())
    return result, render_all(dispatcher.messages)


async def enter_code(customer: str, products: list[str], text: str):  # type: ignore[no-untyped-def]
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    tracker = make_tracker(customer, intent="inform", slots={"closure_products": products, "closure_confirmed": True})
    result = await FORM.validate_closure_code(text, dispatcher, tracker, domain())
    return result, render_all(dispatcher.messages)


async def submit(customer: str, products: list[str], code: str | None = "verified", confirmed: bool = True) -> str:
    slots = {"closure_products": products, "closure_confirmed": confirmed, "closure_code": code}
    messages, events = await run_action(ActionSubmitClosure(), make_tracker(customer, intent="inform", slots=slots))
    assert slots_of(events)["closure_products"] is None  # the flow is reset either way
    return render_all(messages)


async def test_eligible_check_sets_up_the_confirmation_with_personal_consequences() -> None:
    messages, events = await run_action(ActionCheckClosure(), make_tracker("demo_bound", slots={"product": ["jiebei"]}))
    text = render_all(messages)
    assert "¥25,000.00的额度会一起取消" in text and "花呗不受影响" in text
    assert "注销30天后重新申请" in text and "暂停使用或调低额度" in text
    assert slots_of(events)["closure_products"] == ["jiebei"]
    assert slots_of(events)["closure_product_names"] == "借呗"


async def test_alternatives_are_offered_only_once() -> None:
    tracker = make_tracker("demo_clean", slots={"product": ["huabei"], "alternatives_offered": True})
    messages, _ = await run_action(ActionCheckClosure(), tracker)
    assert "暂停使用" not in render_all(messages)


async def test_blocked_check_starts_no_confirmation() -> None:
    _, events = await run_action(ActionCheckClosure(), make_tracker("demo_balance", slots={"product": ["jiebei"]}))
    assert slots_of(events)["closure_products"] is None


async def test_confirm_sends_a_code_and_the_right_code_verifies(outbox: Path) -> None:
    result, text = await confirm("demo_clean", ["huabei"])
    assert result == {"closure_confirmed": True} and "尾号1111" in text
    result, _ = await enter_code("demo_clean", ["huabei"], f"验证码是{last_code(outbox)}")
    assert result == {"closure_code": "verified"}


async def test_full_width_digits_are_accepted(outbox: Path) -> None:
    await confirm("demo_clean", ["huabei"])
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in last_code(outbox))
    result, _ = await enter_code("demo_clean", ["huabei"], full_width)
    assert result == {"closure_code": "verified"}


async def test_wrong_code_then_lockout(outbox: Path) -> None:
    await confirm("demo_clean", ["huabei"])
    wrong = "000000" if last_code(outbox) != "000000" else "999999"
    result, text = await enter_code("demo_clean", ["huabei"], wrong)
    assert result == {"closure_code": None} and "还可以再试 2 次" in text
    await enter_code("demo_clean", ["huabei"], wrong)
    result, text = await enter_code("demo_clean", ["huabei"], wrong)
    assert result == {"closure_confirmed": False, "closure_code": None} and "错误次数太多" in text


async def test_not_a_code_is_asked_again() -> None:
    result, text = await enter_code("demo_clean", ["huabei"], "我不知道")
    assert result == {"closure_code": None} and "6 位数字" in text


async def test_code_for_one_product_does_not_close_another(outbox: Path) -> None:
    await confirm("demo_clean", ["huabei"])
    result, _ = await enter_code("demo_clean", ["huabei", "jiebei"], last_code(outbox))
    assert result["closure_code"] is None


async def test_another_customers_code_does_not_work(outbox: Path) -> None:
    await confirm("demo_bound", ["huabei"])
    result, _ = await enter_code("demo_clean", ["huabei"], last_code(outbox))
    assert result["closure_code"] is None


async def test_submit_closes_a_verified_single_level_product(factory) -> None:  # type: ignore[no-untyped-def]
    text = await submit("demo_bound", ["huabei"])
    assert "花呗已经注销成功" in text and "6 项关联服务" in text
    assert status(factory, "demo_bound", "huabei") == "closed"


async def test_submit_two_level_product_goes_to_review(factory) -> None:  # type: ignore[no-untyped-def]
    text = await submit("demo_clean", ["jiebei"])
    assert "借呗的注销申请已提交" in text and "3 个工作日" in text
    assert status(factory, "demo_clean", "jiebei") == "pending_closure"


async def test_both_products(factory) -> None:  # type: ignore[no-untyped-def]
    text = await submit("demo_clean", ["huabei", "jiebei"])
    assert "花呗已经注销成功" in text and "借呗的注销申请已提交" in text


@pytest.mark.parametrize(("code", "confirmed"), [(None, True), ("123456", True), ("verified", False)])
async def test_nothing_changes_without_confirmation_and_code(factory, code, confirmed) -> None:  # type: ignore[no-untyped-def]
    before = counts(factory)
    text = await submit("demo_clean", ["huabei"], code=code, confirmed=confirmed)
    assert "没有提交注销" in text
    assert counts(factory) == before and status(factory, "demo_clean", "huabei") == "active"


async def test_withdrawal_after_confirmation(factory) -> None:  # type: ignore[no-untyped-def]
    await submit("demo_clean", ["jiebei"])
    messages, events = await run_action(ActionPrepareWithdrawal(), make_tracker("demo_clean", intent="cancel_request"))
    prepared = slots_of(events)
    assert prepared["withdraw_description"].startswith("借呗注销申请（")
    slots = {**prepared, "withdraw_confirmed": True}
    messages, _ = await run_action(ActionWithdrawRequest(), make_tracker("demo_clean", intent="affirm", slots=slots))
    assert "已撤回借呗注销申请" in render_all(messages)
    assert status(factory, "demo_clean", "jiebei") == "active"


async def test_withdrawal_declined_keeps_the_request(factory) -> None:  # type: ignore[no-untyped-def]
    await submit("demo_clean", ["jiebei"])
    _, events = await run_action(ActionPrepareWithdrawal(), make_tracker("demo_clean", intent="cancel_request"))
    slots = {**slots_of(events), "withdraw_confirmed": False}
    messages, _ = await run_action(ActionWithdrawRequest(), make_tracker("demo_clean", intent="deny", slots=slots))
    assert "申请保留" in render_all(messages)
    assert status(factory, "demo_clean", "jiebei") == "pending_closure"


async def test_nothing_to_withdraw() -> None:
    messages, events = await run_action(ActionPrepareWithdrawal(), make_tracker("demo_clean", intent="cancel_request"))
    assert "没有正在审核中的申请" in render_all(messages) and slots_of(events)["withdraw_request_id"] is None


async def test_cannot_withdraw_someone_elses_request(factory) -> None:  # type: ignore[no-untyped-def]
    await submit("demo_clean", ["jiebei"])
    _, events = await run_action(ActionPrepareWithdrawal(), make_tracker("demo_clean", intent="cancel_request"))
    slots = {**slots_of(events), "withdraw_confirmed": True}
    messages, _ = await run_action(ActionWithdrawRequest(), make_tracker("demo_bound", intent="affirm", slots=slots))
    assert "已撤回" not in render_all(messages)
    assert status(factory, "demo_clean", "jiebei") == "pending_closure"


async def test_validators_ignore_a_reset_rather_than_treating_it_as_no() -> None:
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    tracker = make_tracker("demo_clean", slots={"closure_products": ["huabei"]})
    assert await FORM.validate_closure_confirmed(None, dispatcher, tracker, domain()) == {"closure_confirmed": None}
    assert await FORM.validate_closure_code(None, dispatcher, tracker, domain()) == {"closure_code": None}
    assert dispatcher.messages == []


async def test_the_form_asks_for_the_code_with_its_length() -> None:
    messages, events = await run_action(ActionAskClosureCode(), make_tracker("demo_clean", intent="affirm"))
    assert render_all(messages) == "请输入收到的 6 位验证码。不想注销了可以直接说“不注销了”。" and events == []

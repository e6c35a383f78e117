from datetime import date
from decimal import Decimal

from bot.closing.eligibility import ClosureCheck, UnpaidBill
from bot.closing.replies import closure_answer, submission_replies
from bot.closing.submission import ClosureRefused, ClosureSubmitted
from bot.core.catalog import load_catalog
from bot.core.product_choice import choose_products
from bot.core.replies import FactUse, Fragment, Reply
from bot.credit.knowledge import load_knowledge
from tests.factories import HUABEI, JIEBEI, TODAY, bill, make_account, make_customer, overdue, service
from tests.rendering import domain

CATALOG = load_catalog()


def names(replies) -> list[str]:
    return [getattr(r, "response", None) or f"fact:{r.id}" for r in replies]


def test_every_response_named_exists_in_the_domain() -> None:
    customer = make_customer(
        make_account(HUABEI, services=(service("auto_repay"),)),
        make_account(JIEBEI, account_id=2, bills=(bill("10", date(2026, 12, 1)),)),
    )
    answer = closure_answer(
        choose_products(["huabei", "jiebei"], customer), customer, CATALOG, today=TODAY, offer_alternatives=True
    )
    for reply in answer.replies:
        assert not isinstance(reply, Reply) or reply.response in domain()["responses"]


def test_eligible_answer_gives_personal_consequences_and_alternatives_once() -> None:
    customer = make_customer(make_account(HUABEI, credit_limit=Decimal("8000")), make_account(JIEBEI, account_id=2))
    choice = choose_products(["huabei"], customer)
    answer = closure_answer(choice, customer, CATALOG, today=TODAY, offer_alternatives=True)
    assert [a.product.id for a in answer.eligible] == ["huabei"]
    assert names(answer.replies) == [
        "utter_closure_eligible",
        "utter_closure_what_matters",
        "utter_closure_alternatives",
    ]
    assert answer.replies[0].params == {"product_name": "花呗", "limit": "¥8,000.00"}
    matters = answer.replies[1].params
    assert matters["history"] == FactUse("history_kept") and matters["not_negative"] == FactUse("closing_not_negative")
    assert matters["other"] == Fragment("utter_closure_other_product_unaffected", {"other_product": "借呗"})
    assert matters["reopen"] == Fragment("utter_closure_reopen_rule", {"product_name": "花呗", "cooldown_days": "30"})
    assert matters["services"] == ""
    again = closure_answer(choice, customer, CATALOG, today=TODAY, offer_alternatives=False)
    assert "utter_closure_alternatives" not in names(again.replies)


def test_eligible_closure_says_at_most_four_messages_before_the_confirmation() -> None:
    """Issue 13 (voice): an eligible closure used to send 8 messages before the confirmation question."""
    bound = tuple(
        service(kind, id=i) for i, kind in enumerate(("auto_repay", "withholding", "password_free", "bank_card"))
    )
    customer = make_customer(make_account(HUABEI, services=bound), make_account(JIEBEI, account_id=2))
    for products in (["huabei"], ["huabei", "jiebei"]):
        answer = closure_answer(
            choose_products(products, customer), customer, CATALOG, today=TODAY, offer_alternatives=True
        )
        assert len(answer.replies) + 1 <= 4  # + closure_form's question (utter_ask_closure_confirmed)


def test_closing_does_not_claim_the_payment_accounts_agreements_stop() -> None:
    """Issue 13.2: password-free payments, withholding and the bank card belong to the payment account."""
    bound = (
        service("auto_repay", id=1),
        service("withholding", "爱奇艺会员", id=2),
        service("password_free", "滴滴出行", id=3),
        service("collection_code", id=4),
        service("bank_card", id=5),
    )
    customer = make_customer(make_account(HUABEI, services=bound))
    answer = closure_answer(
        choose_products(["huabei"], customer), customer, CATALOG, today=TODAY, offer_alternatives=False
    )
    services = answer.replies[1].params["services"]
    assert services == Fragment(
        "utter_concat",
        {
            "first": Fragment("utter_closure_services_end", {"product_name": "花呗", "services": "自动还款"}),
            "second": Fragment(
                "utter_closure_agreements_stay",
                {
                    "product_name": "花呗",
                    "services": "代扣协议（爱奇艺会员）、免密支付（滴滴出行）、收钱码收款、绑定银行卡",
                },
            ),
        },
    )
    text = domain()["responses"]["utter_closure_agreements_stay"][0]["text"]
    assert "不会因为关闭而取消" in text and "免密支付/自动扣款" in text


def test_platform_rules_are_worded_as_this_platforms_rules() -> None:
    """Issue 13.3: the reopen wait, pause bounds, limit kept and review levels are catalog rules, not facts."""
    responses = domain()["responses"]
    for name in (
        "utter_closure_reopen_rule",
        "utter_reopen_cooling_down",
        "utter_ask_pause_duration",
        "utter_pause_out_of_range",
        "utter_pause_explain",
        "utter_closure_under_review",
    ):
        assert "按本平台规则" in responses[name][0]["text"], name
    pause = responses["utter_pause_explain"][0]["text"]
    assert "额度一般保留，平台仍可能调整" in pause and "保留不变" not in pause
    knowledge = "".join(f.text + f.source for f in load_knowledge().facts.values())
    for rule in ("30 天", "30天", "7 到 365", "365 天", "两级", "二级审核"):
        assert rule not in knowledge


def test_closing_both_does_not_claim_the_other_is_unaffected() -> None:
    customer = make_customer(make_account(HUABEI), make_account(JIEBEI, account_id=2))
    answer = closure_answer(
        choose_products(["huabei", "jiebei"], customer), customer, CATALOG, today=TODAY, offer_alternatives=False
    )
    assert "utter_closure_other_product_unaffected" not in names(answer.replies)
    assert len(answer.eligible) == 2


def test_closed_other_product_is_not_called_unaffected() -> None:
    customer = make_customer(make_account(HUABEI), make_account(JIEBEI, account_id=2, status="closed"))
    answer = closure_answer(
        choose_products(["huabei"], customer), customer, CATALOG, today=TODAY, offer_alternatives=False
    )
    assert "utter_closure_other_product_unaffected" not in names(answer.replies)


def test_blocked_answer_lists_blockers_and_total_and_is_not_eligible() -> None:
    customer = make_customer(make_account(JIEBEI, bills=(bill("3256.80", date(2026, 12, 4)),)))
    answer = closure_answer(
        choose_products(["jiebei"], customer), customer, CATALOG, today=TODAY, offer_alternatives=True
    )
    assert answer.eligible == ()
    assert names(answer.replies) == [
        "utter_closure_blocked_intro",
        "utter_closure_blocker_unpaid_bill",
        "utter_closure_blocked_total",
    ]
    assert answer.replies[1].params == {"amount": "¥3,256.80", "due_date": "12月4日"}


def test_submission_replies() -> None:
    outcomes: list[ClosureSubmitted | ClosureRefused] = [
        ClosureSubmitted("huabei", 1, "approved", 0, 2, ("auto_repay", "withholding")),
        ClosureSubmitted("jiebei", 2, "under_review", 3, 0),
        ClosureRefused("jiebei", ClosureCheck("jiebei", (UnpaidBill(Decimal("1"), TODAY),), ())),
    ]
    replies = submission_replies(outcomes, CATALOG, today=TODAY)
    assert names(replies) == [
        "utter_closure_done",
        "utter_closure_under_review",
        "utter_closure_refused_now",
        "utter_closure_blocker_unpaid_bill",
    ]
    assert replies[1].params["review_days"] == "3"
    assert replies[0].params["services_note"] == Fragment(
        "utter_concat",
        {
            "first": Fragment("utter_closure_done_services", {"product_name": "花呗", "services": "自动还款"}),
            "second": Fragment("utter_closure_done_agreements", {"services": "代扣协议"}),
        },
    )


def test_an_overdue_customer_hears_what_helps_not_only_to_repay_early() -> None:
    """Issue 13.9: the overdue blocker only said 「越早还清越好」."""
    customer = make_customer(make_account(HUABEI, overdues=(overdue(date(2025, 11, 6), None, "862.40"),)))
    answer = closure_answer(
        choose_products(["huabei"], customer), customer, CATALOG, today=TODAY, offer_alternatives=False
    )
    [help_] = [r for r in answer.replies if isinstance(r, Reply) and r.response == "utter_overdue_help"]
    assert help_.params == {"help": FactUse("overdue_help"), "collection": FactUse("collection_rules")}
    knowledge = load_knowledge()
    assert "协商还款" in knowledge.fact("overdue_help").text and "逾期利息" in knowledge.fact("overdue_help").text
    assert "第三人" in knowledge.fact("collection_rules").text
    assert "越早还清越好" not in domain()["responses"]["utter_closure_blocker_overdue"][0]["text"]


def test_a_frozen_line_gets_the_next_step() -> None:
    """Issue 13.9: 「这不是你自己能开关的设置」 gave no next step."""
    text = domain()["responses"]["utter_reopen_frozen"][0]["text"]
    assert "不是你自己能开关" not in text and "下一步" in text


def test_both_lines_with_one_blocked_answer_the_blocker_and_offer_the_other_by_a_button() -> None:
    """Issue 13, Voice: blockers, facts and the eligible answer made 8 messages before the question."""
    customer = make_customer(
        make_account(HUABEI, bills=(bill("862.40", date(2026, 12, 1)),)),
        make_account(JIEBEI, account_id=2),
    )
    answer = closure_answer(
        choose_products(["huabei", "jiebei"], customer), customer, CATALOG, today=TODAY, offer_alternatives=True
    )
    assert answer.eligible == ()  # no confirmation question after the list
    assert names(answer.replies) == [
        "utter_closure_blocked_intro",
        "utter_closure_blocker_unpaid_bill",
        "utter_closure_blocked_total",
        "utter_follow_can_close",
    ]
    offer = answer.replies[-1]
    assert isinstance(offer, Reply) and offer.params == {"product_name": "借呗"}
    assert offer.buttons == (
        (Fragment("utter_follow_button_close", {"product_name": "借呗"}), '/close_account{"product":"jiebei"}'),
    )

"""Answers about credit reporting and closure consequences, for this customer.

Which facts apply is decided here; their wording lives in bot/credit/credit.yml
(reviewed, with sources) and the customer-specific sentences in domain.yml.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.core.accounts import AccountSnapshot, CustomerSnapshot
from bot.core.formatting import cn_date, join_cn, yuan
from bot.core.replies import FactUse, Part, Reply
from bot.credit.knowledge import Knowledge
from bot.nlu.textnorm import normalise

NEGATIVE_RECORD_YEARS = 5  # 《征信业管理条例》第16条

# Facts per question topic (ids in bot/credit/credit.yml), in the order they are said.
TOPIC_FACTS: dict[str, tuple[str, ...]] = {
    "closing": ("closing_not_negative", "history_kept"),
    "pausing": ("pause_not_negative",),
    "unbinding": ("unbinding_auto_repay",),
    "overdue": ("overdue_reported", "negative_five_years"),
    "minimum_repayment": ("reported_content", "on_time_is_normal"),
    "instalments": ("on_time_is_normal", "reported_content"),
    "use": ("overdue_reported", "reported_content", "on_time_is_normal"),
    "inquiries": ("applying_creates_inquiry",),
    "business_loan": ("no_business_loan_promise",),
    "general": ("closing_not_negative", "history_kept", "negative_five_years"),
}
# Official, free routes said after answers where records are the worry.
CLOSING_ROUTES: dict[str, tuple[str, ...]] = {
    "overdue": ("no_paid_repair", "objection", "free_reports"),
    "closing": ("free_reports",),
    "general": ("free_reports",),
    "business_loan": ("free_reports",),
}
INTENT_FACTS: dict[str, tuple[str, ...]] = {
    "ask_closure_effects": ("products_independent", "repay_before_closing", "services_stop_on_closing", "history_kept"),
    "ask_closed_by_platform": ("platform_reasons", "debt_still_due", "right_to_explanation", "complaint_channels"),
    "ask_data_deletion": ("deletion_after_closing", "aml_retention", "credit_data_separate"),
}


def detect_topic(text: str, knowledge: Knowledge) -> str:
    """What a credit-impact question is about: the first topic whose keyword occurs, else "general"."""
    normalised = normalise(text or "").lower()
    for topic in knowledge.topics:
        if any(k in normalised for k in topic.keywords):
            return topic.id
    return "general"


def credit_impact_answer(topic: str, customer: CustomerSnapshot | None, *, today: date) -> list[Part]:
    """Facts for the topic, then what they mean for this customer's accounts, then the official routes."""
    parts: list[Part] = [FactUse(f) for f in TOPIC_FACTS.get(topic, TOPIC_FACTS["general"])]
    if customer is not None:
        parts.extend(_personal(topic, customer, today))
    parts.extend(FactUse(f) for f in CLOSING_ROUTES.get(topic, ()))
    return parts


def intent_answer(intent: str) -> list[Part]:
    """Reviewed facts answering a general question (closure effects, platform closures, data)."""
    return [FactUse(f) for f in INTENT_FACTS.get(intent, ())]


def record_kept_until(ended: date) -> date:
    """When a negative record repaid on `ended` is due to be deleted (5 years; 29 Feb → 28 Feb)."""
    try:
        return ended.replace(year=ended.year + NEGATIVE_RECORD_YEARS)
    except ValueError:  # 29 February in a year that has none
        return ended.replace(year=ended.year + NEGATIVE_RECORD_YEARS, day=28)


def _personal(topic: str, customer: CustomerSnapshot, today: date) -> list[Reply]:
    replies: list[Reply] = []
    if topic in ("closing", "overdue", "general"):
        replies.extend(_overdue_history(customer, today))
    if topic == "closing":
        replies.extend(_total_limit(customer))
    return replies


def _overdue_history(customer: CustomerSnapshot, today: date) -> list[Reply]:
    replies: list[Reply] = []
    for account in customer.accounts:
        replies.extend(_account_overdues(account, today))
    if not replies and customer.accounts:
        names = join_cn(a.product.display_name for a in customer.accounts)
        replies.append(Reply("utter_credit_personal_no_overdue", {"products": names}))
    return replies


def _account_overdues(account: AccountSnapshot, today: date) -> list[Reply]:
    name = account.product.display_name
    replies = []
    for episode in account.overdues:
        if episode.ended_on is None:
            replies.append(
                Reply(
                    "utter_credit_personal_overdue_ongoing",
                    {
                        "product_name": name,
                        "since": cn_date(episode.started_on, today=today),
                        "amount": yuan(episode.amount),
                    },
                )
            )
            continue
        until = record_kept_until(episode.ended_on)
        if until > today:  # records past the 5 years are no longer shown
            replies.append(
                Reply(
                    "utter_credit_personal_overdue_ended",
                    {
                        "product_name": name,
                        "ended": cn_date(episode.ended_on, today=today),
                        "until": cn_date(until, today=today),
                    },
                )
            )
    return replies


def _total_limit(customer: CustomerSnapshot) -> list[Reply]:
    open_accounts = [a for a in customer.accounts if a.status in ("active", "paused")]
    if len(open_accounts) < 2:
        return []
    total = sum((a.credit_limit for a in open_accounts), Decimal("0"))
    detail = join_cn((f"{a.product.display_name} {yuan(a.credit_limit)}" for a in open_accounts), and_last=False)
    return [Reply("utter_credit_personal_total_limit", {"amount": yuan(total), "detail": detail})]

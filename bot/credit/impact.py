"""Answers about credit reporting and closure consequences, for this customer.

What a question is about is decided in bot/credit/topics.py, which facts answer
each topic here; their wording lives in bot/credit/credit.yml (reviewed, with
sources) and the customer-specific sentences in domain.yml.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from bot.core.accounts import AccountSnapshot, CustomerSnapshot
from bot.core.formatting import cn_date, join_cn, yuan
from bot.core.replies import FactUse, Part, Reply
from bot.credit.topics import MAX_TOPICS, Topic

NEGATIVE_RECORD_YEARS = 5  # 《征信业管理条例》第16条

# Facts per question topic (bot/credit/topics.py; ids in bot/credit/credit.yml), in the order they are said.
TOPIC_FACTS: dict[Topic, tuple[str, ...]] = {
    "repair": ("no_paid_repair", "objection"),
    "closing": ("closing_not_negative", "history_kept"),
    "late": ("late_repay_now", "negative_five_years"),
    "overdue": ("overdue_reported", "negative_five_years"),
    "pausing": ("pause_not_negative",),
    "auto_repay": ("auto_repay_is_repayment", "unbinding_auto_repay"),
    "lower_limit": ("lower_limit_not_negative",),
    "early_repayment": ("early_repayment_not_negative",),
    "minimum_repayment": ("reported_content", "on_time_is_normal"),
    "instalments": ("on_time_is_normal", "reported_content"),
    "inquiries": ("applying_creates_inquiry",),
    "loan_application": ("no_business_loan_promise",),
    "report_content": ("report_shows_lender", "reported_content"),
    "get_report": ("free_reports",),
    "zhima": ("zhima_not_credit_report",),
    "use": ("overdue_reported", "reported_content", "on_time_is_normal"),
    "general": ("closing_not_negative", "history_kept", "negative_five_years"),
}
# Official, free routes said after answers where records are the worry.
CLOSING_ROUTES: dict[Topic, tuple[str, ...]] = {
    "overdue": ("no_paid_repair", "objection", "free_reports"),
    "late": ("free_reports",),
    "repair": ("free_reports",),
    "closing": ("free_reports",),
    "general": ("free_reports",),
    "loan_application": ("free_reports",),
    "report_content": ("free_reports",),
    "zhima": ("free_reports",),
}
MAX_ROUTES_TWO_TOPICS = 2  # a question about two things: keep the answer short
# Topics after which the customer's own overdue history is said.
OVERDUE_HISTORY_TOPICS: frozenset[Topic] = frozenset({"closing", "late", "overdue", "general"})
INTENT_FACTS: dict[str, tuple[str, ...]] = {
    "ask_closure_effects": ("products_independent", "repay_before_closing", "services_stop_on_closing", "history_kept"),
    "ask_closed_by_platform": ("platform_reasons", "debt_still_due", "right_to_explanation", "complaint_channels"),
    "ask_data_deletion": ("deletion_after_closing", "aml_retention", "credit_data_separate"),
}


def credit_impact_answer(topics: Sequence[Topic], customer: CustomerSnapshot | None, *, today: date) -> list[Part]:
    """For each topic (at most two, bot.credit.topics): its facts; then this customer's accounts; then official routes.

    A fact two topics share is said once.
    """
    asked = tuple(topics[:MAX_TOPICS]) or ("general",)
    fact_ids = _unique(f for topic in asked for f in TOPIC_FACTS[topic])
    routes = [r for r in _unique(r for topic in asked for r in CLOSING_ROUTES.get(topic, ())) if r not in fact_ids]
    if len(asked) > 1:
        routes = routes[:MAX_ROUTES_TWO_TOPICS]
    parts: list[Part] = [FactUse(f) for f in fact_ids]
    if customer is not None:
        parts.extend(_personal(asked, customer, today))
    parts.extend(FactUse(f) for f in routes)
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


def _personal(topics: Sequence[Topic], customer: CustomerSnapshot, today: date) -> list[Reply]:
    replies: list[Reply] = []
    if OVERDUE_HISTORY_TOPICS.intersection(topics):
        replies.extend(_overdue_history(customer, today))
    # What closing both lines takes away, only to someone asking about closing: said to a loan
    # question it would read as advice to close.
    if "closing" in topics and "loan_application" not in topics:
        replies.extend(_total_limit(customer))
    return replies


def _unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))


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

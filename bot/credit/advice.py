"""「银行让我先注销 有必要吗」: a question *about* closing for a loan is answered, never taken as a request.

Someone asked by a bank to close a line first wants to know whether it is
necessary; starting the closing journey would answer a question they did not
ask and walk them towards a change they had not decided on. The answer is the
reviewed business-loan facts with their own figures, then an offer to check
closing (a button), which changes nothing by itself.

`wants_more_credit` is the other misreading: 「想要更多额度」「经营贷想贷多一点」 is a wish
for a higher limit, never a request to lower one.
"""

from __future__ import annotations

import re
from datetime import date

from bot.core.accounts import CustomerSnapshot
from bot.core.replies import HUMAN_BUTTON, Fragment, Part, Reply, intent_button
from bot.credit.impact import credit_impact_answer
from bot.nlu.textnorm import normalise

# A lender or a loan in the message: who asks for the closure, or what it is for.
_LOAN_CONTEXT = re.compile(r"银行|房贷|车贷|按揭|买房|贷款|经营贷|企业贷|信贷经理|客户经理|公积金")
# The message asks whether (not how) to close: necessity, use, consequence.
_WHETHER = re.compile(
    r"有必要|有没有必要|必要吗|需要吗|需不需要|要不要|是不是(一定|必须|得|要)|一定要|必须(要)?|非得|非要|有用吗|管用吗"
    r"|有没有用|有影响吗|会不会影响|能不能不|可以不|不注销行不行|不关行不行|得先(注销|关)"
)
# Clearly a request: the customer has decided (帮我注销, 我要注销, 直接注销).
_DECIDED = re.compile(r"帮我(注销|关)|我要(注销|关)|直接(注销|关)|现在就(注销|关)|马上(注销|关)|给我(注销|关)")

# A wish for more credit (提额, 额度高一点, 贷多一点), unless the same message lowers it.
_MORE_CREDIT = re.compile(
    r"提额|提高额度|提升额度|增加额度|加额度|涨额度|额度不够|额度太(低|少|小)"
    r"|额度(能|可以)?(不能|能不能)?(再)?(提|调|涨|升|加)?(高|大|多)(一)?(点|些)"
    r"|额度(能|可以)?(不能|能不能)?(再)?(提|调|涨|升|加)(高|多|上去)"
    r"|(更|多)(一)?(多|大|高|点|些)(的)?额度|(借|贷|要|用)更多|(贷|借)(得)?(更)?多(一)?(点|些)"
    r"|(贷款|经营贷|企业贷|借款)(能)?(再)?(大|多|高)(一)?(点|些)"
)
_LOWER = re.compile(r"调低|降低|降到|降额|减少额度|少一点|低一点|留一千|留(一|两|三|五)|太高|不要那么(高|多)|只给我留")


def is_closing_advice_question(text: str) -> bool:
    """Whether a closing message asks whether closing is necessary for a lender, rather than asking to close."""
    norm = normalise(text)
    if not _LOAN_CONTEXT.search(norm) or _DECIDED.search(norm):
        return False
    return bool(_WHETHER.search(norm))


def closing_advice_answer(customer: CustomerSnapshot | None, product_ids: list[str], *, today: date) -> list[Part]:
    """The answer (facts and the customer's own figures), then an offer to check closing; no journey starts."""
    parts: list[Part] = [Reply("utter_closing_advice_intro")]
    parts.extend(credit_impact_answer(("loan_application",), customer, today=today))
    payload: dict[str, object] = {"product": product_ids[0]} if len(product_ids) == 1 else {}
    buttons = (
        intent_button(Fragment("utter_button_check_closing"), "close_account", **payload),
        intent_button(
            Fragment("utter_clarify_request_settlement_certificate"), "request_settlement_certificate", **payload
        ),
        intent_button(Fragment("utter_clarify_lower_limit"), "lower_limit", **payload),
    )
    parts.append(Reply("utter_closing_advice_offer", buttons=buttons))
    return parts


def raise_limit_replies() -> list[Part]:
    """「想要更多额度」 at the lower-limit journey: raising is not self-service, and nothing is lowered."""
    return [Reply("utter_limit_raise_not_self_service", buttons=HUMAN_BUTTON)]


def wants_more_credit(text: str) -> bool:
    """Whether a message wishes for a higher limit or a bigger loan (never a request to lower the limit)."""
    norm = normalise(text)
    return bool(_MORE_CREDIT.search(norm)) and not _LOWER.search(norm)

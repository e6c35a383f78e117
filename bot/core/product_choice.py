"""Which of the customer's products a request is about.

The product comes from the message (any alias, already canonicalised by the
NLU); when it is missing we ask, offering only products the customer holds.
Another company's product is never mapped onto ours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.accounts import AccountSnapshot, CustomerSnapshot


@dataclass(frozen=True)
class ProductChoice:
    """The outcome of resolving a product for one request.

    Attributes:
        accounts: the customer's accounts the request is about (may be several: "both").
        missing: requested product ids the customer holds no account for.
        ask: True when the user must pick; `options` are the customer's accounts.
        external: another company's product the user named, if any (said back only
            when it is a name the catalog lists: `choice_replies.choice_notes`).
    """

    accounts: tuple[AccountSnapshot, ...] = ()
    missing: tuple[str, ...] = ()
    ask: bool = False
    options: tuple[AccountSnapshot, ...] = ()
    external: str | None = None


# "Both / all of them" typed instead of tapping the 两个都看看 button. The NLU
# labels such answers `inform` without a product entity, so the text decides.
# Only an explicit "two of them" phrase counts anywhere in a message; looser
# words (都要, 全部) count only as a whole short answer, because in a sentence
# they usually mean something else (我全部还清了).
_BOTH_PHRASE = re.compile(r"(两个|两样|俩|二者|两者|这两)(产品|账户|额度)?(都|全|一起|一块)")
_ALL_ANSWER = re.compile(r"^(都|全部|全都|所有|一起)(要|关|注销|的|看看|看|查|吧|了)*$")
_NEITHER = re.compile(r"(都|全)(不|没|别)")
# Filler around a short answer. Stripped with str.rstrip/lstrip rather than a
# "[...]+$" regex, which backtracks quadratically on a long run of filler
# followed by anything else (「吧」×10000 + 「好」).
_SPACES = "".join(chr(code) for code in range(0x3001) if chr(code).isspace())  # what "\s" matches
_TRAILING_FILLER = _SPACES + ",，。.!！?？~～、吧啊呀哈嗯呢吗了的"
_LEADING_FILLER = _SPACES + "嗯那就额呃"


def means_all(text: str) -> bool:
    """True when a message (typically the answer to "which one?") asks for every product."""
    compact = text.strip().rstrip(_TRAILING_FILLER).lstrip(_LEADING_FILLER)
    if _NEITHER.search(compact):
        return False
    if _BOTH_PHRASE.search(compact):
        return True
    return len(compact) <= 6 and bool(_ALL_ANSWER.match(compact))


def choose_products(
    requested: list[str],
    customer: CustomerSnapshot,
    *,
    external: str | None = None,
    wants_all: bool = False,
) -> ProductChoice:
    """Resolve requested product ids against the customer's accounts.

    Args:
        requested: canonical product ids from the conversation (may be empty).
        customer: the customer's snapshot.
        external: another company's product named in the message, if any.
        wants_all: the user asked for all their products without naming them.

    Returns:
        The accounts to act on, or what to ask or tell instead.
    """
    wanted = list(dict.fromkeys(requested))  # keep order, drop repeats
    if wanted:
        found = tuple(a for pid in wanted if (a := customer.account(pid)) is not None)
        missing = tuple(pid for pid in wanted if customer.account(pid) is None)
        return ProductChoice(accounts=found, missing=missing, external=external)
    if external:
        return ProductChoice(external=external)
    if len(customer.accounts) == 1 or (wants_all and customer.accounts):
        return ProductChoice(accounts=customer.accounts)
    return ProductChoice(ask=True, options=customer.accounts)

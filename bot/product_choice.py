"""Which of the customer's products a request is about.

The product comes from the message (any alias, already canonicalised by the
NLU); when it is missing we ask, offering only products the customer holds.
Another company's product is never mapped onto ours.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.accounts import AccountSnapshot, CustomerSnapshot


@dataclass(frozen=True)
class ProductChoice:
    """The outcome of resolving a product for one request.

    Attributes:
        accounts: the customer's accounts the request is about (may be several: "both").
        missing: requested product ids the customer holds no account for.
        ask: True when the user must pick; `options` are the customer's accounts.
        external: another company's product the user named, if any.
    """

    accounts: tuple[AccountSnapshot, ...] = ()
    missing: tuple[str, ...] = ()
    ask: bool = False
    options: tuple[AccountSnapshot, ...] = ()
    external: str | None = None


def choose_products(
    requested: list[str], customer: CustomerSnapshot, *, external: str | None = None
) -> ProductChoice:
    """Resolve requested product ids against the customer's accounts.

    Args:
        requested: canonical product ids from the conversation (may be empty).
        customer: the customer's snapshot.
        external: another company's product named in the message, if any.

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
    if len(customer.accounts) == 1:
        return ProductChoice(accounts=customer.accounts)
    return ProductChoice(ask=True, options=customer.accounts)

"""Unbinding linked services (「关闭自动还款」「解绑代扣」「把滴滴的免密关了」).

`plan_unbind` is pure: which of the customer's bound services the request
means (by service type and/or merchant name), which it names that are not
bound or already unbound, and what unbinding each one changes.
`apply_unbind` unbinds everything confirmed in the caller's transaction:
all or nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from bot.core.accounts import AccountSnapshot, CustomerSnapshot, LinkedService
from bot.core.repayments import NextRepayment, next_repayment
from bot.db import queries
from bot.nlu.textnorm import normalise

# "Everything" when nothing more specific is named (全部解绑, 都关掉).
_EVERYTHING = re.compile(r"全部|所有|全都|都解|都关|都取消|都不要|一起解")
# A service kind named without a product is taken on every line only when the user says so (两个都, 全部 ...).
_BOTH_LINES = re.compile(r"两个都|俩都|两边|每个|花呗和借呗|借呗和花呗|花呗借呗")
_EVERY_LINE = re.compile(r"全部|所有|全都|两个都|俩都|都解|都关|都取消|都不要|一起解|都要解|也都")
# 「借呗绑的那张卡」: a card on its own is the bound bank card; 信用卡 (another company's product),
# 信用卡收款 (the collection code) and an app that 卡住 (hangs) are not.
_CARD = re.compile(r"卡")
_NOT_A_BOUND_CARD = re.compile(r"信用卡收款|信用卡|卡收款|卡住|卡顿|卡死|很卡|好卡|太卡|一直卡")
BANK_CARD = "bank_card"


@dataclass(frozen=True)
class Bound:
    """A service bound to one of the customer's lines."""

    service: LinkedService
    account: AccountSnapshot


@dataclass(frozen=True)
class Unbinding:
    """One service to unbind and what changes: for auto-repay, the next repayment to make by hand."""

    bound: Bound
    next_due: NextRepayment | None = None


@dataclass(frozen=True)
class UnbindPlan:
    """What the customer asked for, resolved against their own bindings.

    Attributes:
        chosen: services to unbind after confirmation (empty: nothing to confirm).
        bound: every service still bound on the lines asked about (to list as buttons).
        already_unbound: named services that were bound once and are unbound now.
        not_bound: named service types the customer never had on those lines.
        asked: True when the request named something (a type or a merchant).
        which_product: a kind named without a product that is bound on more than one line: the
            bindings to choose from (nothing is chosen until the customer says which).
        kept: what else the same request named while `which_product` is asked (「滴滴免密和自动还款」:
            the 滴滴 binding), confirmed together with the answer (issue 12: exactly what was asked for).
    """

    chosen: tuple[Unbinding, ...]
    bound: tuple[Bound, ...]
    already_unbound: tuple[Bound, ...]
    not_bound: tuple[str, ...]
    asked: bool
    which_product: tuple[Bound, ...] = ()
    kept: tuple[Bound, ...] = ()


def means_bank_card(text: str) -> bool:
    """Whether `text` speaks of a card (「那张卡」「我的卡」) that can only be a bound bank card."""
    return bool(_CARD.search(_NOT_A_BOUND_CARD.sub("", normalise(text))))


def plan_unbind(
    customer: CustomerSnapshot,
    *,
    product_ids: list[str],
    service_types: list[str],
    text: str,
    kept_ids: Sequence[int] = (),
) -> UnbindPlan:
    """Resolve an unbind request against the customer's bindings.

    Args:
        customer: the customer's snapshot.
        product_ids: the lines the request is about (empty: all).
        service_types: contract `service` values named in the request.
        text: the user's message, searched for merchant names of bound services.
        kept_ids: services an earlier message named while it was asked which line (UnbindPlan.kept).
    """
    accounts = [a for a in customer.accounts if not product_ids or a.product.id in product_ids]
    every = [Bound(s, a) for a in accounts for s in a.services]
    active = [b for b in every if b.service.status == "active"]
    by_merchant = _merchant_matches(every, text)
    wanted_types = _wanted_types(service_types, text, by_merchant)
    every_line = bool(product_ids) or _every_line(normalise(text), _things_named(wanted_types, by_merchant))
    chosen: list[Bound] = [b for b in by_merchant if b.service.status == "active"]
    which_product: list[Bound] = []
    for kind in wanted_types:
        if not any(b.service.service_type == kind for b in by_merchant):
            matching = [b for b in active if b.service.service_type == kind and b not in chosen]
            lines = {b.account.account_id for b in matching}
            # Only what was asked for: 「关掉自动还款」 with auto-repay on both lines asks which one.
            (chosen if every_line or len(lines) < 2 else which_product).extend(matching)
    kept: list[Bound] = []
    if which_product:
        chosen, kept = [], chosen
    elif chosen:
        chosen += [b for b in _still_bound(customer, kept_ids) if b not in chosen]
    everything = not (wanted_types or by_merchant) and bool(_EVERYTHING.search(normalise(text)))
    if everything:
        chosen = list(active)
    named = [b for b in every if b.service.service_type in wanted_types] + by_merchant
    already = tuple(dict.fromkeys(b for b in named if b.service.status != "active"))
    already = tuple(b for b in already if not any(c.service.service_type == b.service.service_type for c in chosen))
    not_bound = tuple(k for k in wanted_types if not any(b.service.service_type == k for b in every))
    return UnbindPlan(
        chosen=tuple(_unbinding(b) for b in chosen),
        bound=tuple(active),
        already_unbound=already,
        not_bound=not_bound,
        asked=bool(wanted_types or by_merchant or everything),
        which_product=tuple(which_product),
        kept=tuple(kept),
    )


def _things_named(wanted_types: list[str], by_merchant: list[Bound]) -> int:
    """How many services a request names: 「滴滴免密和自动还款」 is two, 「自动还款」 one."""
    merchants = {b.service.merchant for b in by_merchant}
    covered = {b.service.service_type for b in by_merchant} & set(wanted_types)
    return len(wanted_types) + len(merchants) - len(covered)


def _every_line(norm: str, things: int) -> bool:
    """Whether a kind named without a product is meant on every line.

    「自动还款都关了」 means both lines; in 「滴滴免密和自动还款都解了」 the 都 gathers the two things named,
    so only 两个都 / 花呗和借呗 and the like take it to every line.
    """
    if things > 1:
        return bool(_BOTH_LINES.search(norm))
    return bool(_EVERY_LINE.search(norm))


def _still_bound(customer: CustomerSnapshot, service_ids: Sequence[int]) -> list[Bound]:
    wanted = set(service_ids)
    return [Bound(s, a) for a in customer.accounts for s in a.services if s.id in wanted and s.status == "active"]


def _wanted_types(service_types: list[str], text: str, by_merchant: list[Bound]) -> list[str]:
    """The service kinds named; a card (「那张卡」, DIET's bare 「卡」) is the bound bank card."""
    kinds = [BANK_CARD if means_bank_card(kind) else kind for kind in service_types]
    if not kinds and not by_merchant and means_bank_card(text):
        kinds = [BANK_CARD]
    return list(dict.fromkeys(kinds))


def _merchant_matches(services: list[Bound], text: str) -> list[Bound]:
    """Services whose merchant the user named (「滴滴那个」「爱奇艺会员的代扣」)."""
    norm = normalise(text)
    found = []
    for bound in services:
        merchant = normalise(bound.service.merchant or "")
        # Users shorten merchant names: 滴滴 for 滴滴出行, 爱奇艺 for 爱奇艺会员.
        if merchant and (merchant in norm or (len(merchant) >= 2 and merchant[:2] in norm)):
            found.append(bound)
    return found


def _unbinding(bound: Bound) -> Unbinding:
    if bound.service.service_type == "auto_repay":
        return Unbinding(bound, next_repayment(bound.account))
    return Unbinding(bound)


@dataclass(frozen=True)
class Unbound:
    """The services unbound, or why nothing was (`stale`: some were no longer bound)."""

    services: tuple[Bound, ...]
    stale: bool = False


def apply_unbind(session: Session, *, customer_id: str, service_ids: list[int], channel: str, today: date) -> Unbound:
    """Unbind the confirmed services of this customer, all or nothing.

    If any of them is not (or no longer) one of the customer's bound services,
    nothing is changed and `stale` is set, so the customer can be asked again.
    """
    customer = queries.load_customer(session, customer_id)
    if customer is None or not service_ids:
        return Unbound((), stale=True)
    mine = {s.id: Bound(s, a) for a in customer.accounts for s in a.active_services}
    if any(i not in mine for i in service_ids):
        return Unbound((), stale=True)
    chosen = [mine[i] for i in dict.fromkeys(service_ids)]
    actor = f"customer:{customer_id}"
    for account_id in dict.fromkeys(b.account.account_id for b in chosen):
        ids = [b.service.id for b in chosen if b.account.account_id == account_id]
        queries.unbind_services(session, service_ids=ids, on=today, actor=actor, channel=channel, account_id=account_id)
        queries.record_done_request(
            session,
            customer_id=customer_id,
            account_id=account_id,
            kind="unbind",
            details={"service_ids": ids},
            channel=channel,
            actor=actor,
        )
    return Unbound(tuple(chosen))

"""Reply pieces the account-change journeys share: which product, its state, the platform's reason."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.accounts import AccountSnapshot
from bot.core.catalog import Catalog
from bot.core.formatting import join_cn
from bot.core.product_choice import ProductChoice
from bot.core.replies import Fragment, Param, Reply, intent_button

# Reason categories the platform records for a line it froze (credit_accounts.platform_reason_code),
# each said by a domain response; anything else is said as utter_reason_unspecified.
FREEZE_REASONS = {
    "overdue": "utter_reason_overdue",
    "risk_assessment": "utter_reason_risk_assessment",
    "identity_expired": "utter_reason_identity_expired",
    "security": "utter_reason_security",
}


def product_question(
    response: str,
    intent: str,
    options: tuple[AccountSnapshot, ...],
    *,
    offer_all: bool = False,
    extra: Mapping[str, object] | None = None,
) -> Reply:
    """Ask which product (every journey's "which one?"), with a button per product.

    Each button re-sends `intent` with that product, so the journey's own rule
    answers the pick. `offer_all` adds a 两个都 button sending every option's
    product (closing, certificates); `extra` entities (e.g. a duration already
    given) ride along in every payload.
    """
    carried = dict(extra or {})
    buttons = tuple(intent_button(a.product.display_name, intent, product=a.product.id, **carried) for a in options)
    if offer_all and len(options) > 1:
        every = [a.product.id for a in options]
        buttons += (intent_button(Fragment("utter_button_all_products"), intent, product=every, **carried),)
    return Reply(response, buttons=buttons)


def choice_notes(choice: ProductChoice, catalog: Catalog, *, no_account: str = "utter_no_such_account") -> list[Reply]:
    """What to say about products the customer named but does not hold (`no_account`), or that are not ours.

    Only catalog names are said: another company's product the catalog does not
    list gets a neutral wording, and an unknown product id is not repeated, so
    a typed payload cannot put its text in the bot's mouth.
    """
    replies: list[Reply] = []
    if choice.external and not choice.accounts:
        served = join_cn((p.display_name for p in catalog.products), and_last=False)
        if choice.external in catalog.external_products:
            params: dict[str, Param] = {"external_product": choice.external, "served_products": served}
            replies.append(Reply("utter_product_not_served", params))
        else:
            replies.append(Reply("utter_product_not_served_unnamed", {"served_products": served}))
    for pid in choice.missing:
        product = catalog.product(pid)
        if product is not None:
            replies.append(Reply(no_account, {"product_name": product.display_name}))
    return replies


def state(status: str) -> Fragment:
    """How a line's status reads in a sentence (已经注销了, 被平台暂停使用 ...)."""
    return Fragment(f"utter_state_{status}")


def reason(code: str | None) -> Fragment:
    """The platform's recorded reason category for freezing a line (closing, reopening, "why was it stopped?")."""
    return Fragment(FREEZE_REASONS.get(code or "", "utter_reason_unspecified"))

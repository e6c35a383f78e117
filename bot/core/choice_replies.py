"""Reply pieces the account-change journeys share: which product, its state, the platform's reason."""

from __future__ import annotations

from bot.core.accounts import AccountSnapshot
from bot.core.catalog import Catalog
from bot.core.product_choice import ProductChoice
from bot.core.replies import Fragment, Part, Reply, intent_button
from bot.credit.explanations import REASONS


def product_question(response: str, intent: str, options: tuple[AccountSnapshot, ...], **extra: object) -> Reply:
    """Ask which product, with a button per product that re-sends `intent` with that product.

    `extra` entities (e.g. a duration already given) ride along in every payload.
    """
    return Reply(
        response,
        buttons=tuple(intent_button(a.product.display_name, intent, product=a.product.id, **extra) for a in options),
    )


def choice_notes(choice: ProductChoice, catalog: Catalog) -> list[Part]:
    """What to say about products the customer named but does not hold, or that are not ours."""
    replies: list[Part] = []
    if choice.external and not choice.accounts:
        served = "、".join(p.display_name for p in catalog.products)
        replies.append(
            Reply("utter_product_not_served", {"external_product": choice.external, "served_products": served})
        )
    for pid in choice.missing:
        product = catalog.product(pid)
        replies.append(Reply("utter_no_such_account", {"product_name": product.display_name if product else pid}))
    return replies


def state(status: str) -> Fragment:
    """How a line's status reads in a sentence (已经注销了, 被平台暂停使用 ...)."""
    return Fragment(f"utter_state_{status}")


def reason(code: str | None) -> Fragment:
    """The platform's recorded reason category for freezing a line."""
    return Fragment(REASONS.get(code or "", "utter_reason_unspecified"))

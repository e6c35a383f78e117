"""Closing something that is not one of the lines served here: 「我要关闭信用购」「注销这个号」.

信用购, 信用贷 and 先用后付 are lines or services of their own (data/catalog/products.yml,
`separate_lines`): they are answered, never read as 花呗 or 借呗, and no closure starts.
Cancelling the whole platform account is not a line either: its conditions are said
with this customer's own lines (nothing owed; lines closed or settled).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.closing import eligibility as el
from bot.core.accounts import CustomerSnapshot
from bot.core.catalog import Catalog
from bot.core.formatting import join_cn, yuan
from bot.core.replies import Button, Fragment, Reply, intent_button

CLOSED = ("closed",)


def separate_line_replies(line_ids: Sequence[str], customer: CustomerSnapshot, catalog: Catalog) -> list[Reply]:
    """One message per separate line named: what it is and that it is closed on its own, where it is.

    When the line sits beside one of ours that the customer holds (信用购 beside 花呗),
    a button offers to check closing ours instead, in case that was meant.
    """
    replies: list[Reply] = []
    for line_id in dict.fromkeys(line_ids):
        line = catalog.separate_line(line_id)
        if line is None:
            continue
        buttons: tuple[Button, ...] = ()
        account = customer.account(line.next_to) if line.next_to else None
        if account is not None and account.status not in CLOSED:
            title = Fragment("utter_button_meant_product", {"product_name": account.product.display_name})
            buttons = (intent_button(title, "close_account", product=account.product.id),)
        replies.append(Reply(f"utter_separate_line_{line.id}", buttons=buttons))
    return replies


def platform_account_replies(customer: CustomerSnapshot, *, today: date) -> list[Reply]:
    """Cancelling the platform account: not done here; its conditions, with what this customer's lines still need."""
    owed: list[str] = []
    open_lines: list[str] = []
    for account in customer.accounts:
        if account.status in CLOSED:
            continue
        check = el.check_closure(account, today=today)
        if check.amount_owed > 0:
            owed.append(f"{account.product.display_name} {yuan(check.amount_owed)}")
        else:
            open_lines.append(account.product.display_name)
    replies = [Reply("utter_platform_account_intro")]
    if owed:
        replies.append(Reply("utter_platform_account_owed", {"owed": join_cn(owed, and_last=False)}))
    elif open_lines:
        buttons = tuple(
            intent_button(
                Fragment("utter_button_close_first", {"product_name": a.product.display_name}),
                "close_account",
                product=a.product.id,
            )
            for a in customer.accounts
            if a.status not in CLOSED
        )
        replies.append(Reply("utter_platform_account_lines_open", {"products": join_cn(open_lines)}, buttons=buttons))
    else:
        replies.append(Reply("utter_platform_account_lines_closed"))
    return replies

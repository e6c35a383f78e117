"""What to tell a customer about their requests (「我的注销申请到哪一步了」)."""

from __future__ import annotations

from datetime import date

from bot.accounts import RequestInfo
from bot.catalog import Catalog
from bot.formatting import cn_date
from bot.replies import Fragment, Reply


def request_status_replies(requests: list[RequestInfo], catalog: Catalog, *, today: date) -> list[Reply]:
    """List each request with its product, kind, submission date and state, newest first."""
    if not requests:
        return [Reply("utter_requests_none")]
    replies = [Reply("utter_requests_intro")]
    for r in requests:
        product = catalog.product(r.product_id) if r.product_id else None
        replies.append(
            Reply(
                "utter_request_line",
                {
                    "product_name": product.display_name if product else "",
                    "kind": Fragment(f"utter_request_kind_{r.kind}"),
                    "submitted": cn_date(r.created_at.date(), today=today),
                    "status": Fragment(f"utter_status_{r.status}"),
                },
            )
        )
    return replies

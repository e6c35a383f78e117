"""Who the customer behind a conversation is.

Every action asks this module, and only this module. In production the
project's input channels (channels/) verify the host page's signed token,
make the conversation (sender) id the verified customer's, and write the
customer into the message metadata under VERIFIED_CUSTOMER; a conversation
is trusted only when both agree. Development mode (explicitly switched on)
also accepts the sender id alone, so demos and tests can pick a customer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.config import Settings
from bot.security.tokens import is_customer_id

# The metadata key the channels overwrite on every message (never taken from the client).
VERIFIED_CUSTOMER = "verified_customer_id"


def customer_id_for(sender_id: str | None, settings: Settings, metadata: Mapping[str, Any] | None = None) -> str | None:
    """Return the customer id a conversation may act for, or None if unknown.

    Args:
        sender_id: the channel's sender (conversation) id.
        settings: runtime settings; only development mode trusts a bare sender id.
        metadata: the latest user message's metadata, as the channel stored it.

    Returns:
        The customer id, or None when the identity cannot be established.
    """
    if not is_customer_id(sender_id):
        return None
    verified = (metadata or {}).get(VERIFIED_CUSTOMER)
    if verified is not None:
        # A verified customer that is not this conversation's owner means the
        # message did not come through our channels as they work: trust nothing.
        return sender_id if verified == sender_id else None
    return sender_id if settings.dev_mode else None

"""Who the customer behind a conversation is.

Every action asks this module, and only this module, so that replacing the
development rule (sender id = customer id) with signed tokens is a local change.
"""

from __future__ import annotations

import re

from bot.config import Settings

# Customer ids are short ASCII handles; anything else from a channel is refused
# rather than passed to the database.
_CUSTOMER_ID = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


def customer_id_for(sender_id: str | None, settings: Settings) -> str | None:
    """Return the customer id a conversation may act for, or None if unknown.

    Args:
        sender_id: the channel's sender (conversation) id.
        settings: runtime settings; only development mode trusts the sender id.

    Returns:
        The customer id, or None when the identity cannot be established.
    """
    if not settings.dev_mode or not sender_id:
        return None
    return sender_id if _CUSTOMER_ID.match(sender_id) else None

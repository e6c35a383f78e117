"""An SMS gateway stand-in for production-mode end-to-end tests.

Production refuses the development outbox, so the production-identity tests
plug this in through BOT_CODE_SENDER (the same hook a real gateway uses); it
appends each code to the file named by E2E_SMS_LOG, where the test reads
what the customer's phone would show.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


class RecordingGateway:
    """Writes codes to E2E_SMS_LOG instead of texting them."""

    def send(self, *, customer_id: str, phone: str | None, code: str, purpose: str) -> None:
        path = Path(os.environ["E2E_SMS_LOG"])
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"customer_id": customer_id, "phone": phone, "code": code, "purpose": purpose}) + "\n")

"""Messages made of digits only are read by rule, not by the classifier.

A message of digits alone can only be a code, a phone number, an amount, a menu
choice, or chat slang for goodbye (88, 886). The classifier sees every digit run
as the same `__NUMBER__` token, so which of inform/goodbye it picks for
「138 1234 5678」 changes from one training run to the next, and a goodbye there
would end the callback form with the number thrown away. The rule is certain.
"""

from __future__ import annotations

import re

# 88 / 886 / 8888, with trailing punctuation: goodbye in Chinese chat.
_GOODBYE = re.compile(r"^\s*8{2,4}6?\s*[~!.。！～]*\s*$")
# Digits with the separators people type in numbers (spaces, dashes, +86, brackets).
_DIGITS_ONLY = re.compile(r"^[\s+\-—()（）]*\d[\d\s+\-—()（）.,，]*$")


def digits_intent(text: str) -> str | None:
    """The intent of a digits-only message: goodbye for 88/886, inform for any other; None otherwise."""
    if _GOODBYE.match(text or ""):
        return "goodbye"
    if _DIGITS_ONLY.match(text or ""):
        return "inform"
    return None

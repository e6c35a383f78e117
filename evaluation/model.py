"""Parse texts with a trained Rasa model: the intent the bot would act on (after the journey gate)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol


class Parser(Protocol):
    """A trained model that parses a message: Rasa's Agent, or a client of a running server's /model/parse."""

    async def parse_message(self, message_data: str, /) -> dict[str, Any]:
        """Rasa's parse result (intent, entities, response selector) for one message."""
        ...


def latest_model(models: Path) -> Path:
    """The newest model archive in `models`."""
    return max(models.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)


def parse_all(agent: Parser, texts: Sequence[str]) -> list[dict[str, Any]]:
    """Rasa's parse result for each text, in order."""

    async def run() -> list[dict[str, Any]]:
        return [await agent.parse_message(text) for text in texts]

    return asyncio.run(run())


def intents(parsed: Sequence[dict[str, Any]]) -> list[str]:
    """The intent name of each parse result."""
    return [str(p["intent"]["name"]) for p in parsed]

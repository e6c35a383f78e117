"""What the NLU tests share: the trained model and the training texts, each read once per run.

The model is the development Rasa server the e2e and browser tests already run
(`running`, tests/live_servers.py), asked through its /model/parse API: the same
Agent.parse_message result, without loading the model a second time in this
process, which takes a minute and a half on the 2-core CI machines.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from rasa.shared.nlu.training_data.loading import load_data

from bot.config import REPO_ROOT
from tests.e2e.conftest import Servers


class ServerParser:
    """Parses with a running Rasa server (`rasa run --enable-api`), like Rasa's Agent.parse_message."""

    def __init__(self, rasa_url: str) -> None:
        self.url = f"{rasa_url}/model/parse"
        self.http = requests.Session()

    async def parse_message(self, message_data: str, /) -> dict[str, Any]:
        response = self.http.post(self.url, json={"text": message_data}, timeout=60)
        response.raise_for_status()
        parsed: dict[str, Any] = response.json()
        return parsed


@pytest.fixture(scope="session")
def agent(running: Servers) -> ServerParser:
    return ServerParser(running.rasa_url)


@pytest.fixture(scope="session")
def training_texts() -> frozenset[str]:
    """Every intent example's text in data/nlu (read once: parsing the YAML takes seconds)."""
    return frozenset(e.get("text") for e in load_data(str(REPO_ROOT / "data" / "nlu")).intent_examples)

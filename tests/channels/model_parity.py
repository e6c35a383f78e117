"""What a loaded model answers, as JSON: for tests/channels/test_model_loading.py to compare two ways of loading it.

    python -m tests.channels.model_parity MODEL project|rasa OUT.json

`project` loads with channels/model_loading.py and predicts with the cuts of
channels/turn_cost.py, `rasa` with Rasa's own code. Each way runs in a
process of its own (one model in memory at a time). The answers cover the three TensorFlow models:
DIET's intent ranking and the ResponseSelector's topic for the first 150 real held-out messages,
and the policy (TED among them) and confidence of every action in a short conversation.
"""

from __future__ import annotations

import asyncio
import csv
import json
import logging
import sys
from pathlib import Path
from typing import Any

CONVERSATION = ["你好", "借呗能注销吗", "关闭花呗影响征信吗", "花呗先暂停三个月", "算了", "我绑定了哪些服务", "谢谢"]
HELDOUT = Path(__file__).resolve().parent.parent / "nlu" / "real_heldout.tsv"


async def answers(model: str) -> dict[str, Any]:
    from rasa.core.agent import load_agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.shared.core.events import ActionExecuted

    agent = await load_agent(model_path=model)  # no action endpoint: custom actions fail, predictions do not
    with HELDOUT.open(encoding="utf-8") as rows:
        texts = [row["text"] for row in csv.DictReader(rows, delimiter="\t")][:150]
    parses = []
    for text in texts:
        parsed = await agent.parse_message(text)
        topic = parsed["response_selector"]["out_of_scope"]["response"]
        ranking = [(x["name"], round(x["confidence"], 5)) for x in parsed["intent_ranking"][:3]]
        parses.append([ranking, topic["intent_response_key"], round(topic["confidence"], 5)])
    for text in CONVERSATION:
        await agent.handle_message(UserMessage(text, CollectingOutputChannel(), "parity"))
    tracker = await agent.tracker_store.retrieve("parity")
    actions = [
        (e.action_name, e.policy, round(e.confidence or 0, 5)) for e in tracker.events if isinstance(e, ActionExecuted)
    ]
    return {"parses": parses, "actions": actions}


def main() -> int:
    model, way, out = sys.argv[1:4]
    logging.disable(logging.CRITICAL)
    if way == "project":
        from channels import model_loading, turn_cost

        model_loading.install()
        turn_cost.install()  # TED run only when it could be chosen among them
    Path(out).write_text(json.dumps(asyncio.run(answers(model)), ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

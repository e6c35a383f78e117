"""Settlement certificates: 「我要开个结清证明」「银行让我提供借呗结清证明」.

Issues a PDF certificate for each product asked about that has nothing owed,
sent as a link in the text AND as a custom payload a widget renders as a file
download; otherwise says what remains owed and when it can be issued.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.changes import waiting_slot
from actions.common import (
    CustomerAction,
    catalog,
    channel_of,
    customer_or_say,
    external_product,
    in_session,
    latest_text,
    product_slot,
    render,
    send,
    settings,
)
from bot.certificates.issuing import issue_certificate
from bot.certificates.replies import choice_replies, outcome_replies
from bot.core.product_choice import choose_products, means_all


class ActionIssueCertificate(CustomerAction):
    """Issue a settlement certificate, or say what is still owed and from when it can be issued."""

    def name(self) -> str:
        return "action_issue_certificate"

    async def act(
        self, customer_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        customer = await customer_or_say(customer_id, dispatcher)
        if customer is None:
            return []
        external = external_product(tracker)
        wants_all = means_all(latest_text(tracker))
        choice = choose_products(product_slot(tracker), customer, external=external, wants_all=wants_all)
        asked = choice_replies(choice, catalog())
        send(dispatcher, domain, asked)
        # 「要开哪个产品的结清证明？」 survives a side question like the other journeys' questions
        # (bot/core/pending.py); any other answer (issued, owed, not held) leaves nothing waiting.
        waiting = [waiting_slot(domain, list(asked))]
        channel, day, public_url = channel_of(tracker), self.today(), settings().public_url
        product_ids = [a.product.id for a in choice.accounts]
        outcomes = await in_session(
            lambda s: [
                o
                for pid in product_ids
                if (o := issue_certificate(s, customer_id=customer_id, product_id=pid, today=day, channel=channel))
            ]
        )
        for outcome in outcomes:
            replies, link = outcome_replies(outcome, catalog(), public_url=public_url, today=day)
            if link is None:
                send(dispatcher, domain, replies)
                continue
            for reply in replies:
                params = {k: render(domain, v) for k, v in reply.params.items()}
                dispatcher.utter_message(response=reply.response, json_message=link.payload(), **params)
        return waiting

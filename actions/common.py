"""What every action needs: settings, a clock for today's date, the customer, a database call."""

from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date, datetime
from functools import lru_cache, wraps
from typing import Any, ClassVar, TypeVar

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from bot.config import Settings
from bot.conversation.no_repeat import Outgoing, earlier_answers, is_verbatim_repeat, shorter_answer
from bot.core.accounts import CustomerSnapshot
from bot.core.catalog import Catalog, load_catalog
from bot.core.replies import FactUse, Fragment, Param, Part, Reply
from bot.credit.knowledge import load_knowledge
from bot.db.queries import load_customer
from bot.db.session import run_in_session, session_factory
from bot.nlu.contract import EXTERNAL_PRODUCT, PRODUCT, external_name, known_value
from bot.security.identity import customer_id_for

T = TypeVar("T")
CHANNEL_FALLBACK = "chat"
logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def settings() -> Settings:
    """Settings read once per action-server process."""
    return Settings.from_env()


def business_today() -> date:
    """The business date in the platform's timezone (the actions' default clock)."""
    return datetime.now(settings().zone).date()


def customer_of(tracker: Tracker) -> str | None:
    """The customer this conversation may act for (bot.security.identity decides)."""
    return customer_id_for(tracker.sender_id, settings(), latest_user_metadata(tracker))


def latest_user_metadata(tracker: Tracker) -> dict[str, Any]:
    """Metadata of the latest user message: where the project's channels put the verified customer."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            metadata = event.get("metadata")
            return metadata if isinstance(metadata, dict) else {}
    return {}


def channel_of(tracker: Tracker) -> str:
    """The input channel of the latest message, for the audit log."""
    return str(tracker.get_latest_input_channel() or CHANNEL_FALLBACK)


async def in_session(work: Callable[[Session], T]) -> T:
    """Run `work` in one database transaction off the event loop (bot.db.session.run_in_session)."""
    return await run_in_session(session_factory(settings().database_url), work)


async def customer_or_say(customer_id: str, dispatcher: CollectingDispatcher) -> CustomerSnapshot | None:
    """The customer's accounts; None after telling the user none were found."""
    customer = await in_session(lambda s: load_customer(s, customer_id))
    if customer is None:
        dispatcher.utter_message(response="utter_customer_not_found")
    return customer


def latest_text(tracker: Tracker) -> str:
    """What the user typed last (a button's payload when they tapped one)."""
    return str((tracker.latest_message or {}).get("text") or "")


def slot_list(tracker: Tracker, name: str) -> list[str]:
    """A list slot's string values (tolerating a plain string from older trackers).

    Anything else is no value: Rasa's HTTP API can set a slot to any JSON (a bare
    `false` made this raise and the action server answer 500; tests/fuzzing.py).
    """
    value: Any = tracker.get_slot(name)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def entity_values(tracker: Tracker, entity: str) -> list[Any]:
    """The latest message's values of `entity` the contract knows, canonical; anything else is dropped.

    Values outside the catalog or the contract's sets (free text in a typed
    payload, a DIET span) never reach a reply (bot.nlu.contract).
    """
    known = (known_value(entity, raw, catalog()) for raw in tracker.get_latest_entity_values(entity))
    return list(dict.fromkeys(v for v in known if v is not None))


def product_slot(tracker: Tracker) -> list[str]:
    """The `product` slot's catalog ids (anything else the slot holds is dropped)."""
    return [p for p in slot_list(tracker, PRODUCT) if known_value(PRODUCT, p, catalog()) is not None]


def external_product(tracker: Tracker) -> str | None:
    """Another company's product named in the latest message: the catalog's spelling when it knows it.

    A name the catalog does not know still marks the request as "not ours",
    but the replies never repeat it (bot.core.choice_replies.choice_notes).
    """
    raw = next(tracker.get_latest_entity_values(EXTERNAL_PRODUCT), None)
    if raw is None:
        return None
    return external_name(raw, catalog()) or str(raw)


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    """Product and service catalog (names, aliases) from data/catalog."""
    return load_catalog()


def say(dispatcher: CollectingDispatcher, domain: DomainDict, parts: Sequence[Part]) -> None:
    """Send reviewed facts in their knowledge-file wording and replies as domain responses."""
    knowledge = load_knowledge()
    for part in parts:
        if isinstance(part, FactUse):
            dispatcher.utter_message(text=knowledge.fact(part.id).render(**part.params))
        else:
            send(dispatcher, domain, [part])


def send(dispatcher: CollectingDispatcher, domain: DomainDict, replies: Sequence[Reply]) -> None:
    """Utter each reply, rendering any `Fragment` parameters from the domain first."""
    for reply in replies:
        params = {k: render(domain, v) for k, v in reply.params.items()}
        buttons = [{"title": render(domain, title), "payload": payload} for title, payload in reply.buttons]
        dispatcher.utter_message(response=reply.response, buttons=buttons or None, **params)


def render(domain: DomainDict, param: Param) -> str:
    """A parameter as text: a `Fragment` is its domain response filled in (recursively), a `FactUse` its fact."""
    if isinstance(param, FactUse):
        return load_knowledge().fact(param.id).render(**param.params)
    if not isinstance(param, Fragment):
        return param
    variants = domain.get("responses", {}).get(param.response) or [{"text": ""}]
    text = str(variants[0].get("text", ""))
    return text.format(**{k: render(domain, v) for k, v in param.params.items()})


Run = Callable[[Any, CollectingDispatcher, Tracker, DomainDict], Awaitable[list[dict[str, Any]]]]


def _never_verbatim(run: Run) -> Run:
    """`run`, then the repeat check on what it said (`BotAction` wraps every subclass's `run` with this)."""

    @wraps(run)
    async def checked(
        self: BotAction, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        start = len(dispatcher.messages)
        events = await run(self, dispatcher, tracker, domain)
        if not self.may_repeat:
            not_verbatim(dispatcher, start, tracker, domain, events)
        return events

    checked.never_verbatim = True  # type: ignore[attr-defined]
    return checked


# Slots a step sets when something follows the answer (a confirmation, a waiting question).
_STEP_SLOTS = frozenset({"closure_ready", "change_ready", "deletion_ready", "withdraw_ready", "journey_question"})


def not_verbatim(
    dispatcher: CollectingDispatcher,
    start: int,
    tracker: Tracker,
    domain: DomainDict,
    events: Sequence[Mapping[str, Any]],
) -> None:
    """Replace the messages from `start` on by a short answer when they repeat an earlier block word for word."""
    answer = [_outgoing(domain, message, tracker) for message in dispatcher.messages[start:]]
    sets_up = any(
        e.get("event") in ("followup", "active_loop")
        or (e.get("event") == "slot" and e.get("name") in _STEP_SLOTS and e.get("value") not in (None, False))
        for e in events
    )
    if not is_verbatim_repeat(answer, earlier_answers(tracker.events), sets_up_a_step=sets_up):
        return
    logger.info("answer repeated word for word; sending the short version")
    del dispatcher.messages[start:]
    send(dispatcher, domain, shorter_answer(latest_text(tracker)))


_FIELD = re.compile(r"{([^\n{}]+?)}")


def _outgoing(domain: DomainDict, message: Mapping[str, Any], tracker: Tracker) -> Outgoing:
    """A dispatcher message as the customer will read it: the response filled in as Rasa fills it."""
    variant: Mapping[str, Any] = {}
    if message.get("response"):
        variants = domain.get("responses", {}).get(message["response"]) or [{}]
        variant = variants[0]
    text = str(message.get("text") or variant.get("text") or "")
    values = {**tracker.slots, **message}
    text = _FIELD.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), text)
    buttons = [*(message.get("buttons") or []), *(variant.get("buttons") or [])]
    payload = bool(message.get("custom") or message.get("attachment") or message.get("image") or variant.get("custom"))
    return Outgoing(text, tuple(str(b.get("payload", "")) for b in buttons), payload)


class BotAction(Action, ABC):
    """An action of this project: knows its clock, and never says the same block twice.

    Business dates come from `self.today()`, never from the system clock directly,
    so a test can construct an action with a fixed day: `ActionCheckClosure(clock=lambda: day)`.
    Every subclass's `run` is wrapped once, here, so that an answer the bot already gave word
    for word in the last turns is replaced by a short one (bot/conversation/no_repeat.py);
    an action that asks a question again on purpose sets `may_repeat`.
    Abstract, so the action server does not register it as an action itself.
    """

    # True for an action whose answer is meant to be said again (a waiting question asked again).
    may_repeat: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        run = cls.__dict__.get("run")
        if run is not None and not getattr(run, "never_verbatim", False):
            setattr(cls, "run", _never_verbatim(run))  # noqa: B010 - mypy refuses assigning to a method

    def __init__(self, clock: Callable[[], date] = business_today) -> None:
        self.clock = clock

    def today(self) -> date:
        """Today's business date by this action's clock."""
        return self.clock()

    @abstractmethod
    def name(self) -> str:
        """The action's name in domain.yml."""


class CustomerAction(BotAction):
    """An action on the conversation's own customer.

    The identity check lives here, once: when bot.security.identity cannot establish
    the customer, the user is told politely and nothing is read or changed.
    Abstract, so the action server does not register it as an action itself.
    """

    def events_without_customer(self) -> list[dict[str, Any]]:
        """Events to return when the customer is unknown (e.g. resetting a flow)."""
        return []

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Resolve the customer, then `act` for them."""
        customer_id = customer_of(tracker)
        if customer_id is None:
            dispatcher.utter_message(response="utter_identity_unknown")
            return self.events_without_customer()
        return await self.act(customer_id, dispatcher, tracker, domain)

    @abstractmethod
    async def act(
        self, customer_id: str, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        """Do the action's work for `customer_id`."""

"""「投诉渠道是什么」: the complaint channels come before any handoff (issue 13.9)."""

from unittest.mock import AsyncMock, patch

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import handoff
from bot.handoff.complaints import mentions_complaint
from tests.actions.conftest import seed_day
from tests.rendering import domain, said


def test_complaint_words() -> None:
    assert mentions_complaint("投诉渠道是什么") and mentions_complaint("我要投訴")
    assert not mentions_complaint("转人工")


async def test_complaint_channels_are_said_before_the_handoff() -> None:
    tracker = Tracker(
        "demo_clean", {}, {"intent": {"name": "request_human"}, "text": "投诉渠道是什么"}, [], False, None, {}, "rest"
    )
    dispatcher = CollectingDispatcher()
    with patch.object(handoff, "hand_over", AsyncMock(return_value=[])) as hand_over:
        await handoff.ActionRequestHuman(clock=seed_day).run(dispatcher, tracker, domain())
    assert said(dispatcher.messages) == ["fact:complaint_channels"]
    hand_over.assert_awaited_once()


async def test_plain_request_for_a_human_has_no_channels() -> None:
    tracker = Tracker(
        "demo_clean", {}, {"intent": {"name": "request_human"}, "text": "转人工"}, [], False, None, {}, "rest"
    )
    dispatcher = CollectingDispatcher()
    with patch.object(handoff, "hand_over", AsyncMock(return_value=[])):
        await handoff.ActionRequestHuman(clock=seed_day).run(dispatcher, tracker, domain())
    assert dispatcher.messages == []

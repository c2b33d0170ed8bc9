"""Rasa's call to the action server: a failure gives the friendly reply, never an empty one."""

import socket

import pytest
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_server import answering_when_actions_fail
from orchestration.paths import DOMAIN


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def run_against(url: str, run=RemoteAction.run) -> list:
    domain = Domain.load(DOMAIN)
    action = RemoteAction("action_answer", EndpointConfig(url))
    tracker = DialogueStateTracker("visitor", domain.slots)
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    return await answering_when_actions_fail(run)(
        action, CollectingOutputChannel(), nlg, tracker, domain
    )


async def test_an_action_server_that_does_not_answer_gives_the_friendly_reply():
    (event,) = await run_against(f"http://127.0.0.1:{closed_port()}/webhook")
    assert isinstance(event, BotUttered)
    assert event.data["custom"] == {"topic": "unavailable", "notices": ["notice.company"]}
    assert event.text.startswith("Sorry, I couldn't answer that just now.")


async def test_a_rejection_is_left_to_rasa():
    async def rejecting(*args, **kwargs):
        raise ActionExecutionRejection("action_answer")

    with pytest.raises(ActionExecutionRejection):
        await run_against("http://127.0.0.1:1/webhook", rejecting)

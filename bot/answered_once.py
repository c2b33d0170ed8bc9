"""Each message answered once, whichever Rasa instance it reaches and however often.

The front door gives every message an id (`metadata.message_id`, 32 hexadecimal digits) and,
when an instance dies or is late with it, sends it to another instance with the same id. Rasa
takes the id as the message's own (UserMessage.message_id, kept in the stored conversation, which
keeps no text). Under the conversation's lock (Agent.handle_message holds it, in Redis when
instances share conversations), a message whose id the stored conversation already holds is not
processed again: the replies the bot gave it, stored with it, are sent instead.

A resent message waits for the lock the dead instance held until its ticket expires
(TICKET_LOCK_LIFETIME, bot/lock_store.py); should its own ticket expire meanwhile
(TicketExpired), it queues afresh, once. Any other LockError (Redis failing) is Rasa's to
answer at once.

Installed by bot/rasa_server.py around MessageProcessor.handle_message and Agent.handle_message.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.lock_store import TicketExpired

METADATA_KEY = "message_id"
_MESSAGE_ID = re.compile(r"[0-9a-f]{32}")
Handle = Callable[[MessageProcessor, UserMessage], Awaitable[Any]]
AgentHandle = Callable[[Agent, UserMessage], Awaitable[Any]]


def client_message_id(metadata: Any) -> str | None:
    """The id the client gave the message, if it is a well-formed one."""
    value = metadata.get(METADATA_KEY) if isinstance(metadata, dict) else None
    return value if isinstance(value, str) and _MESSAGE_ID.fullmatch(value) else None


def replies_to(tracker: DialogueStateTracker, message_id: str) -> list[dict] | None:
    """The bot's replies to the user message `message_id` in `tracker`; None if it has none."""
    replies: list[dict] | None = None
    for event in tracker.events:
        if isinstance(event, UserUttered):
            if replies is not None:
                break
            if event.message_id == message_id:
                replies = []
        elif isinstance(event, BotUttered) and replies is not None:
            replies.append(event.message())
    return replies


def answering_once(handle: Handle) -> Handle:
    """MessageProcessor.handle_message, replaying the stored replies of a message seen before."""

    @functools.wraps(handle)
    async def handle_once(processor: MessageProcessor, message: UserMessage) -> Any:
        message_id = client_message_id(message.metadata)
        if message_id is None:
            return await handle(processor, message)
        message.message_id = message_id
        tracker = await processor.tracker_store.retrieve(message.sender_id)
        replies = replies_to(tracker, message_id) if tracker else None
        if replies is None:
            return await handle(processor, message)
        channel = message.output_channel
        for reply in replies:
            await channel.send_response(message.sender_id, reply)
        return channel.messages if isinstance(channel, CollectingOutputChannel) else None

    return handle_once


def relocking_after_expiry(handle: AgentHandle) -> AgentHandle:
    """Agent.handle_message, queueing for the conversation's lock afresh (once) when the
    message's ticket expired while it waited. Nothing of the message was processed then."""

    @functools.wraps(handle)
    async def handle_relocking(agent: Agent, message: UserMessage) -> Any:
        try:
            return await handle(agent, message)
        except TicketExpired:
            return await handle(agent, message)

    return handle_relocking

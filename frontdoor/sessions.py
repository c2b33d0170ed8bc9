"""Server-issued session ids: a conversation token, the time of issue and their HMAC.

Every reply issues a fresh id for the same conversation, and an id is refused 30 minutes after
its issue, when Rasa has ended that conversation too (`session_expiration_time` in
domain.yml), or once a newer id of its conversation has been issued here. Clients cannot
choose a conversation, and a copied id soon stops working.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable

from aiohttp import web

from frontdoor.errors import ApiError
from frontdoor.memory import SESSION_MINUTES, PerConversation

_FORMAT = re.compile(r"([A-Za-z0-9_-]{24})\.([0-9]{1,12})\.([A-Za-z0-9_-]{22})")
_CLOCK_SKEW = 60  # seconds an id may seem to come from the future (another front door's clock)


class SessionIds:
    """Issues session ids and reads back the conversation of the ones it issued (same secret).

    The issue time of each conversation's latest id is kept in memory until that id expires
    (oldest forgotten first beyond `max_conversations`), and an older id is refused. An id
    of a conversation not kept (issued before a restart, or by another front door) is taken
    if its signature and age are valid.
    """

    def __init__(
        self,
        secret: bytes,
        clock: Callable[[], float] = time.time,
        max_conversations: int = 10_000,
    ):
        self._secret = secret
        self.clock = clock
        self.latest: PerConversation[int] = PerConversation(max_conversations, clock)  # issue time

    def issue(self, conversation: str) -> str:
        """A session id for `conversation`, valid for SESSION_MINUTES from now or until the next."""
        now = int(self.clock())
        self.latest.update(conversation, lambda _: now)
        issued = f"{conversation}.{now}"
        return f"{issued}.{self._sign(issued)}"

    def conversation(self, session_id: object) -> str:
        """The conversation (Rasa's sender id) of a session id issued here, a new one for None.

        ApiError when the id is not a string, forged, expired or superseded by a newer one.
        """
        if session_id is None:
            return secrets.token_urlsafe(18)
        if not isinstance(session_id, str):
            raise ApiError(400, "invalid_request", '"session_id" must be a string.')
        match = _FORMAT.fullmatch(session_id)
        if not match or not hmac.compare_digest(match[3], self._sign(f"{match[1]}.{match[2]}")):
            raise ApiError(
                400,
                "invalid_session",
                "This conversation is not known here. Send the message without a session_id "
                "to start a new one.",
            )
        conversation, issued = match[1], int(match[2])
        age = self.clock() - issued
        if not -_CLOCK_SKEW <= age <= SESSION_MINUTES * 60:
            raise ApiError(
                400,
                "session_expired",
                f"This conversation ended after {SESSION_MINUTES} minutes without a message. "
                "Send the message without a session_id to start a new one.",
            )
        latest = self.latest.get(conversation)
        if latest is not None and issued < latest:
            raise ApiError(
                400,
                "session_superseded",
                "This conversation has a newer session_id. Send the session_id of the latest "
                "reply, or send the message without a session_id to start a new conversation.",
            )
        return conversation

    def _sign(self, text: str) -> str:
        digest = hmac.new(self._secret, text.encode(), hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


SESSIONS = web.AppKey("sessions", SessionIds)

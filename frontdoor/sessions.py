"""Server-issued session ids: a conversation token, the time of issue and their HMAC.

Every reply issues a fresh id for the same conversation, and an id is refused 30 minutes after
its issue, when Rasa has ended that conversation too (`session_expiration_time` in
domain.yml). Clients cannot choose a conversation, and a copied id soon stops working.
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

SESSION_MINUTES = 30
_FORMAT = re.compile(r"([A-Za-z0-9_-]{24})\.([0-9]{1,12})\.([A-Za-z0-9_-]{22})")
_CLOCK_SKEW = 60  # seconds an id may seem to come from the future (another front door's clock)


class SessionIds:
    """Issues session ids and reads back the conversation of the ones it issued (same secret)."""

    def __init__(self, secret: bytes, clock: Callable[[], float] = time.time):
        self._secret = secret
        self._clock = clock

    def issue(self, conversation: str) -> str:
        """A session id for `conversation`, valid for SESSION_MINUTES from now."""
        issued = f"{conversation}.{int(self._clock())}"
        return f"{issued}.{self._sign(issued)}"

    def conversation(self, session_id: object) -> str:
        """The conversation (Rasa's sender id) of a session id issued here, a new one for None.

        ApiError when the id is not a string, forged or expired.
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
        age = self._clock() - int(match[2])
        if not -_CLOCK_SKEW <= age <= SESSION_MINUTES * 60:
            raise ApiError(
                400,
                "session_expired",
                f"This conversation ended after {SESSION_MINUTES} minutes without a message. "
                "Send the message without a session_id to start a new one.",
            )
        return match[1]

    def _sign(self, text: str) -> str:
        digest = hmac.new(self._secret, text.encode(), hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


SESSIONS = web.AppKey("sessions", SessionIds)

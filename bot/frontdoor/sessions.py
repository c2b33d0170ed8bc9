"""Server-issued session ids: a random token and its HMAC, so clients cannot choose their own."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from aiohttp import web

_FORMAT = re.compile(r"[A-Za-z0-9_-]{24}\.[A-Za-z0-9_-]{22}")


class SessionIds:
    """Issues session ids and recognises the ones it issued (same secret)."""

    def __init__(self, secret: bytes):
        self._secret = secret

    def issue(self) -> str:
        token = secrets.token_urlsafe(18)
        return f"{token}.{self._sign(token)}"

    def is_ours(self, session_id: object) -> bool:
        if not isinstance(session_id, str) or not _FORMAT.fullmatch(session_id):
            return False
        token, signature = session_id.split(".")
        return hmac.compare_digest(signature, self._sign(token))

    def _sign(self, token: str) -> str:
        digest = hmac.new(self._secret, token.encode(), hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


SESSIONS = web.AppKey("sessions", SessionIds)

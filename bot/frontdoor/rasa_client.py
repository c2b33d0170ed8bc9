"""Rasa's REST channel and NLU parse endpoint, over one shared aiohttp ClientSession."""

from __future__ import annotations

import asyncio
import unicodedata
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from bot.frontdoor.settings import SETTINGS

# Rasa reads a message starting with this as an intent with entities: `/restart`,
# `/ask_data_sale{"topic": "x"}` (its RegexMessageHandler, after str.strip()).
INTENT_PREFIX = "/"


def typed_text(text: str) -> str:
    """What a person typed, stripped so that Rasa cannot read it as an intent.

    Leading slashes go, with the spaces, invisible characters and slash look-alikes around
    them (a later Unicode clean-up must not bring a slash back to the front).
    """
    start = 0
    while start < len(text) and _ignorable_at_start(text[start]):
        start += 1
    return text[start:].strip()


def _ignorable_at_start(char: str) -> bool:
    return (
        char.isspace()
        or unicodedata.category(char) in ("Cf", "Cc")
        or unicodedata.normalize("NFKC", char).startswith(INTENT_PREFIX)
    )


class RasaUnavailable(Exception):
    """Rasa did not answer in time or answered something unusable (never holds message text)."""


class RasaClient:
    """Posts to Rasa on 127.0.0.1; every call is bounded by the session's timeout."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, token: str):
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.token = token

    async def send(self, sender: str, message: str) -> list[dict]:
        """The REST channel's reply messages to `message` in conversation `sender`."""
        body = {"sender": sender, "message": message}
        return await self._post("/webhooks/rest/webhook", body, list)

    async def parse(self, text: str) -> dict:
        """Rasa's NLU result for `text`: intent_ranking, entities (needs Rasa's --enable-api)."""
        return await self._post("/model/parse", {"text": text}, dict, {"token": self.token})

    async def _post(self, path: str, body: dict, expected: type, params: dict | None = None):
        try:
            async with self.session.post(
                self.base_url + path, json=body, params=params
            ) as response:
                response.raise_for_status()
                data = await response.json()
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise RasaUnavailable(f"{path}: {type(error).__name__}") from None
        if not isinstance(data, expected):
            raise RasaUnavailable(f"{path}: unexpected {type(data).__name__}")
        return data


RASA = web.AppKey("rasa", RasaClient)


async def rasa_client(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: one ClientSession for the app's lifetime, closed on shutdown."""
    settings = app[SETTINGS]
    timeout = aiohttp.ClientTimeout(total=settings.rasa_timeout)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        app[RASA] = RasaClient(session, settings.rasa_url, settings.rasa_token)
        yield

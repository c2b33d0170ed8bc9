"""Rasa's REST channel and NLU parse endpoint, over one shared aiohttp ClientSession, with
the conversations spread over the Rasa instances and a failed message sent to another."""

from __future__ import annotations

import asyncio
import logging
import unicodedata
import uuid
import zlib
from collections.abc import AsyncIterator, Sequence

import aiohttp
from aiohttp import web

from frontdoor.settings import SETTINGS

log = logging.getLogger(__name__)

# Rasa reads a message starting with this as an intent with entities: `/restart`,
# `/ask_data_sale{"topic": "x"}` (its RegexMessageHandler, after str.strip()).
INTENT_PREFIX = "/"
MESSAGE_ID = "message_id"  # the metadata key bot/answered_once.py reads


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
    """Posts to the Rasa instances; every call is bounded by the session's timeout.

    A conversation goes to the instance its id hashes to (every instance reads it from the
    shared store, so this only spreads the load). When that instance fails (refuses the
    connection, resets it or is late), the message goes to the next instance, once, with the
    same message id: an instance that finds the id in the stored conversation (the first one
    took the turn before it died) sends the stored replies instead of answering again
    (bot/answered_once.py), so every message is answered exactly once.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_urls: Sequence[str],
        token: str,
        failover_timeout: float = 8.0,
    ):
        self.session = session
        self.base_urls = [url.rstrip("/") for url in base_urls]
        self.token = token
        self.failover_timeout = aiohttp.ClientTimeout(total=failover_timeout)

    async def send(self, sender: str, message: str) -> list[dict]:
        """The REST channel's reply messages to `message` in conversation `sender`."""
        metadata = {MESSAGE_ID: uuid.uuid4().hex}
        body = {"sender": sender, "message": message, "metadata": metadata}
        return await self._post(sender, "/webhooks/rest/webhook", body, list)

    async def parse(self, text: str) -> dict:
        """Rasa's NLU result for `text`: intent_ranking, entities (needs Rasa's --enable-api)."""
        return await self._post(text, "/model/parse", {"text": text}, dict, {"token": self.token})

    def instances(self, key: str) -> list[str]:
        """The instance `key` hashes to, then the next one (none when there is one instance)."""
        first = zlib.crc32(key.encode("utf-8", "surrogatepass")) % len(self.base_urls)
        order = [self.base_urls[(first + step) % len(self.base_urls)] for step in range(2)]
        return order[: len(self.base_urls)]

    async def _post(
        self, key: str, path: str, body: dict, expected: type, params: dict | None = None
    ):
        instances = self.instances(key)
        for tried, base_url in enumerate(instances, 1):
            try:
                timeout = self.failover_timeout if tried > 1 else self.session.timeout
                data = await self._post_to(base_url, path, body, params, timeout)
            except RasaUnavailable as failure:
                if tried == len(instances):
                    raise
                log.warning("a Rasa instance failed (%s); sending to the next one", failure)
                continue
            if not isinstance(data, expected):
                raise RasaUnavailable(f"{path}: unexpected {type(data).__name__}")
            return data

    async def _post_to(
        self,
        base_url: str,
        path: str,
        body: dict,
        params: dict | None,
        timeout: aiohttp.ClientTimeout,
    ):
        """Rasa's JSON reply; RasaUnavailable on any failure."""
        post = self.session.post(base_url + path, json=body, params=params, timeout=timeout)
        try:
            async with post as response:
                response.raise_for_status()
                return await response.json()
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise RasaUnavailable(f"{path}: {type(error).__name__}") from None


RASA = web.AppKey("rasa", RasaClient)


async def rasa_client(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: one ClientSession for the app's lifetime, closed on shutdown.

    A connection per request (force_close): a kept-alive connection to an instance that has
    died fails only once the message is sent; a new one is refused at once.
    """
    settings = app[SETTINGS]
    timeout = aiohttp.ClientTimeout(total=settings.rasa_timeout)
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        app[RASA] = RasaClient(
            session, settings.rasa_urls, settings.rasa_token, settings.failover_timeout
        )
        yield

"""Rasa's REST channel and NLU parse endpoint, over one shared aiohttp ClientSession, with
the conversations spread over the Rasa instances and a refused connection sent to another."""

from __future__ import annotations

import asyncio
import logging
import unicodedata
import zlib
from collections.abc import AsyncIterator, Sequence

import aiohttp
from aiohttp import web

from frontdoor.settings import SETTINGS

log = logging.getLogger(__name__)

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
    """Posts to the Rasa instances; every call is bounded by the session's timeout.

    A conversation goes to the instance its id hashes to (every instance reads it from the
    shared store, so this only spreads the load). When that instance refuses the connection
    (it is down: nothing was sent), the message goes to the next instance, once. Any other
    failure, a reset or a timeout after the request went out, is not retried: the first
    instance may have taken the turn, and a message must not be answered twice.
    """

    def __init__(self, session: aiohttp.ClientSession, base_urls: Sequence[str], token: str):
        self.session = session
        self.base_urls = [url.rstrip("/") for url in base_urls]
        self.token = token

    async def send(self, sender: str, message: str) -> list[dict]:
        """The REST channel's reply messages to `message` in conversation `sender`."""
        body = {"sender": sender, "message": message}
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
                data = await self._post_to(base_url, path, body, params)
                break
            except aiohttp.ClientConnectorError:
                if tried == len(instances):
                    raise RasaUnavailable(f"{path}: connection refused") from None
                log.warning("a Rasa instance refused the connection; sending to the next one")
        if not isinstance(data, expected):
            raise RasaUnavailable(f"{path}: unexpected {type(data).__name__}")
        return data

    async def _post_to(self, base_url: str, path: str, body: dict, params: dict | None):
        """Rasa's JSON reply; RasaUnavailable on any failure but a refused connection (raised)."""
        try:
            async with self.session.post(base_url + path, json=body, params=params) as response:
                response.raise_for_status()
                return await response.json()
        except aiohttp.ClientConnectorError:
            raise
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise RasaUnavailable(f"{path}: {type(error).__name__}") from None


RASA = web.AppKey("rasa", RasaClient)


async def rasa_client(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: one ClientSession for the app's lifetime, closed on shutdown.

    A connection per request (force_close): a kept-alive connection to an instance that has
    died would fail the next message after it was sent, which must not be retried; a new
    connection to it is refused before anything is sent, and the message goes elsewhere.
    """
    settings = app[SETTINGS]
    timeout = aiohttp.ClientTimeout(total=settings.rasa_timeout)
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        app[RASA] = RasaClient(session, settings.rasa_urls, settings.rasa_token)
        yield

"""The JSON body of a request: not compressed, UTF-8, complete within BODY_TIMEOUT; its fields."""

from __future__ import annotations

import asyncio
import json

from aiohttp import web

from frontdoor.errors import ApiError
from frontdoor.limits import MAX_MESSAGE_CHARS
from frontdoor.settings import SETTINGS

UTF8 = ("utf-8", "utf8")


@web.middleware
async def identity_bodies(request: web.Request, handler) -> web.StreamResponse:
    """415 before the body is read when it has a Content-Encoding other than identity.

    The front door's Connection does not inflate bodies (a 16 kB gzip body can inflate to
    16 MB), so an encoded one would otherwise reach json_object as compressed bytes.
    """
    codings = {
        coding.strip().lower()
        for header in request.headers.getall("Content-Encoding", [])
        for coding in header.split(",")
    }
    if codings - {"identity", ""}:
        raise ApiError(
            415,
            "unsupported_media_type",
            "Send the body uncompressed, without a Content-Encoding.",
        )
    return await handler(request)


async def json_object(request: web.Request) -> dict:
    """The body as a JSON object; 4xx for another charset, a stalled body, or not an object."""
    charset = request.charset  # a str, or a tuple for an RFC 2231 charset*=
    if charset is not None and str(charset).lower() not in UTF8:
        raise ApiError(415, "unsupported_media_type", "Send the body as JSON in UTF-8.")
    try:
        raw = await asyncio.wait_for(request.read(), request.app[SETTINGS].body_timeout)
    except asyncio.TimeoutError:
        raise ApiError(408, "request_timeout", "The request took too long to arrive.") from None
    try:
        body = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        raise ApiError(400, "invalid_json", "The request body must be JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_request", "The body must be a JSON object.")
    return body


def string_field(body: dict, field: str) -> str:
    """`body[field]`, which must be a string."""
    if not isinstance(body.get(field), str):
        raise ApiError(
            400, "invalid_request", f'The body must be a JSON object with a "{field}" string.'
        )
    return body[field]


def question(text: str) -> str:
    """`text` stripped, if it is a question Rasa can take: not empty, at most 1,000 characters."""
    text = text.strip()
    if not text:
        raise ApiError(
            400, "empty_message", "Please type a question, for example: Do you sell my data?"
        )
    if len(text) > MAX_MESSAGE_CHARS:
        raise ApiError(
            400,
            "message_too_long",
            f"Please keep your question to {MAX_MESSAGE_CHARS} characters or fewer.",
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, from a JSON \ud800 escape
        raise ApiError(400, "invalid_request", "The message contains invalid characters.") from None
    return text

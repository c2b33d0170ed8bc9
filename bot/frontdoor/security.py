"""Security headers, exact-match CORS, bearer tokens and the rate-limit middleware."""

from __future__ import annotations

import hmac
import math
from collections.abc import Iterable
from urllib.parse import urlsplit

from aiohttp import web

from bot.frontdoor.errors import ApiError
from bot.frontdoor.limits import RateLimiter
from bot.frontdoor.settings import SETTINGS

LIMITER = web.AppKey("limiter", RateLimiter)


def security_headers(frame_ancestors: str) -> dict[str, str]:
    """Headers for every response: scripts, styles and requests only from this origin."""
    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        f"frame-ancestors {frame_ancestors}"
    )
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    }


async def add_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: security headers, CORS grant for allowed origins, no caching of data."""
    settings = request.app[SETTINGS]
    response.headers.update(security_headers(settings.frame_ancestors))
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
    origin = request.headers.get("Origin")
    if origin:
        response.headers["Vary"] = "Origin"
        if origin in settings.cors_origins:
            response.headers["Access-Control-Allow-Origin"] = origin


@web.middleware
async def cors(request: web.Request, handler) -> web.StreamResponse:
    """Refuse cross-origin requests unless the origin is listed exactly; answer preflights."""
    origin = request.headers.get("Origin")
    if origin is None or urlsplit(origin).netloc == request.host:
        return await handler(request)
    if origin not in request.app[SETTINGS].cors_origins:
        raise ApiError(403, "origin_not_allowed", "Requests from this website are not allowed.")
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        return web.Response(
            status=204,
            headers={
                "Access-Control-Allow-Methods": "GET, POST",
                "Access-Control-Allow-Headers": "Authorization, Content-Type",
                "Access-Control-Max-Age": "600",
            },
        )
    return await handler(request)


@web.middleware
async def rate_limit(request: web.Request, handler) -> web.StreamResponse:
    """A token bucket per client IP for every POST (the requests that reach Rasa)."""
    if request.method == "POST":
        wait = request.app[LIMITER].acquire(request.remote or "")
        if wait:
            raise ApiError(
                429,
                "rate_limited",
                "Too many messages. Please wait a moment.",
                headers={"Retry-After": str(math.ceil(wait))},
            )
    return await handler(request)


def require_bearer(request: web.Request, tokens: Iterable[str]) -> None:
    """Raise `unauthorized` unless the Authorization header carries one of `tokens`."""
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    given_bytes = given.strip().encode()
    valid = [hmac.compare_digest(given_bytes, token.encode()) for token in tokens if token]
    if scheme.lower() != "bearer" or not any(valid):
        raise ApiError(
            401,
            "unauthorized",
            "A valid bearer token is required.",
            headers={"WWW-Authenticate": "Bearer"},
        )

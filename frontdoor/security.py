"""Allowed hosts, security headers, exact-match CORS, bearer tokens, the rate limits and the
lockout after failed token checks."""

from __future__ import annotations

import hmac
import math
import re
from collections.abc import Iterable

from aiohttp import web

from frontdoor.errors import ApiError
from frontdoor.limits import Lockout, RateLimiter, client_key
from frontdoor.settings import SETTINGS

LIMITER = web.AppKey("limiter", RateLimiter)  # chat, feedback, answers, the app and agent APIs
PAGE_LIMITER = web.AppKey("page_limiter", RateLimiter)  # pages, static files, anything else
LOCKOUT = web.AppKey("lockout", Lockout)  # of clients that sent wrong bearer tokens
API_PATHS = ("/chat", "/feedback", "/answers/", "/api/", "/agent/api/")
_HOST = re.compile(r"(?P<name>\[[0-9a-f:.]+\]|[^:\[\]]+)(:[0-9]+)?")  # name[:port]


@web.middleware
async def allowed_hosts(request: web.Request, handler) -> web.StreamResponse:
    """400 unless the request's one Host header names this server: no DNS rebinding.

    request.host is that header, or the X-Forwarded-Host of a trusted proxy (see proxies.py).
    """
    one_host = len(request.headers.getall("Host", [])) == 1
    if not (one_host and host_allowed(request.host, request.app[SETTINGS].hosts)):
        raise ApiError(400, "host_not_allowed", "This server does not answer for that host.")
    return await handler(request)


def host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    """`host` is an allowed `host:port`, or names an allowed host (on any port)."""
    host = host.lower()
    match = _HOST.fullmatch(host)
    return match is not None and (host in allowed or match["name"] in allowed)


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
    """on_response_prepare: security headers, CORS grant for allowed origins, no caching of data.

    The Server header (aiohttp's and Python's versions) goes.
    """
    settings = request.app[SETTINGS]
    response.headers.popall("Server", None)
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
    """Refuse cross-origin requests unless the origin is listed exactly; answer preflights.

    Same origin means the same scheme, host and port as this request (after allowed_hosts).
    """
    origin = request.headers.get("Origin")
    if origin is None or origin == f"{request.scheme}://{request.host.lower()}":
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
    """A token bucket per client IP for every request: one for the APIs, one for pages."""
    limiter = LIMITER if request.path.startswith(API_PATHS) else PAGE_LIMITER
    wait = request.app[limiter].acquire(request.remote or "")
    if wait:
        raise too_many("rate_limited", "Too many requests. Please wait a moment.", wait)
    return await handler(request)


def too_many(code: str, message: str, wait: float) -> ApiError:
    """429 with `code`, saying in Retry-After when to come back."""
    return ApiError(429, code, message, headers={"Retry-After": str(math.ceil(wait))})


def require_bearer(request: web.Request, tokens: Iterable[str]) -> None:
    """Raise `unauthorized` unless the Authorization header carries one of `tokens`, and
    `locked_out`, whatever it carries, while the client is locked out (see limits.Lockout).

    A request with a wrong Authorization header counts as a failure, one without as none.
    Header bytes that are not UTF-8 arrive as surrogates: only ASCII is compared.
    """
    lockout, client = request.app[LOCKOUT], client_key(request.remote)
    wait = lockout.locked_for(client)
    if wait:
        raise too_many(
            "locked_out", "Too many attempts with a wrong token. Please try again later.", wait
        )
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    given = given.strip()
    valid = given.isascii() and any(
        [hmac.compare_digest(given.encode(), token.encode()) for token in tokens if token]
    )
    if scheme.lower() != "bearer" or not valid:
        if "Authorization" in request.headers:
            lockout.failed(client)
        raise ApiError(
            401,
            "unauthorized",
            "A valid bearer token is required.",
            headers={"WWW-Authenticate": "Bearer"},
        )

"""Serving the front door: aiohttp's HTTP server with the connection limits it lacks.

aiohttp closes kept-alive connections that stay idle (IDLE_TIMEOUT) and bodies are read within
BODY_TIMEOUT (request_body.py), but nothing limits how long a new connection may take to send
its request headers, how many header lines it may send, nor how many connections one client
keeps open. Each Connection adds these limits, and answers requests that cannot be parsed
(a huge header, garbage) with the API's JSON error instead of aiohttp's text.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from frontdoor.errors import http_error
from frontdoor.limits import MAX_HEADER_BYTES
from frontdoor.proxies import is_trusted
from frontdoor.security import security_headers
from frontdoor.settings import Settings

log = logging.getLogger(__name__)
#: Under `frontdoor.`, so that privacy.log_privacy keeps its lines, which hold no user text.
ACCESS_LOG = logging.getLogger("frontdoor.access")


class AccessLogger(AbstractAccessLogger):
    """Method, route, status and time; never a query string or anything else a visitor typed."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if isinstance(response, BareErrorResponse) or not isinstance(request, web.Request):
            route = "-"  # the request never reached the app
        else:
            resource = request.match_info.route.resource
            route = resource.canonical if resource else "-"
        self.logger.info("%s %s %s %.0fms", request.method, route, response.status, time * 1000)


class OpenConnections:
    """Open connections per client IP; proxies in TRUSTED_PROXIES are not counted."""

    def __init__(self, settings: Settings):
        self.limit = settings.max_connections_per_ip
        self.exempt = settings.proxy_networks
        self.count: Counter[str] = Counter()

    def open(self, ip: str) -> bool:
        """Count a new connection from `ip`; False (and not counted) when it has too many."""
        if self.count[ip] >= self.limit and not is_trusted(ip, self.exempt):
            return False
        self.count[ip] += 1
        return True

    def close(self, ip: str) -> None:
        self.count[ip] -= 1
        if not self.count[ip]:
            del self.count[ip]


class Connection(web.RequestHandler):
    """aiohttp's handler of one connection, closed when its first request's headers are late
    or when more than MAX_HEADER_BYTES arrive before a request's headers are complete."""

    def __init__(
        self, manager: web.Server, settings: Settings, open_connections: OpenConnections, **kwargs
    ):
        super().__init__(
            manager,
            keepalive_timeout=settings.idle_timeout,
            lingering_time=settings.body_timeout,  # to drain a body answered before it was read
            auto_decompress=False,  # a compressed body is refused unread (request_body.py)
            **kwargs,
        )
        self.settings = settings
        self.open_connections = open_connections
        self.ip: str | None = None
        self.headers_due: asyncio.TimerHandle | None = None
        self.bytes_since_headers = 0
        self.refused = False

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        peer = transport.get_extra_info("peername")
        ip = str(peer[0]) if peer else ""
        if not self.open_connections.open(ip):
            log.warning("connection refused: too many open connections from one client")
            self.force_close()
            return
        self.ip = ip
        self.headers_due = asyncio.get_running_loop().call_later(
            self.settings.header_timeout, self.force_close
        )

    def data_received(self, data: bytes) -> None:
        self.bytes_since_headers += len(data)
        if self.refused:
            return  # dropped until the connection closes
        if self.bytes_since_headers > MAX_HEADER_BYTES:
            self.refuse_headers()
        else:
            super().data_received(data)

    def headers_received(self) -> None:
        """A request's headers are in (the app has it): no deadline, a new count of bytes."""
        if self.headers_due:
            self.headers_due.cancel()
        self.bytes_since_headers = 0

    def refuse_headers(self) -> None:
        """431 with the JSON error, written by hand as aiohttp's parser has not finished; then
        what the client still sends is dropped for a second, so that it can read the answer."""
        log.warning("connection closed: request headers over %d bytes", MAX_HEADER_BYTES)
        self.refused = True
        body = json.dumps(http_error(431).body()).encode()
        assert self.transport is not None  # data arrived on it
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"Content-Type: application/json\r\nConnection: close\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        self.transport.write_eof()
        asyncio.get_running_loop().call_later(1.0, self.force_close)

    def connection_lost(self, exc: BaseException | None) -> None:
        self.headers_received()
        if self.ip is not None:
            self.open_connections.close(self.ip)
            self.ip = None
        super().connection_lost(exc)

    def handle_error(self, request, status=500, exc=None, message=None) -> web.StreamResponse:
        """The JSON error for a request the app never saw: unparsable, or a crash outside it."""
        log.warning("request failed outside the app: %s %s", status, type(exc).__name__)
        error = http_error(status)
        response = BareErrorResponse(
            text=json.dumps(error.body()),
            status=error.status,
            content_type="application/json",
            headers=security_headers(self.settings.frame_ancestors),
        )
        response.force_close()
        return response


class BareErrorResponse(web.Response):
    """An error response without the Server header, for requests that never reached the app.

    The app's responses lose it in security.add_headers (on_response_prepare), which aiohttp
    does not run for these; so it is dropped right after aiohttp adds it.
    """

    async def _prepare_headers(self) -> None:
        await super()._prepare_headers()
        self.headers.popall("Server", None)


@web.middleware
async def headers_received(request: web.Request, handler) -> web.StreamResponse:
    """Tell the request's Connection that its headers arrived."""
    if isinstance(request.protocol, Connection):
        request.protocol.headers_received()
    return await handler(request)


@asynccontextmanager
async def serving(app: web.Application, settings: Settings) -> AsyncIterator[tuple[str, int]]:
    """`app` listening on FRONTDOOR_HOST:FRONTDOOR_PORT until the block exits; yields host, port."""
    runner = web.AppRunner(app)
    await runner.setup()
    loop = asyncio.get_running_loop()
    open_connections = OpenConnections(settings)

    web_server = runner.server
    assert web_server is not None  # set up above

    def connection() -> Connection:
        return Connection(
            web_server,
            settings,
            open_connections,
            loop=loop,
            access_log_class=AccessLogger,
            access_log=ACCESS_LOG,
        )

    server = await loop.create_server(connection, settings.host, settings.port)
    try:
        yield server.sockets[0].getsockname()[:2]
    finally:
        server.close()
        await runner.cleanup()

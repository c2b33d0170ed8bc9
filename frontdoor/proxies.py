"""The client's address behind the reverse proxies listed in TRUSTED_PROXIES.

A request that arrives from one of them is taken as the proxy says, by aiohttp-remotes'
XForwardedFiltered: the client is the right-most X-Forwarded-For address that is not a trusted
proxy, and X-Forwarded-Proto and X-Forwarded-Host set the scheme and host. Headers from any
other peer are ignored, so that nobody else can choose the address the rate limits count.
"""

from __future__ import annotations

import ipaddress

from aiohttp import web
from aiohttp_remotes import XForwardedFiltered

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def forwarded(networks: list[Network]):
    """A middleware reading X-Forwarded-* from the proxies in `networks`."""
    filtered = XForwardedFiltered(set(networks))

    @web.middleware
    async def middleware(request: web.Request, handler) -> web.StreamResponse:
        if is_trusted(request.remote, networks):
            return await filtered.middleware(request, handler)
        return await handler(request)

    return middleware


def is_trusted(address: str | None, networks: list[Network]) -> bool:
    """`address` (a peer's IP) is in one of `networks`."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in network for network in networks)

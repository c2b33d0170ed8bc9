"""How a process started by `make run`'s supervisor (orchestration/supervisor.py) proves, on its
health route, that it is that process and not another one holding its port.

The supervisor gives each process it starts a random key in its environment ($SUPERVISOR_KEY,
never on a command line) and asks the health route with a fresh random challenge header; the
process answers with the HMAC-SHA256 of the challenge under the key. The key itself is never
sent, and an answer to one challenge is worth nothing for the next. Without the key (a process
started otherwise) no proof is given.
"""

from __future__ import annotations

import hashlib
import hmac

from sanic import Sanic
from sanic.request import Request
from sanic.response import BaseHTTPResponse

from contract import environment

KEY_VARIABLE = "SUPERVISOR_KEY"
CHALLENGE_HEADER, PROOF_HEADER = "X-Supervisor-Challenge", "X-Supervisor-Proof"
MAX_CHALLENGE = 64


def proof(key: str, challenge: str) -> str:
    return hmac.new(key.encode(), challenge.encode(), hashlib.sha256).hexdigest()


def proof_headers(challenge: str | None) -> dict[str, str]:
    """The header answering `challenge` (a request's CHALLENGE_HEADER), when this process has
    a key and the challenge is one the supervisor could have sent; else none."""
    key = environment.value(KEY_VARIABLE)
    if not key or not challenge or len(challenge) > MAX_CHALLENGE:
        return {}
    return {PROOF_HEADER: proof(key, challenge)}


def prove_on(app: Sanic, path: str) -> None:
    """A Sanic app (Rasa's, the action server's) answers the supervisor's challenge on `path`."""

    async def prove_identity(request: Request, response: BaseHTTPResponse) -> None:
        if request.path == path:
            response.headers.update(proof_headers(request.headers.get(CHALLENGE_HEADER)))

    app.register_middleware(prove_identity, "response")

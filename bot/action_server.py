"""`python -m bot.action_server --port N`: rasa_sdk's action server for `actions`, locked down.

- Only Rasa may call it: every route but /health needs `Authorization: Bearer <secret>`, the
  secret being $ACTION_SERVER_SECRET (orchestration/stack.py gives Rasa the same one in the
  header of its action endpoint). Anything else gets 401; without a secret the server does not
  start.
- Errors are `{"error": {"code", "message"}}`, the same for every request with that status:
  never the request body, the action name or a slot value, in the reply or in the log. (Rasa
  reads an `action_name` from a 400 only when a form rejects; this bot has no forms.)
- Logs go through privacy.log_privacy; Sanic's access log is off.
- /health answers the supervisor's challenge (bot/supervised.py) when it started this process.
- The actions answer from the knowledge base read at its start; a task follows its loads
  (knowledge.live), so that an edit is answered without a restart.
"""

from __future__ import annotations

import argparse
import hmac
import logging
import sys

from rasa_sdk import utils
from rasa_sdk.constants import DEFAULT_SERVER_PORT
from rasa_sdk.endpoint import create_app
from sanic import Sanic
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse, json

from actions.answer import live_catalog
from bot.supervised import prove_on
from contract import environment
from privacy import log_privacy

SECRET_VARIABLE = "ACTION_SERVER_SECRET"
FOLLOW_TASK = "knowledge"
HEALTH_PATH = "/health"
OPEN_PATHS = frozenset({HEALTH_PATH})
ERRORS = {
    400: ("bad_request", "The request could not be processed."),
    401: ("unauthorized", "This server answers Rasa only."),
    404: ("not_found", "There is no such action or route."),
    405: ("method_not_allowed", "This route does not take that method."),
    413: ("too_large", "The request is too large."),
}
SERVER_ERROR = ("server_error", "The action failed.")
log = logging.getLogger("bot.action_server")  # not __name__: that is "__main__" when run


def create(secret: str) -> Sanic:
    """rasa_sdk's app for the `actions` package, answering only requests with `secret`."""
    app = create_app("actions", cors_origins=None)
    catalog = live_catalog()  # read now: a knowledge base not loaded stops the start

    @app.after_server_start
    async def follow_loads(app: Sanic, _loop: object) -> None:
        app.add_task(catalog.follow(), name=FOLLOW_TASK)

    @app.before_server_stop
    async def stop_following(app: Sanic, _loop: object) -> None:
        await app.cancel_task(FOLLOW_TASK, raise_exception=False)

    expected = f"Bearer {secret}".encode()

    @app.on_request
    async def require_secret(request: Request) -> HTTPResponse | None:
        given = request.headers.get("Authorization", "").encode()
        if request.path not in OPEN_PATHS and not hmac.compare_digest(given, expected):
            return error(401)
        return None

    @app.on_response
    async def generic_errors(request: Request, response: HTTPResponse) -> HTTPResponse | None:
        return error(response.status) if response.status >= 400 else None

    prove_on(app, HEALTH_PATH)

    @app.exception(Exception)  # replaces rasa_sdk's handler, which echoes the request
    async def failed(request: Request, exception: Exception) -> HTTPResponse:
        status = exception.status_code if isinstance(exception, SanicException) else 500
        if status >= 500:
            log.error("%s while running an action", type(exception).__name__, exc_info=exception)
        return error(status)

    return app


def error(status: int) -> HTTPResponse:
    code, message = ERRORS.get(status, SERVER_ERROR)
    return json({"error": {"code": code, "message": message}}, status=status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=DEFAULT_SERVER_PORT)
    port = parser.parse_args().port
    log_privacy.install()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)-8s %(name)s  - %(message)s"
    )
    utils.update_sanic_log_level()
    secret = environment.value(SECRET_VARIABLE)
    if not secret:
        sys.exit(f"{SECRET_VARIABLE} is not set: the action server will not run unlocked.")
    host = environment.value("SANIC_HOST")
    log.info("Action server on http://%s:%d; every route but /health needs the secret", host, port)
    create(secret).run(host, port, access_log=False, workers=1)


if __name__ == "__main__":
    main()

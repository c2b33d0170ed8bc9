"""JSON errors with stable codes: {"error": {"code": ..., "message": ...}}."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.frontdoor.limits import MAX_MESSAGE_CHARS

log = logging.getLogger(__name__)

# aiohttp's own HTTP errors, given the codes and messages of this API.
HTTP_ERRORS = {
    400: ("invalid_request", "The request is not valid."),
    404: ("not_found", "There is nothing at this address."),
    405: ("method_not_allowed", "This address does not accept that method."),
    413: (
        "payload_too_large",
        f"The request is too large: at most {MAX_MESSAGE_CHARS} characters.",
    ),
}


class ApiError(Exception):
    """An error the client can act on, answered as JSON with a stable code."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(code)
        self.status, self.code, self.message, self.headers = status, code, message, headers

    def response(self) -> web.Response:
        body = {"error": {"code": self.code, "message": self.message}}
        return web.json_response(body, status=self.status, headers=self.headers)


@web.middleware
async def errors(request: web.Request, handler) -> web.StreamResponse:
    """Every failure becomes a JSON error; unexpected ones are logged, never shown."""
    try:
        return await handler(request)
    except ApiError as error:
        return error.response()
    except web.HTTPException as error:
        if error.status < 400:
            raise
        fallback = "invalid_request" if error.status < 500 else "internal_error"
        code, message = HTTP_ERRORS.get(error.status, (fallback, error.reason))
        headers = {"Allow": error.headers["Allow"]} if "Allow" in error.headers else None
        return ApiError(error.status, code, message, headers).response()
    except Exception:
        log.exception("unexpected error answering %s %s", request.method, request.path)
        return ApiError(500, "internal_error", "Something went wrong on our side.").response()

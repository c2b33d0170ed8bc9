"""JSON errors with stable codes: {"error": {"code": ..., "message": ...}}."""

from __future__ import annotations

import logging

from aiohttp import web

from frontdoor.limits import BODY_LIMIT

log = logging.getLogger(__name__)

INTERNAL_ERROR = ("internal_error", "Something went wrong on our side.")
# aiohttp's own HTTP errors, given the codes and messages of this API.
HTTP_ERRORS = {
    400: ("invalid_request", "The request is not valid."),
    404: ("not_found", "There is nothing at this address."),
    405: ("method_not_allowed", "This address does not accept that method."),
    413: ("payload_too_large", f"The request is too large: at most {BODY_LIMIT // 1024} kB."),
    431: ("headers_too_large", "The request headers are too large."),
    500: INTERNAL_ERROR,
}


class ApiError(Exception):
    """An error the client can act on, answered as JSON with a stable code."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(code)
        self.status, self.code, self.message, self.headers = status, code, message, headers

    def body(self) -> dict:
        return {"error": {"code": self.code, "message": self.message}}

    def response(self) -> web.Response:
        return web.json_response(self.body(), status=self.status, headers=self.headers)


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
        headers = {"Allow": error.headers["Allow"]} if "Allow" in error.headers else None
        return http_error(error.status, error.reason, headers).response()
    except Exception:
        log.exception("unexpected error answering %s %s", request.method, request.path)
        return http_error(500).response()


def http_error(
    status: int, reason: str = "The request is not valid.", headers: dict | None = None
) -> ApiError:
    """aiohttp's error `status` as an ApiError, with this API's code and message."""
    fallback = ("invalid_request", reason) if status < 500 else INTERNAL_ERROR
    code, message = HTTP_ERRORS.get(status, fallback)
    return ApiError(status, code, message, headers)

"""`python -m bot.frontdoor`: serve the front door on FRONTDOOR_HOST:FRONTDOOR_PORT."""

import logging

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from bot.frontdoor.app import create_app
from bot.frontdoor.settings import Settings


class AccessLogger(AbstractAccessLogger):
    """Method, route, status and time; never a query string or anything else a visitor typed."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        resource = request.match_info.route.resource
        route = resource.canonical if resource else "-"
        self.logger.info("%s %s %s %.0fms", request.method, route, response.status, time * 1000)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    settings = Settings.from_env()
    web.run_app(
        create_app(settings), host=settings.host, port=settings.port, access_log_class=AccessLogger
    )


if __name__ == "__main__":
    main()

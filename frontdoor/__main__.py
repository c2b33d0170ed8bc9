"""`python -m frontdoor`: serve the front door on FRONTDOOR_HOST:FRONTDOOR_PORT."""

import asyncio
import logging
import signal

from frontdoor.app import create_app
from frontdoor.server import serving
from frontdoor.settings import Settings
from privacy import log_privacy

log = logging.getLogger("frontdoor")


async def serve(settings: Settings) -> None:
    """Serve until SIGINT or SIGTERM, then close connections and the app's resources."""
    stop = asyncio.Event()
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(stop_signal, stop.set)
    async with serving(create_app(settings), settings) as (host, port):
        log.info("serving on http://%s:%s", host, port)
        await stop.wait()


def main() -> None:
    log_privacy.install()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    asyncio.run(serve(Settings.from_env()))


if __name__ == "__main__":
    main()

"""`python -m bot.rasa_server ARGS`: the `rasa ARGS` command, private and without JAX in memory.

- Logs: privacy.log_privacy is installed before Rasa starts, and again once Rasa has set up its
  own logging and warning filters.
- The HTTP API token is read from $RASA_TOKEN, never from the command line, where any local
  user could read it (`ps`); `rasa run --auth-token` would put it there.
- The call to the action server is bounded by $ACTION_TIMEOUT seconds (2): Rasa 3.6 gives it
  rasa.core.constants.DEFAULT_REQUEST_TIMEOUT (5 minutes), read by rasa.core.actions.action at
  import, and its endpoint config has no timeout. A hung action server then costs a turn 2 s,
  after which Rasa gives the friendly reply of contract/routing.yml (`unavailable`) instead of
  the empty one it would send (64 visitors at once made a few turns that late).
- Its health route (GET /webhooks/rest/) answers the supervisor's challenge (bot/supervised.py)
  when the supervisor started this process: a response middleware on the Sanic app of
  rasa.core.run.configure_app, which this module wraps.
- A message the front door sends again (same `metadata.message_id`, after an instance died or
  was late) is answered once: bot/answered_once.py.
- TensorFlow 2.12 imports JAX only to offer TFLite conversion, which Rasa never uses; its
  import is optional (`try: from jax import ...`). Keeping it out saves about 80 MB in each
  Rasa server process (measured with `make bench`).

Used by orchestration.stack for `rasa run`.
"""

import argparse
import functools
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from contract import environment

sys.modules["jax"] = None  # type: ignore[assignment]  # makes `import jax` raise ImportError, which TensorFlow handles
if __name__ == "__main__":  # before Rasa imports TensorFlow, which reads its log level then
    environment.set_rasa_environment()

import pluggy  # noqa: E402
import rasa.core.actions.action  # noqa: E402
import rasa.core.run  # noqa: E402
from rasa.__main__ import main  # noqa: E402
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction  # noqa: E402
from rasa.core.agent import Agent  # noqa: E402
from rasa.core.processor import MessageProcessor  # noqa: E402
from rasa.plugin import plugin_manager  # noqa: E402
from rasa.shared.core.events import BotUttered, Event  # noqa: E402
from sanic import Sanic  # noqa: E402

from bot.answered_once import answering_once, relocking_after_expiry  # noqa: E402
from bot.supervised import prove_on  # noqa: E402
from contract.routing import UNAVAILABLE_REPLY  # noqa: E402
from privacy import log_privacy  # noqa: E402

HEALTH_PATH = "/webhooks/rest/"
hookimpl = pluggy.HookimplMarker("rasa")
configure_app = rasa.core.run.configure_app
log = logging.getLogger("bot.rasa_server")  # not __name__: that is "__main__" when run
Run = Callable[..., Awaitable[list[Event]]]


class StackPlugin:
    """Rasa plugin hooks (rasa/plugin.py) for the stack's Rasa server."""

    @hookimpl
    def configure_commandline(self, cmdline_arguments: argparse.Namespace) -> None:
        """Called by Rasa's main() after it configured logging, before it runs the command."""
        log_privacy.install()
        token = environment.value("RASA_TOKEN")
        if token and hasattr(cmdline_arguments, "auth_token"):
            cmdline_arguments.auth_token = token


def proving_app(*args: Any, **kwargs: Any) -> Sanic:
    """Rasa's app, whose health route answers the supervisor's challenge."""
    app = configure_app(*args, **kwargs)
    prove_on(app, HEALTH_PATH)
    return app


def answering_when_actions_fail(run: Run) -> Run:
    """RemoteAction.run, giving the friendly reply (topic `unavailable`, the overall notice)
    when the action server fails, refuses or is late: Rasa would log the error and send
    nothing, an empty reply. A form's rejection is left to Rasa."""

    @functools.wraps(run)
    async def run_or_apologise(action: RemoteAction, *args: Any, **kwargs: Any) -> list[Event]:
        try:
            return await run(action, *args, **kwargs)
        except ActionExecutionRejection:
            raise
        except Exception as error:
            log.warning("action failed (%s): the friendly reply instead", type(error).__name__)
            return [BotUttered(UNAVAILABLE_REPLY["text"], {"custom": UNAVAILABLE_REPLY["custom"]})]

    return run_or_apologise


if __name__ == "__main__":
    log_privacy.install()
    rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT = environment.value("ACTION_TIMEOUT")
    rasa.core.run.configure_app = proving_app
    RemoteAction.run = answering_when_actions_fail(RemoteAction.run)
    MessageProcessor.handle_message = answering_once(MessageProcessor.handle_message)
    Agent.handle_message = relocking_after_expiry(Agent.handle_message)
    plugin_manager().register(StackPlugin())
    main()

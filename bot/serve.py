"""`make run`: train if needed, start the assistant on localhost, stop everything on Ctrl-C.

Everything it and its processes create (var/, the logs) is readable by this user only.
"""

import os
import signal
import time

from bot.paths import ROOT
from bot.stack import private_dir, running
from bot.train import train


def main() -> None:
    os.umask(0o077)
    if os.geteuid() == 0:
        print("Running as root: run the assistant as an ordinary user (README).")
    model = train()
    logs = private_dir(private_dir(ROOT / "var") / "logs")
    for stop in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C, or a service manager's stop
        signal.signal(stop, signal.default_int_handler)
    started = time.monotonic()
    port = int(os.environ.get("FRONTDOOR_PORT") or 8000)
    with running(model, log_dir=logs, frontdoor_port=port) as stack:
        elapsed = time.monotonic() - started
        print(f"\nThe privacy assistant is up ({elapsed:.0f}s, model {model.name}).")
        print(f"  Chat widget:    {stack.frontdoor_url}/")
        print(
            f"  App API:        POST {stack.frontdoor_url}/api/v1/chat" + _unless("APP_API_TOKENS")
        )
        print(f"  Agent console:  {stack.frontdoor_url}/agent" + _unless("AGENT_TOKEN"))
        print(f"  Logs: {logs.relative_to(ROOT)}/   Stop: Ctrl-C\n")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("\nStopping...")


def _unless(variable: str) -> str:
    return "" if os.environ.get(variable, "").strip() else f"  (locked: set {variable})"


if __name__ == "__main__":
    main()

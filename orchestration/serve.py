"""`make run`: train if needed, start the assistant on localhost, stop everything on Ctrl-C.

RASA_INSTANCES=N (with REDIS_URL) starts N Rasa instances on RASA_PORT (5005), +1, ..., all
calling one action server on ACTIONS_PORT (5055): on this 2-core machine a second action server
served two instances no better (`make bench BENCH_ARGS=--scale`). It refuses to start when a
port it needs is in use, naming it and its process. The stack restarts any process that exits
or hangs and says so here and in var/logs/stack.log; its processes die with it, however it
ends. Everything it and its processes create (var/, the logs) is readable by this user only.
The processes follow the loads of the knowledge base (knowledge.live); when what training
reads changes meanwhile (`make knowledge` with new aliases, edited NLU examples), it says
that the model in use needs retraining.
"""

import logging
import os
import signal
import sys
import time

from contract import environment
from orchestration.paths import ROOT
from orchestration.stack import check_ports, private_dir, running
from orchestration.train import Retraining, train
from privacy import log_privacy

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)  # Ctrl-C, a service manager, hangup
RETRAINING_CHECK_S = 5.0  # hashing what training reads takes about 5 ms


def main() -> None:
    os.umask(0o077)
    environment.set_rasa_environment()  # for the training it may run
    log_privacy.install()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    if os.geteuid() == 0:
        print("Running as root: run the assistant as an ordinary user (README).")
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, _stop)
    try:
        serve()
    except KeyboardInterrupt:
        print("Stopped.")
    except (ValueError, RuntimeError) as error:  # a setting, or a process that did not start
        sys.exit(f"Not started: {error}")


def serve() -> None:
    instances = environment.value("RASA_INSTANCES")
    rasa_port = environment.value("RASA_PORT")
    actions_port = environment.value("ACTIONS_PORT")
    port = environment.value("FRONTDOOR_PORT")
    if instances < 1:
        raise ValueError("RASA_INSTANCES must be at least 1")
    rasa_ports = range(rasa_port, rasa_port + instances)
    frontdoor_host = environment.value("FRONTDOOR_HOST")
    check_ports(rasa_ports, [actions_port], port, frontdoor_host)  # before training, which is slow
    model = train()
    logs = private_dir(private_dir(ROOT / "var") / "logs")
    started = time.monotonic()
    with running(
        model,
        rasa_ports=rasa_ports,
        actions_ports=[actions_port],
        log_dir=logs,
        frontdoor_port=port,
    ) as stack:
        elapsed = time.monotonic() - started
        print(f"\nThe privacy assistant is up ({elapsed:.0f}s, model {model.name}).")
        print(f"  Chat widget:    {stack.frontdoor_url}/")
        print(
            f"  App API:        POST {stack.frontdoor_url}/api/v1/chat" + _unless("APP_API_TOKENS")
        )
        print(f"  Agent console:  {stack.frontdoor_url}/agent" + _unless("AGENT_TOKEN"))
        print(f"  Health:         {stack.frontdoor_url}/healthz, {stack.frontdoor_url}/readyz")
        store = "Redis" if environment.value("REDIS_URL") else "memory (lost when Rasa stops)"
        print(f"  Rasa instances: {instances}; conversations in {store}")
        print(f"  Logs: {logs.relative_to(ROOT)}/   Stop: Ctrl-C\n")
        retraining = Retraining(model)
        while True:
            time.sleep(RETRAINING_CHECK_S)
            if news := retraining.news():
                print(news, flush=True)


def _stop(signum: int, frame: object) -> None:
    """The first stop signal stops the stack; more while it stops are ignored."""
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, signal.SIG_IGN)
    print("\nStopping...", flush=True)
    raise KeyboardInterrupt


def _unless(variable: str) -> str:
    return "" if environment.value(variable) else f"  (locked: set {variable})"


if __name__ == "__main__":
    main()

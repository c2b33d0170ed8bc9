"""Logs that cannot hold what people type: `install()` in every process the stack starts.

`install()` replaces the process's log record factory: every record is made private as it is
created, whichever library logs it and whichever handler writes it (Rasa, rasa_sdk and Sanic
set up their own):

- Records of our own loggers (`bot`, `actions`, `knowledge`, `privacy`, `frontdoor`,
  `orchestration`, `evaluation` and their children) keep their message: our code logs no
  user text.
- Every other record (Rasa, rasa_sdk, Sanic, aiohttp, ...) may carry user text in its
  arguments or in a message its caller formatted, so it keeps only what its code fixed: a
  %-style record its format string, without the arguments; a structlog JSON line its event
  name; any other message (an f-string) is withheld, replaced by the place it was logged.
- An exception keeps its traceback's frames (file, line, code) and its type, never its message.
- A message is one line of printable characters, at most MAX_CHARS long.
- Attributes a caller adds with `extra=` are not seen here: Sanic's access log, which adds the
  request line so, is off wherever Sanic runs (orchestration/stack.py, bot/action_server.py).
- A Python warning is logged with its category and place only, once per place. User
  warnings (Rasa's quote a malformed message) are never kept in the warnings module's
  once-registry, which would hold their text for the life of the process.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
import warnings
from typing import Any

OWN_LOGGERS = ("bot", "actions", "knowledge", "privacy", "frontdoor", "orchestration", "evaluation")
MAX_CHARS = 300
MAX_FRAMES = 12
MAX_CHAINED = 3
_EVENT_NAME = re.compile(r"[\w.\-]{1,80}")
log = logging.getLogger(__name__)
_warned_at: set[tuple[type[Warning], str, int]] = set()


def install() -> None:
    """Make every later log record and warning of this process private (idempotent)."""
    factory = logging.getLogRecordFactory()
    if not isinstance(factory, _PrivateRecords):
        logging.setLogRecordFactory(_PrivateRecords(factory))
    warnings.showwarning = _log_warning
    warnings.filterwarnings("always", category=UserWarning)


class _PrivateRecords:
    """A log record factory that makes each record private as it is created."""

    def __init__(self, make_record: Any) -> None:
        self.make_record = make_record

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.make_record(*args, **kwargs)
        try:
            make_private(record)
        except Exception:  # a log call must never fail, nor let an odd record through
            record.msg, record.args = "unloggable record", ()
            record.exc_info = record.exc_text = None
        return record


def make_private(record: logging.LogRecord) -> None:
    """Rewrite `record` in place so that it holds no user text (see the module docstring)."""
    if _is_own(record.name):
        message = record.getMessage()
    elif not isinstance(record.msg, str):
        message = f"{type(record.msg).__name__} withheld, at {_place(record)}"
    elif record.args:
        message = record.msg
    else:
        message = _structlog_event(record.msg) or f"message withheld, at {_place(record)}"
    record.msg, record.args = one_line(message), ()
    if record.exc_info:
        record.exc_text = safe_traceback(record.exc_info[1])
        record.exc_info = None


def one_line(text: str, limit: int = MAX_CHARS) -> str:
    """`text` as one line of printable characters, cut to `limit`."""
    line = "".join(char if char.isprintable() else " " for char in text[: limit + 1])
    return line if len(line) <= limit else line[: limit - 1] + "…"


def safe_traceback(exc: BaseException | None) -> str:
    """The frames and exception types of `exc` and the exceptions it came from; no messages."""
    parts: list[str] = []
    while exc is not None and len(parts) < MAX_CHAINED:
        frames = traceback.format_tb(exc.__traceback__)[-MAX_FRAMES:]
        parts.append("".join(frames) + f"{_type_name(exc)} (message withheld)")
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    return "Traceback (most recent call last):\n" + "\nwhich came from:\n".join(parts)


def _is_own(name: str) -> bool:
    return name.split(".", 1)[0] in OWN_LOGGERS


def _place(record: logging.LogRecord) -> str:
    """Where a record was logged: its file under site-packages (or its name) and line."""
    return f"{record.pathname.rpartition('site-packages/')[2]}:{record.lineno}"


def _structlog_event(message: str) -> str | None:
    """The event name (and exception types) of a structlog JSON line, as Rasa logs them."""
    if not message.startswith("{"):
        return None
    try:
        fields = json.loads(message)
    except ValueError:
        return None
    event = fields.get("event") if isinstance(fields, dict) else None
    if not isinstance(event, str) or not _EVENT_NAME.fullmatch(event):
        return None
    exceptions = fields.get("exception")
    types = [
        item["exc_type"]
        for item in (exceptions if isinstance(exceptions, list) else [])
        if isinstance(item, dict) and _EVENT_NAME.fullmatch(str(item.get("exc_type")))
    ]
    return f"{event} ({', '.join(types)})" if types else event


def _type_name(exc: BaseException) -> str:
    kind = type(exc)
    return (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )


def _log_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """Replaces `warnings.showwarning`: the category and place of a warning, not its text."""
    if (category, filename, lineno) in _warned_at:
        return
    _warned_at.add((category, filename, lineno))
    place = filename.rpartition("site-packages/")[2]
    log.warning("%s at %s:%d (message withheld)", category.__name__, place, lineno)

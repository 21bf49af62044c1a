"""Structured logs (structlog over the standard library) that never carry a secret.

Every configured token, signing secret and API key is redacted from every log line, whatever logger emitted
it (ours, Mem0's, slack-bolt's, discord.py's), plus anything shaped like a Slack/OpenAI/Discord token.

In a terminal, the log is stderr and must read as a tool's output, not a debugger's: tracebacks go to
`errors.log` in the data directory (when it is writable) and stderr gets one line per record.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
from pathlib import Path
from typing import Any

import structlog
from pydantic import SecretStr

from bot.settings import Settings

_TOKEN_SHAPES = re.compile(
    r"(xox[abposr]-[A-Za-z0-9-]{6,}|xapp-[A-Za-z0-9-]{6,}|sk-[A-Za-z0-9_-]{12,}"
    r"|[MN][A-Za-z\d]{23,25}\.[\w-]{6}\.[\w-]{27,})"
)
REDACTED = "[redacted]"
log = logging.getLogger(__name__)


def secrets_of(settings: Settings) -> list[str]:
    values = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr) and value.get_secret_value():
            values.append(value.get_secret_value())
    return values


class Redactor:
    def __init__(self, secrets: list[str]) -> None:
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return _TOKEN_SHAPES.sub(REDACTED, text)


class _RedactingFormatter(structlog.stdlib.ProcessorFormatter):
    def __init__(self, redact: Redactor, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self._redact(super().format(record))


ERRORS_LOG = "errors.log"
"""Where tracebacks go in the data directory; its size is bounded (two files of 1 MB)."""
_errors_log: Path | None = None
_errors_handler: logging.Handler | None = None


def record_unexpected(exc: BaseException, where: str) -> Path | None:
    """Keep the traceback of a fault nobody anticipated, for whoever will fix it, without showing it to the
    person at the terminal (the caller tells them). Returns the file it went to, if it went to one."""
    if _errors_handler is None:
        log.error("unexpected error in %s", where, exc_info=exc)  # the log is not a person's terminal
        return None
    exc_info = (type(exc), exc, exc.__traceback__)
    message = "unexpected error in %s"
    record = log.makeRecord(log.name, logging.ERROR, __file__, 0, message, (where,), exc_info)
    _errors_handler.handle(record)
    return _errors_log


class _NoTraceback(logging.Filter):
    """On a person's terminal, a record keeps its message and loses its traceback (the file keeps it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            record.msg = f"{record.getMessage()} ({_exc_name(record)}; details in {_errors_log or 'the log'})"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


def _exc_name(record: logging.LogRecord) -> str:
    exc = record.exc_info[1] if record.exc_info else None
    return type(exc).__name__ if exc is not None else "error"


def configure_logging(settings: Settings, *, stream: Any = None, terminal: bool = False) -> None:
    """Route every logger through one redacting handler on stderr (or `stream`).

    Args:
        terminal: a person reads stderr (a CLI command, the console chat): tracebacks go only to
            `errors.log` in the data directory, unless `LOG_LEVEL=DEBUG` asks for them.
    """
    global _errors_handler, _errors_log
    redact = Redactor(secrets_of(settings))
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso"),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if settings.log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = _RedactingFormatter(
        redact,
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    _errors_log = _errors_handler = None
    if terminal and settings.log_level != "DEBUG":
        handler.addFilter(_NoTraceback())
        file_handler = _errors_file(settings.data_dir / ERRORS_LOG)
        if file_handler is not None:
            file_handler.setFormatter(
                _RedactingFormatter(
                    redact,
                    foreign_pre_chain=shared,
                    processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
                )
            )
            # First: it must see the traceback before the terminal's filter strips it from the record.
            root.handlers.insert(0, file_handler)
            _errors_log, _errors_handler = settings.data_dir / ERRORS_LOG, file_handler
    root.setLevel(settings.log_level)
    # Mem0 warns about optional extras (spaCy, fastembed) we deliberately do without.
    for noisy in ("mem0", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(
            max(logging.ERROR, root.level) if noisy == "mem0" else logging.WARNING
        )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def _errors_file(path: Path) -> logging.Handler | None:
    """A size-bounded file for ERROR records with their tracebacks; None when the directory is unusable
    (the start-up check then says why)."""
    if not path.parent.is_dir():
        return None
    handler = _QuietRotatingFile(path, maxBytes=1_000_000, backupCount=1, delay=True)
    handler.setLevel(logging.ERROR)
    return handler


class _QuietRotatingFile(logging.handlers.RotatingFileHandler):
    """A full disk or a vanished directory must not print logging's own traceback on the terminal."""

    def handleError(self, record: logging.LogRecord) -> None:
        pass

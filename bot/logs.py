"""Structured logs (structlog over the standard library) that never carry a secret.

Every configured token, signing secret and API key is redacted from every log line, whatever logger emitted
it (ours, Mem0's, slack-bolt's, discord.py's), plus anything shaped like a Slack/OpenAI/Discord token.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import structlog
from pydantic import SecretStr

from bot.settings import Settings

_TOKEN_SHAPES = re.compile(
    r"(xox[abposr]-[A-Za-z0-9-]{6,}|xapp-[A-Za-z0-9-]{6,}|sk-[A-Za-z0-9_-]{12,}"
    r"|[MN][A-Za-z\d]{23,25}\.[\w-]{6}\.[\w-]{27,})"
)
REDACTED = "[redacted]"


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


def configure_logging(settings: Settings, *, stream: Any = None) -> None:
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

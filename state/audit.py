"""Where the operator's audit trail is kept: a rotated file per data directory, or one PostgreSQL table for
the whole deployment (so `memorybot audit` on any machine shows what every worker did).

The trail stores whatever line it is handed; `bot.controls.audit` decides what a line may say (who, when,
what, how many: never what a memory says).
"""

from __future__ import annotations

import json
import logging
import threading
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any, Protocol

from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool

AUDIT_FILE = "audit.log"
MAX_BYTES = 1_000_000
BACKUPS = 5


class AuditTrail(Protocol):
    def append(self, line: dict[str, Any]) -> None: ...

    def read(self, last: int | None = None) -> list[dict[str, Any]]:
        """Every line still kept (or the newest `last`), oldest first."""
        ...

    def close(self) -> None: ...


class FileAuditTrail:
    """One JSON object per line in `audit.log`, rotated by size (stdlib `RotatingFileHandler`); safe from
    several threads (the handler locks)."""

    def __init__(self, data_dir: Path, *, max_bytes: int = MAX_BYTES, backups: int = BACKUPS) -> None:
        self.path = data_dir / AUDIT_FILE
        self._max_bytes = max_bytes
        self._backups = backups
        self._handler: RotatingFileHandler | None = None
        self._lock = threading.Lock()

    def _open(self) -> RotatingFileHandler:
        # Opened on the first line, not at start-up: most runs never write one.
        with self._lock:
            if self._handler is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                handler = RotatingFileHandler(
                    self.path, maxBytes=self._max_bytes, backupCount=self._backups, encoding="utf-8"
                )
                handler.setFormatter(logging.Formatter("%(message)s"))
                self._handler = handler
            return self._handler

    def append(self, line: dict[str, Any]) -> None:
        record = logging.LogRecord("memorybot.audit", logging.INFO, __file__, 0, json.dumps(line), None, None)
        self._open().handle(record)

    def read(self, last: int | None = None) -> list[dict[str, Any]]:
        """The rotated files `audit.log.5` … `.1`, then `audit.log`; lines that do not parse are skipped."""
        files = sorted(self.path.parent.glob(AUDIT_FILE + ".*"), key=lambda p: -int(p.suffix[1:] or 0))
        lines: list[dict[str, Any]] = []
        for file in [*files, self.path]:
            if not file.exists():
                continue
            for raw in file.read_text(encoding="utf-8").splitlines():
                try:
                    item = json.loads(raw)
                except json.JSONDecodeError:
                    continue
                if isinstance(item, dict):
                    lines.append(item)
        return lines if last is None else lines[-last:]

    def close(self) -> None:
        with self._lock:
            if self._handler is not None:
                self._handler.close()
                self._handler = None


MAX_ROWS = 50_000
"""About as many lines as the rotated file keeps (6 files of 1 MB): the table must not grow for ever."""
TRIM_EVERY = 500
"""A worker trims the table on its first line and then every this many lines (one indexed DELETE)."""


class PostgresAuditTrail:
    """`mb_audit`, one row per line, in the order written across every worker; the newest `max_rows` kept."""

    def __init__(
        self,
        pool: ConnectionPool,
        *,
        owns_pool: bool = False,
        max_rows: int = MAX_ROWS,
        trim_every: int = TRIM_EVERY,
    ) -> None:
        self._pool = pool
        self._owns_pool = owns_pool
        """A one-shot command's own pool, closed with the trail; a worker's is closed by `SharedState`."""
        self._max_rows = max_rows
        self._trim_every = trim_every
        self._appended = 0

    def append(self, line: dict[str, Any]) -> None:
        with self._pool.connection() as conn:
            conn.execute("INSERT INTO mb_audit (line) VALUES (%s)", (Jsonb(line),))
            if self._appended % self._trim_every == 0:
                conn.execute(
                    "DELETE FROM mb_audit WHERE seq <= (SELECT max(seq) FROM mb_audit) - %s",
                    (self._max_rows,),
                )
            self._appended += 1

    def read(self, last: int | None = None) -> list[dict[str, Any]]:
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT line FROM (SELECT seq, line FROM mb_audit ORDER BY seq DESC LIMIT %s) newest "
                "ORDER BY seq",
                (last,),
            ).fetchall()
        return [dict(r[0]) for r in rows if isinstance(r[0], dict)]

    def close(self) -> None:
        if self._owns_pool:
            self._pool.close()

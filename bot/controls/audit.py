"""The operator's audit trail: who erased or read whose memories, and who switched memory off where.

One JSON object per line in `audit.log` in the data directory, rotated by size (stdlib
`RotatingFileHandler`). A line says who, when, what and how many, never what a memory says: the trail must
be safe to hand to someone checking that deletion requests were honoured.
"""

from __future__ import annotations

import getpass
import json
import logging
import threading
from datetime import UTC, datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

AUDIT_FILE = "audit.log"
MAX_BYTES = 1_000_000
BACKUPS = 5

_ALLOWED = frozenset({"at", "actor", "action", "target", "count", "scope", "state", "via"})
"""The only keys a line may carry: nothing free-form, so no memory text can slip in."""


def operator() -> str:
    """Who runs the CLI, as the audit trail names them."""
    try:
        return f"operator:{getpass.getuser()}"
    except Exception:  # no login name in some containers
        return "operator"


class AuditLog:
    """Appends audit lines; safe from several threads (the handler locks), one file per data directory."""

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

    def write(
        self,
        *,
        actor: str,
        action: str,
        target: str,
        count: int | None = None,
        scope: str | None = None,
        state: str | None = None,
        via: str | None = None,
    ) -> None:
        line: dict[str, Any] = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "actor": actor}
        line.update(action=action, target=target)
        for key, value in (("count", count), ("scope", scope), ("state", state), ("via", via)):
            if value is not None:
                line[key] = value
        record = logging.LogRecord("memorybot.audit", logging.INFO, __file__, 0, json.dumps(line), None, None)
        self._open().handle(record)

    def close(self) -> None:
        with self._lock:
            if self._handler is not None:
                self._handler.close()
                self._handler = None


def read_audit(data_dir: Path) -> list[dict[str, Any]]:
    """Every line still kept, oldest first (the rotated files `audit.log.5` … `.1`, then `audit.log`)."""
    path = data_dir / AUDIT_FILE
    files = sorted(path.parent.glob(AUDIT_FILE + ".*"), key=lambda p: -int(p.suffix[1:] or 0))
    lines: list[dict[str, Any]] = []
    for file in [*files, path]:
        if not file.exists():
            continue
        for raw in file.read_text(encoding="utf-8").splitlines():
            try:
                item = json.loads(raw)
            except json.JSONDecodeError:
                continue
            if isinstance(item, dict):
                lines.append({k: v for k, v in item.items() if k in _ALLOWED})
    return lines

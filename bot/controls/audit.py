"""The operator's audit trail: who erased or read whose memories, and who switched memory off where.

A line says who, when, what and how many, never what a memory says: the trail must be safe to hand to
someone checking that deletion requests were honoured. Where lines are kept is a `state.audit.AuditTrail`:
`audit.log` in the data directory, or (with `DATABASE_URL`) one table every worker writes to.
"""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from state.audit import AUDIT_FILE, AuditTrail, FileAuditTrail

__all__ = ["AUDIT_FILE", "AuditLog", "operator", "read_audit"]

_ALLOWED = frozenset({"at", "actor", "action", "target", "count", "scope", "state", "via"})
"""The only keys a line may carry: nothing free-form, so no memory text can slip in."""


def operator() -> str:
    """Who runs the CLI, as the audit trail names them."""
    try:
        return f"operator:{getpass.getuser()}"
    except Exception:  # no login name in some containers
        return "operator"


class AuditLog:
    """Writes audit lines to a trail; a data directory means its `audit.log`."""

    def __init__(self, trail: AuditTrail | Path) -> None:
        self.trail: AuditTrail = FileAuditTrail(trail) if isinstance(trail, Path) else trail

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
        self.trail.append(line)

    def read(self, last: int | None = None) -> list[dict[str, Any]]:
        """Every line still kept (or the newest `last`), oldest first, with only the keys a line may carry."""
        return [{k: v for k, v in item.items() if k in _ALLOWED} for item in self.trail.read(last)]

    def close(self) -> None:
        self.trail.close()


def read_audit(data_dir: Path) -> list[dict[str, Any]]:
    """The embedded trail of `data_dir` (`audit.log` and its rotated files), oldest first."""
    return AuditLog(FileAuditTrail(data_dir)).read()

"""Memory controls beyond list and forget: pause, explicit remember, edit, linked identities, retention,
admin switches and the operator's audit trail. Implemented once here; every adapter calls them through
`ChatService`."""

from bot.controls.audit import AuditLog, read_audit
from bot.controls.controls import MemoryControls, MemoryScope
from state.controls import ControlStore, SqliteControlStore

__all__ = ["AuditLog", "ControlStore", "MemoryControls", "MemoryScope", "SqliteControlStore", "read_audit"]

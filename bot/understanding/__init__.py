"""What people mean: the typed preference model, memory operations and the producers that emit them.

* `preferences` — `Preference` (keyed, typed) and `Profile` (the preferences in force), the schema of record.
* `operations` — `Add` / `Replace` / `Remove` / `Forget` and the `MemoryUpdate` the queue carries; one
  validator for every producer.
* `rules` — the offline extractor (the grammar); `guidance` — the operator's guidance; `upgrade` — the
  one-time upgrade of version-1 stores (the only reader of memory text).
* `records` — memory metadata to preferences and profiles; `render` — preferences to words.
* `corrections` — corrections counted across people into guidance suggestions for the operator.
"""

from bot.understanding.operations import (
    Add,
    Forget,
    Interaction,
    MemoryUpdate,
    Operation,
    Remove,
    Replace,
    UpdateSource,
    applied_to,
    validate_operations,
)
from bot.understanding.preferences import Preference, Profile

__all__ = [
    "Add",
    "Forget",
    "Interaction",
    "MemoryUpdate",
    "Operation",
    "Preference",
    "Profile",
    "Remove",
    "Replace",
    "UpdateSource",
    "applied_to",
    "validate_operations",
]

"""Per-user long-term memory: Mem0 on Qdrant, with a small protocol the core depends on."""

import os as _os

# Mem0 reads these when it is first imported (and creates its directory then): telemetry off, and its files in
# our data directory rather than ~/.mem0, whichever module happens to import Mem0 first.
_os.environ.setdefault("MEM0_TELEMETRY", "False")
_os.environ.setdefault(
    "MEM0_DIR", _os.path.join(_os.path.abspath(_os.environ.get("MEMORYBOT_DATA_DIR", ".memorybot")), "mem0")
)

from memory.types import Category, MemoryPage, MemoryRecord

__all__ = ["Category", "MemoryPage", "MemoryRecord"]

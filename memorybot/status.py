"""`memorybot status`: one screen for an operator — which store and queue are configured, how the update
queue stands, and who is working (the live workers on PostgreSQL, or the process holding the embedded store).

It reads settings, the queue and `pg_stat_activity` only: no model, no vector store (the running bot holds the
embedded one), no schema migration, so it answers in well under a second beside a busy fleet.
"""

from __future__ import annotations

import fcntl
import os
from datetime import UTC
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rich.console import Console
from rich.table import Table

from bot.errors import ServiceUnreachable
from bot.settings import Settings
from state.status import StatusUnavailable, database_target, embedded_queue, postgres_status


def gather(settings: Settings) -> dict[str, Any]:
    """The status document (`--json` prints it as is).

    Raises:
        ServiceUnreachable: DATABASE_URL is set and the database does not answer.
    """
    document: dict[str, Any] = {"store": _store(settings), "data_dir": str(settings.data_dir.resolve())}
    url = settings.database
    if url:
        try:
            queue, workers, version = postgres_status(url)
        except StatusUnavailable as exc:
            raise ServiceUnreachable(str(exc)) from None
        document["queue"] = {"kind": "postgresql", **database_target(url), "schema_version": version}
        document["workers"] = [
            {
                "pid": w.pid,
                "host": w.host,
                "started": w.started.astimezone(UTC).isoformat(timespec="seconds") if w.started else None,
                "connections": w.connections,
                "claimed": w.claimed,
            }
            for w in workers
        ]
    else:
        queue = embedded_queue(settings.data_dir)
        document["queue"] = {"kind": "embedded", "path": str((settings.data_dir / "updates.db").resolve())}
        document["workers"] = None
    document["queue"].update(
        pending=queue.pending, parked=queue.parked, oldest_pending_s=queue.oldest_pending_s
    )
    document["data_dir_in_use"] = _data_dir_holders(settings)
    return document


def _store(settings: Settings) -> dict[str, Any]:
    if settings.qdrant_url:
        return {"kind": "qdrant", "url": _without_credentials(settings.qdrant_url)}
    if settings.memory_store == "pgvector":
        return {"kind": "pgvector", **database_target(settings.database or "")}
    return {"kind": settings.memory_store, "path": str((settings.data_dir / settings.memory_store).resolve())}


def _without_credentials(url: str) -> str:
    """A URL fit to print: no user, password, query or fragment (keys hide there)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}" if parts.scheme else host


def _data_dir_holders(settings: Settings) -> list[int | None] | None:
    """Processes holding the embedded Edge store (`memory.edge.shards` locks `<store>/<collection>.lock`):
    their pids (None when unreadable), `[]` when none; None when the store is not embedded Edge."""
    if settings.qdrant_url or settings.memory_store != "edge":
        return None
    holders: list[int | None] = []
    for lock in sorted((settings.data_dir / "edge").glob("*.lock")):
        held, pid = _probe(lock)
        if held and pid not in holders:
            holders.append(pid)
    return holders


def _probe(lock: Path) -> tuple[bool, int | None]:
    """Whether another process holds `lock`, and its pid (as the holder wrote it) when it does.

    A shared, non-blocking attempt: it fails only while a holder has the exclusive lock. (Should a bot start
    in the very instant the probe holds it, that start reports the directory busy; the probe lets go at once.)
    """
    try:
        fd = os.open(lock, os.O_RDONLY)
    except OSError:
        return False, None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        try:
            return True, int(os.pread(fd, 32, 0).decode().strip())
        except (OSError, ValueError):
            return True, None
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False, None
    finally:
        os.close(fd)


def render(document: dict[str, Any], console: Console) -> None:
    """The document as a person reads it: what is configured, the queue, who works."""
    store, queue = document["store"], document["queue"]
    table = Table(title="memorybot status", title_justify="left", show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    table.add_row("memory store", _describe_store(store))
    table.add_row("data directory", document["data_dir"])
    if queue["kind"] == "postgresql":
        version = queue["schema_version"]
        schema = f"schema v{version}" if version is not None else "no schema yet (no worker has started)"
        table.add_row("update queue", f"PostgreSQL {_where(queue)} ({schema})")
    else:
        table.add_row("update queue", f"embedded ({queue['path']})")
    table.add_row("pending", f"{queue['pending']}" + _oldest(queue["oldest_pending_s"]))
    table.add_row(
        "parked", f"{queue['parked']}" + ("  (`memorybot queue` lists them)" if queue["parked"] else "")
    )
    holders = document["data_dir_in_use"]
    if holders is not None:
        in_use = ", ".join(f"pid {pid}" if pid else "another process" for pid in holders)
        table.add_row(
            "embedded store", f"in use by {in_use}" if holders else "not in use (no bot runs on it)"
        )
    console.print(table)
    workers = document["workers"]
    if workers is None:
        return
    if not workers:
        console.print("No worker is connected to the database.")
        return
    listing = Table(title=f"Workers ({len(workers)})", title_justify="left")
    for column in ("pid", "host", "started", "connections", "claimed"):
        listing.add_column(column, no_wrap=column != "host", overflow="fold")
    for w in workers:
        listing.add_row(
            str(w["pid"] or "?"),
            w["host"] or "?",
            (w["started"] or "?")[:19].replace("T", " ") + (" UTC" if w["started"] else ""),
            str(w["connections"]),
            str(w["claimed"]),
        )
    console.print(listing)


def _describe_store(store: dict[str, Any]) -> str:
    if store["kind"] == "qdrant":
        return f"Qdrant server {store['url']}"
    if store["kind"] == "pgvector":
        return f"pgvector in PostgreSQL {_where(store)}"
    return f"{store['kind']} (embedded, {store['path']})"


def _where(target: dict[str, Any]) -> str:
    user = f"{target['user']}@" if target.get("user") else ""
    port = f":{target['port']}" if target.get("port") else ""
    return f"{user}{target.get('host') or 'localhost'}{port}/{target.get('dbname') or ''}"


def _oldest(age_s: float | None) -> str:
    if age_s is None:
        return ""
    if age_s < 120:
        return f"  (oldest {age_s:.0f} s ago)"
    if age_s < 7200:
        return f"  (oldest {age_s / 60:.0f} min ago)"
    return f"  (oldest {age_s / 3600:.1f} h ago)"

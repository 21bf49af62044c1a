"""The secret that signs forget-all confirmations: one per deployment, so any worker can verify a click.

Embedded: a file in the data directory (`secret.key`). PostgreSQL: a row every worker reads, created once by
whichever worker starts first. `MEMORYBOT_SECRET`, when set, wins over both.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import psycopg

_NAME = "forget-all-confirmations"


def file_secret(data_dir: Path) -> bytes:
    path = data_dir / "secret.key"
    if path.exists():
        return path.read_bytes()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key


def database_secret(url: str) -> bytes:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO mb_secrets (name, value) VALUES (%s, %s) ON CONFLICT (name) DO NOTHING",
            (_NAME, secrets.token_bytes(32)),
        )
        row = conn.execute("SELECT value FROM mb_secrets WHERE name = %s", (_NAME,)).fetchone()
    assert row is not None
    return bytes(row[0])

"""Start-up checks that turn a wrong path or an unreachable server into one line naming the setting to fix.

They run before anything opens a file or a connection, because what fails later (deep inside Mem0, SQLite or
qdrant-client) no longer knows which setting led there.
"""

from __future__ import annotations

import errno
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from bot.errors import DataDirError, ServiceUnreachable, SettingsError
from bot.settings import Settings

QDRANT_CHECK_TIMEOUT_S = 5.0


def check_data_dir(path: Path) -> None:
    """Create `path` if needed and prove it is a directory this process can write to.

    Raises:
        DataDirError: it is a file, cannot be created, or cannot be written (named, with the fix).
    """
    where = f"MEMORYBOT_DATA_DIR={path}"
    try:
        is_file = path.exists() and not path.is_dir()
    except OSError as exc:  # a parent this user may not enter
        raise DataDirError(f"{where} cannot be reached ({_reason(exc)}). {_FIX}") from None
    if is_file:
        raise DataDirError(f"{where} is a file, not a directory: point MEMORYBOT_DATA_DIR at a directory.")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except NotADirectoryError:
        raise DataDirError(
            f"{where} cannot be created: a part of that path is a file. Point MEMORYBOT_DATA_DIR at a "
            "directory."
        ) from None
    except OSError as exc:
        raise DataDirError(f"{where} cannot be created ({_reason(exc)}). {_FIX}") from None
    # os.access is wrong for root and on read-only mounts: the only proof is writing a file.
    probe = path / f".write-check-{uuid.uuid4().hex}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise DataDirError(f"{where} is not writable ({_reason(exc)}). {_FIX}") from None


_FIX = "Make it writable by this user, or point MEMORYBOT_DATA_DIR at a directory that is."


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    return exc.strerror or type(exc).__name__


def check_qdrant_url(url: str) -> None:
    """`QDRANT_URL` must look like `http(s)://host[:port]`.

    Raises:
        SettingsError: it does not, with an example.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(
            f"QDRANT_URL={url!r} is not a URL: give the server's address, e.g. http://localhost:6333, or "
            "unset QDRANT_URL to use the embedded store."
        )
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise SettingsError(f"QDRANT_URL={url!r} has a port that is not a number (e.g. :6333).") from None


async def check_qdrant_server(url: str, api_key: str | None) -> None:
    """The Qdrant server answers and accepts the key (never shown: only the URL is).

    Raises:
        ServiceUnreachable: nothing answers at `url`.
        SettingsError: the server refused `QDRANT_API_KEY`.
    """
    check_qdrant_url(url)
    headers = {"api-key": api_key} if api_key else {}
    try:
        async with httpx.AsyncClient(timeout=QDRANT_CHECK_TIMEOUT_S, trust_env=False) as client:
            response = await client.get(url.rstrip("/") + "/collections", headers=headers)
    except httpx.HTTPError as exc:
        raise ServiceUnreachable(
            f"Cannot reach the Qdrant server at QDRANT_URL={url} ({_http_reason(exc)}). Start it or fix "
            "QDRANT_URL; unset QDRANT_URL to use the embedded store."
        ) from None
    if response.status_code in (401, 403):
        raise SettingsError(
            f"The Qdrant server at {url} rejected QDRANT_API_KEY ({response.status_code}): set the key the "
            "server expects."
        )
    if response.status_code >= 500:
        raise ServiceUnreachable(
            f"The Qdrant server at QDRANT_URL={url} is failing (HTTP {response.status_code}). Try again once "
            "it is healthy."
        )


def _http_reason(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer within {QDRANT_CHECK_TIMEOUT_S:g} s"
    text = " ".join(str(exc).split())
    return text[:120] if text else type(exc).__name__


async def check_start_up(settings: Settings) -> None:
    """Every check that names a setting, in the order a person would fix them."""
    check_data_dir(settings.data_dir)
    if settings.qdrant_url:
        key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
        await check_qdrant_server(settings.qdrant_url, key)

"""The `memorybot` command line (also `python -m memorybot`)."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from bench.cli import bench_app
from bot.errors import NotFound, SettingsError, UsageError
from bot.settings import Settings, load_settings
from bot.types import ChatIdentity, IncomingMessage
from memorybot.cli_guard import GuardedGroup, clean_argv

app = typer.Typer(
    cls=GuardedGroup,
    help="memorybot: a tagging chat bot that remembers each person it talks to.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)
queue_app = typer.Typer(help="Inspect and retry memory updates that kept failing.")
app.add_typer(queue_app, name="queue")
app.add_typer(bench_app, name="bench")
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)
T = TypeVar("T")

UserOpt = Annotated[str | None, typer.Option("--user", help="Console user name (acts on console:<name>).")]
UserIdOpt = Annotated[str | None, typer.Option("--user-id", help="A full memory user id, e.g. slack:T1:U2.")]


def main() -> None:
    """The `memorybot` command: arguments made valid text first (see `clean_argv`)."""
    sys.argv = clean_argv(sys.argv)
    app()


def _settings(*, terminal: bool = True) -> Settings:
    """Settings, a usable data directory, and logging. A person reads a command's stderr, so logs stay at
    WARNING unless LOG_LEVEL says otherwise, and tracebacks go to a file; `terminal=False` (the bot serving
    Slack or Discord) keeps the operator's log as configured."""
    from bot.logs import configure_logging
    from memorybot.startup import check_data_dir

    settings = load_settings()
    check_data_dir(settings.data_dir)
    if terminal and "log_level" not in settings.model_fields_set:
        settings = settings.model_copy(update={"log_level": "WARNING"})
    configure_logging(settings, terminal=terminal)
    return settings


def _run(fn: Callable[[Settings], Coroutine[Any, Any, T]], *, terminal: bool = True) -> T:
    """Run one command's coroutine; its faults reach the command group's boundary (`memorybot.cli_guard`)."""
    return asyncio.run(fn(_settings(terminal=terminal)))


def _user_id(user: str | None, user_id: str | None) -> str:
    from bot.identity import user_id_for

    if (user is None) == (user_id is None):
        raise UsageError("Give exactly one of --user NAME or --user-id ID.")
    if user_id is not None:
        if not user_id.strip():
            raise UsageError("--user-id needs an id, e.g. slack:T1:U2 (see `memorybot memories --help`).")
        return user_id.strip()
    return user_id_for(ChatIdentity(platform="console", user=_name(user)))


def _name(user: str | None, option: str = "--user") -> str:
    """A console user name: any text but an empty one."""
    if user is None or not user.strip():
        raise UsageError(f"{option} needs a name, e.g. {option} alice.")
    return user.strip()


@app.callback(invoke_without_command=True)
def default(ctx: typer.Context) -> None:
    """With no command, `memorybot` is `memorybot run`."""
    if ctx.invoked_subcommand is None:
        run()


@app.command()
def chat(user: Annotated[str, typer.Option("--user", help="Who you are in this chat.")] = "you") -> None:
    """Chat in the terminal (the console adapter)."""
    name = _name(user)

    async def go(settings: Settings) -> None:
        from adapters.console import ConsoleAdapter
        from memorybot.app import build_service

        async with build_service(settings, warm_up=True) as service:
            await ConsoleAdapter(service, user=name).start()

    _run(go)


@app.command()
def ask(
    message: Annotated[str, typer.Argument(help="The message to send.")],
    user: Annotated[str, typer.Option("--user", help="Console user name.")] = "you",
    as_json: Annotated[bool, typer.Option("--json", help="Print the reply as JSON.")] = False,
) -> None:
    """Send one message, print the reply, and exit once its memory update is stored."""
    name = _name(user)

    async def go(settings: Settings) -> dict[str, Any]:
        from memorybot.app import build_service

        async with build_service(settings) as service:
            identity = ChatIdentity(platform="console", user=name, channel="cli")
            reply = await service.handle(IncomingMessage(identity, message))
            await service.drain()
            return {
                "reply": reply.text,
                "tags": reply.tags,
                "memories_used": reply.memories_used,
                "notices": reply.notices,
            }

    result = _run(go)
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
        return
    out.print(result["reply"], markup=False)
    if result["tags"]:
        out.print("tags: " + ", ".join(result["tags"]), markup=False)
    for notice in result["notices"]:
        out.print(f"note: {notice}", markup=False)


@app.command()
def memories(
    user: UserOpt = None,
    user_id: UserIdOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List what memorybot remembers about a user, newest first."""
    uid = _user_id(user, user_id)

    async def go(settings: Settings) -> dict[str, Any]:
        from bot.controls.audit import operator
        from memorybot.app import build_service

        async with build_service(settings) as service:
            await service.drain()  # replay updates a previous process left pending
            return await service.operator_export(uid, actor=operator())  # audited: who read whose, not what

    document = _run(go)
    if as_json:
        print(json.dumps(document, ensure_ascii=False, indent=2))
        return
    if not document["memories"]:
        out.print(f"memorybot remembers nothing about {uid}.", markup=False)
        return
    from rich.table import Table

    from memory.ids import short_id

    # Short ids (as chat shows them) stay on one line at 80 columns; `forget --id` takes them, and
    # `--json` has the full ones.
    table = Table(title=f"Memories of {uid} ({document['count']})", title_justify="left")
    table.add_column("id", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("memory", overflow="fold", ratio=1)
    table.add_column("when", no_wrap=True)
    for item in document["memories"]:
        table.add_row(short_id(item["id"]), item["category"], item["text"], (item["created_at"] or "")[:10])
    out.print(table)


@app.command()
def forget(
    user: UserOpt = None,
    user_id: UserIdOpt = None,
    memory_id: Annotated[str | None, typer.Option("--id", help="Forget this one memory.")] = None,
    everything: Annotated[bool, typer.Option("--all", help="Forget everything about the user.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Forget one memory of a user, or all of them (an operator can honour a deletion request)."""
    uid = _user_id(user, user_id)
    if (memory_id is not None and memory_id.strip() != "") == everything:
        raise UsageError("Give exactly one of --id ID (as `memorybot memories` shows it) or --all.")
    if everything and not yes:
        if not sys.stdin.isatty() and not sys.stdin.readable():
            raise UsageError("Nothing can confirm here: add --yes to forget everything without a question.")
        if not typer.confirm(f"Erase everything memorybot remembers about {uid}?", default=False):
            out.print("Nothing was forgotten.")
            raise typer.Exit(1)

    async def go(settings: Settings) -> int:
        from bot.controls.audit import operator
        from memorybot.app import build_service

        async with build_service(settings) as service:
            # Audited: who erased whose memories and how many, never what they said.
            return await service.operator_forget(
                uid, actor=operator(), memory_id=None if everything else memory_id
            )

    count = _run(go)
    if everything:
        out.print(f"Forgot {count} memories of {uid}.")
    elif count:
        out.print(f"Forgot memory {memory_id}.")
    else:
        raise NotFound(
            f"No memory {memory_id} belongs to {uid} (or the short id matches more than one). "
            f"`memorybot memories --user-id {uid}` lists their ids."
        )


@app.command()
def audit(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
    last: Annotated[int, typer.Option("--last", min=1, help="Only the newest N lines.")] = 100,
) -> None:
    """Who read or erased whose memories, and who switched memory off where (never what a memory says)."""
    from bot.controls.audit import AuditLog
    from bot.errors import ServiceUnreachable
    from state import StateUnavailable, open_audit_trail

    settings = _settings()
    try:  # the data directory's file, or with DATABASE_URL what every worker wrote
        trail = AuditLog(open_audit_trail(settings.data_dir, settings.database))
    except StateUnavailable as exc:
        raise ServiceUnreachable(str(exc)) from None
    try:
        lines = trail.read(last)
    finally:
        trail.close()
    if as_json:
        for line in lines:
            print(json.dumps(line, ensure_ascii=False))
        return
    if not lines:
        out.print("The audit log is empty.")
        return
    from rich.table import Table

    table = Table(title=f"Audit log (last {len(lines)})")
    for column in ("when", "who", "what", "whose / where", "how many", "via"):
        table.add_column(column, overflow="fold")
    for line in lines:
        count = line.get("count")
        table.add_row(
            str(line.get("at", "")),
            str(line.get("actor", "")),
            str(line.get("action", "")),
            str(line.get("target", "")),
            "" if count is None else str(count),
            str(line.get("via", "")),
        )
    out.print(table)


@app.command()
def run() -> None:
    """Start every adapter whose settings are present; the console chat when none is."""
    import os

    from state.status import worker_app_name

    # Every PostgreSQL session of this process carries its pid and host: `memorybot status` lists workers so.
    os.environ["PGAPPNAME"] = worker_app_name()

    async def go(settings: Settings) -> None:
        from memorybot.app import build_service
        from memorybot.runner import serve_until_stopped

        async with build_service(settings, warm_up=True) as service:
            await serve_until_stopped(settings, service)

    _run(go, terminal=_console_only())


@app.command()
def status(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Which store and queue are configured, how the update queue stands, and which workers are live.

    Safe beside a running bot: it opens no vector store and loads no model. Exits 1 when DATABASE_URL is set
    and the database does not answer.
    """
    from memorybot.status import gather, render

    document = gather(_settings())
    if as_json:
        print(json.dumps(document, ensure_ascii=False, indent=2))
        return
    render(document, out)


def _console_only() -> bool:
    """`run` falls back to the console chat: no chat platform is configured."""
    try:
        settings = load_settings()
    except SettingsError:
        return True  # `_run` reports it, to a person
    return not (settings.slack_enabled or settings.discord_enabled)


@app.command()
def migrate(
    to_url: Annotated[str | None, typer.Option("--to-url", help="Qdrant server to copy into.")] = None,
    to_api_key: Annotated[
        str | None,
        typer.Option("--to-api-key", envvar="MIGRATE_QDRANT_API_KEY", help="API key of that server."),
    ] = None,
    to_store: Annotated[
        str | None,
        typer.Option(
            "--to-store",
            help="Store to copy into: edge or qdrant-local (same data directory), or pgvector "
            "(the PostgreSQL at DATABASE_URL).",
        ),
    ] = None,
    reembed: Annotated[
        bool,
        typer.Option("--reembed", help="Re-embed every memory in place with the configured EMBEDDER."),
    ] = False,
) -> None:
    """Copy every memory from the configured store into another one (e.g. embedded → Qdrant cluster), or
    re-embed them all with the configured embedder (`--reembed`, after changing EMBEDDER).

    Stop the bot first (the embedded store is locked while it runs). Afterwards point the settings at the new
    store (`QDRANT_URL=...`). Nothing is deleted from the source.
    """
    if reembed and not (to_url or to_store):
        _reembed(_settings())
        return
    if to_store is not None and to_store not in ("edge", "qdrant-local", "pgvector"):
        raise UsageError(f"--to-store must be edge, qdrant-local or pgvector, not {to_store!r}.")
    if bool(to_url) == bool(to_store):
        raise UsageError(
            "Give exactly one of --to-url URL, --to-store edge|qdrant-local|pgvector or --reembed."
        )
    settings = _settings()
    if to_store == "pgvector" and not settings.database_url:
        raise UsageError("--to-store pgvector copies into the PostgreSQL at DATABASE_URL: set it first.")
    if to_url:
        from memorybot.startup import check_qdrant_server

        asyncio.run(check_qdrant_server(to_url, to_api_key))
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from memory.client import build_vector_store
    from memory.migrate import copy_points

    source = build_vector_store(settings.store_config())
    target_settings = settings.model_copy(
        update={
            "qdrant_url": to_url,
            "qdrant_api_key": None,
            "memory_store": to_store or settings.memory_store,
        }
    )
    if to_url and to_api_key:
        from pydantic import SecretStr

        target_settings = target_settings.model_copy(update={"qdrant_api_key": SecretStr(to_api_key)})
    if not to_url and target_settings.memory_store == settings.memory_store and not settings.qdrant_url:
        raise UsageError(f"The store is already {settings.memory_store}; nothing to do.")
    target = build_vector_store(target_settings.store_config())
    total = len(source.list(filters=None, top_k=10_000_000)[0])
    with Progress(TextColumn("copying memories"), BarColumn(), MofNCompleteColumn(), console=err) as progress:
        task = progress.add_task("copy", total=total)
        copied = copy_points(source, target, on_progress=lambda n: progress.update(task, completed=n))
    for store in (source, target):
        closer = getattr(store, "close", None) or getattr(getattr(store, "client", None), "close", None)
        if closer:
            closer()
    out.print(
        f"Copied {copied} memories. Now point memorybot at the new store "
        f"({'QDRANT_URL=' + to_url if to_url else 'MEMORY_STORE=' + str(to_store)})."
    )
    out.print(_left_behind(settings), markup=False)


def _left_behind(settings: Settings) -> str:
    """The copy leaves the source whole; a person's later `/forget` reaches only the store in use, so the
    operator must hear that the old copy (and its history of changes) is theirs to delete."""
    old = ["the vector store it was copied from"]
    if (settings.data_dir / "history.db").exists():
        old.append(f"{settings.data_dir / 'history.db'} (the history of changes to memories)")
    return (
        f"Nothing was deleted: {' and '.join(old)} still hold every memory. A /forget reaches only the store "
        "memorybot uses, so delete the old copy once the new store works."
    )


def _reembed(settings: Settings) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from memory.client import build_embedder
    from memory.migrate import reembed

    config = settings.store_config()
    columns = (TextColumn(f"re-embedding with {settings.embedder}"), BarColumn(), MofNCompleteColumn())
    try:
        with Progress(*columns, TimeRemainingColumn(), console=err) as progress:
            task = progress.add_task("reembed", total=None)
            count = reembed(
                config,
                build_embedder(config),
                on_progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
    except ValueError as exc:
        raise UsageError(f"Cannot re-embed: {exc}") from None
    out.print(f"Re-embedded {count} memories with EMBEDDER={settings.embedder}; the bot can start again.")


guidance_app = typer.Typer(help="Bot-wide guidance (agent-level memory) that shapes everyone's tags.")
app.add_typer(guidance_app, name="guidance")


@guidance_app.command("list")
def guidance_list() -> None:
    """Show the guidance, oldest first."""

    async def go(settings: Settings) -> list[Any]:
        from memorybot.app import build_service

        async with build_service(settings) as service:
            return await service.store.heuristics()

    records = _run(go)
    if not records:
        out.print('No guidance yet. Add some with `memorybot guidance add "Prefers singular tags"`.')
    for record in records:
        out.print(f"{record.id}  {record.text}", markup=False)


@guidance_app.command("add")
def guidance_add(text: Annotated[str, typer.Argument(help='e.g. "Prefers singular tags"')]) -> None:
    """Add guidance; a person's own stated preferences still override it."""
    if not text.strip():
        raise UsageError('Guidance needs some text, e.g. memorybot guidance add "Prefers singular tags".')

    async def go(settings: Settings) -> list[Any]:
        from memorybot.app import build_service

        async with build_service(settings) as service:
            return await service.add_guidance(text)

    from bot.understanding.records import preference_in

    for record in _run(go):
        pref = preference_in(record)
        meaning = f"  ({pref.key} = {pref.value})" if pref is not None else ""
        out.print(f"Added {record.id}: {record.text}{meaning}", markup=False)
        if pref is None:
            out.print(
                "Not a tag preference memorybot can apply by itself: LLM models read it as text; the offline "
                "model ignores it.",
                markup=False,
            )


@guidance_app.command("remove")
def guidance_remove(
    memory_id: Annotated[str, typer.Argument(help="The id shown by `guidance list`.")],
) -> None:
    """Remove one piece of guidance."""

    async def go(settings: Settings) -> bool:
        from memorybot.app import build_service

        async with build_service(settings) as service:
            from memory.ids import resolve_short_id

            full = resolve_short_id(memory_id, [r.id for r in await service.store.heuristics()])
            return bool(full) and await service.remove_guidance(full or "")

    if not _run(go):
        raise NotFound(f"No guidance with id {memory_id}; `memorybot guidance list` shows their ids.")
    out.print("Removed.")


@guidance_app.command("suggestions")
def guidance_suggestions() -> None:
    """Corrections that several people made, proposed as guidance for everyone (accept or reject them)."""

    async def go(settings: Settings) -> list[Any]:
        from memorybot.app import build_service

        async with build_service(settings) as service:
            return service.guidance_suggestions()

    from bot.understanding.render import memory_text

    suggestions = _run(go)
    if not suggestions:
        out.print("No suggestions: no correction has come from several people yet.")
    for item in suggestions:
        out.print(
            f"{item.id}  {memory_text(item.preference)}  (corrected by {item.people} people)", markup=False
        )


def _decide(suggestion_id: str, *, accept: bool) -> None:
    async def go(settings: Settings) -> Any:
        from memorybot.app import build_service

        async with build_service(settings) as service:
            return await service.decide_suggestion(suggestion_id, accept=accept)

    decided = _run(go)
    if decided is None:
        err.print(f"No pending suggestion with id {suggestion_id}. See `memorybot guidance suggestions`.")
        raise typer.Exit(1)
    out.print("Accepted: it is guidance for everyone now." if accept else "Rejected.")


@guidance_app.command("accept")
def guidance_accept(
    suggestion_id: Annotated[str, typer.Argument(help="The id shown by `guidance suggestions`.")],
) -> None:
    """Accept a suggestion: it becomes bot-wide guidance (a person's own preferences still win)."""
    _decide(suggestion_id, accept=True)


@guidance_app.command("reject")
def guidance_reject(
    suggestion_id: Annotated[str, typer.Argument(help="The id shown by `guidance suggestions`.")],
) -> None:
    """Reject a suggestion; it is not proposed again."""
    _decide(suggestion_id, accept=False)


@app.command()
def compact() -> None:
    """Physically remove deleted memories from the store and Mem0's history (with the bot stopped)."""

    async def go(settings: Settings) -> None:
        from memory.store import Compactable
        from memorybot.app import build_service

        async with build_service(settings) as service:
            if isinstance(service.store, Compactable):
                await service.store.compact()

    _run(go)
    out.print("Compacted.")


def _open_queue(settings: Settings) -> Any:
    from bot.errors import ServiceUnreachable
    from state import StateUnavailable, open_queue

    try:
        return open_queue(settings.data_dir, settings.database)
    except StateUnavailable as exc:
        raise ServiceUnreachable(str(exc)) from None


@queue_app.callback(invoke_without_command=True)
def queue_show(ctx: typer.Context) -> None:
    """Show pending and parked memory updates."""
    if ctx.invoked_subcommand is not None:
        return
    settings = _settings()
    queue = _open_queue(settings)
    parked = queue.parked()
    out.print(f"pending: {queue.pending_count()}  parked: {len(parked)}")
    if not parked:
        out.print("No update is parked.")
    for job in parked:
        out.print(
            f"  {job.key}  user={job.user_id}  attempts={job.attempts}  error={job.error}", markup=False
        )
    queue.close()


@queue_app.command("retry")
def queue_retry(
    key: Annotated[str | None, typer.Argument(help="One job key; all parked when omitted.")] = None,
) -> None:
    """Move parked updates back to pending; the next `memorybot run` applies them."""
    settings = _settings()
    queue = _open_queue(settings)
    try:
        count = queue.retry(key)
    finally:
        queue.close()
    if key is not None and not count:
        raise NotFound(f"No parked update has the key {key!r}; `memorybot queue` lists them.")
    out.print(f"requeued {count} update(s)" if count else "Nothing is parked; nothing to retry.")

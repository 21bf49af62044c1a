"""`bench tags` output: its Markdown tables and its PNG (P@5 per variant and corpus)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

TARGET_RATIO = 1.3
TARGET_P95_MS = 30.0
TARGET_FALSE_POSITIVES = 0.05


def tags_markdown(tags: Mapping[str, Any]) -> str:
    """The variants table, the per-category table, the avoid-politics line and the targets."""
    corpora = list(tags["corpora"])
    docs = ", ".join(f"{name} {tags['corpora'][name]['docs']} docs" for name in corpora)
    lines = [
        f"Tags at {tags['k']} ({docs}; match: {tags['match_rule']}). Time per message on one core "
        f"(CPU {tags['timing'].get('pinned_cpu')}; {tags['timing']['method']}).",
        "",
        "| variant | "
        + " | ".join(f"{c} P@5 / R@5 / F1@5" for c in corpora)
        + " | P@5 vs first row | ms per message p50 / p95 | second pass p50 / p95 | CPU ms p50 / p95 |",
        "|---|" + "---|" * len(corpora) + "---|---|---|---|",
    ]
    for row in tags["variants"]:
        cells = [
            f"{_f(row['corpora'][c]['p_at_5'])} / {_f(row['corpora'][c]['r_at_5'])} / "
            f"{_f(row['corpora'][c]['f1_at_5'])}"
            for c in corpora
        ]
        ratios = " / ".join(f"{_x(row['p_at_5_vs_first'].get(c))}" for c in corpora)
        ms = row["ms_per_message"]
        again = row.get("ms_per_message_second_pass") or {}
        cpu = row.get("cpu_ms_per_message") or {}
        lines.append(
            f"| {row['name']} | "
            + " | ".join(cells)
            + f" | {ratios} | {_ms(ms['p50'])} / {_ms(ms['p95'])} | {_ms(again.get('p50'))} / "
            f"{_ms(again.get('p95'))} | {_ms(cpu.get('p50'))} / {_ms(cpu.get('p95'))} |"
        )
    categories = list(tags["variants"][0]["per_category"]) if tags["variants"] else []
    if categories:
        lines += [
            "",
            "500N-KPCrowd P@5 per category:",
            "",
            "| variant | " + " | ".join(categories) + " |",
            "|---|" + "---|" * len(categories),
        ]
        for row in tags["variants"]:
            cells = [_f(row["per_category"][c]["p_at_5"]) for c in categories]
            lines.append(f"| {row['name']} | " + " | ".join(cells) + " |")
    avoid = tags.get("avoid_politics")
    if avoid:
        lines += [
            "",
            f"Avoids politics (500N-KPCrowd, offline tagger through the tag policy, similarity: "
            f"{avoid['similarity']}): tags of the {avoid['non_political_docs']} non-political stories "
            f"dropped as political {_pct(avoid['false_positive_tag_rate'])} (stories with any dropped: "
            f"{_pct(avoid['false_positive_doc_rate'])}); of the {avoid['political_docs']} political stories, "
            f"{_pct(avoid['political_miss_rate'])} still carry a political tag and "
            f"{_pct(avoid['political_nothing_skipped_rate'])} had nothing dropped.",
        ]
    lines += ["", *_targets(tags)]
    return "\n".join(lines)


def _targets(tags: Mapping[str, Any]) -> list[str]:
    rows = {row["name"]: row for row in tags["variants"]}
    offline = rows.get("offline tagger")
    if offline is None:
        return []
    ratios = offline["p_at_5_vs_first"]
    p95 = offline["ms_per_message"]["p95"]
    out = [
        f"Targets: offline P@5 ≥ {TARGET_RATIO}× the first row on both corpora: "
        + ", ".join(f"{c} {_x(r)} ({_met(r is not None and r >= TARGET_RATIO)})" for c, r in ratios.items())
        + f"; p95 ≤ {TARGET_P95_MS:g} ms: {_ms(p95)} ({_met(p95 is not None and p95 <= TARGET_P95_MS)}; "
        f"second pass {_ms((offline.get('ms_per_message_second_pass') or {}).get('p95'))}, "
        f"CPU time {_ms((offline.get('cpu_ms_per_message') or {}).get('p95'))})",
    ]
    avoid = tags.get("avoid_politics")
    if avoid and avoid.get("false_positive_tag_rate") is not None:
        rate = avoid["false_positive_tag_rate"]
        met = _met(rate <= TARGET_FALSE_POSITIVES)
        out[0] += f"; avoided-topic false positives ≤ 5%: {_pct(rate)} ({met})."
    return out


def plot_tags(tags: Mapping[str, Any], path: Path) -> Path:
    """Grouped bars: P@5 per variant, one group per corpus."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    corpora = list(tags["corpora"])
    variants = tags["variants"]
    figure, axes = plt.subplots(figsize=(8, 4.5))
    width = 0.8 / max(len(variants), 1)
    for offset, row in enumerate(variants):
        xs = [i + (offset - (len(variants) - 1) / 2) * width for i in range(len(corpora))]
        values = [row["corpora"][c]["p_at_5"] for c in corpora]
        bars = axes.bar(xs, values, width, label=row["name"])
        axes.bar_label(bars, fmt="%.3f", fontsize=7)
    axes.set_xticks(range(len(corpora)), corpora)
    axes.set_ylabel("precision at 5 (stemmed exact match)")
    axes.set_title("Keyphrase precision at 5 per tagger")
    axes.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def _f(value: Any) -> str:
    return "–" if value is None else f"{float(value):.3f}"


def _x(value: Any) -> str:
    return "–" if value is None else f"{float(value):.2f}×"


def _ms(value: Any) -> str:
    return "–" if value is None else f"{float(value):.1f}"


def _pct(value: Any) -> str:
    return "–" if value is None else f"{100 * float(value):.1f}%"


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


__all__ = ["plot_tags", "tags_markdown"]

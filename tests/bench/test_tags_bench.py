"""`bench tags` on a tiny corpus written here: the scores, the rule that matches tags, the report and CLI."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.cli import bench_app
from bench.report import RESULTS_FILE, TAGS_SHAPE, markdown, missing_keys, write_results
from bench.tags_bench import TagsBenchConfig, TagVariant, default_variants, is_political, run_tags_bench
from bench.tags_data import KeyphraseDataError, load_corpus, match_key, prf_at
from bench.tags_report import plot_tags

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

SCIENCE = {
    "S1": (
        "Neural networks learn representations from data. Deep neural networks trained with stochastic "
        "gradient descent reach state of the art results on image classification benchmarks, given enough "
        "labelled examples.",
        ["neural networks", "stochastic gradient descent", "image classification"],
    ),
    "S2": (
        "Lattice field theories suffer from the sign problem at nonzero chemical potential. Complex Langevin "
        "dynamics offers a way around it for gauge theories in four dimensions, as simulations on large "
        "lattices show.",
        ["sign problem", "complex Langevin dynamics", "gauge theories"],
    ),
}
NEWS = {
    "sports-1": (
        "Title\nThe Los Angeles Lakers beat the Boston Celtics as LeBron James scored 31 points and the "
        "Lakers won their fourth straight basketball game at home in front of a sold out crowd. The coach "
        "praised the defence.",
        ["Los Angeles Lakers", "Boston Celtics", "LeBron James", "basketball"],
    ),
    "politics_us-1": (
        "Title\nThe senate election campaign turned on voter turnout in swing states, as both parties spent "
        "record sums on television advertising and the president held rallies in Pennsylvania. Polls close "
        "at eight.",
        ["senate", "election campaign", "voter turnout", "president"],
    ),
    "tech-1": (
        "Title\nKubernetes graduates sidecar containers to beta and deprecates the legacy cloud providers, "
        "so cluster operators should migrate to external cloud controller managers before upgrading their "
        "control plane.",
        ["Kubernetes", "sidecar containers", "cloud providers"],
    ),
    "tech-2": ("Too short to count.", ["short"]),
}


def write_corpus(directory: Path, zip_name: str, root: str, docs: dict[str, tuple[str, list[str]]]) -> None:
    with zipfile.ZipFile(directory / zip_name, "w") as archive:
        for doc_id, (text, keys) in docs.items():
            archive.writestr(f"{root}/docsutf8/{doc_id}.txt", text)
            archive.writestr(f"{root}/keys/{doc_id}.key", "\n".join(keys) + "\n")


@pytest.fixture(scope="module")
def keyphrase_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("keyphrase")
    write_corpus(directory, "SemEval2017.zip", "SemEval2017", SCIENCE)
    write_corpus(directory, "500N-KPCrowd-v1.1.zip", "500N-KPCrowd-v1.1", NEWS)
    return directory


@pytest.mark.parametrize(
    ("a", "b"),
    [("machine-learning", "Machine Learning"), ("neural network", "neural networks"),
     ("los-angeles-lakers", "Los Angeles Lakers"), ("gauge theories", "gauge theory")],
)  # fmt: skip
def test_tags_match_gold_after_lowercasing_and_stemming(a: str, b: str) -> None:
    assert match_key(a) == match_key(b)


def test_different_phrases_do_not_match() -> None:
    assert match_key("neural networks") != match_key("deep neural networks")
    assert match_key("lakers") != match_key("los angeles lakers")


def test_precision_divides_by_k_and_repeats_count_once() -> None:
    gold = ["neural networks", "image classification", "benchmarks"]
    assert prf_at(["Neural Networks", "neural-network", "data"], gold) == pytest.approx((0.2, 1 / 3, 0.25))
    assert prf_at([], gold) == (0.0, 0.0, 0.0)


def test_corpus_loading_skips_short_documents_and_reads_categories(keyphrase_dir: Path) -> None:
    news = load_corpus(keyphrase_dir, "500N-KPCrowd")
    assert [d.doc_id for d in news] == ["politics_us-1", "sports-1", "tech-1"]
    assert [d.category for d in news] == ["politics_us", "sports", "tech"]
    assert news[1].keys[0] == "Los Angeles Lakers"
    assert [d.doc_id for d in load_corpus(keyphrase_dir, "500N-KPCrowd", limit=1)] == [
        "politics_us-1",
        "sports-1",
        "tech-1",
    ]
    with pytest.raises(KeyphraseDataError):
        load_corpus(keyphrase_dir / "missing", "SemEval2017")


def test_the_run_scores_every_variant_side_by_side(keyphrase_dir: Path, tmp_path: Path) -> None:
    gold_tagger = TagVariant("gold", lambda text: _gold_for(text)[:5])
    config = TagsBenchConfig(
        keyphrase_dir=keyphrase_dir, variants=[gold_tagger, *default_variants()], pin_core=False
    )
    run = run_tags_bench(config)
    section = run.section
    rows = {row["name"]: row for row in section["variants"]}
    assert list(rows) == ["gold", "yake (top=5, n=3)", "offline tagger", "offline, no subject tag",
                          "offline, statistics only (no embedding, no MMR)"]  # fmt: skip
    # the gold tagger returns every gold key (3 or 4 of them): precision is hits / 5, recall 1
    assert rows["gold"]["corpora"]["SemEval2017"]["p_at_5"] == pytest.approx(0.6)
    assert rows["gold"]["corpora"]["500N-KPCrowd"]["r_at_5"] == pytest.approx(1.0)
    assert rows["gold"]["per_category"]["sports"]["p_at_5"] == pytest.approx(0.8)
    offline = rows["offline tagger"]
    assert offline["corpora"]["500N-KPCrowd"]["p_at_5"] > 0
    assert offline["p_at_5_vs_first"]["SemEval2017"] == pytest.approx(
        offline["corpora"]["SemEval2017"]["p_at_5"] / 0.6, abs=1e-3
    )
    assert len(run.times_ms["offline tagger"]) == 5 and offline["ms_per_message"]["p95"] > 0
    avoid = section["avoid_politics"]
    assert avoid["political_docs"] == 1 and avoid["non_political_docs"] == 2
    assert 0.0 <= avoid["political_miss_rate"] <= 1.0
    document = write_results(tmp_path, "tags", section)
    loaded = json.loads((tmp_path / RESULTS_FILE).read_text(encoding="utf-8"))
    assert loaded == document and missing_keys(loaded) == []
    assert missing_keys(loaded["tags"], TAGS_SHAPE) == []
    text = markdown(loaded)
    assert "| gold | 0.600 / 1.000 / 0.750 |" in text
    assert "500N-KPCrowd P@5 per category" in text and "| politics_us |" in text
    assert "Targets: offline P@5" in text
    png = plot_tags(loaded["tags"], tmp_path / "tags.png")
    assert png.read_bytes()[:8] == PNG_MAGIC


def _gold_for(text: str) -> list[str]:
    for docs in (SCIENCE, NEWS):
        for body, keys in docs.values():
            if body.strip() == text.strip():
                return keys
    return []


def test_political_tags_are_recognised_by_their_words() -> None:
    assert is_political("senate-election-campaign") and is_political("president")
    assert not is_political("sidecar-containers") and not is_political("basketball")


def test_a_missing_keyphrase_dir_says_how_to_point_at_it(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        bench_app, ["tags", "--keyphrase-dir", str(tmp_path / "nope"), "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "--keyphrase-dir" in result.output
    assert not (tmp_path / RESULTS_FILE).exists()


def test_the_command_writes_its_section_and_plot(keyphrase_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        bench_app,
        ["tags", "--keyphrase-dir", str(keyphrase_dir), "--similarity", "words", "--out", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    assert "| offline tagger |" in result.stdout
    loaded = json.loads((tmp_path / RESULTS_FILE).read_text(encoding="utf-8"))
    assert loaded["tags"]["avoid_politics"]["similarity"] == "shared words only"
    assert (tmp_path / "tags_p_at_5.png").read_bytes()[:8] == PNG_MAGIC

"""The `bench` command line: clear errors before any work starts."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bench.cli import bench_app

runner = CliRunner()


def test_a_missing_locomo_file_asks_for_locomo_path(tmp_path: Path) -> None:
    result = runner.invoke(
        bench_app, ["memory", "--locomo", str(tmp_path / "nope.json"), "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "Pass --locomo PATH" in result.output
    assert not (tmp_path / "results.json").exists()


def test_unknown_store_names_are_refused(tmp_path: Path) -> None:
    locomo = tmp_path / "locomo10.json"
    locomo.write_text("[]", encoding="utf-8")
    result = runner.invoke(bench_app, ["memory", "--locomo", str(locomo), "--stores", "edge,redis"])
    assert result.exit_code == 2
    assert "qdrant-local, pgvector" in " ".join(result.output.split())


def test_pgvector_without_a_reachable_postgresql_says_what_to_pass(tmp_path: Path) -> None:
    locomo = tmp_path / "locomo10.json"
    locomo.write_text("[]", encoding="utf-8")
    unreachable = "postgresql://nobody@127.0.0.1:1/none"
    result = runner.invoke(
        bench_app,
        ["memory", "--locomo", str(locomo), "--stores", "pgvector", "--database-url", unreachable],
    )
    assert result.exit_code == 2
    assert "pgvector not measured: cannot connect to --database-url" in result.output

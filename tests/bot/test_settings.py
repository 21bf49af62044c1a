from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.errors import SettingsError
from bot.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]


def _env_name(field: str) -> str:
    alias = Settings.model_fields[field].validation_alias
    return alias if isinstance(alias, str) else field.upper()


def test_every_setting_is_documented_in_env_example() -> None:
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    expected = {_env_name(f) for f in Settings.model_fields}
    assert expected - documented == set()
    assert documented - expected == set()


def test_env_example_as_is_starts_offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text())
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.bot_model == "offline"
    assert not settings.slack_enabled and not settings.discord_enabled


def test_bad_settings_name_the_variable_and_hide_secrets(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOT_MODEL", "gpt4")
    monkeypatch.setenv("SLACK_PORT", "not-a-port")
    monkeypatch.setenv("MEMORY_STORE", "postgres")
    with pytest.raises(SettingsError) as info:
        load_settings()
    message = str(info.value)
    assert "BOT_MODEL" in message and "openai:" in message
    assert "SLACK_PORT" in message
    assert "MEMORY_STORE" in message and "edge" in message
    assert ".env.example" in message


def test_pgvector_without_a_database_says_what_to_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MEMORY_STORE", "pgvector")
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert "DATABASE_URL" in str(info.value) and "?" not in str(info.value)
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot:hunter2@db.example.com/bot")
    settings = load_settings()
    assert settings.database == "postgresql://bot:hunter2@db.example.com/bot"
    assert "hunter2" not in repr(settings)

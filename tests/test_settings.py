"""Settings: defaults run as they are, env overrides, and one-line errors for bad config."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import ConfigError, Settings, load_settings

REPO = Path(__file__).resolve().parents[1]


def test_shipped_config_matches_defaults() -> None:
    """config/parley.toml documents every setting with the code's default, so editing starts there."""
    assert load_settings(REPO / "config" / "parley.toml", env={}) == Settings()


def test_every_setting_is_documented_in_the_toml() -> None:
    import dataclasses
    import tomllib

    raw = tomllib.loads((REPO / "config" / "parley.toml").read_text())
    secrets = {("discord", "token"), ("summary", "llm_api_key")}
    for section in dataclasses.fields(Settings):
        for key in dataclasses.fields(section.default_factory()):  # type: ignore[misc]
            if (section.name, key.name) in secrets:
                continue
            assert key.name in raw[section.name], f"{section.name}.{key.name} missing from parley.toml"


def test_environment_overrides_and_token(tmp_path: Path) -> None:
    env = {
        "PARLEY_DATABASE_PATH": str(tmp_path / "x.db"),
        "PARLEY_FETCH_ALLOW_PRIVATE": "true",
        "PARLEY_FETCH_MAX_BYTES": "2_000_000",
        "PARLEY_DISCORD_API_BASE": "http://127.0.0.1:9/api/v10",
        "DISCORD_TOKEN": "secret-token",
    }
    settings = load_settings(REPO / "config" / "parley.toml", env=env)
    assert settings.database.path == str(tmp_path / "x.db")
    assert settings.fetch.allow_private is True
    assert settings.fetch.max_bytes == 2_000_000
    assert settings.discord.api_base == "http://127.0.0.1:9/api/v10"
    assert settings.discord.token == "secret-token"


@pytest.mark.parametrize(
    ("toml", "env", "expected"),
    [
        ("[fetch]\nmax_bytes = 'lots'\n", {}, "fetch.max_bytes: expected an integer"),
        ("[fetch]\nallow_private = 1\n", {}, "fetch.allow_private: expected true or false"),
        ("[fetch]\nmax_bites = 5\n", {}, "unknown key fetch.max_bites"),
        ("[fetcher]\n", {}, "unknown section [fetcher]"),
        ("[discord]\ntoken = 'abc'\n", {}, "discord.token is a secret"),
        ("[summary]\nbackend = 'gpt'\n", {}, "summary.backend: expected one of"),
        ("[fetch\n", {}, "not valid TOML"),
        ("", {"PARLEY_FETCH_TIMEOUT_S": "soon"}, "environment PARLEY_FETCH_TIMEOUT_S: expected a number"),
    ],
)
def test_bad_config_is_one_line_naming_the_key(
    tmp_path: Path, toml: str, env: dict[str, str], expected: str
) -> None:
    path = tmp_path / "parley.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as info:
        load_settings(path, env=env)
    message = str(info.value)
    assert expected in message
    assert "\n" not in message


def test_missing_config_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path / "nope.toml", env={})

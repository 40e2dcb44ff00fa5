"""load_settings: defaults < config.toml < LLMOS_* environment < overrides, and clear errors.

The autouse ``private_home`` fixture points XDG_CONFIG_HOME at tmp_path and clears LLMOS_* and
OPENAI_* variables (then sets LLMOS_THREADS=1), so each test writes its own config file.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from llmchain_os.config import ConfigError, Settings, config_file, load_settings


def write_config(text: str) -> Path:
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "llmchain-os" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_config_file_lives_under_xdg_config_home() -> None:
    expected = Path(os.environ["XDG_CONFIG_HOME"]) / "llmchain-os" / "config.toml"
    assert config_file() == expected


def test_without_file_or_environment_the_defaults_apply() -> None:
    assert load_settings(environ={}) == Settings()
    assert Settings().n_ctx == 2048
    assert Settings().model_path is None


def test_config_file_values_are_read() -> None:
    write_config('n_ctx = 4096\nplanner = "retrieval"\nmodel_path = "/models/a.gguf"\n')

    settings = load_settings(environ={})

    assert settings.n_ctx == 4096
    assert settings.planner == "retrieval"
    assert settings.model_path == "/models/a.gguf"
    assert settings.max_steps == Settings().max_steps  # untouched keys keep their default


def test_environment_overrides_the_file() -> None:
    write_config("n_ctx = 4096\nmax_steps = 3\n")

    settings = load_settings(environ={"LLMOS_N_CTX": "8192"})

    assert settings.n_ctx == 8192
    assert settings.max_steps == 3


def test_process_environment_is_used_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMOS_MAX_STEPS", "9")
    settings = load_settings()
    assert settings.max_steps == 9
    assert settings.n_threads == 1  # LLMOS_THREADS alias, set by the private_home fixture


def test_overrides_beat_the_environment_and_the_file() -> None:
    write_config("n_ctx = 4096\n")

    settings = load_settings(
        overrides={"n_ctx": 1024, "max_steps": None}, environ={"LLMOS_N_CTX": "8192"}
    )

    assert settings.n_ctx == 1024
    assert settings.max_steps == Settings().max_steps  # None means "flag not given"


def test_llmos_model_is_an_alias_for_model_path() -> None:
    write_config('model_path = "/from/file.gguf"\n')
    settings = load_settings(environ={"LLMOS_MODEL": "/from/env.gguf"})
    assert settings.model_path == "/from/env.gguf"


def test_empty_environment_values_are_ignored() -> None:
    write_config("n_ctx = 4096\n")
    assert load_settings(environ={"LLMOS_N_CTX": "", "LLMOS_MODEL": ""}).n_ctx == 4096


def test_unrelated_llmos_variables_are_ignored() -> None:
    assert load_settings(environ={"LLMOS_NO_SUCH_SETTING": "x"}) == Settings()


def test_broken_toml_raises_config_error_naming_the_file() -> None:
    path = write_config("n_ctx = = 4\n[unclosed\n")

    with pytest.raises(ConfigError) as err:
        load_settings(environ={})

    assert str(path) in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("source", "field"),
    [("file", "n_ctx"), ("env", "n_ctx"), ("file", "planner"), ("file", "bogus_key")],
)
def test_bad_value_raises_one_line_config_error_naming_the_setting(source: str, field: str) -> None:
    value = {"n_ctx": "1", "planner": '"psychic"', "bogus_key": "1"}[field]
    environ = {}
    if source == "file":
        write_config(f"{field} = {value}\n")
    else:
        environ = {f"LLMOS_{field.upper()}": value}

    with pytest.raises(ConfigError) as err:
        load_settings(environ=environ)

    message = str(err.value)
    assert "\n" not in message
    assert field in message


def test_openai_api_key_from_the_environment_is_picked_up() -> None:
    settings = load_settings(
        environ={
            "OPENAI_API_KEY": "sk-test-123456789",
            "OPENAI_BASE_URL": "http://localhost:8000/v1",
        }
    )
    assert settings.cloud_api_key == "sk-test-123456789"
    assert settings.cloud_base_url == "http://localhost:8000/v1"


def test_configured_cloud_key_wins_over_openai_api_key() -> None:
    write_config('cloud_api_key = "sk-from-file-000000"\n')
    settings = load_settings(environ={"OPENAI_API_KEY": "sk-from-env-111111"})
    assert settings.cloud_api_key == "sk-from-file-000000"


def test_redacted_masks_the_api_key_and_keeps_the_rest() -> None:
    settings = load_settings(environ={"OPENAI_API_KEY": "sk-test-123456789"})

    shown = settings.redacted()

    assert shown["cloud_api_key"] == "***"
    assert "sk-test-123456789" not in str(shown)
    assert "sk-test-123456789" not in repr(settings)
    assert shown["n_ctx"] == settings.n_ctx


def test_redacted_without_a_key_shows_none() -> None:
    assert Settings().redacted()["cloud_api_key"] is None

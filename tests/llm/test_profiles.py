"""Profiles from config and the old settings, where keys come from, and the provider plugins."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from llmchain_os.config import ConfigError, ProviderProfile, Settings, load_settings
from llmchain_os.llm import get_model, profile_problem
from llmchain_os.llm.errors import ModelError
from llmchain_os.llm.profiles import api_key, known_keys, profiles
from llmchain_os.llm.providers import Provider, provider_registry


def write_config(text: str) -> None:
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "llmchain-os" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_named_profiles_come_from_config_beside_local_and_the_old_cloud() -> None:
    write_config(
        'cloud_base_url = "http://old.example/v1"\nfallback = ["work", "cloud"]\n'
        '[providers.work]\nbase_url = "http://vllm.example:8000/v1"\nmodel = "qwen"\n'
        'api_key_env = "WORK_KEY"\ntimeout_s = 5\n'
    )
    found = profiles(load_settings(environ={}))
    assert list(found) == ["local", "cloud", "work"]
    assert (found["local"].kind, found["cloud"].base_url) == ("llama-cpp", "http://old.example/v1")
    assert (found["work"].model, found["work"].timeout_s) == ("qwen", 5.0)


def test_openai_env_vars_make_the_cloud_profile() -> None:
    settings = load_settings(
        environ={"OPENAI_API_KEY": "sk-env-0123456789", "OPENAI_BASE_URL": "http://o/v1"}
    )
    assert profiles(settings)["cloud"].base_url == "http://o/v1"
    assert api_key("cloud", profiles(settings)["cloud"], settings) == "sk-env-0123456789"


def test_a_fallback_naming_no_profile_is_a_one_line_config_error() -> None:
    write_config('fallback = ["wrok"]\n')
    with pytest.raises(ConfigError) as err:
        load_settings(environ={})
    assert "wrok" in str(err.value) and "\n" not in str(err.value)


def test_a_key_comes_from_its_env_var_and_a_missing_one_says_so() -> None:
    profile = ProviderProfile(base_url="http://x/v1", model="m", api_key_env="WORK_KEY")
    settings = Settings(providers={"work": profile}, fallback=["work"])
    assert api_key("work", profile, settings, {"WORK_KEY": "wk-1"}) == "wk-1"
    with pytest.raises(ModelError, match=r"\$WORK_KEY, which is not set"):
        api_key("work", profile, settings, {})


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_a_key_file_others_can_read_is_refused(tmp_path: Path, mode: int) -> None:
    key = tmp_path / "key"
    key.write_text("wk-file-9876543210\n")
    key.chmod(mode)
    profile = ProviderProfile(base_url="http://x/v1", model="m", api_key_file=str(key))
    settings = Settings(providers={"work": profile}, fallback=["work"])
    with pytest.raises(ModelError, match="chmod 600"):
        api_key("work", profile, settings)
    key.chmod(0o600)
    assert api_key("work", profile, settings) == "wk-file-9876543210"


def test_keys_never_show_in_settings_repr_config_show_or_the_model_repr(tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_text("wk-file-secret-000111\n")
    key.chmod(0o600)
    profile = ProviderProfile(base_url="http://x/v1", model="m", api_key_file=str(key))
    settings = Settings(
        cloud_base_url="http://c/v1",
        cloud_api_key="sk-cloud-secret-222333",
        providers={"work": profile},
        fallback=["work", "cloud"],
    )
    shown = repr(settings) + str(settings.redacted())
    model = repr(get_model(settings, "work")) + repr(get_model(settings, "cloud"))
    for secret in ("wk-file-secret-000111", "sk-cloud-secret-222333"):
        assert secret not in shown and secret not in model
    assert set(known_keys(settings)) == {"wk-file-secret-000111", "sk-cloud-secret-222333"}


def test_a_profile_of_an_unknown_kind_names_the_installed_ones() -> None:
    profile = ProviderProfile(kind="anthropic", base_url="http://x", model="m")
    settings = Settings(providers={"odd": profile}, fallback=["odd"])
    problem = profile_problem(settings, "odd")
    assert problem is not None and "llama-cpp" in problem and "openai" in problem


class EchoProvider(Provider):
    """A provider an outside package would add."""

    kind = "echo"
    remote = False

    def create(self, profile: Any, settings: Any, key: str | None) -> Any:
        from tests.fakes import ScriptedChatModel

        return ScriptedChatModel(replies=["echo"], model_name=profile.model)


def register_providers(register: Any) -> None:
    register(EchoProvider())


def test_an_installed_plugin_registers_through_the_same_hook_as_the_builtins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entries = [
        SimpleNamespace(name="echo", value="tests.llm.test_profiles", load=lambda: EchoPlugin),
        SimpleNamespace(name="bad", value="nowhere", load=lambda: 42),
    ]
    monkeypatch.setattr("importlib.metadata.entry_points", lambda group: entries)
    provider_registry.cache_clear()
    try:
        registry = provider_registry()
        assert registry.kinds() == ["llama-cpp", "openai", "echo"]
        assert registry.problems and "bad" in registry.problems[0]
        settings = Settings(
            providers={"mine": ProviderProfile(kind="echo", model="e1")}, fallback=["mine"]
        )
        assert get_model(settings, "mine").invoke("hi").content == "echo"
    finally:
        provider_registry.cache_clear()


EchoPlugin = SimpleNamespace(register_providers=register_providers)


def test_a_key_written_into_a_profile_is_refused_without_echoing_it() -> None:
    write_config('[providers.work]\nbase_url = "http://x/v1"\napi_key = "sk-inline-4455667788"\n')
    with pytest.raises(ConfigError) as err:
        load_settings(environ={})
    assert "providers.work.api_key" in str(err.value)
    assert "sk-inline-4455667788" not in str(err.value)

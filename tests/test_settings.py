"""Settings: defaults, environment, config file, loud failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from nervecentre.errors import ConfigError
from nervecentre.settings import Settings, load_settings


def test_defaults_and_sqlite_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, _, _ in Settings.describe():
        monkeypatch.delenv(name, raising=False)
    s = load_settings(data_dir=str(tmp_path))
    assert s.pdq_threshold == 31
    assert s.resolved_database_url == f"sqlite:///{tmp_path.absolute()}/nervecentre.db"


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NERVECENTRE_IMPORT_BATCH_SIZE", "123")
    monkeypatch.setenv("NERVECENTRE_DATABASE_URL", "postgresql+psycopg://u@h/db")
    s = load_settings()
    assert s.import_batch_size == 123 and s.resolved_database_url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize("value", ["abc", "-5", "1.5"])
def test_bad_values_fail_loudly_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("NERVECENTRE_PDQ_THRESHOLD", value)
    with pytest.raises(ConfigError, match="NERVECENTRE_PDQ_THRESHOLD"):
        load_settings()


def test_config_file_and_unknown_keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "nc.toml"
    config.write_text("[nervecentre]\ndemo_cases = 50\n", encoding="utf-8")
    monkeypatch.setenv("NERVECENTRE_CONFIG", str(config))
    monkeypatch.delenv("NERVECENTRE_DEMO_CASES", raising=False)
    assert load_settings().demo_cases == 50
    config.write_text("[nervecentre]\ndemo_casez = 50\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown setting 'demo_casez'"):
        load_settings()
    config.write_text("not = [toml", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot read config"):
        load_settings()


def test_every_setting_is_documented() -> None:
    docs = Path(__file__).resolve().parents[1].joinpath("docs", "settings.md").read_text()
    for name, _, help_text in Settings.describe():
        assert name in docs, f"{name} missing from docs/settings.md"
        assert help_text

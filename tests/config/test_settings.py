from __future__ import annotations

from pathlib import Path

import pytest

from paraguas.config import PROJECT_FILE, find_project_dir, init_project, load_settings
from paraguas.errors import ConfigError, ProjectNotFoundError


def test_defaults_put_both_stores_under_the_project(tmp_path: Path) -> None:
    init_project(tmp_path, "bank")
    settings = load_settings(tmp_path, {})
    assert settings.name == "bank"
    assert settings.store_url == f"sqlite:///{tmp_path.resolve()}/.paraguas/paraguas.db"
    assert settings.artifact_url == str(tmp_path.resolve() / ".paraguas" / "artifacts")
    assert settings.actor  # the login name, whatever it is


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    (tmp_path / PROJECT_FILE).write_text("store_url: sqlite:///a.db\nactor: alice\n")
    settings = load_settings(
        tmp_path,
        {
            "PARAGUAS_ACTOR": "bob",
            "PARAGUAS_ARTIFACT_URL": "memory://art",
            "PARAGUAS_UNRELATED": "ignored",
            "OTHER": "x",
        },
    )
    assert settings.actor == "bob"
    assert settings.artifact_url == "memory://art"
    assert settings.store_url == f"sqlite:///{tmp_path.resolve()}/a.db"


def test_absolute_and_server_urls_are_kept(tmp_path: Path) -> None:
    (tmp_path / PROJECT_FILE).write_text(
        "store_url: postgresql+psycopg://u@db:5432/models\nartifact_url: /data/artifacts\n"
    )
    settings = load_settings(tmp_path)
    assert settings.store_url == "postgresql+psycopg://u@db:5432/models"
    assert settings.artifact_url == "/data/artifacts"


def test_unknown_key_is_named_with_a_suggestion(tmp_path: Path) -> None:
    (tmp_path / PROJECT_FILE).write_text("stor_url: sqlite:///x.db\n")
    with pytest.raises(
        ConfigError, match=r"key 'stor_url' is not a known setting.*Did you mean 'store_url'"
    ):
        load_settings(tmp_path)


def test_wrong_type_names_key_value_and_expectation(tmp_path: Path) -> None:
    (tmp_path / PROJECT_FILE).write_text("store_url: [1, 2]\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path)
    message = str(caught.value)
    assert "key 'store_url'" in message and "[1, 2]" in message and "string" in message


def test_bad_environment_value_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="PARAGUAS_STORE_URL has value ' '"):
        load_settings(tmp_path, {"PARAGUAS_STORE_URL": " "})


def test_malformed_yaml_gives_the_line(tmp_path: Path) -> None:
    (tmp_path / PROJECT_FILE).write_text("name: ok\nstore_url: [unclosed\n")
    with pytest.raises(ConfigError, match=r"cannot be read as YAML at line \d+"):
        load_settings(tmp_path)


def test_a_list_instead_of_a_mapping_is_refused(tmp_path: Path) -> None:
    (tmp_path / PROJECT_FILE).write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_settings(tmp_path)


def test_project_is_found_from_a_subfolder(tmp_path: Path) -> None:
    init_project(tmp_path)
    nested = tmp_path / "models" / "deep"
    nested.mkdir(parents=True)
    assert find_project_dir(nested) == tmp_path.resolve()


def test_missing_project_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(ProjectNotFoundError, match="paraguas init"):
        find_project_dir(tmp_path)


def test_init_never_overwrites(tmp_path: Path) -> None:
    path = init_project(tmp_path, "first")
    with pytest.raises(ConfigError, match="already exists"):
        init_project(tmp_path, "second")
    assert "first" in path.read_text()


def test_init_quotes_odd_folder_names(tmp_path: Path) -> None:
    folder = tmp_path / "a: b #c"
    init_project(folder)
    assert load_settings(folder).name == "a: b #c"

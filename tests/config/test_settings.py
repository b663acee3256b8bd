from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from paraguas.config import PROJECT_FILE, find_project_dir, init_project, load_settings
from paraguas.config.settings import ALERT_EVENTS
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


def test_alerts_default_to_every_event_and_no_webhook(tmp_path: Path) -> None:
    alerts = load_settings(tmp_path, {}).alerts
    assert alerts.webhook is None
    assert alerts.on == ("drift", "retrain", "promotion", "rejection", "failure")
    assert alerts.timeout == 5


def test_alerts_section_is_read_and_the_webhook_kept_secret(tmp_path: Path) -> None:
    (tmp_path / PROJECT_FILE).write_text(
        "alerts:\n"
        "  webhook: https://chat.example/hooks/s3cret\n"
        "  on: [failure, promotion]\n"  # a bare `on` is the boolean True to YAML 1.1
        "  timeout: 2.5\n"
    )
    settings = load_settings(tmp_path, {})
    assert settings.alerts.webhook is not None
    assert settings.alerts.webhook.get_secret_value() == "https://chat.example/hooks/s3cret"
    assert settings.alerts.on == ("failure", "promotion")
    assert settings.alerts.timeout == 2.5
    assert "s3cret" not in repr(settings)


def test_environment_overrides_the_webhook(tmp_path: Path) -> None:
    (tmp_path / PROJECT_FILE).write_text("alerts:\n  webhook: https://a.example/x\n  on: [drift]\n")
    alerts = load_settings(tmp_path, {"PARAGUAS_ALERTS_WEBHOOK": "http://b.example/y"}).alerts
    assert alerts.webhook is not None
    assert alerts.webhook.get_secret_value() == "http://b.example/y"
    assert alerts.on == ("drift",)
    assert load_settings(tmp_path, {"PARAGUAS_ALERTS_WEBHOOK": ""}).alerts.webhook is None


def test_environment_webhook_without_an_alerts_section(tmp_path: Path) -> None:
    alerts = load_settings(tmp_path, {"PARAGUAS_ALERTS_WEBHOOK": "https://c.example/z"}).alerts
    assert alerts.webhook is not None and alerts.on == tuple(ALERT_EVENTS)


@pytest.mark.parametrize(
    "url", ["ftp://chat.example/s3cret", "chat.example/s3cret", "https:///s3cret"]
)
def test_a_webhook_must_be_http_and_is_not_echoed(tmp_path: Path, url: str) -> None:
    (tmp_path / PROJECT_FILE).write_text(f"alerts:\n  webhook: {url}\n")
    with pytest.raises(
        ConfigError, match=r"key 'alerts.webhook' .*expected an http:// or https:// URL"
    ) as caught:
        load_settings(tmp_path)
    assert "s3cret" not in str(caught.value)


def test_a_bad_environment_webhook_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"PARAGUAS_ALERTS_WEBHOOK has value 'mailto://.*'"):
        load_settings(tmp_path, {"PARAGUAS_ALERTS_WEBHOOK": "mailto://ops@example.com/x"})


def test_an_unknown_event_is_named_with_a_suggestion(tmp_path: Path) -> None:
    (tmp_path / PROJECT_FILE).write_text("alerts:\n  on: [failure, promtion]\n")
    with pytest.raises(
        ConfigError,
        match=r"key 'alerts.on' .*event 'promtion' is not known .*Did you mean 'promotion'\?$",
    ):
        load_settings(tmp_path)


def test_an_unknown_alerts_key_is_named_with_a_suggestion(tmp_path: Path) -> None:
    (tmp_path / PROJECT_FILE).write_text("alerts:\n  timout: 3\n")
    with pytest.raises(
        ConfigError,
        match=r"key 'alerts.timout' is not a known setting; known keys under 'alerts': "
        r"webhook, on, timeout. Did you mean 'timeout'",
    ):
        load_settings(tmp_path)


@pytest.mark.parametrize("timeout", ["0", "-1", "soon"])
def test_a_timeout_must_be_positive_seconds(tmp_path: Path, timeout: str) -> None:
    (tmp_path / PROJECT_FILE).write_text(f"alerts:\n  timeout: {timeout}\n")
    with pytest.raises(ConfigError, match=r"key 'alerts\.timeout'"):
        load_settings(tmp_path)


SCORER = hashlib.sha256(b"scorer").hexdigest()
CLERK = hashlib.sha256(b"clerk").hexdigest()


def test_serve_keys_are_read_by_hash_with_their_roles(tmp_path: Path) -> None:
    assert load_settings(tmp_path, {}).serve.keys == ()
    (tmp_path / PROJECT_FILE).write_text(
        "serve:\n  keys:\n"
        f"    - {{sha256: {SCORER.upper()}, roles: [predict], name: web shop}}\n"
        f"    - sha256: {CLERK}\n      roles: actuals+admin\n"
    )
    keys = load_settings(tmp_path, {}).serve.keys
    assert [(k.sha256, k.roles, k.name) for k in keys] == [
        (SCORER, ("predict",), "web shop"),
        (CLERK, ("actuals", "admin"), None),
    ]


def test_serve_keys_from_the_environment_replace_the_file(tmp_path: Path) -> None:
    (tmp_path / PROJECT_FILE).write_text(
        f"serve:\n  keys: [{{sha256: {SCORER}, roles: [admin]}}]\n"
    )
    found = load_settings(tmp_path, {"PARAGUAS_SERVE_KEYS": f"{CLERK}:predict+actuals, "}).serve
    assert [(k.sha256, k.roles) for k in found.keys] == [(CLERK, ("predict", "actuals"))]
    # Set but empty, the variable is ignored: a blank never removes the keys of the file.
    assert load_settings(tmp_path, {"PARAGUAS_SERVE_KEYS": " "}).serve.keys[0].sha256 == SCORER
    # Without a serve section (an empty one alike), the variable alone gives the keys.
    (tmp_path / PROJECT_FILE).write_text("serve:\n")
    assert load_settings(tmp_path, {"PARAGUAS_SERVE_KEYS": f"{CLERK}:admin"}).serve.keys[
        0
    ].roles == ("admin",)


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            "{key: s3cret-value, roles: [predict]}",
            r"entry 2: holds a key in clear \('key'\).*sha256sum",
        ),
        (
            "{sha256: s3cret-value, roles: [predict]}",
            r"entry 2 \(sha256\): expected the sha256.*hashlib",
        ),
        (f"{{sha256: {CLERK}, roles: [write]}}", r"entry 2 \(roles\): roles \['write'\]"),
        (f"{{sha256: {CLERK}, roles: []}}", r"entry 2 \(roles\): no roles: expected one or more"),
        (f"{{sha256: {CLERK}, role: [predict]}}", r"entry 2: 'role' is not a known.*'roles'"),
    ],
)
def test_a_bad_serve_key_is_named_by_position_and_never_repeated(
    tmp_path: Path, entry: str, expected: str
) -> None:
    (tmp_path / PROJECT_FILE).write_text(
        f"serve:\n  keys:\n    - {{sha256: {SCORER}, roles: [predict]}}\n    - {entry}\n"
    )
    with pytest.raises(ConfigError, match=f"paraguas.yaml: serve.keys {expected}") as caught:
        load_settings(tmp_path, {})
    assert "s3cret" not in str(caught.value)


def test_a_clear_key_in_the_environment_is_refused_with_how_to_hash_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path, {"PARAGUAS_SERVE_KEYS": f"{SCORER}:predict,my-s3cret:admin"})
    message = str(caught.value)
    assert message.startswith("PARAGUAS_SERVE_KEYS: entry 2 (sha256): expected the sha256")
    assert "sha256sum" in message and "hashlib" in message and "s3cret" not in message
    with pytest.raises(ConfigError, match=r"PARAGUAS_SERVE_KEYS: entry 1 \(roles\): no roles"):
        load_settings(tmp_path, {"PARAGUAS_SERVE_KEYS": SCORER})


def test_an_unknown_key_under_serve_is_named(tmp_path: Path) -> None:
    (tmp_path / PROJECT_FILE).write_text("serve:\n  kyes: []\n")
    with pytest.raises(ConfigError, match=r"key 'serve.kyes' is not a known.*under 'serve': keys"):
        load_settings(tmp_path, {})

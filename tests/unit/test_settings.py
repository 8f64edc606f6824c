"""Settings come from the environment with embedded defaults."""

from __future__ import annotations

import pytest

from setlist_app.settings import Settings


def test_defaults_are_the_embedded_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "DATABASE_URL",
        "REDIS_URL",
        "SPOTIFY_CLIENT_ID",
        "TICKETMASTER_API_KEY",
        "SETLISTFM_API_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    s = Settings(_env_file=None)
    assert s.database_url.startswith("sqlite:///") and s.database_url.endswith("data/setlist.db")
    assert s.is_sqlite
    assert s.uses_simulator
    assert s.provider_url("ticketmaster") == "http://127.0.0.1:8765/ticketmaster"


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db/app")
    monkeypatch.setenv("ADMIN_EMAILS", " Ann@Example.com, bob@example.com ,")
    monkeypatch.setenv("TICKETMASTER_API_KEY", "k")
    s = Settings(_env_file=None)
    assert not s.is_sqlite
    assert s.admin_emails == ["ann@example.com", "bob@example.com"]
    assert not s.uses_simulator


@pytest.mark.parametrize(
    ("base", "db", "expected"),
    [
        ("redis://127.0.0.1:6379", 2, "redis://127.0.0.1:6379/2"),
        ("redis://127.0.0.1:6379/0", 3, "redis://127.0.0.1:6379/3"),
        ("redis://:pw@host:6380/", 1, "redis://:pw@host:6380/1"),
    ],
)
def test_redis_db_url_replaces_the_db_number(base: str, db: int, expected: str) -> None:
    assert Settings(_env_file=None, redis_url=base).redis_db_url(db) == expected


def test_secret_key_must_not_be_trivially_short() -> None:
    with pytest.raises(ValueError):
        Settings(_env_file=None, secret_key="short")


@pytest.mark.parametrize(
    ("env", "rate"),
    [
        ({}, 12),  # `make run`: the simulator's demo data, so the launcher starts the crowd
        ({"ENVIRONMENT": "prod"}, 0),
        ({"TICKETMASTER_API_KEY": "k"}, 0),  # real data: never demo fans
        ({"DEMO_CROWD_ACTIONS_PER_MINUTE": "0"}, 0),
        ({"DEMO_CROWD_ACTIONS_PER_MINUTE": "30", "ENVIRONMENT": "prod"}, 30),
    ],
)
def test_the_demo_crowd_is_on_in_the_embedded_demo_only(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], rate: int
) -> None:
    for name in ("ENVIRONMENT", "SPOTIFY_CLIENT_ID", "TICKETMASTER_API_KEY", "SETLISTFM_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert Settings(_env_file=None).crowd_rate == rate

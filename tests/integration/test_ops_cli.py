"""The operator CLI of docs/runbook.md (`python -m setlist_app.ops`): each command does what the
runbook says, through the audited admin actions, and refuses anyone but an admin."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from setlist_app import ops
from setlist_app.models import AdminAuditLog, Alert, CronSetting, ErrorLog, ProviderCircuit, SyncJob
from setlist_app.models.users import User
from setlist_app.settings import PROJECT_ROOT
from setlist_app.sync import crons, jobs, registry, status
from tests.fixtures.clock import FakeClock

ADMIN = "ops@setlist.test"


@pytest.fixture
def accounts(session: Session) -> None:
    session.add(User(email=ADMIN, name="Ops", role="admin"))
    session.add(User(email="fan@setlist.test", name="Fan", role="user"))
    session.commit()


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = ops.main(list(argv), out=out)
    return code, out.getvalue()


def test_status_kill_switch_and_refusals(
    accounts: None, session: Session, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run("status")
    assert code == 0 and "health: down" in out and "kill switch: off" in out
    assert run("kill-switch", "on", "--as", ADMIN) == (0, "kill switch on: planners and dispatch paused\n")
    session.expire_all()
    assert status.get_status(session).kill_switch
    assert "kill switch: on" in run("status")[1]
    assert run("kill-switch", "off", "--as", "fan@setlist.test")[0] == 1
    assert run("kill-switch", "off", "--as", "nobody@setlist.test")[0] == 1
    assert "refused: No account with the email nobody@setlist.test" in capsys.readouterr().err
    session.expire_all()
    assert status.get_status(session).kill_switch  # the refusals changed nothing
    assert run("kill-switch", "off", "--as", ADMIN)[0] == 0
    session.expire_all()
    assert not status.get_status(session).kill_switch
    actions = session.exec(select(AdminAuditLog.action).order_by(AdminAuditLog.id)).all()
    assert actions == ["kill_switch.on", "kill_switch.off"]


def test_cron_circuit_and_backlog_commands(accounts: None, session: Session, clock: FakeClock) -> None:
    assert "catalog_sync" in registry.registered_planners()  # the worker's crons, as its startup writes them
    crons.ensure_defaults(session, clock.t)
    for i in range(3):
        jobs.request(session, "catalog_sync", f"artist:{i}", requested_by="planner:catalog_sync", now=clock.t)
    session.commit()

    assert run("cron", "pause", "catalog_sync", "--as", ADMIN) == (0, "cron catalog_sync paused\n")
    session.expire_all()
    assert session.get(CronSetting, "catalog_sync").enabled is False
    assert run("cron", "resume", "catalog_sync", "--as", ADMIN)[0] == 0
    session.expire_all()
    assert session.get(CronSetting, "catalog_sync").enabled is True
    assert run("cron", "pause", "no_such_cron", "--as", ADMIN)[0] == 1

    code, out = run("circuit", "open", "spotify", "--hours", "2", "--as", ADMIN)
    assert code == 0 and out.startswith("spotify circuit open until")
    circuit = session.get(ProviderCircuit, "spotify", populate_existing=True)
    assert circuit.state == "open" and circuit.retry_at == clock.t + timedelta(hours=2)
    assert run("circuit", "close", "spotify", "--as", ADMIN) == (0, "spotify circuit closed\n")
    assert session.get(ProviderCircuit, "spotify", populate_existing=True).state == "closed"

    assert run("cancel-pending", "catalog_sync", "--as", ADMIN) == (
        0,
        "3 pending catalog_sync job(s) cancelled\n",
    )
    session.expire_all()
    assert {j.status for j in session.exec(select(SyncJob))} == {"cancelled"}


def test_alerts_errors_and_acknowledge(accounts: None, session: Session, clock: FakeClock) -> None:
    session.add(
        Alert(key="circuit:spotify", open_key="circuit:spotify", message="The spotify circuit is open")
    )
    session.add(ErrorLog(source="worker", message="catalog_sync failed", count=7))
    session.commit()
    code, out = run("alerts")
    assert code == 0 and "#1 RAISED [circuit:spotify] The spotify circuit is open" in out
    assert "error 1 x7 worker: catalog_sync failed" in run("errors")[1]
    assert run("ack", "1", "--as", ADMIN)[0] == 0
    assert "#1 acknowledged [circuit:spotify]" in run("alerts")[1]
    assert run("ack", "2", "--as", ADMIN)[0] == 1  # no such alert


def test_the_module_runs_as_a_command(engine: Engine) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "setlist_app.ops", "status"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": str(engine.url.render_as_string(hide_password=False))},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("health: down")

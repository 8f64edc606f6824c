"""Operator commands for when the dashboard is not the place (docs/runbook.md): read the sync health,
alerts and errors; pull the kill switch, pause a cron, open or close a provider circuit, cancel a
runaway backlog, acknowledge an alert.

    python -m setlist_app.ops status
    python -m setlist_app.ops kill-switch on --as admin@example.com

Every change goes through the same audited admin actions as the dashboard, as the admin named by
`--as` (an admin account in our database), against the database of `DATABASE_URL`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from sqlmodel import Session, select

from setlist_app.auth.roles import PermissionDenied
from setlist_app.auth.viewer import Viewer
from setlist_app.db import get_engine
from setlist_app.models.users import User
from setlist_app.services.admin import crons, jobs, overview, providers
from setlist_app.services.admin.audit import AdminError

Action = Callable[[Session, argparse.Namespace], str]


def _admin(session: Session, email: str) -> Viewer:
    user = session.exec(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise AdminError(f"No account with the email {email}")
    return Viewer(user_id=user.id, role=user.role, name=user.name or email)


def _status(session: Session, _args: argparse.Namespace) -> str:
    h = overview.health(session)
    age = "never" if h.heartbeat_age_seconds is None else f"{h.heartbeat_age_seconds:.0f} s ago"
    lines = [
        f"health: {h.level}" + (f" - {h.message}" if h.message else ""),
        f"phase: {h.phase}; queue depth {h.queue_depth}; jobs last minute {h.jobs_last_minute}, today {h.jobs_today}",
        f"worker heartbeat: {age}",
        f"kill switch: {'on' if h.kill_switch else 'off'}; planners paused by the budget alarm: "
        f"{'yes' if h.planners_paused else 'no'}",
        f"budget alarm: {h.alert or 'none'}",
        f"open circuits: {h.open_circuits}; write conflicts (total): {h.write_conflicts}",
    ]
    return "\n".join(lines)


def _alerts(session: Session, _args: argparse.Namespace) -> str:
    rows = overview.alert_history(session)
    if not rows:
        return "no alerts"
    return "\n".join(
        f"#{a.id} {'cleared' if a.cleared_at else 'acknowledged' if a.acknowledged_at else 'RAISED'} "
        f"[{a.key}] {a.message} (raised {a.raised_at:%Y-%m-%d %H:%M} UTC; webhook {a.webhook})"
        for a in rows
    )


def _errors(session: Session, args: argparse.Namespace) -> str:
    rows = overview.recent_errors(session, hours=args.hours)
    if not rows:
        return f"no errors in the last {args.hours} h"
    return "\n".join(f"{e.at:%Y-%m-%d %H:%M:%S} {e.ref} x{e.count} {e.source}: {e.message}" for e in rows)


def _kill_switch(session: Session, args: argparse.Namespace) -> str:
    on = overview.set_kill_switch(session, _admin(session, args.as_admin), args.state == "on")
    return "kill switch on: planners and dispatch paused" if on else "kill switch off: planners resume"


def _cron(session: Session, args: argparse.Namespace) -> str:
    crons.set_enabled(session, _admin(session, args.as_admin), args.name, args.action == "resume")
    return f"cron {args.name} {'resumed' if args.action == 'resume' else 'paused'}"


def _circuit(session: Session, args: argparse.Namespace) -> str:
    actor = _admin(session, args.as_admin)
    if args.action == "close":
        providers.reset_provider(session, actor, args.provider)
        return f"{args.provider} circuit closed"
    until = providers.open_provider(session, actor, args.provider, args.hours)
    return f"{args.provider} circuit open until {until:%Y-%m-%d %H:%M} UTC"


def _cancel_pending(session: Session, args: argparse.Namespace) -> str:
    n = jobs.cancel_pending(session, _admin(session, args.as_admin), args.kind)
    return f"{n} pending {args.kind} job(s) cancelled"


def _ack(session: Session, args: argparse.Namespace) -> str:
    key = overview.acknowledge_alert(session, _admin(session, args.as_admin), args.alert_id)
    return f"alert #{args.alert_id} ({key}) acknowledged: no reminders until it clears"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m setlist_app.ops", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)

    def command(name: str, fn: Action, help_: str, *, admin: bool = False) -> argparse.ArgumentParser:
        c = sub.add_parser(name, help=help_)
        c.set_defaults(fn=fn)
        if admin:
            c.add_argument("--as", dest="as_admin", required=True, metavar="EMAIL", help="the acting admin")
        return c

    command("status", _status, "sync health, heartbeat, kill switch, budget alarm")
    command("alerts", _alerts, "the alert history, raised first")
    command("errors", _errors, "recent errors with their counts").add_argument(
        "--hours", type=int, default=24
    )
    command("kill-switch", _kill_switch, "pause (on) or resume (off) every planner", admin=True).add_argument(
        "state", choices=["on", "off"]
    )
    c = command("cron", _cron, "pause or resume one cron", admin=True)
    c.add_argument("action", choices=["pause", "resume"])
    c.add_argument("name")
    c = command("circuit", _circuit, "open a provider circuit by hand, or close it", admin=True)
    c.add_argument("action", choices=["open", "close"])
    c.add_argument("provider", choices=list(providers.PROVIDERS))
    c.add_argument("--hours", type=float, default=6.0, help="how long an opened circuit stays open")
    command("cancel-pending", _cancel_pending, "cancel every pending job of a kind", admin=True).add_argument(
        "kind"
    )
    command("ack", _ack, "acknowledge a raised alert", admin=True).add_argument("alert_id", type=int)
    return p


def main(argv: Sequence[str] | None = None, out: Any = None) -> int:
    """Run one command; 0 on success, 1 when it was refused (the reason on stderr)."""
    args = parser().parse_args(argv)
    out = out or sys.stdout
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            print(args.fn(session, args), file=out)
            session.commit()
        except (AdminError, PermissionDenied, LookupError, ValueError) as exc:
            print(f"refused: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

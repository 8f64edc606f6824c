"""Sync pipeline state: the sync_status singleton, jobs, crons and provider circuits."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from setlist_app.models.base import created_at_field, json_field, utcnow


class JobStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE_JOB_STATUSES = (JobStatus.PENDING, JobStatus.RUNNING)
_ACTIVE_SQL = "status IN ('pending', 'running')"


class SyncStatus(SQLModel, table=True):
    """Singleton row (id = 1) created by the first migration."""

    __tablename__ = "sync_status"

    id: int = Field(default=1, primary_key=True)
    phase: str = Field(default="idle", max_length=32)
    health: str = Field(default="ok", max_length=16)  # status.read_health's level, stored by each tick
    message: str | None = Field(default=None, max_length=500)
    last_success: dict[str, Any] = json_field(dict)  # kind -> iso time
    last_failure: dict[str, Any] = json_field(dict)  # kind -> {"at": iso, "error": str}
    queue_depth: int = 0
    open_circuits: int = 0
    jobs_last_minute: int = 0
    jobs_today: int = 0
    alert: str | None = Field(default=None, max_length=500)
    alert_raised_at: datetime | None = None
    kill_switch: bool = False
    planners_paused: bool = False
    write_conflicts: int = 0
    worker_heartbeat_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class WriteConflict(SQLModel, table=True):
    """Artist write conflicts with their time: the per-hour and per-day figures of the success
    metrics come from here (exact and durable), `sync_status.write_conflicts` is the running total."""

    __tablename__ = "write_conflicts"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, nullable=False, index=True)
    count: int = 1  # conflicts counted by one transaction


class SyncJob(SQLModel, table=True):
    __tablename__ = "sync_jobs"
    __table_args__ = (
        # Single-flight: one pending/running job per (kind, key).
        Index(
            "uq_sync_jobs_active_kind_key",
            "kind",
            "key",
            unique=True,
            postgresql_where=text(_ACTIVE_SQL),
            sqlite_where=text(_ACTIVE_SQL),
        ),
        Index("ix_sync_jobs_status_run_after", "status", "run_after"),
        Index("ix_sync_jobs_created_at", "created_at"),
        # The success metrics count jobs by when they ran and finished (services/success_metrics.py).
        Index("ix_sync_jobs_started_at", "started_at"),
        Index("ix_sync_jobs_finished_at", "finished_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=48)
    key: str = Field(max_length=200)
    status: str = Field(default=JobStatus.PENDING, max_length=16)
    requested_by: str = Field(max_length=100)  # planner:<name> | user:<id> | admin:<id>
    artist_id: int | None = Field(default=None, foreign_key="artists.id", ondelete="SET NULL")
    show_id: int | None = Field(default=None, foreign_key="shows.id", ondelete="SET NULL")
    payload: dict[str, Any] = json_field(dict)
    result: dict[str, Any] = json_field(dict)
    attempts: int = 0
    max_attempts: int = 3
    run_after: datetime = Field(default_factory=utcnow)
    lease_until: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = Field(default=None, max_length=2000)
    created_at: datetime = created_at_field()


class CronSetting(SQLModel, table=True):
    __tablename__ = "cron_settings"

    name: str = Field(primary_key=True, max_length=48)
    description: str = Field(default="", max_length=300)
    enabled: bool = True
    essential: bool = False  # essential planners keep running when the spike alarm pauses the rest
    interval_seconds: int = 3600
    limit_per_run: int = 50
    next_run_at: datetime | None = None
    run_now_requested_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class CronRun(SQLModel, table=True):
    __tablename__ = "cron_runs"
    __table_args__ = (Index("ix_cron_runs_name_started", "name", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=48)
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    status: str = Field(default="running", max_length=16)  # running | succeeded | failed | skipped
    jobs_created: int = 0
    items: int = 0
    error: str | None = Field(default=None, max_length=2000)


class ProviderCircuit(SQLModel, table=True):
    __tablename__ = "provider_circuits"

    provider: str = Field(primary_key=True, max_length=32)
    state: str = Field(default="closed", max_length=16)  # closed | open | half_open
    failures: int = 0
    opened_at: datetime | None = None
    retry_at: datetime | None = None
    last_error: str | None = Field(default=None, max_length=1000)
    updated_at: datetime = Field(default_factory=utcnow)

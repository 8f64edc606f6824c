"""All tables; importing this module registers them on `SQLModel.metadata`."""

from setlist_app.models.base import utcnow
from setlist_app.models.catalog import (
    Artist,
    ArtistSong,
    CatalogStatus,
    ImportStatus,
    Show,
    ShowStatus,
    Song,
    Venue,
)
from setlist_app.models.notifications import Notification, NotificationKind
from setlist_app.models.ops import AdminAuditLog, Alert, ContentFlag, ErrorLog
from setlist_app.models.sync import (
    ACTIVE_JOB_STATUSES,
    CronRun,
    CronSetting,
    JobStatus,
    ProviderCircuit,
    SyncJob,
    SyncStatus,
    WriteConflict,
)
from setlist_app.models.users import Identity, OAuthToken, Role, User, UserSpotifyArtist
from setlist_app.models.voting import (
    Activity,
    ActualSetlist,
    ActualSetlistSong,
    Follow,
    Prediction,
    PredictionSong,
    PredictionStatus,
    Vote,
)

__all__ = [
    "ACTIVE_JOB_STATUSES",
    "Activity",
    "ActualSetlist",
    "ActualSetlistSong",
    "AdminAuditLog",
    "Alert",
    "Artist",
    "ArtistSong",
    "CatalogStatus",
    "ContentFlag",
    "CronRun",
    "CronSetting",
    "ErrorLog",
    "Follow",
    "Identity",
    "ImportStatus",
    "JobStatus",
    "Notification",
    "NotificationKind",
    "OAuthToken",
    "Prediction",
    "PredictionSong",
    "PredictionStatus",
    "ProviderCircuit",
    "Role",
    "Show",
    "ShowStatus",
    "Song",
    "SyncJob",
    "SyncStatus",
    "User",
    "UserSpotifyArtist",
    "Venue",
    "Vote",
    "WriteConflict",
    "utcnow",
]

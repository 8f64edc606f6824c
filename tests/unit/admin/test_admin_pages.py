"""Every admin state built on `AdminPage` reads its own rows: `_refresh` is the mixin's one hook (its
default raises), so a state that forgot it would fail on first load instead of at import."""

from __future__ import annotations

from setlist_app.state.admin import (
    artists,
    audit,
    crons,
    jobs,
    moderation,
    overview,
    providers,
    users,
)
from setlist_app.state.admin.page import AdminPage

STATES = [
    artists.AdminArtistsState,
    audit.AdminAuditState,
    crons.AdminCronsState,
    jobs.AdminJobsState,
    moderation.AdminModerationState,
    overview.AdminOverviewState,
    providers.AdminProvidersState,
    users.AdminUsersState,
]


def test_every_admin_page_state_implements_refresh() -> None:
    for state in STATES:
        assert issubclass(state, AdminPage)
        assert "_refresh" in vars(state), f"{state.__name__} does not read its rows (_refresh)"
